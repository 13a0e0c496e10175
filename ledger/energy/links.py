"""Direct-supply links (绿电直连): the ``supply.direct_link`` kind.

A link is a project that feeds its generation meters' output to its consumer
meters over a private line, with its grid connection meters, valid over
``[valid_from, valid_to)`` and an allocation key among consumers (see
``ledger.attribution.allocation``). The operator, the park's admin, or the owner of every
consumer meter records it. Its ``grid_export`` meters measure what it sends to
the grid (发改能源〔2025〕650号's grid export); a link without one has its
export "not measured".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import BigInteger, String, Table, Text, insert, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.energy.meters import MeterRow, require_meter
from ledger.energy.parks import RecordId, require_park
from ledger.energy.periods import (
    DEFAULT_TIME_ZONE,
    Instant,
    check_interval,
    from_datetime,
    parse_instant,
    parse_month,
    to_datetime,
)
from ledger.errors import RuleViolation
from ledger.log.entry import Entry
from ledger.store.actors import require_actor
from ledger.store.registry import REGISTRY, AppendContext, EntryKind
from ledger.store.tables import Base

SHARE_SCALE = 1_000_000  # static shares in parts per million (as ledger.attribution.allocation)


class DirectLinkPayload(BaseModel):
    """Payload of ``supply.direct_link``.

    ``shares`` (ppm, aligned with ``consumer_meters``, sum ≤ 10^6) only with
    ``key == "static_shares"``; with ``"priority"`` consumers are served in
    the order listed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: RecordId
    name: str = Field(min_length=1, max_length=200)
    park: RecordId
    generation_meters: list[RecordId] = Field(min_length=1, max_length=500)
    consumer_meters: list[RecordId] = Field(min_length=1, max_length=500)
    grid_meters: list[RecordId] = Field(default_factory=list, max_length=500)
    valid_from: Instant
    valid_to: Instant | None = None
    key: Literal["pro_rata", "static_shares", "priority"] = "pro_rata"
    shares: list[StrictInt] | None = None


class DirectLinkRow(Base):
    """Projection: direct-supply links. Meter lists are canonical JSON arrays."""

    __tablename__ = "direct_links"

    link_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    park_id: Mapped[str] = mapped_column(String(128))
    generation_meters: Mapped[str] = mapped_column(Text)
    consumer_meters: Mapped[str] = mapped_column(Text)
    grid_meters: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[int] = mapped_column(BigInteger)
    valid_to: Mapped[int | None] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(16))
    shares: Mapped[str | None] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(128))


_L: Table = DirectLinkRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class LinkRecord:
    """A link as attribution needs it (maps onto ``ledger.attribution.records.DirectLink``);
    ``export_ids`` are its grid meters of kind ``grid_export``."""

    link_id: str
    generator_ids: tuple[str, ...]
    consumer_ids: tuple[str, ...]
    grid_ids: tuple[str, ...]
    key: str
    shares: tuple[int, ...] | None
    valid_from: datetime
    valid_to: datetime | None
    seq: int
    export_ids: tuple[str, ...] = ()


def _check(ctx: AppendContext, entry: Entry, p: DirectLinkPayload) -> None:
    if ctx.session.get(DirectLinkRow, p.id) is not None:
        raise RuleViolation(f"direct link {p.id!r} is recorded already", code="link.exists", link=p.id)
    park = require_park(ctx.session, p.park)
    start = parse_instant(p.valid_from, field="valid_from")
    if p.valid_to is not None:
        check_interval(start, parse_instant(p.valid_to, field="valid_to"), what=f"validity of link {p.id!r}")
    every = p.generation_meters + p.consumer_meters + p.grid_meters
    if len(set(every)) != len(every):
        raise RuleViolation(f"link {p.id!r} names a meter twice", code="link.meter_repeated", link=p.id)
    for ids, kinds in (
        (p.generation_meters, {"generation"}),
        (p.consumer_meters, {"consumption"}),
        (p.grid_meters, {"grid_import", "grid_export"}),
    ):
        for mid in ids:
            if require_meter(ctx, mid, kinds=frozenset(kinds)).park_id != p.park:
                raise RuleViolation(
                    f"meter {mid!r} is not in park {p.park!r}", code="link.meter_park", meter=mid
                )
    if (p.key == "static_shares") != (p.shares is not None):
        raise RuleViolation(
            f"link {p.id!r}: shares go with key static_shares and only with it", code="link.shares", link=p.id
        )
    if p.shares is not None and (
        len(p.shares) != len(p.consumer_meters) or min(p.shares) < 0 or sum(p.shares) > SHARE_SCALE
    ):
        raise RuleViolation(
            f"link {p.id!r}: shares {p.shares} need one per consumer, >= 0, sum <= {SHARE_SCALE}",
            code="link.shares",
            link=p.id,
        )
    role = require_actor(ctx.session, entry.actor).role
    owns_consumers = all(require_meter(ctx, m).owner == entry.actor for m in p.consumer_meters)
    if not (role == "operator" or (role == "park" and park.admin == entry.actor) or owns_consumers):
        raise RuleViolation(
            f"actor {entry.actor!r} may not record link {p.id!r}: it does not own every consumer meter",
            code="link.not_authorised",
            link=p.id,
            actor=entry.actor,
        )


