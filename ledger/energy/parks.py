"""Zero-carbon industrial parks: the ``park.register`` kind.

A park groups meters; its boundary meters (``meter.register`` with
``boundary: true``) measure what crosses the park's grid boundary. The
operator registers parks, or a ``park`` actor registers the park it runs.

A park has a time zone (an IANA name, default Asia/Shanghai: entries without
one keep meaning that): every day, month and year of its readings,
attribution, GEC production months, trades and reports is a local one
(:mod:`ledger.energy.periods`). It also has a GEC vintage policy for the
retirements of its consumers (``china``, the default, or the stricter
``same_calendar_year``; :mod:`ledger.energy.gec_rules`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.energy.periods import DEFAULT_TIME_ZONE, TimeZoneName, check_time_zone
from ledger.errors import RuleViolation
from ledger.kinds.actors import ActorId
from ledger.log.entry import Entry
from ledger.store.actors import require_actor
from ledger.store.registry import REGISTRY, AppendContext, EntryKind
from ledger.store.tables import Base

RecordId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")]
"""Identifier of a park, meter, link or contract: 1-128 letters, digits and ._:-"""

VintagePolicy = Literal["china", "same_calendar_year"]
"""Which consumption months a park's retirements may cover (``ledger/energy/data/gec_rules.json``)."""
DEFAULT_VINTAGE_POLICY: VintagePolicy = "china"


class ParkRegister(BaseModel):
    """Payload of ``park.register``.

    ``level`` is the park's designation (national or autonomous-region list);
    ``admin`` is the ``park`` actor that administers it (default: the submitter
    when that is a park actor); ``time_zone`` its IANA time zone (default
    Asia/Shanghai); ``vintage_policy`` the GEC vintage policy of its consumers'
    retirements (default ``china``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: RecordId
    name: str = Field(min_length=1, max_length=200)
    level: Literal["national", "autonomous_region"]
    province: str | None = Field(default=None, max_length=64)
    admin: ActorId | None = None
    time_zone: TimeZoneName | None = None
    vintage_policy: VintagePolicy | None = None


class ParkRow(Base):
    """Projection: registered parks."""

    __tablename__ = "parks"

    park_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(32))
    province: Mapped[str | None] = mapped_column(String(64))
    admin: Mapped[str | None] = mapped_column(String(128))
    registered_seq: Mapped[int] = mapped_column(BigInteger)
    time_zone: Mapped[str] = mapped_column(String(64), server_default=DEFAULT_TIME_ZONE)
    vintage_policy: Mapped[str] = mapped_column(String(32), server_default=DEFAULT_VINTAGE_POLICY)


@dataclass(frozen=True)
class Park:
    """A park as the rest of the code sees it."""

    park_id: str
    name: str
    level: str
    province: str | None
    admin: str | None
    time_zone: str = DEFAULT_TIME_ZONE
    vintage_policy: VintagePolicy = DEFAULT_VINTAGE_POLICY


def get_park(session: Session, park_id: str) -> Park | None:
    """The registered park ``park_id`` or None."""
    row = session.get(ParkRow, park_id)
    if row is None:
        return None
    policy: VintagePolicy = "same_calendar_year" if row.vintage_policy == "same_calendar_year" else "china"
    return Park(
        row.park_id, row.name, row.level, row.province, row.admin, row.time_zone or DEFAULT_TIME_ZONE, policy
    )


def park_time_zone(session: Session, park_id: str) -> str:
    """The time zone of park ``park_id`` (``park.unknown`` if it is not registered)."""
    return require_park(session, park_id).time_zone


def require_park(session: Session, park_id: str) -> Park:
    """The registered park, or ``RuleViolation`` ``park.unknown``."""
    park = get_park(session, park_id)
    if park is None:
        raise RuleViolation(f"park {park_id!r} is not registered", code="park.unknown", park=park_id)
    return park


def _admin(entry: Entry, p: ParkRegister, submitter_role: str) -> str | None:
    return p.admin if p.admin is not None else (entry.actor if submitter_role == "park" else None)


def _check(ctx: AppendContext, entry: Entry, p: ParkRegister) -> None:
    if get_park(ctx.session, p.id) is not None:
        raise RuleViolation(f"park {p.id!r} is registered already", code="park.exists", park=p.id)
    if p.time_zone is not None:
        check_time_zone(p.time_zone)
    submitter = require_actor(ctx.session, entry.actor)
    admin = _admin(entry, p, submitter.role)
    if submitter.role == "park" and admin != entry.actor:
        raise RuleViolation(
            f"park actor {entry.actor!r} may register only a park it administers, not one for {admin!r}",
            code="park.not_authorised",
        )
    if admin is not None and require_actor(ctx.session, admin, what="park admin").role != "park":
        raise RuleViolation(
            f"park admin {admin!r} is not an actor with role 'park'", code="park.admin_role", admin=admin
        )


def _apply(ctx: AppendContext, entry: Entry, p: ParkRegister) -> None:
    role = require_actor(ctx.session, entry.actor).role
    ctx.session.add(
        ParkRow(
            park_id=p.id,
            name=p.name,
            level=p.level,
            province=p.province,
            admin=_admin(entry, p, role),
            registered_seq=entry.seq,
            time_zone=p.time_zone or DEFAULT_TIME_ZONE,
            vintage_policy=p.vintage_policy or DEFAULT_VINTAGE_POLICY,
        )
    )


REGISTER = REGISTRY.register(
    EntryKind(
        "park.register",
        ParkRegister,
        _check,
        _apply,
        roles=frozenset({"operator", "park"}),
        summary=(
            "Register a zero-carbon industrial park (national or autonomous-region level), "
            "its time zone and GEC vintage policy."
        ),
    )
)
