"""``tanji meter register|retire`` and ``tanji park register``: the places energy is measured."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from api.cli.context import DbOption, HomeOption, JsonOption
from api.cli.signing import ClientIdOption, DryRunOption, KeyOption, KeysOption, Signing

app = typer.Typer(help="Meters: register and retire them.", no_args_is_help=True)

SignerOption = Annotated[
    str | None,
    typer.Option("--as", help="Actor who signs (default: the ledger operator; or the park, the owner)."),
]
KINDS = ("generation", "consumption", "grid_import", "grid_export", "storage")
TECHNOLOGIES = ("wind", "solar", "hydro", "biomass", "geothermal", "solar_thermal", "nuclear", "other")


@app.command("register")
def register(
    meter_id: Annotated[str, typer.Argument(help="The meter's id.")],
    owner: Annotated[str, typer.Option("--owner", help="Owning enterprise or generator actor.")],
    park: Annotated[str, typer.Option("--park", help="Park the meter is in.")],
    kind: Annotated[str, typer.Option("--kind", help=f"One of: {', '.join(KINDS)}.")],
    technology: Annotated[
        str | None,
        typer.Option("--technology", help=f"Generation meters only: {', '.join(TECHNOLOGIES)}."),
    ] = None,
    parent: Annotated[
        str | None, typer.Option("--parent", help="Parent meter (this one is its sub-meter).")
    ] = None,
    gateway: Annotated[
        str | None, typer.Option("--gateway", help="Gateway actor that may also submit its readings.")
    ] = None,
    boundary: Annotated[
        bool, typer.Option("--boundary", help="A meter on the park's boundary (grid connection).")
    ] = False,
    capacity_kw: Annotated[
        int | None, typer.Option("--capacity-kw", min=0, help="Rated capacity, kW.")
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
    """Append a meter.register entry."""
    payload: dict[str, Any] = {"id": meter_id, "owner": owner, "park": park, "kind": kind}
    optional = {"technology": technology, "parent": parent, "gateway": gateway, "capacity_kw": capacity_kw}
    payload.update({k: v for k, v in optional.items() if v is not None})
    if boundary:
        payload["boundary"] = True
    Signing(
        key=key, keys=keys, client_id=client_id, dry_run=dry_run, db=db, home=home, as_json=as_json
    ).append_and_report(
        "meter.register", signer, payload, f"meter {meter_id} ({kind}) of {owner} registered in {park}"
    )


@app.command("retire")
def retire(
    meter_id: Annotated[str, typer.Argument(help="The meter to retire.")],
    at: Annotated[str, typer.Option("--at", help="From when (ISO 8601 with offset): no readings after.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why.")] = None,
    signer: SignerOption = None,
    key: KeyOption = None,
    keys: KeysOption = None,
    client_id: ClientIdOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Append a meter.retire entry."""
    payload: dict[str, Any] = {"id": meter_id, "at": at}
    if reason:
        payload["reason"] = reason
    Signing(
        key=key, keys=keys, client_id=client_id, dry_run=dry_run, db=db, home=home, as_json=as_json
    ).append_and_report("meter.retire", signer, payload, f"meter {meter_id} retired from {at}")


def park_register(
    park_id: Annotated[str, typer.Argument(help="The park's id.")],
    name: Annotated[str, typer.Option("--name", help="Its name.")],
    level: Annotated[str, typer.Option("--level", help="national or autonomous_region.")],
    province: Annotated[
        str | None, typer.Option("--province", help="Province (e.g. Inner Mongolia).")
    ] = None,
    admin: Annotated[str | None, typer.Option("--admin", help="The park actor that administers it.")] = None,
    time_zone: Annotated[
        str | None, typer.Option("--time-zone", help="IANA time zone of its days and months (Asia/Shanghai).")
    ] = None,
    vintage_policy: Annotated[
        str | None,
        typer.Option(
            "--vintage-policy", help="GEC vintages its consumers may retire: china or same_calendar_year."
        ),
    ] = None,
    signer: Annotated[
        str | None, typer.Option("--as", help="Actor who signs: the operator (default) or a park actor.")
    ] = None,
    key: KeyOption = None,
    keys: KeysOption = None,
    client_id: ClientIdOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Append a park.register entry (``tanji park register``)."""
    payload: dict[str, Any] = {"id": park_id, "name": name, "level": level}
    optional = {
        "province": province,
        "admin": admin,
        "time_zone": time_zone,
        "vintage_policy": vintage_policy,
    }
    payload.update({k: v for k, v in optional.items() if v is not None})
    Signing(
        key=key, keys=keys, client_id=client_id, dry_run=dry_run, db=db, home=home, as_json=as_json
    ).append_and_report("park.register", signer, payload, f"park {park_id} registered")
