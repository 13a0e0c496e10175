"""Witnessing over HTTP: the C2SP ``tlog-witness`` server, the log's client, and monitors.

The decisions are pure code in ``ledger.log`` (``witness``, ``cosignature``,
``policy``, ``consistency``) and the witness's durable state is
``ledger.store.witness_home``; this package only moves bytes over HTTP.
"""