def _dump(ids: list[str]) -> str:
    return json.dumps(ids, separators=(",", ":"))


def _apply(ctx: AppendContext, entry: Entry, p: DirectLinkPayload) -> None:
    ctx.session.execute(
        insert(_L),
        [
            {
                "link_id": p.id,
                "name": p.name,
                "park_id": p.park,
                "generation_meters": _dump(sorted(p.generation_meters)),
                "consumer_meters": _dump(p.consumer_meters),
                "grid_meters": _dump(sorted(p.grid_meters)),
                "valid_from": parse_instant(p.valid_from),
                "valid_to": None if p.valid_to is None else parse_instant(p.valid_to),
                "key": p.key,
                "shares": None if p.shares is None else _dump([str(s) for s in p.shares]),
                "seq": entry.seq,
                "actor": entry.actor,
            }
        ],
    )


def links_for_period(session: Session, start: datetime, end: datetime) -> list[LinkRecord]:
    """Links valid at some instant of ``[start, end)``, by link id. Bounds aware."""
    t = _L
    lo, hi = from_datetime(start), from_datetime(end)
    q = (
        select(t)
        .where(t.c.valid_from < hi, or_(t.c.valid_to.is_(None), t.c.valid_to > lo))
        .order_by(t.c.link_id)
    )
    out = []
    rows = list(session.execute(q).mappings())
    grid = sorted({m for r in rows for m in json.loads(r["grid_meters"])})
    exports = set(
        session.scalars(
            select(MeterRow.meter_id).where(MeterRow.meter_id.in_(grid), MeterRow.kind == "grid_export")
        )
    )
    for r in rows:
        out.append(
            LinkRecord(
                link_id=r["link_id"],
                generator_ids=tuple(json.loads(r["generation_meters"])),
                consumer_ids=tuple(json.loads(r["consumer_meters"])),
                grid_ids=tuple(json.loads(r["grid_meters"])),
                key=r["key"],
                shares=None if r["shares"] is None else tuple(int(s) for s in json.loads(r["shares"])),
                valid_from=to_datetime(r["valid_from"]),
                valid_to=None if r["valid_to"] is None else to_datetime(r["valid_to"]),
                seq=r["seq"],
                export_ids=tuple(m for m in json.loads(r["grid_meters"]) if m in exports),
            )
        )
    return out


def links_serving(session: Session, meters: Iterable[str]) -> list[str]:
    """Ids of the direct-supply links with one of ``meters`` among their consumer meters, in
    registration order."""
    wanted = set(meters)
    rows = session.execute(
        select(DirectLinkRow.link_id, DirectLinkRow.consumer_meters).order_by(DirectLinkRow.seq)
    )
    return [link_id for link_id, consumers in rows if wanted & set(json.loads(consumers))]


def links_for_month(session: Session, month: str, tz: str = DEFAULT_TIME_ZONE) -> list[LinkRecord]:
    """Links valid at some instant of the local month ``YYYY-MM`` in ``tz`` (what attribution reads)."""
    start, end = parse_month(month, tz)
    return links_for_period(session, to_datetime(start), to_datetime(end))


DIRECT_LINK = REGISTRY.register(
    EntryKind(
        "supply.direct_link",
        DirectLinkPayload,
        _check,
        _apply,
        roles=frozenset({"operator", "park", "enterprise", "generator"}),
        summary="A 绿电直连 project: generation, consumer and grid meters, validity, allocation key.",
    )
)
