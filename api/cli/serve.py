"""``tanji serve`` (uvicorn, HTTP or HTTPS) and ``tanji client create``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from api.auth.clients import create_client, disable_client, list_clients
from api.auth.roles import ROLE_SCOPES
from api.cli.context import (
    DbOption,
    HomeOption,
    JsonOption,
    emit,
    errors_to_exit,
    open_ledger,
    passphrase,
    resolve_home,
)
from api.settings import Settings
from ledger.store.db import Database, default_url

client_app = typer.Typer(help="OAuth2 clients of the service.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    db: DbOption = None,
    home: HomeOption = None,
    tls_cert: Annotated[
        Path | None, typer.Option("--tls-cert", help="PEM certificate chain: serve HTTPS.")
    ] = None,
    tls_key: Annotated[Path | None, typer.Option("--tls-key", help="PEM private key of --tls-cert.")] = None,
    workers: Annotated[
        int, typer.Option(help="Worker processes (1: one process, threads for blocking work).")
    ] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the API: native endpoints, PACT v3, the verification page. HTTPS with --tls-cert/--tls-key."""
    import uvicorn

    from api.app import create_app
    from lca.warm import configure as configure_warm

    if (tls_cert is None) != (tls_key is None):
        raise typer.BadParameter("--tls-cert and --tls-key go together")
    home_dir = resolve_home(home)
    with errors_to_exit():
        settings = Settings.from_home(home_dir, db or default_url(home_dir), passphrase=passphrase())
        configure_warm(home_dir)  # footprints are re-computed in this data directory's Brightway project
        Database(settings.db_url).migrate()
        app = create_app(settings)
    scheme = "https" if tls_cert else "http"
    typer.echo(
        f"Tanji API on {scheme}://{host}:{port} (database {settings.db_url}, {workers} worker(s))", err=True
    )
    certfile = str(tls_cert) if tls_cert else None
    keyfile = str(tls_key) if tls_key else None
    if workers > 1:
        # Worker processes import the app by name and rebuild it from the environment.
        os.environ["TANJI_HOME"] = str(home_dir)
        os.environ["TANJI_DB"] = settings.db_url
        uvicorn.run(
            "api.asgi:create_from_env",
            factory=True,
            host=host,
            port=port,
            log_level=log_level,
            workers=workers,
            proxy_headers=True,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
    else:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=log_level,
            proxy_headers=True,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )


@client_app.command("create")
def client_create(
    actor: Annotated[str, typer.Option("--actor", help="Registered actor the client acts for.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(sorted(ROLE_SCOPES))}.")],
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a client; prints its id and secret once (only a hash of the secret is kept)."""
    with errors_to_exit(as_json):
        database = open_ledger(db, home).db  # a client acts on an existing ledger
        database.migrate()
        new = create_client(database, actor, role)
    scopes = " ".join(sorted(ROLE_SCOPES[role]))
    emit(
        {
            "client_id": new.client.client_id,
            "client_secret": new.secret,
            "actor": actor,
            "role": role,
            "scope": scopes,
        },
        as_json,
        f"client_id     {new.client.client_id}\nclient_secret {new.secret}\nactor {actor}, role {role}\n"
        f"scopes {scopes}\nThe secret is shown once; store it now.",
    )


@client_app.command("list")
def client_list(db: DbOption = None, home: HomeOption = None, as_json: JsonOption = False) -> None:
    """List enabled clients (ids, actors, roles; never secrets)."""
    with errors_to_exit(as_json):
        database = open_ledger(db, home).db
        database.migrate()
        clients = list_clients(database)
    rows = [{"client_id": c.client_id, "actor": c.actor_id, "role": c.role} for c in clients]
    emit(
        rows, as_json, "\n".join(f"{r['client_id']}  {r['actor']}  {r['role']}" for r in rows) or "no clients"
    )


@client_app.command("disable")
def client_disable(
    client_id: Annotated[str, typer.Argument(help="The client to disable.")],
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Refuse new tokens to a client (issued tokens expire on their own)."""
    with errors_to_exit(as_json):
        client = disable_client(open_ledger(db, home).db, client_id)
    emit({"client_id": client.client_id, "disabled": True}, as_json, f"client {client.client_id} disabled")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``client`` group to the ``tanji`` app."""
    app.command("serve")(serve)
    app.add_typer(client_app, name="client")
