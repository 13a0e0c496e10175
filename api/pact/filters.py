"""PACT v3 ListFootprints filters and the validity period: pure functions over ProductFootprint bodies.

Values of one parameter are ORed, different parameters ANDed; every match is
case-insensitive. A value that names nothing (an unknown status, a bogus
product id) simply matches nothing: the list is empty, not an error (the
conformance suite's test 37). Geography matches within: ``CN`` matches a
footprint of ``CN-NM`` (ISO 3166-2 subdivisions start with their country's
code) and ``Asia`` one of ``Eastern Asia`` (the UN M49 regions of the v3
schema's enum). The validity period is ``[start, end)``: a footprint is no
longer valid at its end ("after this date the ProductFootprint is not valid
for use anymore"); without ``validityPeriodEnd`` it ends three calendar years
after ``referencePeriodEnd``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "DEFAULT_VALIDITY_YEARS",
    "FootprintQuery",
    "add_years",
    "geography_matches",
    "matches",
    "parse_datetime",
    "validity",
]

#: PACT v3: "If no validity period is specified, the ProductFootprint is valid for 3 years after the
#: referencePeriodEnd."
DEFAULT_VALIDITY_YEARS = 3

#: UN M49 regions and their subregions, as the v3 schema lists them in ``geographyRegionOrSubregion``.
M49_SUBREGIONS: Mapping[str, tuple[str, ...]] = {
    "africa": ("northern africa", "sub-saharan africa"),
    "americas": ("latin america and the caribbean", "northern america"),
    "asia": ("central asia", "eastern asia", "south-eastern asia", "southern asia", "western asia"),
    "europe": ("eastern europe", "northern europe", "southern europe", "western europe"),
    "oceania": ("australia and new zealand", "melanesia", "micronesia", "polynesia"),
}
_GEOGRAPHY_FIELDS = ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision")


@dataclass(frozen=True)
class FootprintQuery:
    """The v3 filters: values of one parameter are ORed, different parameters ANDed."""

    product_id: tuple[str, ...] = ()
    company_id: tuple[str, ...] = ()
    geography: tuple[str, ...] = ()
    classification: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    valid_on: datetime | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None


def parse_datetime(value: str) -> datetime:
    """An RFC 3339 date-time (``Z`` allowed); naive values are UTC. ``ValueError`` otherwise."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def add_years(moment: datetime, years: int) -> datetime:
    """``moment`` on the same calendar day ``years`` later; 29 February becomes 1 March in a common year.

    (The rollover is JavaScript's ``setFullYear``, which the conformance suite uses for the same default.)
    """
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February -> a year without one
        return moment.replace(year=moment.year + years, month=3, day=1)


def validity(body: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """``[start, end)`` of the validity period; by default ``referencePeriodEnd`` and 3 calendar years on.

    ``(None, None)`` when a date present does not parse.
    """
    pcf = body.get("pcf") or {}
    ref_end = pcf.get("referencePeriodEnd")
    start = body.get("validityPeriodStart") or ref_end
    end_text = body.get("validityPeriodEnd")
    try:
        start_dt = parse_datetime(start) if start else None
        if end_text:
            end_dt: datetime | None = parse_datetime(end_text)
        else:
            end_dt = add_years(parse_datetime(ref_end), DEFAULT_VALIDITY_YEARS) if ref_end else None
    except (ValueError, TypeError):
        return None, None
    return start_dt, end_dt


def _within(wanted: str, place: str) -> bool:
    """True when ``place`` is ``wanted`` or lies inside it (case-insensitive)."""
    w, p = wanted.strip().lower(), place.strip().lower()
    if not w:
        return False
    return p == w or p.startswith(w + "-") or p in M49_SUBREGIONS.get(w, ())


def geography_matches(wanted: Sequence[str], pcf: Mapping[str, Any]) -> bool:
    """True when one of ``wanted`` is the footprint's region, country or subdivision, or contains it."""
    places = [str(pcf[k]) for k in _GEOGRAPHY_FIELDS if pcf.get(k)]
    return any(_within(w, p) for w in wanted for p in places)


def _any_ci(wanted: Sequence[str], have: Iterable[Any]) -> bool:
    have_l = {str(h).lower() for h in have}
    return any(w.lower() in have_l for w in wanted)


def matches(body: Mapping[str, Any], q: FootprintQuery) -> bool:
    """True when the ProductFootprint ``body`` passes every filter of ``q``."""
    if q.product_id and not _any_ci(q.product_id, body.get("productIds", ())):
        return False
    if q.company_id and not _any_ci(q.company_id, body.get("companyIds", ())):
        return False
    if q.classification and not _any_ci(q.classification, body.get("productClassifications", ())):
        return False
    if q.status and not _any_ci(q.status, [body.get("status")]):
        return False
    if q.geography and not geography_matches(q.geography, body.get("pcf") or {}):
        return False
    if q.valid_on or q.valid_after or q.valid_before:
        start, end = validity(body)
        if q.valid_on and not (start and end and start <= q.valid_on < end):
            return False
        if q.valid_after and not (start and start > q.valid_after):
            return False
        if q.valid_before and not (end and end < q.valid_before):
            return False
    return True
