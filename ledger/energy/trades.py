"""Green-power trades (绿电交易): the ``trade.green_power`` and ``trade.settle`` kinds.

A contract names a seller and its generation meters, a buyer and its meters,
a period of whole park-local months (the seller meters' park) and a contracted
volume in MWh. A settlement records the Wh delivered in one month; it may
carry the bundled GEC serial range -- units of the seller meters produced in
that month (``trade.gec_mismatch``) -- which then moves from seller to buyer
tagged with the contract. A settlement never takes the contract past its
volume, nor the seller past the metered generation of its meters in that
month. The bundled GEC are what makes the contracted energy a green claim:
only their retirement for a buyer meter does (``ledger.attribution``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import BigInteger, String, Table, Text, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.energy.gec import apply_transfer, bundled_issues, check_transfer
from ledger.energy.meters import MeterRow, require_meter
from ledger.energy.parks import RecordId, require_park
from ledger.energy.periods import Month, months_between, parse_month, to_datetime
from ledger.energy.readings import energy_wh
from ledger.energy.units import WH_PER_GEC
from ledger.errors import RuleViolation
from ledger.kinds.actors import ActorId
from ledger.log.entry import Entry
from ledger.store.actors import require_actor
from ledger.store.registry import REGISTRY, AppendContext, EntryKind
from ledger.store.tables import Base

BUYER_KINDS = frozenset({"consumption", "grid_import"})


class TradeGreenPower(BaseModel):
    """Payload of ``trade.green_power``: a contract over months ``first_month..last_month`` (inclusive)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: RecordId
    seller: ActorId
    seller_meters: list[RecordId] = Field(min_length=1, max_length=500)
    buyer: ActorId
    buyer_meters: list[RecordId] = Field(min_length=1, max_length=500)
    first_month: Month
    last_month: Month
    mwh: StrictInt = Field(ge=1)


