"""Shared fixtures: a database URL per backend (the storage contract runs on both).

SQLite always runs. PostgreSQL runs when ``TANJI_TEST_PG_URL`` is set; each test
gets a scratch database created there and dropped afterwards. Under
``CI=true`` an unset or unreachable PostgreSQL fails instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledger.log.entry import Submission
from ledger.log.keys import Ed25519PrivateKey, generate_key, public_key_b64
from ledger.store.append import Ledger
from ledger.store.db import Database, sqlite_url

PG_ENV = "TANJI_TEST_PG_URL"


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {PG_ENV} is not set: PostgreSQL tests must run in CI")
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database; dropped after the test."""
    admin_url = _pg_admin_url()
    assert admin_url is not None
    name = f"tanji_t_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:  # noqa: BLE001 - any connection failure
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {admin_url} unreachable under CI=true: {e}")
        pytest.skip(f"PostgreSQL unreachable: {e}")
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def _footprint_brightway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The ledger re-computes footprints (``lca.warm``) in a Brightway project of the test session,
    never in ``TANJI_HOME``."""
    from lca.warm import configure

    configure(tmp_path_factory.mktemp("brightway-warm"))
    yield
    configure()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database on each backend."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "tanji.db")
    return str(request.getfixturevalue("pg_url"))


class Park:
    """A small ledger with keys for its actors, for tests to append to."""

    def __init__(self, ledger: Ledger, keys: dict[str, Ed25519PrivateKey]) -> None:
        self.ledger = ledger
        self.keys = keys

    def sign(
        self, kind: str, actor: str, payload: dict[str, object], client_id: str | None = None
    ) -> Submission:
        """A submission signed with ``actor``'s key."""
        return Submission.create(kind, actor, payload, self.keys[actor], client_id=client_id)

    def register(self, actor_id: str, role: str, registrar: str = "operator") -> Ed25519PrivateKey:
        """Register an actor with a fresh key and return the key."""
        key = generate_key()
        self.keys[actor_id] = key
        self.ledger.append(
            [
                self.sign(
                    "actor.register",
                    registrar,
                    {
                        "id": actor_id,
                        "name": f"Actor {actor_id}",
                        "role": role,
                        "public_key": public_key_b64(key.public_key()),
                    },
                )
            ]
        )
        return key


@pytest.fixture
def make_park(db_url: str) -> Callable[[], Park]:
    """Factory for a fresh ledger on the backend under test, with the operator registered."""

    def make() -> Park:
        operator = generate_key()
        ledger = Ledger.create(Database(db_url), operator, origin="test.tanji/ledger")
        return Park(ledger, {"operator": operator})

    return make


# -- energy records (issue 3) ----------------------------------------------------------


def setup_energy_park(park: Park) -> Park:
    """Register a park with two enterprises, a generator, a gateway and a registry, and their meters.

    Meters: C-1, C-2 (E-1, consumption; C-2 read by gateway GW-1), C-3 (E-2, consumption),
    W-1 (G-1, wind), S-1 (G-1, solar), X-1 (E-1, grid_import, boundary). The park's time zone is
    the default, Asia/Shanghai. (C-2 is a meter of its own, not a sub-meter of C-1: sub-meters are
    counted inside their parents, see ``tests/ledger/attribution/test_claims.py``.)
    """
    for actor, role in (
        ("E-1", "enterprise"),
        ("E-2", "enterprise"),
        ("G-1", "generator"),
        ("GW-1", "gateway"),
        ("R-1", "registry"),
    ):
        park.register(actor, role)
    meters: list[dict[str, object]] = [
        {"id": "C-1", "owner": "E-1", "park": "P-1", "kind": "consumption"},
        {
            "id": "C-2",
            "owner": "E-1",
            "park": "P-1",
            "kind": "consumption",
            "gateway": "GW-1",
        },
        {"id": "C-3", "owner": "E-2", "park": "P-1", "kind": "consumption"},
        {"id": "W-1", "owner": "G-1", "park": "P-1", "kind": "generation", "technology": "wind"},
        {"id": "S-1", "owner": "G-1", "park": "P-1", "kind": "generation", "technology": "solar"},
        {"id": "X-1", "owner": "E-1", "park": "P-1", "kind": "grid_import", "boundary": True},
    ]
    park.ledger.append(
        [
            park.sign(
                "park.register",
                "operator",
                {"id": "P-1", "name": "Baotou Zero-Carbon Park", "level": "autonomous_region"},
            )
        ]
        + [park.sign("meter.register", "operator", m) for m in meters]
    )
    return park


@pytest.fixture
def make_energy_park(make_park: Callable[[], Park]) -> Callable[[], Park]:
    """Factory for a ledger set up by ``setup_energy_park`` on the backend under test."""
    return lambda: setup_energy_park(make_park())
