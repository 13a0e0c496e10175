"""The rules of China's green electricity certificates, read from ``data/gec_rules.json``.

Pure: the data file is the one place that holds the validity of a unit and the
vintage policies, each with its source (发改能源〔2023〕1044号, 国能发新能规〔2024〕67号,
RE100); the ledger's ``gec.*`` kinds (:mod:`ledger.energy.gec`) apply them.

- A unit of production month ``V`` is **valid** from the start of ``V`` to the
  start of month ``V + validity_months`` (park-local, :func:`valid_until`): it
  may be transferred or retired only before then.
- A retirement covers the consumption of **one park-local month** ``M``; a
  unit may cover ``M`` only from its production month to its last valid
  month (:func:`consumption_months`), and under the ``same_calendar_year``
  policy only in ``V``'s calendar year. Consumption before the production
  month is never covered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ledger.energy.periods import DEFAULT_TIME_ZONE, add_months, parse_month
from ledger.errors import RuleViolation

__all__ = [
    "GEC_RULES_PATH",
    "GecRules",
    "check_consumption_month",
    "consumption_months",
    "load_gec_rules",
    "valid_until",
]

GEC_RULES_PATH = Path(__file__).parent / "data" / "gec_rules.json"


@dataclass(frozen=True)
class GecRules:
    """The GEC rules of the data file: validity in months, the vintage policies and the sources."""

    version: str
    validity_months: int
    validity_source: str
    policies: tuple[str, ...]
    default_policy: str
    sources: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        if not 1 <= self.validity_months <= 1200:
            raise ValueError(f"validity of {self.validity_months} months is out of range 1..1200")
        if self.default_policy not in self.policies:
            raise ValueError(f"default policy {self.default_policy!r} is not one of {self.policies}")

    def source_title(self, key: str) -> str:
        """The title of source ``key`` (``KeyError`` if the file has none)."""
        return dict(self.sources)[key]


@lru_cache(maxsize=4)
def load_gec_rules(path: Path = GEC_RULES_PATH) -> GecRules:
    """The rules of ``path`` (default: the shipped ``gec_rules.json``)."""
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    validity = doc["validity"]
    return GecRules(
        version=str(doc["version"]),
        validity_months=int(validity["months"]),
        validity_source=str(validity["source"]),
        policies=tuple(sorted(doc["vintage_policies"])),
        default_policy=str(doc["default_vintage_policy"]),
        sources=tuple(sorted((k, str(v["title"])) for k, v in doc["sources"].items())),
    )


def valid_until(vintage: str, tz: str = DEFAULT_TIME_ZONE, rules: GecRules | None = None) -> int:
    """Epoch seconds of the first instant a unit of production month ``vintage`` is no longer valid
    (the start of ``vintage`` + validity months, in ``tz``)."""
    rules = rules or load_gec_rules()
    return parse_month(add_months(vintage, rules.validity_months), tz)[0]


def consumption_months(vintage: str, policy: str, rules: GecRules | None = None) -> tuple[str, str]:
    """First and last consumption month a unit of ``vintage`` may cover under ``policy``."""
    rules = rules or load_gec_rules()
    if policy not in rules.policies:
        raise RuleViolation(
            f"vintage policy {policy!r} is not one of {list(rules.policies)}",
            code="gec.policy_unknown",
            policy=policy,
        )
    last = add_months(vintage, rules.validity_months - 1)
    if policy == "same_calendar_year":
        last = min(last, f"{vintage[:4]}-12")
    return vintage, last


def check_consumption_month(
    month: str, vintage: str, policy: str, *, serials: str, rules: GecRules | None = None
) -> None:
    """``gec.period_before_production``, ``gec.period_after_validity`` or ``gec.vintage_policy``
    unless units of ``vintage`` (``serials``, for the message) may cover consumption in ``month``."""
    rules = rules or load_gec_rules()
    first, last = consumption_months(vintage, policy, rules)
    if month < first:
        raise RuleViolation(
            f"GEC {serials} were produced in {vintage}; they cannot cover consumption of {month}, "
            "before their production month",
            code="gec.period_before_production",
            month=month,
            vintage=vintage,
        )
    if month > last:
        policy_last = consumption_months(vintage, rules.default_policy, rules)[1]
        if month <= policy_last:
            raise RuleViolation(
                f"GEC {serials} of {vintage} cover consumption only in {vintage[:4]} under the park's "
                f"vintage policy {policy!r}, not {month}",
                code="gec.vintage_policy",
                month=month,
                vintage=vintage,
                policy=policy,
            )
        raise RuleViolation(
            f"GEC {serials} of {vintage} are valid for {rules.validity_months} months "
            f"({rules.source_title(rules.validity_source)}): they cover consumption up to {last}, "
            f"not {month}",
            code="gec.period_after_validity",
            month=month,
            vintage=vintage,
            last_month=last,
        )