class TradeSettle(BaseModel):
    """Payload of ``trade.settle``: ``wh`` delivered under ``contract`` in ``month``, with bundled GEC."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    contract: RecordId
    month: Month
    wh: StrictInt = Field(ge=1)
    gec_first: StrictInt | None = Field(default=None, ge=1)
    gec_last: StrictInt | None = Field(default=None, ge=1)


class TradeRow(Base):
    """Projection: green-power contracts."""

    __tablename__ = "trades"

    contract_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seller: Mapped[str] = mapped_column(String(128))
    buyer: Mapped[str] = mapped_column(String(128))
    seller_meters: Mapped[str] = mapped_column(Text)
    buyer_meters: Mapped[str] = mapped_column(Text)
    first_month: Mapped[str] = mapped_column(String(7))
    last_month: Mapped[str] = mapped_column(String(7))
    contracted_wh: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(BigInteger)


class TradeSettlementRow(Base):
    """Projection: one row per settlement."""

    __tablename__ = "trade_settlements"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    contract_id: Mapped[str] = mapped_column(String(128), index=True)
    seller: Mapped[str] = mapped_column(String(128))
    month: Mapped[str] = mapped_column(String(7), index=True)
    wh: Mapped[int] = mapped_column(BigInteger)
    gec_first: Mapped[int | None] = mapped_column(BigInteger)
    gec_last: Mapped[int | None] = mapped_column(BigInteger)


_T: Table = TradeRow.__table__  # type: ignore[assignment]
_S: Table = TradeSettlementRow.__table__  # type: ignore[assignment]


def _dump(ids: list[str]) -> str:
    return json.dumps(sorted(ids), separators=(",", ":"))


def _check_contract(ctx: AppendContext, entry: Entry, p: TradeGreenPower) -> None:
    if ctx.session.get(TradeRow, p.id) is not None:
        raise RuleViolation(f"trade {p.id!r} is recorded already", code="trade.exists", contract=p.id)
    parse_month(p.first_month)
    if parse_month(p.first_month)[0] > parse_month(p.last_month)[0]:
        raise RuleViolation(
            f"trade {p.id!r}: months {p.first_month}..{p.last_month} are reversed",
            code="trade.period_invalid",
            contract=p.id,
        )
    if entry.actor != p.seller and require_actor(ctx.session, entry.actor).role != "operator":
        raise RuleViolation(
            f"trade {p.id!r} must be recorded by its seller {p.seller!r} or the operator, not "
            f"{entry.actor!r}",
            code="trade.not_authorised",
            contract=p.id,
        )
    require_actor(ctx.session, p.seller, what="seller")
    require_actor(ctx.session, p.buyer, what="buyer")
    for ids, owner, kinds, side in (
        (p.seller_meters, p.seller, frozenset({"generation"}), "seller"),
        (p.buyer_meters, p.buyer, BUYER_KINDS, "buyer"),
    ):
        if len(set(ids)) != len(ids):
            raise RuleViolation(
                f"trade {p.id!r}: {side} meters {ids} repeat a meter", code="trade.meter_repeated"
            )
        for mid in ids:
            meter = require_meter(ctx, mid, kinds=kinds, what=f"{side} meter")
            if meter.owner != owner:
                raise RuleViolation(
                    f"{side} meter {mid!r} belongs to {meter.owner!r}, not {owner!r}",
                    code="trade.meter_owner",
                    meter=mid,
                )


def _apply_contract(ctx: AppendContext, entry: Entry, p: TradeGreenPower) -> None:
    ctx.session.execute(
        insert(_T),
        [
            {
                "contract_id": p.id,
                "seller": p.seller,
                "buyer": p.buyer,
                "seller_meters": _dump(p.seller_meters),
                "buyer_meters": _dump(p.buyer_meters),
                "first_month": p.first_month,
                "last_month": p.last_month,
                "contracted_wh": p.mwh * WH_PER_GEC,
                "seq": entry.seq,
            }
        ],
    )


def _settled(session: Session, *where: object) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(_S.c.wh), 0)).where(*where)) or 0)  # type: ignore[arg-type]


def _check_settle(ctx: AppendContext, entry: Entry, p: TradeSettle) -> None:
    row = ctx.session.get(TradeRow, p.contract)
    if row is None:
        raise RuleViolation(
            f"trade {p.contract!r} is not recorded", code="trade.unknown", contract=p.contract
        )
    if entry.actor != row.seller and require_actor(ctx.session, entry.actor).role != "operator":
        raise RuleViolation(
            f"only seller {row.seller!r} or the operator settles {p.contract!r}",
            code="trade.not_authorised",
            contract=p.contract,
        )
    if p.month not in months_between(row.first_month, row.last_month):
        raise RuleViolation(
            f"month {p.month} is outside trade {p.contract!r} ({row.first_month}..{row.last_month})",
            code="trade.month_outside",
            contract=p.contract,
            month=p.month,
        )
    done = _settled(ctx.session, _S.c.contract_id == p.contract)
    if done + p.wh > row.contracted_wh:
        raise RuleViolation(
            f"settling {p.wh} Wh takes trade {p.contract!r} to {done + p.wh} Wh, above its "
            f"contracted {row.contracted_wh} Wh",
            code="trade.exceeds_contract",
            contract=p.contract,
            settled_wh=done,
            contracted_wh=row.contracted_wh,
        )
    meters = json.loads(row.seller_meters)
    tz = require_park(ctx.session, require_meter(ctx, meters[0]).park_id).time_zone
    start, end = (to_datetime(t) for t in parse_month(p.month, tz))
    generated = energy_wh(ctx.session, meters, start, end)
    in_month = _settled(ctx.session, _S.c.contract_id == p.contract, _S.c.month == p.month)
    if in_month + p.wh > generated:
        raise RuleViolation(
            f"settling {p.wh} Wh in {p.month} (after {in_month} Wh) exceeds the {generated} Wh "
            f"metered on seller meters {meters}",
            code="trade.exceeds_generation",
            contract=p.contract,
            month=p.month,
            generated_wh=generated,
        )
    # across contracts: the seller's total settled in the month stays within all its generation
    own = list(
        ctx.session.scalars(
            select(MeterRow.meter_id).where(MeterRow.owner == row.seller, MeterRow.kind == "generation")
        )
    )
    total = energy_wh(ctx.session, own, start, end)
    seller_month = _settled(ctx.session, _S.c.seller == row.seller, _S.c.month == p.month)
    if seller_month + p.wh > total:
        raise RuleViolation(
            f"seller {row.seller!r} would settle {seller_month + p.wh} Wh in {p.month}, above its "
            f"metered generation {total} Wh",
            code="trade.exceeds_generation",
            contract=p.contract,
            month=p.month,
            generated_wh=total,
        )
    if (p.gec_first is None) != (p.gec_last is None):
        raise RuleViolation("bundled GEC need both gec_first and gec_last", code="trade.gec_range")
    if p.gec_first is not None and p.gec_last is not None:
        units = p.gec_last - p.gec_first + 1
        if units > p.wh // WH_PER_GEC:
            raise RuleViolation(
                f"{units} bundled GEC exceed the {p.wh} Wh settled ({p.wh // WH_PER_GEC} whole MWh)",
                code="trade.gec_exceeds_settlement",
                contract=p.contract,
            )
        check_transfer(ctx, row.seller, p.gec_first, p.gec_last, row.buyer)
        wrong = sorted(
            (v, g)
            for v, g in bundled_issues(ctx, p.gec_first, p.gec_last).values()
            if v != p.month or g not in meters
        )
        if wrong:
            raise RuleViolation(
                f"bundled GEC {p.gec_first}..{p.gec_last} include units of {wrong[0][1]!r} produced in "
                f"{wrong[0][0]}; a settlement of {p.month} bundles the GEC of seller meters {meters} "
                "produced in that month",
                code="trade.gec_mismatch",
                contract=p.contract,
                month=p.month,
            )


def _apply_settle(ctx: AppendContext, entry: Entry, p: TradeSettle) -> None:
    row = ctx.session.get(TradeRow, p.contract)
    assert row is not None  # checked
    ctx.session.execute(
        insert(_S),
        [
            {
                "seq": entry.seq,
                "contract_id": p.contract,
                "seller": row.seller,
                "month": p.month,
                "wh": p.wh,
                "gec_first": p.gec_first,
                "gec_last": p.gec_last,
            }
        ],
    )
    if p.gec_first is not None and p.gec_last is not None:
        apply_transfer(ctx, row.seller, p.gec_first, p.gec_last, row.buyer, p.contract)


@dataclass(frozen=True)
class TradeMonth:
    """One contract's settled volume in one month (maps onto ``ledger.attribution.records.Trade``)."""

    contract_id: str
    seller: str
    seller_meter_ids: tuple[str, ...]
    buyer: str
    buyer_meter_ids: tuple[str, ...]
    month: Month
    volume_wh: int
    settlement_seqs: tuple[int, ...]


