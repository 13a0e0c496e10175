"""What every entry command shares: who signs, with which key, ``--dry-run`` and the answer.

A command builds its payload from options, then :meth:`Signing.append_and_report` signs
it with the actor's key (``--key FILE``, else ``--keys DIR``/<actor>.pem, else
TANJI_HOME/keys/<actor>.pem) and appends it, or with ``--dry-run`` checks it as the
ledger would (``Ledger.append(..., dry_run=True)``) and appends nothing; then prints
what it did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.context import emit, errors_to_exit, open_ledger, operator_key_path, passphrase, resolve_home
from ledger import Ed25519PrivateKey, Submission, load_private_key
from ledger.errors import KeyFileError

KeyOption = Annotated[
    Path | None, typer.Option("--key", help="The signer's private key (PEM); default: its file in --keys.")
]
KeysOption = Annotated[
    Path | None,
    typer.Option("--keys", help="Directory of actor keys (<actor>.pem); default: TANJI_HOME/keys."),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Sign and check as the ledger would; append nothing.")
]
ClientIdOption = Annotated[
    str | None,
    typer.Option("--client-id", help="Idempotency id: running the command again returns the first seq."),
]


def signing_key(
    actor: str, key: Path | None, keys: Path | None, home: Path | None, *, operator_id: str | None = None
) -> Ed25519PrivateKey:
    """The private key ``actor`` signs with (see the module docstring for where it is looked up).

    The ledger operator's key is TANJI_HOME/keys/operator.pem whatever its actor id.
    """
    if key is None:
        if "/" in actor or actor.startswith("."):
            raise KeyFileError(f"actor id {actor!r} cannot name a key file; pass --key FILE")
        if keys is None and actor == operator_id:
            key = operator_key_path(resolve_home(home))
        else:
            key = (keys or resolve_home(home) / "keys") / f"{actor}.pem"
    return load_private_key(key, passphrase())


@dataclass(frozen=True)
class Signed:
    """What :func:`sign_and_append` did: where the entry landed, or that it was only checked."""

    kind: str
    actor: str
    payload: dict[str, Any]
    seq: int | None
    duplicate: bool
    dry_run: bool

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "actor": self.actor,
            "payload": self.payload,
            "seq": self.seq,
            "duplicate": self.duplicate,
            "dry_run": self.dry_run,
        }

    def text(self, what: str) -> str:
        """One line: ``what`` was appended at seq N (or checked only)."""
        if self.dry_run:
            return f"dry run: {what} signed by {self.actor} and checked ({self.kind}); nothing appended"
        again = " (already in the log: same client id and content)" if self.duplicate else ""
        return f"{what}: {self.kind} by {self.actor} at seq {self.seq}{again}"


def sign_and_append(
    kind: str,
    actor: str | None,
    payload: dict[str, Any],
    *,
    key: Path | None,
    keys: Path | None,
    client_id: str | None,
    dry_run: bool,
    db: str | None,
    home: Path | None,
) -> Signed:
    """Sign ``payload`` as ``actor`` (None: the operator) and append it; with ``dry_run`` only check it."""
    ledger = open_ledger(db, home, write=not dry_run)
    actor = actor or ledger.info().operator_id
    signer = signing_key(actor, key, keys, home, operator_id=ledger.info().operator_id)
    submission = Submission.create(kind, actor, payload, signer, client_id)
    if dry_run:
        ledger.append([submission], dry_run=True)
        return Signed(kind, actor, payload, None, False, True)
    [placed] = ledger.append([submission])
    return Signed(kind, actor, payload, placed.seq, placed.duplicate, False)


@dataclass(frozen=True, kw_only=True)
class Signing:
    """The options every entry command shares: the signer's key, ``--client-id``, ``--dry-run``,
    the ledger and ``--json`` (Typer declares them in each command's signature)."""

    key: Path | None
    keys: Path | None
    client_id: str | None
    dry_run: bool
    db: str | None
    home: Path | None
    as_json: bool

    def append_and_report(
        self,
        kind: str,
        actor: str | None,
        payload: dict[str, Any],
        what: str,
        *,
        then: Callable[[Signed], None] | None = None,
    ) -> None:
        """:func:`sign_and_append`, then ``then`` (if given) with its result, then print the result.

        A package error in either is printed as :func:`errors_to_exit` does, with exit code 2.
        """
        with errors_to_exit(self.as_json):
            signed = sign_and_append(
                kind,
                actor,
                payload,
                key=self.key,
                keys=self.keys,
                client_id=self.client_id,
                dry_run=self.dry_run,
                db=self.db,
                home=self.home,
            )
            if then is not None:
                then(signed)
        emit(signed.to_json(), self.as_json, signed.text(what))
