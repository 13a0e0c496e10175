"""``tanji witness …``: run a C2SP witness: a key, the logs it trusts, cosign, serve ``add-checkpoint``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

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
from api.cli.ledger import read_file
from ledger.errors import WitnessRefused
from ledger.log.checkpoint import parse_note
from ledger.log.witness import AddCheckpoint
from ledger.store.witness_home import WitnessHome

app = typer.Typer(
    help="Witness a log: check it only grows, and cosign its checkpoints.", no_args_is_help=True
)

DirOption = Annotated[
    Path | None, typer.Option("--dir", help="Witness directory (default: TANJI_HOME/witness).")
]


def _dir(directory: Path | None, home: Path | None) -> Path:
    return directory or resolve_home(home) / "witness"


@app.command()
def init(
    name: Annotated[
        str, typer.Argument(help="Witness name, a schema-less URL such as park.example/witness.")
    ],
    directory: DirOption = None,
    home: HomeOption = None,
    log: Annotated[
        list[str] | None, typer.Option("--log", help="A log's checkpoint verifier key to trust.")
    ] = None,
) -> None:
    """Create the witness key (0600) and print its cosignature/v1 verifier key."""
    with errors_to_exit():
        witness = WitnessHome.create(_dir(directory, home), name, passphrase=passphrase())
        for vkey in log or []:
            witness.trust(vkey)
    typer.echo(witness.witness_key.vkey())


@app.command()
def trust(
    vkey: Annotated[
        str, typer.Argument(help="The log's checkpoint verifier key (`tanji ledger` info / ledger.vkey).")
    ],
    origin: Annotated[str | None, typer.Option(help="Log origin (default: the key's name).")] = None,
    directory: DirOption = None,
    home: HomeOption = None,
) -> None:
    """Trust a log's checkpoint key."""
    with errors_to_exit():
        key = WitnessHome.open(_dir(directory, home), passphrase=passphrase()).trust(vkey, origin)
    typer.echo(f"trusting {key.origin}: {key.vkey()}")


@app.command()
def show(directory: DirOption = None, home: HomeOption = None, as_json: JsonOption = False) -> None:
    """The witness's verifier key, the logs it trusts and the size it last cosigned for each."""
    with errors_to_exit(as_json):
        witness = WitnessHome.open(_dir(directory, home), passphrase=passphrase())
        logs, latest = witness.logs(), witness.latest()
    value = {
        "vkey": witness.witness_key.vkey(),
        "logs": {
            o: {"keys": [k.vkey() for k in ks], "cosigned_size": latest[o].size if o in latest else None}
            for o, ks in logs.items()
        },
    }
    lines = [f"vkey {value['vkey']}"] + [
        f"log {o}: cosigned up to {latest[o].size if o in latest else 'nothing yet'}" for o in logs
    ]
    emit(value, as_json, "\n".join(lines))


@app.command()
def cosign(
    request: Annotated[
        Path | None, typer.Option("--request", help="A C2SP add-checkpoint request body ('-': stdin).")
    ] = None,
    directory: DirOption = None,
    db: DbOption = None,
    home: HomeOption = None,
    store: Annotated[
        bool, typer.Option(help="Without --request: store the cosignature in the ledger.")
    ] = True,
) -> None:
    """Cosign after checking the checkpoint only extends the last one cosigned (state kept durably).

    With --request, answer an add-checkpoint request body and print the
    cosignature lines. Without, cosign the ledger's newest checkpoint (proof
    read from the ledger, checked all the same) and print the cosigned note.
    Exit 0 cosigned, 1 refused (rollback, fork, ...), 2 other errors.
    """
    witness_dir = _dir(directory, home)
    with errors_to_exit():
        witness = WitnessHome.open(witness_dir, passphrase=passphrase())
        try:
            if request is not None:
                text = sys.stdin.read() if str(request) == "-" else read_file(request, "request")
                lines = witness.add_checkpoint(AddCheckpoint.from_text(text))
                typer.echo("".join(c.line() for c in lines), nl=False)
                return
            ledger = open_ledger(db, home)
            note = ledger.latest_checkpoint()
            checkpoint = parse_note(note)[0]
            held = witness.latest().get(checkpoint.origin)
            old = 0 if held is None else held.size
            if held is not None and old > checkpoint.size:
                proof: tuple[bytes, ...] = ()
            else:
                proof = tuple(ledger.consistency_proof(old, checkpoint.size).path) if old else ()
            cosigned = witness.cosign_note(note, proof)
            if store:
                lines_text = cosigned.split("\n\n", 1)[1]
                cosigned = ledger.add_cosignatures(checkpoint.size, lines_text, [witness.witness_key])
            typer.echo(cosigned, nl=False)
        except WitnessRefused as e:
            typer.echo(f"refused: {e}", err=True)
            sys.exit(1)


@app.command()
def serve(
    directory: DirOption = None,
    home: HomeOption = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8081,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve POST /add-checkpoint (C2SP tlog-witness) for this witness."""
    import uvicorn

    from api.witness.server import create_witness_app

    with errors_to_exit():
        witness = WitnessHome.open(_dir(directory, home), passphrase=passphrase())
    typer.echo(
        f"witness {witness.name} on http://{host}:{port}/add-checkpoint ({witness.witness_key.vkey()})",
        err=True,
    )
    uvicorn.run(create_witness_app(witness), host=host, port=port, log_level=log_level)
