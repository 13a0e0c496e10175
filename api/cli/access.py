"""``tanji access grant|revoke``: who may read an enterprise's trail or footprints, as ledger entries."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from api.cli.context import DbOption, HomeOption, JsonOption
from api.cli.signing import ClientIdOption, DryRunOption, KeyOption, KeysOption, Signing

app = typer.Typer(
    help="Access grants: share a trail with a verifier, footprints with a buyer.", no_args_is_help=True
)

GrantorOption = Annotated[str, typer.Option("--as", help="The enterprise that grants (and signs).")]


@app.command("grant")
def grant(
    grantee: Annotated[
        str, typer.Argument(help="Who gets access: a verifier (trail) or a buyer (footprints).")
    ],
    grantor: GrantorOption,
    scope: Annotated[
        str, typer.Option("--scope", help="trail (a verifier reads every entry) or footprints (a buyer).")
    ],
    product_ids: Annotated[
        list[str] | None,
        typer.Option("--product-id", help="With footprints: only these product URNs (repeatable)."),
    ] = None,
    key: KeyOption = None,
    keys: KeysOption = None,
    client_id: ClientIdOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Append an access.grant entry; its seq is the grant's id (for revoke)."""
    payload: dict[str, Any] = {"grantee": grantee, "scope": scope}
    if product_ids:
        payload["product_ids"] = product_ids
    Signing(
        key=key, keys=keys, client_id=client_id, dry_run=dry_run, db=db, home=home, as_json=as_json
    ).append_and_report("access.grant", grantor, payload, f"{scope} of {grantor} granted to {grantee}")


@app.command("revoke")
def revoke(
    grant_seq: Annotated[int, typer.Argument(min=0, help="The seq of the access.grant entry to end.")],
    grantor: GrantorOption,
    key: KeyOption = None,
    keys: KeysOption = None,
    client_id: ClientIdOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Append an access.revoke entry ending the grant at GRANT_SEQ (by its grantor)."""
    Signing(
        key=key, keys=keys, client_id=client_id, dry_run=dry_run, db=db, home=home, as_json=as_json
    ).append_and_report("access.revoke", grantor, {"grant_seq": grant_seq}, f"grant {grant_seq} revoked")
