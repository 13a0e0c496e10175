"""Which members an EPCIS 2.0 event may have, and where a document's events are.

EPCIS documents arrive with vendor extensions, fields from older drafts and
fields in the wrong event type (an ``action`` on a TransformationEvent).
None of that changes what the event says about lots, so the importer reports
it as a warning naming the event and the JSON Pointer (RFC 6901) of the
member, and carries on: lenient where the world is messy.

Members are checked against the EPCIS 2.0 event types (GS1 EPCIS 2.0 JSON
schema): the fields every event may carry, plus those of its own type. A
member whose name contains ``:`` (a compact or full IRI: a user extension
declared in ``@context``) or starts with ``@`` is an extension and never
warned about.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

COMMON_FIELDS: Final = frozenset(
    {
        "type",
        "eventID",
        "eventTime",
        "eventTimeZoneOffset",
        "recordTime",
        "errorDeclaration",
        "certificationInfo",
        "readPoint",
        "bizLocation",
        "bizStep",
        "disposition",
        "persistentDisposition",
        "bizTransactionList",
        "sourceList",
        "destinationList",
        "sensorElementList",
    }
)
TYPE_FIELDS: Final[dict[str, frozenset[str]]] = {
    "ObjectEvent": frozenset({"epcList", "quantityList", "action", "ilmd"}),
    "AggregationEvent": frozenset({"parentID", "childEPCs", "childQuantityList", "action"}),
    "TransactionEvent": frozenset({"parentID", "epcList", "quantityList", "action"}),
    "TransformationEvent": frozenset(
        {
            "inputEPCList",
            "inputQuantityList",
            "outputEPCList",
            "outputQuantityList",
            "transformationID",
            "ilmd",
        }
    ),
    "AssociationEvent": frozenset({"parentID", "childEPCs", "childQuantityList", "action"}),
}
ALL_TYPE_FIELDS: Final = frozenset().union(*TYPE_FIELDS.values())


def pointer(*parts: str | int) -> str:
    """A JSON Pointer (RFC 6901) from path parts: ``pointer("epcisBody", "eventList", 3)``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def is_extension(name: str) -> bool:
    """True for a user-extension member (``ext1:float``, ``https://…#x``) or a JSON-LD keyword."""
    return ":" in name or name.startswith("@")


def field_warnings(event: Mapping[str, Any], event_type: str) -> list[tuple[str, str]]:
    """``(member, reason)`` for each member that EPCIS 2.0 does not define for ``event_type``.

    Preconditions: ``event_type`` is one of ``TYPE_FIELDS``.
    """
    own = TYPE_FIELDS[event_type]
    found = []
    for name in event:
        if not isinstance(name, str) or is_extension(name) or name in COMMON_FIELDS or name in own:
            continue
        if name in ALL_TYPE_FIELDS:
            found.append((name, f"field {name!r} is not defined for a {event_type} (EPCIS 2.0); ignored"))
        else:
            found.append(
                (name, f"unknown field {name!r} (not EPCIS 2.0 and not a namespaced extension); ignored")
            )
    return found
