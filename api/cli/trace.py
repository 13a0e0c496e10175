"""``tanji trace up|down|evidence|impact|genealogy|explain|export``: the evidence graph of the ledger."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Literal

import typer

from api.cli.context import DbOption, HomeOption, JsonOption, emit, errors_to_exit, open_ledger
from ledger.store.queries import kinds_of
from traceability.errors import TraceabilityError
from traceability.queries import (
    evidence_of,
    explain_node,
    export_subgraph,
    genealogy_of,
    impact_of,
    trace,
)

app = typer.Typer(
    help="Trace lots, footprints and certificates through the evidence graph.", no_args_is_help=True
)

IdArgument = Annotated[
    str, typer.Argument(help="Node id (lot:AL-1) or a bare id (AL-1, M-7, a footprint id).")
]
DepthOption = Annotated[int | None, typer.Option("--depth", min=0, help="Follow at most N edges.")]


@contextmanager
def _errors(as_json: bool) -> Iterator[None]:
    """Ledger errors as ``errors_to_exit`` prints them; traceability errors likewise (exit 2)."""
    with errors_to_exit(as_json):
        try:
            yield
        except TraceabilityError as e:
            if as_json:
                typer.echo(json.dumps({"error": e.diagnostics()}, ensure_ascii=False, indent=2, default=str))
            else:
                typer.echo(f"error: {e}", err=True)
            sys.exit(2)


def _walk(
    direction: Literal["up", "down"],
    ident: str,
    depth: int | None,
    db: str | None,
    home: Path | None,
    as_json: bool,
) -> None:
    with _errors(as_json):
        traced = trace(open_ledger(db, home), direction, ident, depth)
    lines = [f"{r.distance:>3}  {r.id}  seqs {','.join(map(str, r.seqs)) or '-'}" for r in traced.reached]
    emit(traced.to_json(), as_json, "\n".join([traced.node_id, *lines]))


@app.command()
def up(
    ident: IdArgument,
    depth: DepthOption = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Everything ID rests on, nearest first, with the seqs behind each."""
    _walk("up", ident, depth, db, home, as_json)


@app.command()
def down(
    ident: IdArgument,
    depth: DepthOption = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Everything that rests on ID (what to re-examine if it is wrong)."""
    _walk("down", ident, depth, db, home, as_json)


def _ranges(seqs: list[int]) -> str:
    """``3 5..9 12`` for sorted seqs: consecutive runs as ranges."""
    parts: list[str] = []
    start = prev = None
    for s in [*seqs, None]:
        if start is not None and (s is None or s != prev + 1):  # type: ignore[operator]
            parts.append(str(start) if start == prev else f"{start}..{prev}")
            start = None
        if s is not None and start is None:
            start = s
        prev = s
    return " ".join(parts)


@app.command()
def evidence(
    ident: IdArgument,
    depth: DepthOption = None,
    full: Annotated[bool, typer.Option("--full", help="List every seq, by kind.")] = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """The ledger entries ID rests on (a footprint or certificate as of its own entry), counted by kind;
    --full lists their seqs (--json always has them)."""
    with _errors(as_json):
        ledger = open_ledger(db, home)
        node, seqs = evidence_of(ledger, ident, depth)
        kinds = kinds_of(ledger.db, seqs)
    by_kind: dict[str, list[int]] = {}
    for seq in seqs:
        by_kind.setdefault(kinds.get(seq, "?"), []).append(seq)
    lines = [f"{node} rests on {len(seqs):,} entries:"]
    for kind, group in sorted(by_kind.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        span = f"seq {group[0]}" if len(group) == 1 else f"seqs {group[0]}..{group[-1]}"
        lines.append(f"  {len(group):>7,}  {kind:<24} {_ranges(group) if full else span}")
    if not full and seqs:
        lines.append("  (--full lists every seq)")
    emit(
        {"node": node, "seqs": seqs, "by_kind": {k: len(v) for k, v in by_kind.items()}},
        as_json,
        "\n".join(lines),
    )


@app.command()
def impact(
    ident: Annotated[str, typer.Argument(help="Node id, bare id, or an entry seq.")],
    depth: DepthOption = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Footprints, certificates, lots and shipments that rest on ID (or on entry SEQ)."""
    with _errors(as_json):
        target, found = impact_of(open_ledger(db, home), ident, depth)
    value = {
        "target": target,
        "footprints": list(found.footprints),
        "certificates": list(found.certificates),
        "lots": list(found.lots),
        "shipments": list(found.shipments),
    }
    what = f"entry {target}" if isinstance(target, int) else target
    text = "\n".join(
        [f"impact of {what}"]
        + [f"{k}: {' '.join(v) or '-'}" for k, v in value.items() if isinstance(v, list)]
    )
    emit(value, as_json, text)


@app.command()
def genealogy(
    lot: Annotated[str, typer.Argument(help="Lot id (AL-1 or lot:AL-1).")],
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """A lot's ancestors and descendants through production inputs, with quantities and shipments."""
    with _errors(as_json):
        g = genealogy_of(open_ledger(db, home), lot)
    links = [
        f"  {way} {k.depth}: {k.source} -> {k.target} {k.quantity} {k.unit}"
        for way, group in (("up", g.ancestors), ("down", g.descendants))
        for k in group
    ]
    ships = [
        f"  shipped {s.quantity} {s.unit} of {s.lot_id} to {s.customer} ({s.node_id})" for s in g.shipments
    ]
    emit(
        asdict(g),
        as_json,
        "\n".join(
            [
                f"lot {g.lot.lot_id}: {g.lot.produced} produced, {g.lot.received} received, "
                f"{g.lot.consumed} consumed, {g.lot.shipped} shipped {g.lot.unit or ''}",
                *links,
                *ships,
            ]
        ),
    )


@app.command()
def explain(
    ident: IdArgument,
    limit: Annotated[int, typer.Option(min=1, help="At most N lines.")] = 50,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """One line per origin of ID: the shortest path from it (lot L-42 ← run 17 ← link DL-1 ← meter W-2)."""
    with _errors(as_json):
        node, lines = explain_node(open_ledger(db, home), ident, limit)
    emit({"node": node, "lines": lines}, as_json, "\n".join(lines) or f"{node} rests on nothing recorded")


@app.command()
def export(
    ident: IdArgument,
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[
        str, typer.Option("--format", help="json (node-link, for the web view) or graphml.")
    ] = "json",
    direction: Annotated[str, typer.Option("--direction", help="up, down or both.")] = "up",
    depth: DepthOption = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the subgraph around ID as node-link JSON or GraphML."""
    if fmt not in ("json", "graphml"):
        raise typer.BadParameter(f"--format {fmt!r} is not json or graphml")
    if direction not in ("up", "down", "both"):
        raise typer.BadParameter(f"--direction {direction!r} is not up, down or both")
    with _errors(as_json):
        node, text = export_subgraph(open_ledger(db, home), ident, fmt, direction, depth)  # type: ignore[arg-type]
    out.write_text(text, encoding="utf-8")
    emit({"node": node, "format": fmt, "out": str(out)}, as_json, f"{node}: {fmt} written to {out}")
