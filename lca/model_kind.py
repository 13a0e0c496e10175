"""Product models on the ledger: the ``footprint.model`` entry kind, its projection and who may read it.

A product model (``lca.model``: today's YAML data) is recorded as an entry so
that every footprint published from it can be re-computed from the ledger
alone. The payload is the model's canonical document (RFC 8785 form of the
parsed model, ``ProductModel.canonical_json``) and its SHA-256: the model is
content-addressed, a ``footprint.publish`` cites it by that hash
(``model_sha256``, resolved among the publisher's own models), and a
certificate shows only the hash.

Rules (``RuleViolation`` codes): ``footprint.model_invalid`` (the document is
not a valid product model), ``footprint.model_not_canonical`` (the document is
not the canonical form of the model it parses to, so one model has one
payload), ``footprint.model_hash_mismatch``, ``footprint.model_exists`` (the
publisher recorded this model already), ``footprint.meter_unknown`` /
``footprint.meter_not_owned`` (a metered process names a meter that is not
the publisher's), and the supplier rules packages above ``lca`` add
(:data:`SUPPLIER_CERTIFICATE_RULES`: ``certificates`` checks that a supplier
certificate an input carries is issued, not revoked and certifies the figures
the input states). Only enterprises record models.

Who reads a model (:func:`read_model`): its publisher, the operator and
verifiers the publisher granted its trail (``access.grant`` scope
``trail``); anyone else gets ``footprint.model_forbidden``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import rfc8785
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lca.errors import InvalidModel, LcaError
from lca.model import CertificateReference, ProductModel, parse_model
from ledger import (
    REGISTRY,
    AppendContext,
    Entry,
    EntryKind,
    NotFound,
    ProjectionBase,
    RuleViolation,
    Submission,
    get_actor,
    has_trail_grant,
)
from ledger.energy.meters import get_meter
from ledger.log.keys import Ed25519PrivateKey

__all__ = [
    "MODEL_KIND",
    "SUPPLIER_CERTIFICATE_RULES",
    "FootprintModelPayload",
    "FootprintModelRow",
    "ModelForbidden",
    "RecordedModel",
    "find_model",
    "model_payload",
    "model_submission",
    "read_model",
]

MODEL_KIND = "footprint.model"


class ModelForbidden(LcaError):
    """The reader may not read this product model."""

    code = "footprint.model_forbidden"


class FootprintModelPayload(BaseModel):
    """Payload of ``footprint.model``: the model's canonical document and its SHA-256."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    model: dict[str, Any]


