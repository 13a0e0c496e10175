"""The ``tanji`` command line: one Typer app, one module per command group."""

from __future__ import annotations

import typer

from api.cli import apply, attribute, demo, gec, ledger, park, readings, report, schema, serve

app = typer.Typer(
    name="tanji",
    help="Tanji (碳迹): product carbon footprints and green-power traceability on a verifiable ledger.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("init")(ledger.init)
app.add_typer(ledger.app, name="ledger")
app.add_typer(__import__("api.cli.cert", fromlist=["app"]).app, name="cert")  # certificates (issue 6)
app.command("demo")(demo.demo)
serve.register(app)
app.add_typer(park.app, name="park")
park.app.command("flows")(__import__("api.cli.flows", fromlist=["flows"]).flows)  # park flows (issue 8)
app.add_typer(__import__("api.cli.cbam", fromlist=["app"]).app, name="cbam")  # CBAM export (issue 8)
app.add_typer(attribute.app, name="attribute")
app.add_typer(__import__("api.cli.footprint", fromlist=["app"]).app, name="footprint")  # footprints (issue 9)
app.add_typer(report.app, name="report")
app.add_typer(readings.app, name="readings")
app.command("apply")(apply.apply)
app.add_typer(gec.app, name="gec")
app.add_typer(schema.app, name="schema")
app.add_typer(__import__("api.cli.trace", fromlist=["app"]).app, name="trace")  # traceability (issue 5)
app.add_typer(__import__("api.cli.lots", fromlist=["app"]).app, name="lots")  # traceability (issue 5)


def main() -> None:
    """Console-script entry point."""
    app()
