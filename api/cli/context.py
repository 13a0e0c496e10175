"""Shared CLI plumbing: where the data lives, opening the ledger, printing errors."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from api.pact.requesters import RequestersError
from api.witness.transport import TransportError
from certificates.errors import CertificateError
from lca.errors import LcaError
from ledger import (
    Database,
    Ledger,
    LedgerError,
    NotFound,
    StorageError,
    default_url,
    load_private_key,
    tanji_home,
)
from traceability.errors import TraceabilityError

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="SQLAlchemy database URL (default: $TANJI_DB or the SQLite file under TANJI_HOME)."
    ),
]
HomeOption = Annotated[
    Path | None, typer.Option("--home", help="Data directory (default: $TANJI_HOME or ~/.local/share/tanji).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]

OPERATOR_KEY = "keys/operator.pem"
# The exception roots of the packages (STYLE.md habit 5): each carries a code and diagnostics().
PACKAGE_ERRORS = (LedgerError, LcaError, TraceabilityError, CertificateError, TransportError, RequestersError)


def resolve_home(home: Path | None) -> Path:
    """The data directory to use."""
    return (home or tanji_home()).expanduser()


def operator_key_path(home: Path) -> Path:
    """Where the operator's private key lives."""
    return home / OPERATOR_KEY


def passphrase() -> bytes | None:
    """The key passphrase from ``$TANJI_KEY_PASSPHRASE``, if set."""
    value = os.environ.get("TANJI_KEY_PASSPHRASE")
    return value.encode() if value else None


def open_ledger(db: str | None, home: Path | None, *, write: bool = False) -> Ledger:
    """Open the existing ledger at ``db``; with ``write`` also load the operator key.

    A missing ledger is ``NotFound`` (``ledger.missing``) and nothing is created: no
    SQLite file, no directory, no tables (only ``tanji init`` creates a ledger).
    """
    home_dir = resolve_home(home)
    url = db or default_url(home_dir)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise NotFound(
                f"no ledger at {path}: run `tanji init`, or name it with --db URL or --home DIR",
                code="ledger.missing",
            )
    ledger = Ledger(Database(url), None)
    try:
        ledger.info()
    except StorageError as e:  # no tables: a database that is not a Tanji ledger (other failures stay)
        if "no such table" not in e.message and "UndefinedTable" not in e.message:
            raise
        raise NotFound(f"no ledger in the database at {url}: run `tanji init`", code="ledger.missing") from e
    if write:
        ledger = Ledger(ledger.db, load_private_key(operator_key_path(home_dir), passphrase()))
    return ledger


def emit(value: Any, as_json: bool, text: str | None = None) -> None:
    """Print ``value`` as JSON, or ``text`` when given and JSON was not asked for."""
    if as_json or text is None:
        typer.echo(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        typer.echo(text)


@contextmanager
def errors_to_exit(as_json: bool = False) -> Iterator[None]:
    """Turn every package's errors into a message on stderr (or JSON on stdout) and exit code 2."""
    try:
        yield
    except PACKAGE_ERRORS as e:
        if as_json:
            typer.echo(json.dumps({"error": e.diagnostics()}, ensure_ascii=False, indent=2, default=str))
        else:
            typer.echo(f"error: {e}", err=True)
        sys.exit(2)
