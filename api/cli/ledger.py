"""``tanji init`` and ``tanji ledger …``: create, verify, export, checkpoints and proofs."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from api.cli.context import (
    DbOption,
    HomeOption,
    JsonOption,
    emit,
    errors_to_exit,
    open_ledger,
    operator_key_path,
    passphrase,
    resolve_home,
)
from ledger.errors import IntegrityFailure, NotFound
from ledger.log.keys import generate_key, load_private_key, load_public_key, save_private_key
from ledger.log.policy import Policy
from ledger.store.append import Ledger
from ledger.store.db import Database, default_url
from ledger.store.export import export_ledger, verify_export

app = typer.Typer(help="The log itself: verify, export, checkpoints, proofs.", no_args_is_help=True)


def init(
    db: DbOption = None,
    home: HomeOption = None,
    origin: Annotated[
        str, typer.Option(help="Log origin (checkpoint first line and key name).")
    ] = "tanji.local/ledger",
    operator_id: Annotated[str, typer.Option(help="Actor id of the ledger operator.")] = "operator",
) -> None:
    """Create the ledger and the operator key (kept in TANJI_HOME/keys/operator.pem, mode 0600)."""
    home_dir = resolve_home(home)
    with errors_to_exit():
        key_path = operator_key_path(home_dir)
        if key_path.exists():
            key = load_private_key(key_path, passphrase())
        else:
            key = generate_key()
            save_private_key(key, key_path, passphrase())
        database = Database(db or default_url(home_dir))
        ledger = Ledger.create(database, key, origin=origin, operator_id=operator_id)
        typer.echo(f"ledger created at {database.url} (origin {origin}); operator key {key_path}")
        typer.echo(ledger.latest_checkpoint(), nl=False)


@app.command()
def verify(
    db: DbOption = None,
    home: HomeOption = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Verify an exported log.jsonl instead of a database.")
    ] = None,
    trust: Annotated[
        Path | None, typer.Option("--trust", help="Trusted operator public key (PEM), with --file.")
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="A checkpoint saved earlier (as `tanji ledger checkpoint` prints it): "
            "the log must extend it.",
        ),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy", help="Witness policy: the newest checkpoint must carry its quorum of cosignatures."
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="Processes for signature checks.")] = min(
        2, os.cpu_count() or 1
    ),
    as_json: JsonOption = False,
) -> None:
    """Recompute every hash, chain link, signature and checkpoint. Exit 0 intact, 1 not.

    The newest checkpoint must cover the whole log and no signed content may
    repeat. With --against, an RFC 9162 consistency proof must show the log
    extends the saved checkpoint (a rollback or a rewritten history fails).
    """
    with errors_to_exit(as_json):
        saved = read_file(against, "saved checkpoint") if against is not None else None
        witness_policy = load_policy(policy) if policy is not None else None
        if file is not None:
            if trust is not None:
                key = load_public_key(trust)
            elif witness_policy is not None and len(witness_policy.logs) == 1:
                key = witness_policy.logs[0].key.public_key
            else:
                raise typer.BadParameter("--file needs --trust KEY.pub (or a --policy naming one log)")
            report = verify_export(file, key, workers=workers, against=saved, policy=witness_policy)
        else:
            report = open_ledger(db, home).verify(workers=workers, against=saved, policy=witness_policy)
    if report.ok:
        text = f"ok: {report.size} entries, {report.checkpoints_checked} checkpoints verified"
        if report.against_size is not None:
            text += f"; extends the saved checkpoint of size {report.against_size}"
        if witness_policy is not None:
            text += (
                f"; cosigned by {', '.join(report.witnesses) or 'no witness'} ({witness_policy.describe()})"
            )
    elif report.first_bad_seq is not None:
        text = f"FAILED at seq {report.first_bad_seq} [{report.code}]: {report.reason}"
    elif report.bad_checkpoint_size is not None:
        text = f"FAILED at checkpoint size {report.bad_checkpoint_size} [{report.code}]: {report.reason}"
    else:
        text = f"FAILED [{report.code}]: {report.reason}"
    emit(report.to_json(), as_json, text)
    sys.exit(0 if report.ok else 1)


def read_file(path: Path, what: str) -> str:
    """The text of ``path``; ``NotFound(file.unreadable)`` naming ``what`` instead of an OSError."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise NotFound(f"cannot read {what} {path}: {e}", code="file.unreadable", path=str(path)) from e


def load_policy(path: Path) -> Policy:
    """A witness policy file; ``NotFound`` if it cannot be read, ``PolicyError`` if malformed."""
    return Policy.from_text(read_file(path, "witness policy"))


def _default_policy(policy: Path | None, home: Path | None) -> Path:
    return policy or resolve_home(home) / "witnesses" / "policy"


