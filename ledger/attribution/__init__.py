"""Hourly green-power attribution: who used which green energy, hour by hour.

The pure part: ``records`` (inputs), ``engine`` (the algorithm), ``result``,
``invariants``, ``encoding`` (table and hashes), ``allocation`` (allocation
keys), ``shares`` (the green shares). The storage part: ``inputs`` loads a
month from the database, ``kind`` records runs in the ledger, ``runner`` runs
and re-runs them, ``store``/``totals``/``reports``/``compliance`` read them.
"""