class FootprintModelRow(ProjectionBase):
    """Projection: every recorded model, by publisher and hash (``body``: its canonical JSON)."""

    __tablename__ = "footprint_models"

    actor: Mapped[str] = mapped_column(String(128), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    product_id: Mapped[str] = mapped_column(String(200), index=True)
    body: Mapped[str] = mapped_column(Text)


#: Rules on a supplier certificate an input carries: ``rule(session, publisher, certificate, where)``
#: raises ``RuleViolation``. Registered by the packages that know certificates (``certificates``).
SupplierCertificateRule = Callable[[Session, str, CertificateReference, str], None]
SUPPLIER_CERTIFICATE_RULES: list[SupplierCertificateRule] = []


@dataclass(frozen=True)
class RecordedModel:
    """A model on the ledger: who recorded it, where, and the model."""

    actor: str
    sha256: str
    seq: int
    model: ProductModel


def model_payload(model: ProductModel) -> dict[str, Any]:
    """The ``footprint.model`` payload of ``model``."""
    return {
        "sha256": model.sha256(),
        "model": model.model_dump(mode="json", by_alias=True, exclude_none=True),
    }


def model_submission(model: ProductModel, actor: str, key: Ed25519PrivateKey) -> Submission:
    """A signed ``footprint.model`` submission of ``model`` by ``actor``."""
    return Submission.create(MODEL_KIND, actor, model_payload(model), key)


def _parse(p: FootprintModelPayload) -> ProductModel:
    try:
        model = parse_model(p.model)
    except InvalidModel as e:
        raise RuleViolation(f"the model is invalid: {e.message}", code="footprint.model_invalid") from e
    canonical = model.canonical_json()
    if rfc8785.dumps(p.model) != canonical:
        raise RuleViolation(
            f"the document of model {model.id!r} is not its canonical form (send "
            "ProductModel.model_dump(mode='json', by_alias=True, exclude_none=True))",
            code="footprint.model_not_canonical",
            model_id=model.id,
        )
    digest = hashlib.sha256(canonical).hexdigest()
    if digest != p.sha256:
        raise RuleViolation(
            f"model {model.id!r} hashes to {digest}, the entry says {p.sha256}",
            code="footprint.model_hash_mismatch",
            expected=p.sha256,
            actual=digest,
        )
    return model


def check_supplier_certificates(session: Session, actor: str, model: ProductModel) -> None:
    """Run :data:`SUPPLIER_CERTIFICATE_RULES` on every certificate-backed input of ``model``."""
    for process in model.processes:
        for inp in process.inputs:
            if inp.supplier is not None and inp.supplier.certificate is not None:
                where = f"model {model.id!r}, process {process.id!r}, input {inp.id!r}"
                for rule in SUPPLIER_CERTIFICATE_RULES:
                    rule(session, actor, inp.supplier.certificate, where)


def _check(ctx: AppendContext, entry: Entry, p: FootprintModelPayload) -> None:
    model = _parse(p)
    s = ctx.session
    found = s.get(FootprintModelRow, (entry.actor, p.sha256))
    if found is not None:
        raise RuleViolation(
            f"{entry.actor!r} recorded model {model.id!r} ({p.sha256[:12]}…) already at seq {found.seq}",
            code="footprint.model_exists",
            seq=found.seq,
        )
    for process in model.processes:
        for share in process.electricity.meters if process.electricity else []:
            meter = get_meter(s, share.meter)
            if meter is None:
                raise RuleViolation(
                    f"model {model.id!r}, process {process.id!r}: meter {share.meter!r} is not registered",
                    code="footprint.meter_unknown",
                    meter=share.meter,
                )
            if meter.owner != entry.actor:
                raise RuleViolation(
                    f"model {model.id!r}, process {process.id!r}: meter {share.meter!r} is "
                    f"{meter.owner!r}'s, not {entry.actor!r}'s",
                    code="footprint.meter_not_owned",
                    meter=share.meter,
                    owner=meter.owner,
                )
    check_supplier_certificates(s, entry.actor, model)


def _apply(ctx: AppendContext, entry: Entry, p: FootprintModelPayload) -> None:
    ctx.session.add(
        FootprintModelRow(
            actor=entry.actor,
            sha256=p.sha256,
            seq=entry.seq,
            product_id=str(p.model.get("id")),
            body=rfc8785.dumps(p.model).decode(),
        )
    )
    ctx.session.flush()


@lru_cache(maxsize=1024)
def _model_of(body: str) -> ProductModel:
    """The model of a recorded canonical document, parsed once per process: documents are
    content-addressed and never change, so the same text is the same model."""
    return ProductModel.model_validate_json(body)


def _recorded(row: FootprintModelRow) -> RecordedModel:
    return RecordedModel(row.actor, row.sha256, row.seq, _model_of(row.body))


def find_model(session: Session, actor: str, sha256: str) -> RecordedModel | None:
    """The model ``sha256`` as ``actor`` recorded it, or None (no access rule: the ledger's own use)."""
    t = FootprintModelRow
    found = session.execute(select(t.seq, t.body).where(t.actor == actor, t.sha256 == sha256)).first()
    return None if found is None else RecordedModel(actor, sha256, int(found[0]), _model_of(found[1]))


def read_model(session: Session, sha256: str, reader: str, *, publisher: str | None = None) -> RecordedModel:
    """The model ``sha256`` (of ``publisher``, else the first who recorded it) for ``reader``.

    ``NotFound`` (``footprint.model_unknown``) when no such model is recorded; ``ModelForbidden``
    unless ``reader`` is the publisher, the operator, or a verifier holding the publisher's trail grant.
    """
    q = select(FootprintModelRow).where(FootprintModelRow.sha256 == sha256).order_by(FootprintModelRow.seq)
    if publisher is not None:
        q = q.where(FootprintModelRow.actor == publisher)
    row = session.scalars(q.limit(1)).first()
    if row is None:
        raise NotFound(f"no product model {sha256} is recorded", code="footprint.model_unknown")
    actor = get_actor(session, reader)
    allowed = (
        reader == row.actor
        or (actor is not None and actor.role == "operator")
        or (actor is not None and actor.role == "verifier" and has_trail_grant(session, row.actor, reader))
    )
    if not allowed:
        raise ModelForbidden(
            f"{reader!r} may not read model {sha256[:12]}… of {row.actor!r}: only its publisher, the "
            "operator and verifiers granted its trail",
            sha256=sha256,
            reader=reader,
        )
    return _recorded(row)


MODEL = REGISTRY.register(
    EntryKind(
        MODEL_KIND,
        FootprintModelPayload,
        _check,
        _apply,
        roles=frozenset({"enterprise"}),
        summary="Record a product model (content-addressed by the SHA-256 of its canonical JSON).",
    )
)
