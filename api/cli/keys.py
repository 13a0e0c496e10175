"""``tanji keys new|show``: an actor's Ed25519 key pair and the line that registers it."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from api.cli.context import JsonOption, emit, errors_to_exit, passphrase, resolve_home
from ledger import (
    generate_key,
    load_private_key,
    public_key_b64,
    save_private_key,
    save_public_key,
)
from ledger.errors import KeyFileError
from ledger.kinds.actors import ROLES

app = typer.Typer(help="Actor keys (Ed25519): make one, show its public key.", no_args_is_help=True)

OutOption = Annotated[Path | None, typer.Option("--out", help="Key directory (default: TANJI_HOME/keys).")]


def _paths(actor: str, out: Path | None, home: Path | None) -> tuple[Path, Path]:
    if "/" in actor or actor.startswith(".") or not actor:
        raise KeyFileError(f"actor id {actor!r} cannot name a key file", code="key.bad_name")
    directory = out or resolve_home(home) / "keys"
    return directory / f"{actor}.pem", directory / f"{actor}.pub"


def _register_line(actor: str, public_key: str, name: str | None, role: str | None) -> str:
    return " ".join(
        [
            "tanji actor register",
            shlex.quote(actor),
            "--name",
            shlex.quote(name or actor),
            "--role",
            role or "ROLE",
            "--public-key",
            public_key,
        ]
    )


def _answer(
    actor: str, pem: Path, pub: Path, public_key: str, name: str | None, role: str | None
) -> dict[str, str]:
    return {
        "actor": actor,
        "private_key": str(pem),
        "public_key_file": str(pub),
        "public_key": public_key,
        "register": _register_line(actor, public_key, name, role),
    }


@app.command("new")
def new(
    actor: Annotated[str, typer.Argument(help="The actor id the key is for (names the files).")],
    out: OutOption = None,
    name: Annotated[str | None, typer.Option("--name", help="Name for the registration line.")] = None,
    role: Annotated[
        str | None, typer.Option("--role", help=f"Role for the registration line: {', '.join(ROLES)}.")
    ] = None,
    home: Annotated[
        Path | None, typer.Option("--home", help="Data directory (default: $TANJI_HOME).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write ACTOR.pem (private, mode 0600; encrypted with $TANJI_KEY_PASSPHRASE when set) and ACTOR.pub,
    and print the public key and the `tanji actor register` line for the registrar to run."""
    if role is not None and role not in ROLES:
        raise typer.BadParameter(f"{role!r} is not one of {', '.join(ROLES)}", param_hint="--role")
    with errors_to_exit(as_json):
        pem, pub = _paths(actor, out, home)
        key = generate_key()
        save_private_key(key, pem, passphrase())
        save_public_key(key.public_key(), pub)
    answer = _answer(actor, pem, pub, public_key_b64(key.public_key()), name, role)
    emit(
        answer,
        as_json,
        f"private key {pem} (mode 0600), public key {pub}\n"
        f"public key (base64) {answer['public_key']}\n"
        f"register it (the operator, or the park for its members):\n  {answer['register']}",
    )


@app.command("show")
def show(
    actor: Annotated[str, typer.Argument(help="The actor id whose key to show.")],
    out: OutOption = None,
    name: Annotated[str | None, typer.Option("--name", help="Name for the registration line.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="Role for the registration line.")] = None,
    home: Annotated[
        Path | None, typer.Option("--home", help="Data directory (default: $TANJI_HOME).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Print the public key of ACTOR's private key file and its registration line."""
    with errors_to_exit(as_json):
        pem, pub = _paths(actor, out, home)
        public = public_key_b64(load_private_key(pem, passphrase()).public_key())
    answer = _answer(actor, pem, pub, public, name, role)
    emit(answer, as_json, f"public key (base64) {public}\n  {answer['register']}")
