"""Submitting signed entries (single and batch) and reading them back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api.auth.roles import kind_allowed
from api.auth.tokens import Principal
from api.deps import EntriesWriter, LedgerDep, ServiceDep, TrailReader
from api.errors import Forbidden
from api.schemas.entries import (
    AppendedPublic,
    BatchCreate,
    BatchPublic,
    EntryPublic,
    SubmissionCreate,
)
from api.service import Service
from ledger.kinds.access import has_trail_grant
from ledger.log.entry import Entry, Submission
from ledger.store.append import Appended

router = APIRouter(prefix="/entries", tags=["entries"])


def _submission(who: Principal, item: SubmissionCreate, index: int | None = None) -> Submission:
    where = "" if index is None else f" (entry {index})"
    if item.actor != who.actor:
        raise Forbidden(
            f"a token of {who.actor!r} cannot submit entries of {item.actor!r}{where}",
            code="auth.actor_mismatch",
            index=index,
        )
    if not kind_allowed(who.role, item.kind):
        raise Forbidden(
            f"a {who.role} may not submit {item.kind}{where}", code="auth.kind_forbidden", index=index
        )
    return Submission.from_json(item.model_dump(exclude_none=True))


def _public(a: Appended) -> AppendedPublic:
    return AppendedPublic(seq=a.seq, hash=a.hash, duplicate=a.duplicate)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AppendedPublic,
    summary="Append one signed entry (the token's actor must be the entry's actor)",
)
def submit(item: SubmissionCreate, who: EntriesWriter, ledger: LedgerDep) -> AppendedPublic:
    (placed,) = ledger.append([_submission(who, item)])
    return _public(placed)


@router.post(
    "/batch",
    status_code=status.HTTP_201_CREATED,
    response_model=BatchPublic,
    summary="Append signed entries atomically: all or none",
)
def submit_batch(batch: BatchCreate, who: EntriesWriter, ledger: LedgerDep) -> BatchPublic:
    subs = [_submission(who, item, i) for i, item in enumerate(batch.entries)]
    return BatchPublic(appended=[_public(a) for a in ledger.append(subs)])


def may_read_trail(service: Service, who: Principal, actor: str) -> bool:
    """Own entries, the operator, or a verifier holding the actor's trail grant."""
    if who.actor == actor or who.role == "operator":
        return True
    with service.db.read_session() as s:
        return has_trail_grant(s, actor, who.actor)


def entry_public(e: Entry) -> EntryPublic:
    """The wire form of a stored entry."""
    return EntryPublic(
        seq=e.seq,
        kind=e.kind,
        actor=e.actor,
        recorded_at=e.recorded_at,
        payload=e.payload,
        prev=e.prev,
        sig=e.sig,
        client_id=e.client_id,
        hash=e.hash,
        body=e.body,
    )


@router.get("/{seq}", response_model=EntryPublic, summary="One entry by seq (own, or granted trail)")
def get_entry(
    seq: Annotated[int, Path(ge=0, le=2**62)], who: TrailReader, service: ServiceDep
) -> EntryPublic:
    entry = service.ledger.entry(seq)
    if not may_read_trail(service, who, entry.actor):
        raise Forbidden(f"{who.actor!r} holds no grant to read entries of {entry.actor!r}")
    return entry_public(entry)


@router.get("", response_model=list[EntryPublic], summary="An actor's entries (its trail), in seq order")
def list_entries(
    who: TrailReader,
    service: ServiceDep,
    actor: Annotated[str, Query(min_length=1, max_length=128)],
    start: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[EntryPublic]:
    if not may_read_trail(service, who, actor):
        raise Forbidden(f"{who.actor!r} holds no grant to read entries of {actor!r}")
    return [entry_public(e) for e in service.ledger.entries_by_actor(actor, start, limit)]
