"""The engines ``ledger.store.db`` builds: how PostgreSQL plans the statements it runs again and again."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ledger.log.entry import Submission
from ledger.log.keys import generate_key, public_key_b64
from ledger.store.append import Ledger
from ledger.store.db import Database

_PLANS = "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) FROM pg_prepared_statements"


@pytest.mark.postgres
def test_postgresql_statements_are_prepared_but_planned_per_execution(pg_url: str) -> None:
    """psycopg prepares a statement from its fifth run; a generic plan made then, for a log of a few
    rows, went stale as the log grew (the replay lookup scanned its bound digests linearly: three
    10,000-entry batches ran at 7,500, 1,500 and 800 entries/s). The append's statements are prepared
    (parsed once) and planned for each execution: never a generic plan."""
    operator = generate_key()
    ledger = Ledger.create(Database(pg_url), operator, origin="plans.tanji.test/log")
    key = public_key_b64(generate_key().public_key())
    for i in range(8):  # single appends run the same statements again and again
        payload = {"id": f"B-{i}", "name": f"Buyer {i}", "role": "buyer", "public_key": key}
        ledger.append([Submission.create("actor.register", "operator", payload, operator)])
    with ledger.db.read_session() as s:  # the pool's one connection, which ran the appends
        mode = s.execute(text("SHOW plan_cache_mode")).scalar()
        generic, custom = s.execute(text(_PLANS)).one()
    ledger.db.dispose()
    assert mode == "force_custom_plan"
    assert generic == 0 and custom > 0
