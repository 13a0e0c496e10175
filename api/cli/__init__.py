"""The ``tanji`` command line: one Typer app, one module per command group."""

from __future__ import annotations

import typer

from api.cli import (
    apply,
    attribute,
    cbam,
    cert,
    demo,
    flows,
    footprint,
    gec,
    ledger,
    lots,
    park,
    readings,
    report,
    schema,
    serve,
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
    """Console-script entry point."""
    app()
