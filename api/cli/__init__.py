"""The ``tanji`` command line: one Typer app, one module per command group."""

from __future__ import annotations

import os
import sys

import typer

from api.cli import (
    access,
    actors,
    apply,
    attribute,
    cbam,
    cert,
    demo,
    flows,
    footprint,
    gec,
    keys,
    ledger,
    lots,
    meters,
    park,
    readings,
    report,
    schema,
    serve,
    statement,
    trace,
    witness,
)

app = typer.Typer(
    name="tanji",
    help="Tanji (碳迹): product carbon footprints and green-power traceability on a verifiable ledger.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# the ledger and its data
app.command("init")(ledger.init)
app.command("demo")(demo.demo)
app.add_typer(ledger.app, name="ledger")
# entries users make, each signed and appended by one command (no JSON by hand)
app.add_typer(keys.app, name="keys")
app.add_typer(actors.app, name="actor")
app.add_typer(meters.app, name="meter")
park.app.command("register")(meters.park_register)
app.add_typer(access.app, name="access")
app.add_typer(statement.app, name="statement")
app.add_typer(witness.app, name="witness")
app.add_typer(readings.app, name="readings")
app.command("apply")(apply.apply)
app.add_typer(gec.app, name="gec")
app.add_typer(schema.app, name="schema")
# attribution, footprints, traceability, certificates
app.add_typer(attribute.app, name="attribute")
app.add_typer(report.app, name="report")
app.add_typer(footprint.app, name="footprint")
app.add_typer(trace.app, name="trace")
app.add_typer(lots.app, name="lots")
app.add_typer(cert.app, name="cert")
# the park, exporters and the service
app.add_typer(park.app, name="park")
park.app.command("flows")(flows.flows)
app.add_typer(cbam.app, name="cbam")
serve.register(app)


def main() -> None:
    """Console-script entry point: an error nothing translated is one line with a code, not a traceback
    (``TANJI_DEBUG=1`` shows it)."""
    try:
        app()
    except Exception as e:
        if os.environ.get("TANJI_DEBUG"):
            raise
        code = "io.error" if isinstance(e, OSError) else "internal"
        typer.echo(f"error: [{code}] {type(e).__name__}: {e} (TANJI_DEBUG=1 shows where)", err=True)
        sys.exit(2)
