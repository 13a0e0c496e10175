"""The public verification page ``/verify/{certificate_id}`` and its JSON download.

No token: anyone who scans a label's QR code may check a certificate. The
page is server-rendered and self-contained (inline CSS, no CDN, no script), in
Chinese or English (``?lang=zh|en``, else ``Accept-Language``): the words, the
period (park-local dates, the end stated as excluded) and the witness line follow
the language; figures come preformatted (``api.views.numbers``).
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from api.deps import ServiceDep
from api.errors import ResourceNotFound
from api.service import Service
from api.views.certificate import CertificateView
from api.views.i18n import choose_lang, page_headers, switch_href
from api.views.numbers import human
from api.views.verify import witness_names, words
from api.witness.status import witness_status

router = APIRouter(tags=["verification page"])
CertificateId = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:\-]+$")]


def _lookup(service: Service, certificate_id: str) -> CertificateView | None:
    lookup = service.settings.certificates
    return None if lookup is None else lookup(certificate_id)


@router.get(
    "/verify/{certificate_id}",
    response_class=HTMLResponse,
    summary="Public verification page of a certificate (HTML)",
)
async def verify_page(request: Request, certificate_id: CertificateId, service: ServiceDep) -> HTMLResponse:
    view = _lookup(service, certificate_id)
    policy = service.settings.witness_policy
    witness = (
        None
        if view is None or policy is None
        else await run_in_threadpool(
            witness_status, service.ledger, policy, [item.seq for item in view.evidence]
        )
    )
    witnessed_by = None if witness is None or policy is None else witness_names(policy, witness.cosigned)
    lang = choose_lang(request.query_params.get("lang"), request.headers.get("accept-language"))
    context = {
        "certificate_id": certificate_id,
        "view": view,
        "origin": service.ledger.info().origin,
        "witness": witness,
        "witnessed_by": witnessed_by,
        "witness_size": None if witness is None else human(witness.size, 0),
        "w": words(lang),
        "switch_href": switch_href(request.url.path, request.query_params.multi_items(), words(lang).other),
    }
    return service.templates.TemplateResponse(
        request,
        "verify.html",
        context,
        status_code=200 if view is not None else 404,
        headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            **page_headers(lang),
        },
    )


@router.get(
    "/verify/{certificate_id}/certificate.json",
    summary="Download the signed certificate document",
    responses={200: {"content": {"application/json": {}}}},
)
def certificate_json(certificate_id: CertificateId, service: ServiceDep) -> Response:
    view = _lookup(service, certificate_id)
    if view is None:
        raise ResourceNotFound(f"no certificate {certificate_id}", code="certificate.not_found")
    if view.document is None:
        raise ResourceNotFound(
            f"certificate {certificate_id} is recorded in the ledger, but this service keeps "
            "no copy of its signed document; ask its holder",
            code="certificate.document_missing",
        )
    body = json.dumps(dict(view.document), ensure_ascii=False, sort_keys=True, indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{certificate_id}.json"'},
    )
