"""The identity resolver, public: actors' DID documents, GS1 Digital Link paths, credential files.

- ``GET /actors/{actor_id}/did.json``: the ``did:web`` document of ``did:web:<host>:actors:<id>``,
  listing every key the ledger's ``actor.register`` / ``actor.rotate_key`` entries gave the actor;
  the host is the configured ``did_host``, else the request's host (a DID document names the host
  it is served from).
- ``GET /01/{gtin}/10/{lot}``: a label's QR code (GS1 Digital Link); 307 to the verification page
  of the newest valid certificate of that lot.
- ``GET /credentials/{name}``: a W3C/UNTP credential the service keeps (``TANJI_HOME/credentials``:
  passports, conformity credentials), ``.json`` or ``.jwt``.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from api.deps import ServiceDep
from api.errors import BadRequest, ResourceNotFound
from certificates.credentials.actors import actor_did_document, ledger_bindings
from certificates.credentials.errors import MalformedCredential
from certificates.resolve import certificate_of_lot
from certificates.site import gtin_of, lot_is_gs1

router = APIRouter(tags=["identity resolver"])
ActorId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]
CredentialName = Annotated[str, Path(pattern=r"^[A-Za-z0-9._\-]{1,120}\.(json|jwt)$")]
_PUBLIC = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}


@router.get("/actors/{actor_id}/did.json", summary="The did:web DID document of an actor (public)")
async def did_document(request: Request, actor_id: ActorId, service: ServiceDep) -> JSONResponse:
    host = service.settings.did_host or request.url.netloc
    ledger = service.ledger
    bindings = (await run_in_threadpool(ledger_bindings, ledger)).get(actor_id)
    if not bindings:
        raise ResourceNotFound(f"no actor {actor_id} is registered", code="actor.not_found")
    try:
        document = actor_did_document(actor_id, bindings, host, origin=ledger.info().origin)
    except MalformedCredential as e:  # a Host header no did:web can name
        raise BadRequest(e.message, code="did.bad_host") from e
    return JSONResponse(document, media_type="application/did+json", headers=_PUBLIC)


@router.get(
    "/01/{gtin}/10/{lot}",
    summary="GS1 Digital Link of a product lot: redirects to its certificate's verification page",
    status_code=307,
    response_class=RedirectResponse,
)
async def digital_link(gtin: str, lot: str, service: ServiceDep) -> RedirectResponse:
    canonical = gtin_of([gtin]) if re.fullmatch(r"\d{8,14}", gtin) else None
    if canonical is None or not lot_is_gs1(lot):
        raise ResourceNotFound(f"/01/{gtin}/10/{lot} is not a GTIN and lot", code="resolver.not_gs1")
    found = await run_in_threadpool(certificate_of_lot, service.ledger, canonical, lot)
    if found is None:
        raise ResourceNotFound(f"no certificate of GTIN {canonical} lot {lot}", code="resolver.not_found")
    return RedirectResponse(f"/verify/{found}", status_code=307, headers={"Cache-Control": "no-cache"})


@router.get(
    "/credentials/{name}",
    summary="A W3C/UNTP credential this service keeps (public)",
    responses={200: {"content": {"application/json": {}, "application/vc+jwt": {}}}},
)
def credential_file(name: CredentialName, service: ServiceDep) -> Response:
    directory = service.settings.credential_documents
    path = None if directory is None else directory / name
    if path is None or not path.is_file():
        raise ResourceNotFound(f"no credential {name}", code="credential.not_found")
    media = "application/vc+jwt" if name.endswith(".jwt") else "application/vc+ld+json"
    return Response(path.read_bytes(), media_type=media, headers=_PUBLIC)
