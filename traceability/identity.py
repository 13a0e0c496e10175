"""What an identifier names: one object, one lot of a product, or a product class.

EPCIS identifies the *what* of an event at three levels, and Tanji treats
them differently:

| level | identifiers (EPC URI / GS1 Digital Link) | a Tanji lot? |
|---|---|---|
| ``instance`` | ``urn:epc:id:…`` (SGTIN, SSCC, GIAI, GRAI with serial …); Digital Link with ``/21/``
  (serial) or ``/235/``, ``/00/`` (SSCC), ``/8004/`` (GIAI), ``/8018/`` (GSRN), ``/8003/`` or ``/253/``
  with a serial part
  | yes: exactly ``1 EA``, produced at most once (a serialized item exists once) |
| ``lot`` | ``urn:epc:class:lgtin:…``; Digital Link with ``/01/<GTIN>/10/<lot>`` | yes: any quantity |
| ``class`` | ``urn:epc:idpat:…``; Digital Link with ``/01/<GTIN>`` alone (no lot, no serial), ``/8003/`` or
  ``/253/`` without a serial part | no: it names a product, not a lot |
| ``other`` | anything else (``AL-1``, a company's own URN) | yes: the enterprise's own lot ids |
| ``location`` | ``urn:epc:id:sgln:…``, ``urn:epc:id:pgln:…``; Digital Link ``/414/``, ``/417/`` | no |

``classify`` is pure and total: it never raises, so it can sit in payload
validators and in the importer alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Level = Literal["instance", "lot", "class", "location", "other"]

# Digital Link primary keys (GS1 Digital Link standard, AI numbers) and what they name.
_DL_INSTANCE: Final = frozenset({"00", "8004", "8018", "8017", "8006", "8010"})
_DL_LOCATION: Final = frozenset({"414", "417"})
_LOCATION_SCHEMES: Final = frozenset({"sgln", "pgln"})
# AIs whose value is a class key followed by an optional serial part: (AI, length of the class part).
_DL_OPTIONAL_SERIAL: Final = {"8003": 14, "253": 13}


@dataclass(frozen=True, slots=True)
class Identity:
    """``id`` read as ``level``; ``product`` is its product class where one can be read, else ``None``."""

    id: str
    level: Level
    product: str | None = None

    @property
    def is_instance(self) -> bool:
        return self.level == "instance"


_URN_LEVELS: Final[tuple[tuple[str, Level], ...]] = (
    ("urn:epc:id:", "instance"),
    ("urn:epc:class:", "lot"),
    ("urn:epc:idpat:", "class"),
)


def _urn(value: str) -> Identity | None:
    for prefix, level in _URN_LEVELS:
        if not value.startswith(prefix):
            continue
        scheme, _, rest = value[len(prefix) :].partition(":")
        parts = rest.split(".")
        if level == "instance" and scheme in _LOCATION_SCHEMES:
            return Identity(value, "location")
        product = None
        if scheme in ("sgtin", "lgtin") and len(parts) == 3:
            product = f"urn:epc:idpat:sgtin:{parts[0]}.{parts[1]}.*"
        elif level == "class":
            product = value
        return Identity(value, level, product)
    return None


def _digital_link(value: str) -> Identity | None:
    if not value.startswith(("https://", "http://")):
        return None
    path = value.split("://", 1)[1].partition("/")[2].split("?", 1)[0].split("#", 1)[0]
    segments = [s for s in path.split("/") if s]
    # The primary key is the first segment that is a known AI followed by a value.
    for i in range(len(segments) - 1):
        ai, key = segments[i], segments[i + 1]
        head = value[: value.find(f"/{ai}/{key}")]
        if ai == "01":
            qualifiers = dict(zip(segments[i + 2 :: 2], segments[i + 3 :: 2], strict=False))
            product = f"{head}/01/{key}"
            if "21" in qualifiers or "235" in qualifiers:
                return Identity(value, "instance", product)
            if "10" in qualifiers:
                return Identity(value, "lot", product)
            return Identity(value, "class", product)
        if ai in _DL_INSTANCE:
            return Identity(value, "instance")
        if ai in _DL_LOCATION:
            return Identity(value, "location")
        if ai in _DL_OPTIONAL_SERIAL:
            size = _DL_OPTIONAL_SERIAL[ai]
            klass = f"{head}/{ai}/{key[:size]}"
            return Identity(value, "instance" if len(key) > size else "class", klass)
    return None


def classify(value: str) -> Identity:
    """What ``value`` names (see the module table); never raises."""
    return _urn(value) or _digital_link(value) or Identity(value, "other")


def is_instance(value: str) -> bool:
    """True when ``value`` names one serialized object (it exists once, as ``1 EA``)."""
    return classify(value).is_instance


def product_of(value: str) -> str:
    """The product (class) ``value`` belongs to where one can be read, else ``value`` itself.

    ``urn:epc:id:sgtin:C.I.S`` and ``urn:epc:class:lgtin:C.I.L`` give
    ``urn:epc:idpat:sgtin:C.I.*``; a GS1 Digital Link gives its ``…/01/<GTIN>``.
    """
    return classify(value).product or value