@app.command()
def cosign(
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="Witness policy (default: TANJI_HOME/witnesses/policy); its witnesses with URLs are asked.",
        ),
    ] = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask the policy's witnesses to cosign the newest checkpoint now; store what verifies.

    Exit 0 when the newest checkpoint then meets the policy, 1 when not.
    """
    from api.witness.client import CosignCollector, collect_cosignatures
    from api.witness.transport import UrllibTransport

    with errors_to_exit(as_json):
        witness_policy = load_policy(_default_policy(policy, home))
        ledger = open_ledger(db, home)
        outcomes = collect_cosignatures(ledger, witness_policy, UrllibTransport())
        result = witness_policy.check(ledger.latest_checkpoint())
    text = CosignCollector.outcomes_text(outcomes) + (
        f"\n{'ok' if result.ok else 'NOT WITNESSED'}: "
        f"size {result.checkpoint.size if result.checkpoint else '?'} "
        f"cosigned by {', '.join(result.cosigned) or 'none'} ({witness_policy.describe()})"
    )
    emit({"witnesses": [o.to_json() for o in outcomes], "policy": result.to_json()}, as_json, text)
    sys.exit(0 if result.ok else 1)


@app.command()
def monitor(
    url: Annotated[
        str, typer.Option("--url", help="Base URL of the Tanji service (serves /transparency/…).")
    ],
    state: Annotated[
        Path, typer.Option("--state", help="File holding the checkpoint saved by the last run.")
    ],
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Witness policy (default: TANJI_HOME/witnesses/policy).")
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fetch the latest checkpoint, check witnesses and consistency from the saved one, save it.

    Exit 0 when the log only grew; 1 on a rollback, a fork, another origin or
    an unmet witness policy (the saved checkpoint is kept as evidence); 2 on
    other errors (network, files).
    """
    from api.witness.monitor import monitor_once
    from api.witness.transport import UrllibTransport

    with errors_to_exit(as_json):
        witness_policy = load_policy(_default_policy(policy, home))
        try:
            result = monitor_once(url, state, witness_policy, UrllibTransport())
        except IntegrityFailure as e:
            if as_json:
                typer.echo(json.dumps({"ok": False, "error": e.diagnostics()}, ensure_ascii=False, indent=2))
            else:
                typer.echo(f"ALERT: {e}", err=True)
            sys.exit(1)
    before = "first run" if result.previous_size is None else f"grew from {result.previous_size}"
    emit(
        {"ok": True, **result.to_json()},
        as_json,
        f"ok: {result.checkpoint.origin} size {result.checkpoint.size} ({before}), cosigned by "
        f"{', '.join(result.cosigned) or 'none'}; saved to {state}",
    )


@app.command("export")
def export(
    out: Annotated[
        Path, typer.Option("--out", help="Directory to write log.jsonl, checkpoints.jsonl, ledger.pub.")
    ],
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Write the log as JSON Lines plus its checkpoints and the operator's public key."""
    with errors_to_exit():
        summary = export_ledger(open_ledger(db, home), out)
    typer.echo(
        f"exported {summary.entries} entries and {summary.checkpoints} checkpoints to {summary.directory}"
    )


@app.command()
def checkpoint(db: DbOption = None, home: HomeOption = None) -> None:
    """Print the latest signed checkpoint."""
    with errors_to_exit():
        typer.echo(open_ledger(db, home).latest_checkpoint(), nl=False)


@app.command()
def proof(
    seq: Annotated[int, typer.Option("--seq", help="Entry to prove.")],
    size: Annotated[int | None, typer.Option("--size", help="Tree size (default: current).")] = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print an RFC 9162 inclusion proof (hex)."""
    with errors_to_exit(as_json):
        p = open_ledger(db, home).inclusion_proof(seq, size)
    emit(
        p.to_json(),
        as_json,
        "\n".join(
            [
                f"seq {p.seq} in tree of {p.size}",
                f"leaf {p.leaf_hash.hex()}",
                *[f"  {h.hex()}" for h in p.path],
                f"root {p.root.hex()}",
            ]
        ),
    )


@app.command()
def consistency(
    old: Annotated[int, typer.Option("--old", help="Older tree size.")],
    new: Annotated[int | None, typer.Option("--new", help="Newer tree size (default: current).")] = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print an RFC 9162 consistency proof (hex)."""
    with errors_to_exit(as_json):
        p = open_ledger(db, home).consistency_proof(old, new)
    emit(
        p.to_json(),
        as_json,
        "\n".join(
            [
                f"{p.old_size} -> {p.new_size}",
                f"old root {p.old_root.hex()}",
                *[f"  {h.hex()}" for h in p.path],
                f"new root {p.new_root.hex()}",
            ]
        ),
    )


@app.command()
def replay(
    check: Annotated[
        bool, typer.Option("--check", help="Rebuild projections in scratch tables and compare.")
    ] = False,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rebuild every projection from the log and report differences from the live tables.
    Exit 0 same, 1 not."""
    from ledger.store.replay import replay_check

    if not check:
        raise typer.BadParameter("only --check is supported: live projections are never rebuilt in place")
    with errors_to_exit(as_json):
        report = replay_check(open_ledger(db, home))
    lines = [
        f"{'ok' if t.ok else 'DIFFERS'}  {t.table}: {t.live_rows} live, {t.replayed_rows} replayed"
        + (
            ""
            if t.ok
            else f" ({t.n_only_live} only live {t.only_live}, {t.n_only_replayed} only replayed "
            f"{t.only_replayed}, {t.n_changed} changed {t.changed})"
        )
        for t in report.tables
    ]
    if report.failure:
        lines.append(f"replay FAILED at seq {report.failed_seq}: {report.failure}")
    lines += [f"skipped (not in the database): {name}" for name in report.skipped]
    lines.append(f"{'ok' if report.ok else 'FAILED'}: {report.entries} entries replayed")
    emit(report.to_json(), as_json, "\n".join(lines))
    sys.exit(0 if report.ok else 1)