def trades_serving(session: Session, meters: Iterable[str]) -> list[str]:
    """Ids of the green-power contracts with one of ``meters`` among their buyer meters, in
    registration order."""
    wanted = set(meters)
    rows = session.execute(select(TradeRow.contract_id, TradeRow.buyer_meters).order_by(TradeRow.seq))
    return [contract_id for contract_id, buyers in rows if wanted & set(json.loads(buyers))]


def settlements_for_month(session: Session, month: str) -> list[TradeMonth]:
    """Settled volumes of every contract in ``month`` (``YYYY-MM``), by contract id."""
    parse_month(month)
    by_contract: dict[str, list[tuple[int, int]]] = {}
    for seq, cid, wh in session.execute(
        select(_S.c.seq, _S.c.contract_id, _S.c.wh).where(_S.c.month == month)
    ):
        by_contract.setdefault(cid, []).append((seq, wh))
    out = []
    for cid in sorted(by_contract):
        row = session.get(TradeRow, cid)
        assert row is not None
        items = sorted(by_contract[cid])
        out.append(
            TradeMonth(
                cid,
                row.seller,
                tuple(json.loads(row.seller_meters)),
                row.buyer,
                tuple(json.loads(row.buyer_meters)),
                month,
                sum(w for _s, w in items),
                tuple(s for s, _w in items),
            )
        )
    return out


CONTRACT = REGISTRY.register(
    EntryKind(
        "trade.green_power",
        TradeGreenPower,
        _check_contract,
        _apply_contract,
        roles=frozenset({"operator", "generator", "enterprise"}),
        summary="A 绿电交易 contract: seller and its meters, buyer and its meters, months, contracted MWh.",
    )
)
SETTLE = REGISTRY.register(
    EntryKind(
        "trade.settle",
        TradeSettle,
        _check_settle,
        _apply_settle,
        roles=frozenset({"operator", "generator", "enterprise"}),
        summary="Settle one month of a trade in Wh, moving the bundled GEC to the buyer.",
    )
)
