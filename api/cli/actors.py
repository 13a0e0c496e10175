"""``tanji actor register|rotate-key``: actors and their keys, signed by whoever may register them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.context import DbOption, HomeOption, JsonOption, errors_to_exit
from api.cli.signing import ClientIdOption, DryRunOption, KeyOption, KeysOption, Signing
from ledger import load_public_key, public_key_b64
from ledger.kinds.actors import ROLES

app = typer.Typer(help="Actors: register them and rotate their keys.", no_args_is_help=True)

PublicKeyOption = Annotated[
    str | None,
    typer.Option("--public-key", help="Base64 raw Ed25519 public key from `tanji keys new`."),
]
PublicKeyFileOption = Annotated[
    Path | None,
    typer.Option("--public-key-file", help="PEM public key (ACTOR.pub of `tanji keys new`)."),
]
SignerOption = Annotated[
    str | None, typer.Option("--as", help="Actor who signs (default: the ledger operator).")
]


def _public_key(text: str | None, path: Path | None) -> str:
    if (text is None) == (path is None):
        raise typer.BadParameter("give exactly one of --public-key and --public-key-file")
    return text if text is not None else public_key_b64(load_public_key(path))  # type: ignore[arg-type]


@app.command("register")
def register(
    actor_id: Annotated[str, typer.Argument(help="The new actor's id.")],
    name: Annotated[str, typer.Option("--name", help="Its name.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    public_key: PublicKeyOption = None,
    public_key_file: PublicKeyFileOption = None,
    uscc: Annotated[
        str | None, typer.Option("--uscc", help="Unified Social Credit Code (统一社会信用代码).")
    ] = None,
    signer: SignerOption = None,
    key: KeyOption = None,
    keys: KeysOption = None,
    client_id: ClientIdOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Append an actor.register entry (the operator registers anyone; a park its enterprises,
    generators, verifiers, buyers and gateways)."""
    with errors_to_exit(as_json):
        payload: dict[str, Any] = {
            "id": actor_id,
            "name": name,
            "role": role,
            "public_key": _public_key(public_key, public_key_file),
        }
        if uscc:
            payload["uscc"] = uscc
    Signing(
        key=key, keys=keys, client_id=client_id, dry_run=dry_run, db=db, home=home, as_json=as_json
    ).append_and_report("actor.register", signer, payload, f"actor {actor_id} ({role}) registered")


@app.command("rotate-key")
def rotate_key(
    actor_id: Annotated[str, typer.Argument(help="The actor whose key changes.")],
    public_key: PublicKeyOption = None,
    public_key_file: PublicKeyFileOption = None,
    signer: Annotated[
        str | None, typer.Option("--as", help="Who signs: the actor itself (old key) or the operator.")
    ] = None,
    key: KeyOption = None,
    keys: KeysOption = None,
    client_id: ClientIdOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Append an actor.rotate_key entry: entries after it must be signed with the new key."""
    with errors_to_exit(as_json):
        payload = {"actor_id": actor_id, "public_key": _public_key(public_key, public_key_file)}
    Signing(
        key=key, keys=keys, client_id=client_id, dry_run=dry_run, db=db, home=home, as_json=as_json
    ).append_and_report("actor.rotate_key", signer or actor_id, payload, f"key of {actor_id} rotated")
