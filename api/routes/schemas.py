"""The JSON schemas Tanji publishes (PACT extension schema, the PACT v3 schema it validates against)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Path as PathParam

from api.errors import ResourceNotFound

DATA = Path(__file__).resolve().parent.parent / "data"
router = APIRouter(prefix="/schemas", tags=["schemas"])


def published() -> dict[str, Path]:
    """Schema file name -> path, for every ``*.schema.json`` shipped in ``api/data``."""
    return {p.name: p for p in sorted(DATA.glob("*.schema.json"))}


@router.get("/{name}", summary="A published JSON schema")
def schema(name: Annotated[str, PathParam(max_length=100)]) -> Any:
    path = published().get(name)
    if path is None:
        raise ResourceNotFound(
            f"no schema {name!r}; published: {', '.join(published())}", code="schema.not_found"
        )
    return json.loads(path.read_text(encoding="utf-8"))
