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

from api.witness.transport import TransportError
from certificates.errors import CertificateError
from lca.errors import LcaError
from ledger import (
    Database,
    Ed25519PrivateKey,
    Ledger,
    LedgerError,
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
PACKAGE_ERRORS = (LedgerError, LcaError, TraceabilityError, CertificateError, TransportError)


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
    """Open the ledger at ``db``; with ``write`` also load the operator key."""
    home_dir = resolve_home(home)
    database = Database(db or default_url(home_dir))
    key: Ed25519PrivateKey | None = None
    if write:
        key = load_private_key(operator_key_path(home_dir), passphrase())
    return Ledger(database, key)


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
