"""PACT v3 bodies: footprint lists, single footprints, errors, CloudEvents."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class FootprintListPublic(BaseModel):
    """``{"data": [ProductFootprint, …]}`` (never null)."""

    data: list[dict[str, Any]]


class FootprintPublic(BaseModel):
    """``{"data": ProductFootprint}``."""

    data: dict[str, Any]


class PactErrorPublic(BaseModel):
    """The PACT error body."""

    code: str = Field(examples=["AccessDenied", "BadRequest", "NotFound", "TokenExpired", "InternalError"])
    message: str


EVENT_TYPES = (
    "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
    "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
    "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
    "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
)

CLOUD_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "specversion", "id", "source", "time", "data"],
    "properties": {
        "type": {"type": "string", "enum": list(EVENT_TYPES)},
        "specversion": {"type": "string", "const": "1.0"},
        "id": {"type": "string", "minLength": 1},
        "source": {"type": "string", "minLength": 1},
        "time": {"type": "string", "format": "date-time"},
        "data": {"type": "object"},
    },
}
