"""The ledger's public surface: what ``lca``, ``traceability``, ``park``, ``certificates`` and ``api`` use.

DESIGN.md section 2: the other packages reach the ledger through these names,
never through its table classes (``ledger.store.tables``, ``ActorRow`` …).
Packages that keep projection tables of their own derive them from
``ProjectionBase`` (so one Alembic history and one ``replay --check`` cover
every table).

The names are loaded lazily (PEP 562): ``import ledger`` — which every
``import ledger.<module>`` runs first — costs nothing, and the pure parts
(``ledger.log``) stay usable without loading the storage layer. The imports
under ``TYPE_CHECKING`` are what type checkers and readers see; ``_EXPORTS``
says where each name lives at run time (``tests/ledger/test_public.py`` checks
that the two agree).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.attribution.row_store import ProvenRow, run_row, run_rows, stored_rows
    from ledger.attribution.rows import ResultRow, RowProof, root_from_row_proof, rows_root, verify_row
    from ledger.attribution.shares import (
        GreenShares,
        claimable_share,
        gec_backed_wh,
        green_shares,
        hourly_matched_share,
        hourly_matched_wh,
        physical_share,
        ratio,
    )
    from ledger.energy.factors import Factor as EmissionFactor
    from ledger.energy.factors import FactorTable, GridFactors, grid_factors, load_factors
    from ledger.energy.links import links_serving
    from ledger.energy.trades import trades_serving
    from ledger.errors import (
        BadEntry,
        CheckpointError,
        CodedError,
        Conflict,
        IntegrityFailure,
        KeyFileError,
        LedgerError,
        NotFound,
        ProofError,
        RuleViolation,
        SchemaViolation,
        SignatureInvalid,
        StorageError,
    )
    from ledger.kinds.access import Grant, grants_to, has_trail_grant
    from ledger.kinds.actors import ActorId
    from ledger.log.canonical import canonical_bytes, parse_canonical
    from ledger.log.checkpoint import (
        Checkpoint,
        check_checkpoint,
        parse_note,
        parse_verifier_key,
        verifier_key,
    )
    from ledger.log.entry import Entry, Submission, format_timestamp, signed_bytes
    from ledger.log.key_history import KeyHistory
    from ledger.log.keys import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
        generate_key,
        load_private_key,
        load_public_key,
        public_key_b64,
        public_key_from_b64,
        raw_public_key,
        save_private_key,
        save_public_key,
        sign_b64,
        verify_b64,
    )
    from ledger.rounding import largest_remainder, largest_remainder_split
    from ledger.store.actors import Actor, get_actor, list_actors, require_actor
    from ledger.store.append import Appended, ConsistencyProof, InclusionProof, Ledger, LedgerInfo
    from ledger.store.db import Database, default_url, sqlite_url, tanji_home
    from ledger.store.queries import (
        Source,
        actors_by_public_key,
        authors,
        checkpoint_root,
        entries_at,
        entries_of_kind,
        entry_at,
        entry_hash,
        entry_kind,
        kind_version,
        store_placeholder_log,
    )
    from ledger.store.registry import REGISTRY, AppendContext, EntryKind
    from ledger.store.tables import Base as ProjectionBase

__all__ = [
    "Actor",
    "ActorId",
    "AppendContext",
    "Appended",
    "BadEntry",
    "Checkpoint",
    "CheckpointError",
    "CodedError",
    "Conflict",
    "ConsistencyProof",
    "Database",
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "EmissionFactor",
    "Entry",
    "EntryKind",
    "FactorTable",
    "Grant",
    "GreenShares",
    "GridFactors",
    "InclusionProof",
    "IntegrityFailure",
    "KeyFileError",
    "KeyHistory",
    "Ledger",
    "LedgerError",
    "LedgerInfo",
    "NotFound",
    "ProjectionBase",
    "ProofError",
    "ProvenRow",
    "REGISTRY",
    "ResultRow",
    "RowProof",
    "RuleViolation",
    "SchemaViolation",
    "SignatureInvalid",
    "Source",
    "StorageError",
    "Submission",
    "actors_by_public_key",
    "authors",
    "canonical_bytes",
    "check_checkpoint",
    "checkpoint_root",
    "claimable_share",
    "default_url",
    "entries_of_kind",
    "entries_at",
    "entry_at",
    "entry_hash",
    "entry_kind",
    "format_timestamp",
    "gec_backed_wh",
    "generate_key",
    "get_actor",
    "grants_to",
    "green_shares",
    "grid_factors",
    "has_trail_grant",
    "hourly_matched_share",
    "hourly_matched_wh",
    "kind_version",
    "largest_remainder",
    "largest_remainder_split",
    "links_serving",
    "list_actors",
    "load_factors",
    "load_private_key",
    "load_public_key",
    "parse_canonical",
    "parse_note",
    "parse_verifier_key",
    "physical_share",
    "public_key_b64",
    "public_key_from_b64",
    "ratio",
    "raw_public_key",
    "require_actor",
    "root_from_row_proof",
    "rows_root",
    "run_row",
    "run_rows",
    "save_private_key",
    "save_public_key",
    "sign_b64",
    "signed_bytes",
    "sqlite_url",
    "store_placeholder_log",
    "stored_rows",
    "tanji_home",
    "trades_serving",
    "verifier_key",
    "verify_b64",
    "verify_row",
]

# name -> (module, attribute): where each name lives at run time.
_EXPORTS: dict[str, tuple[str, str]] = {
    "Ledger": ("ledger.store.append", "Ledger"),
    "Appended": ("ledger.store.append", "Appended"),
    "InclusionProof": ("ledger.store.append", "InclusionProof"),
    "ConsistencyProof": ("ledger.store.append", "ConsistencyProof"),
    "LedgerInfo": ("ledger.store.append", "LedgerInfo"),
    "Database": ("ledger.store.db", "Database"),
    "default_url": ("ledger.store.db", "default_url"),
    "sqlite_url": ("ledger.store.db", "sqlite_url"),
    "tanji_home": ("ledger.store.db", "tanji_home"),
    "Entry": ("ledger.log.entry", "Entry"),
    "Submission": ("ledger.log.entry", "Submission"),
    "signed_bytes": ("ledger.log.entry", "signed_bytes"),
    "format_timestamp": ("ledger.log.entry", "format_timestamp"),
    "canonical_bytes": ("ledger.log.canonical", "canonical_bytes"),
    "parse_canonical": ("ledger.log.canonical", "parse_canonical"),
    "Checkpoint": ("ledger.log.checkpoint", "Checkpoint"),
    "check_checkpoint": ("ledger.log.checkpoint", "check_checkpoint"),
    "parse_note": ("ledger.log.checkpoint", "parse_note"),
    "parse_verifier_key": ("ledger.log.checkpoint", "parse_verifier_key"),
    "verifier_key": ("ledger.log.checkpoint", "verifier_key"),
    "KeyHistory": ("ledger.log.key_history", "KeyHistory"),
    "CodedError": ("ledger.errors", "CodedError"),
    "LedgerError": ("ledger.errors", "LedgerError"),
    "BadEntry": ("ledger.errors", "BadEntry"),
    "SchemaViolation": ("ledger.errors", "SchemaViolation"),
    "RuleViolation": ("ledger.errors", "RuleViolation"),
    "SignatureInvalid": ("ledger.errors", "SignatureInvalid"),
    "Conflict": ("ledger.errors", "Conflict"),
    "NotFound": ("ledger.errors", "NotFound"),
    "IntegrityFailure": ("ledger.errors", "IntegrityFailure"),
    "ProofError": ("ledger.errors", "ProofError"),
    "CheckpointError": ("ledger.errors", "CheckpointError"),
    "KeyFileError": ("ledger.errors", "KeyFileError"),
    "StorageError": ("ledger.errors", "StorageError"),
    "Ed25519PrivateKey": ("ledger.log.keys", "Ed25519PrivateKey"),
    "Ed25519PublicKey": ("ledger.log.keys", "Ed25519PublicKey"),
    "generate_key": ("ledger.log.keys", "generate_key"),
    "load_private_key": ("ledger.log.keys", "load_private_key"),
    "save_private_key": ("ledger.log.keys", "save_private_key"),
    "load_public_key": ("ledger.log.keys", "load_public_key"),
    "save_public_key": ("ledger.log.keys", "save_public_key"),
    "public_key_b64": ("ledger.log.keys", "public_key_b64"),
    "public_key_from_b64": ("ledger.log.keys", "public_key_from_b64"),
    "raw_public_key": ("ledger.log.keys", "raw_public_key"),
    "sign_b64": ("ledger.log.keys", "sign_b64"),
    "verify_b64": ("ledger.log.keys", "verify_b64"),
    "REGISTRY": ("ledger.store.registry", "REGISTRY"),
    "AppendContext": ("ledger.store.registry", "AppendContext"),
    "EntryKind": ("ledger.store.registry", "EntryKind"),
    "ProjectionBase": ("ledger.store.tables", "Base"),
    "Actor": ("ledger.store.actors", "Actor"),
    "get_actor": ("ledger.store.actors", "get_actor"),
    "require_actor": ("ledger.store.actors", "require_actor"),
    "list_actors": ("ledger.store.actors", "list_actors"),
    "ActorId": ("ledger.kinds.actors", "ActorId"),
    "Grant": ("ledger.kinds.access", "Grant"),
    "grants_to": ("ledger.kinds.access", "grants_to"),
    "has_trail_grant": ("ledger.kinds.access", "has_trail_grant"),
    "Source": ("ledger.store.queries", "Source"),
    "entry_at": ("ledger.store.queries", "entry_at"),
    "entries_at": ("ledger.store.queries", "entries_at"),
    "entry_hash": ("ledger.store.queries", "entry_hash"),
    "entry_kind": ("ledger.store.queries", "entry_kind"),
    "entries_of_kind": ("ledger.store.queries", "entries_of_kind"),
    "kind_version": ("ledger.store.queries", "kind_version"),
    "authors": ("ledger.store.queries", "authors"),
    "checkpoint_root": ("ledger.store.queries", "checkpoint_root"),
    "actors_by_public_key": ("ledger.store.queries", "actors_by_public_key"),
    "store_placeholder_log": ("ledger.store.queries", "store_placeholder_log"),
    "links_serving": ("ledger.energy.links", "links_serving"),
    "EmissionFactor": ("ledger.energy.factors", "Factor"),
    "FactorTable": ("ledger.energy.factors", "FactorTable"),
    "GridFactors": ("ledger.energy.factors", "GridFactors"),
    "grid_factors": ("ledger.energy.factors", "grid_factors"),
    "load_factors": ("ledger.energy.factors", "load_factors"),
    "trades_serving": ("ledger.energy.trades", "trades_serving"),
    "largest_remainder": ("ledger.rounding", "largest_remainder"),
    "largest_remainder_split": ("ledger.rounding", "largest_remainder_split"),
    "GreenShares": ("ledger.attribution.shares", "GreenShares"),
    "green_shares": ("ledger.attribution.shares", "green_shares"),
    "physical_share": ("ledger.attribution.shares", "physical_share"),
    "hourly_matched_share": ("ledger.attribution.shares", "hourly_matched_share"),
    "claimable_share": ("ledger.attribution.shares", "claimable_share"),
    "hourly_matched_wh": ("ledger.attribution.shares", "hourly_matched_wh"),
    "gec_backed_wh": ("ledger.attribution.shares", "gec_backed_wh"),
    "ratio": ("ledger.attribution.shares", "ratio"),
    "ResultRow": ("ledger.attribution.rows", "ResultRow"),
    "RowProof": ("ledger.attribution.rows", "RowProof"),
    "root_from_row_proof": ("ledger.attribution.rows", "root_from_row_proof"),
    "rows_root": ("ledger.attribution.rows", "rows_root"),
    "verify_row": ("ledger.attribution.rows", "verify_row"),
    "ProvenRow": ("ledger.attribution.row_store", "ProvenRow"),
    "run_row": ("ledger.attribution.row_store", "run_row"),
    "run_rows": ("ledger.attribution.row_store", "run_rows"),
    "stored_rows": ("ledger.attribution.row_store", "stored_rows"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'ledger' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
