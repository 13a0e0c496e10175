"""Witness policy: which logs and witnesses a client knows, and how many must cosign.

The file format follows the Sigsum policy file, with C2SP verifier keys in
place of raw hex keys (the log's signed-note key, the witnesses' ``cosignature/v1``
keys). One item a line, ``#`` starts a comment, a name must be defined before
it is used::

    log <log vkey> [<url>]
    witness <label> <witness vkey> [<url>]
    group <label> <k | any | all> <member label>...
    quorum <label | none>

A group holds when at least k of its members hold; a witness holds when its
cosignature on the checkpoint verifies. Exactly one ``quorum`` line.

``Policy.check`` returns a ``PolicyCheck`` and never raises for bad notes;
``verify_cosigned`` raises (``PolicyError``, ``CosignatureError``) built on it.
Rules: the checkpoint must be signed by a policy log of its origin; a line by a
policy witness that does not verify fails the whole note (as a signed note
with a bad signature by a known key does); lines by keys not in the policy
are ignored and listed, and never count towards the quorum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ledger.errors import CheckpointError, CosignatureError, PolicyError
from ledger.log.checkpoint import Checkpoint, _signature_problem, key_id, split_note
from ledger.log.cosignature import WitnessKey, check_cosignature
from ledger.log.witness import LogKey

__all__ = ["Group", "Policy", "PolicyCheck", "PolicyLog", "PolicyWitness", "verify_cosigned"]

NONE = "none"


@dataclass(frozen=True)
class PolicyLog:
    """A log the policy accepts: its checkpoint key and, optionally, where it is served."""

    key: LogKey
    url: str | None = None


@dataclass(frozen=True)
class PolicyWitness:
    """A witness the policy knows: a label for groups, its key, optionally its add-checkpoint URL."""

    label: str
    key: WitnessKey
    url: str | None = None


@dataclass(frozen=True)
class Group:
    """``k`` of ``members`` (witness or group labels) must hold."""

    label: str
    k: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class PolicyCheck:
    """The outcome of checking a note against a policy.

    ``checkpoint`` is set when the note parsed and a policy log signed it;
    ``cosigned`` lists the labels of the witnesses whose cosignature verified;
    ``ignored`` the ``name+keyid`` of signature lines by keys the policy does
    not know. ``code``/``reason`` are set only when not ``ok``.
    """

    ok: bool
    checkpoint: Checkpoint | None = None
    cosigned: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    code: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, object]:
        """JSON-ready summary."""
        cp = self.checkpoint
        return {
            "ok": self.ok,
            "size": cp.size if cp else None,
            "origin": cp.origin if cp else None,
            "cosigned": list(self.cosigned),
            "ignored": list(self.ignored),
            "code": self.code,
            "reason": self.reason,
        }


def _bad(line_no: int, message: str) -> PolicyError:
    return PolicyError(f"policy line {line_no}: {message}", code="policy.malformed", line=line_no)


@dataclass(frozen=True)
class Policy:
    """A parsed policy. Build with ``from_text``, which checks every rule of the format."""

    logs: tuple[PolicyLog, ...]
    witnesses: tuple[PolicyWitness, ...]
    groups: tuple[Group, ...]
    quorum: str
    _by_label: dict[str, PolicyWitness | Group] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_label: dict[str, PolicyWitness | Group] = {w.label: w for w in self.witnesses}
        by_label.update({g.label: g for g in self.groups})
        if self.quorum != NONE and self.quorum not in by_label:
            raise PolicyError(f"quorum {self.quorum!r} names no witness or group", code="policy.malformed")
        object.__setattr__(self, "_by_label", by_label)

    @classmethod
    def from_text(cls, text: str) -> Policy:
        """Parse a policy file; ``PolicyError(policy.malformed)`` naming the line and the rule."""
        logs: list[PolicyLog] = []
        witnesses: list[PolicyWitness] = []
        groups: list[Group] = []
        labels: dict[str, PolicyWitness | Group] = {}
        keys: set[bytes] = set()
        quorum: str | None = None
        for n, raw in enumerate(text.splitlines(), start=1):
            words = raw.split("#", 1)[0].split()
            if not words:
                continue
            verb, args = words[0], words[1:]
            if verb == "log":
                if len(args) not in (1, 2):
                    raise _bad(n, "want 'log <vkey> [<url>]'")
                try:
                    key = LogKey.from_vkey(args[0])
                except CheckpointError as e:
                    raise _bad(n, e.message) from e
                logs.append(PolicyLog(key, args[1] if len(args) == 2 else None))
            elif verb == "witness":
                if len(args) not in (2, 3):
                    raise _bad(n, "want 'witness <label> <vkey> [<url>]'")
                label = args[0]
                if label in labels or label == NONE:
                    raise _bad(n, f"label {label!r} is defined twice or reserved")
                try:
                    wkey = WitnessKey.from_vkey(args[1])
                except CosignatureError as e:
                    raise _bad(n, e.message) from e
                raw_key = wkey.public_key.public_bytes_raw()
                if raw_key in keys:
                    raise _bad(n, f"witness {label!r} has the key of another witness")
                keys.add(raw_key)
                witness = PolicyWitness(label, wkey, args[2] if len(args) == 3 else None)
                labels[label] = witness
                witnesses.append(witness)
            elif verb == "group":
                if len(args) < 3:
                    raise _bad(n, "want 'group <label> <k|any|all> <member>...'")
                label, threshold, members = args[0], args[1], tuple(args[2:])
                if label in labels or label == NONE:
                    raise _bad(n, f"label {label!r} is defined twice or reserved")
                unknown = [m for m in members if m not in labels]
                if unknown:
                    raise _bad(n, f"group {label!r} names {unknown}, not defined on an earlier line")
                if len(set(members)) != len(members):
                    raise _bad(n, f"group {label!r} names a member twice")
                k = _threshold(n, threshold, len(members))
                group = Group(label, k, members)
                labels[label] = group
                groups.append(group)
            elif verb == "quorum":
                if len(args) != 1:
                    raise _bad(n, "want 'quorum <label|none>'")
                if quorum is not None:
                    raise _bad(n, "a second quorum line")
                if args[0] != NONE and args[0] not in labels:
                    raise _bad(n, f"quorum {args[0]!r} is not defined on an earlier line")
                quorum = args[0]
            else:
                raise _bad(n, f"unknown keyword {verb!r} (log, witness, group, quorum)")
        if not logs:
            raise PolicyError("policy names no log", code="policy.malformed")
        if quorum is None:
            raise PolicyError("policy has no quorum line", code="policy.malformed")
        return cls(tuple(logs), tuple(witnesses), tuple(groups), quorum)

    def text(self) -> str:
        """The policy in its file format (``from_text(p.text()) == p``)."""
        out = [f"log {log.key.vkey()}" + (f" {log.url}" if log.url else "") for log in self.logs]
        out += [f"witness {w.label} {w.key.vkey()}" + (f" {w.url}" if w.url else "") for w in self.witnesses]
        out += [f"group {g.label} {g.k} {' '.join(g.members)}" for g in self.groups]
        out.append(f"quorum {self.quorum}")
        return "\n".join(out) + "\n"

    def describe(self, label: str | None = None) -> str:
        """The quorum (or a label) in words, e.g. ``2 of (park, verifier)``."""
        label = self.quorum if label is None else label
        if label == NONE:
            return "no cosignature"
        node = self._by_label[label]
        if isinstance(node, PolicyWitness):
            return node.label
        return f"{node.k} of ({', '.join(self.describe(m) for m in node.members)})"

    def _holds(self, label: str, cosigned: set[str], memo: dict[str, bool]) -> bool:
        if label == NONE:
            return True
        if label not in memo:
            node = self._by_label[label]
            if isinstance(node, PolicyWitness):
                memo[label] = label in cosigned
            else:
                memo[label] = sum(self._holds(m, cosigned, memo) for m in node.members) >= node.k
        return memo[label]

    def satisfied_by(self, cosigned: set[str]) -> bool:
        """Whether the witnesses labelled ``cosigned`` meet the quorum."""
        return self._holds(self.quorum, cosigned, {})

    def log_for(self, origin: str) -> list[LogKey]:
        """The policy's keys for the log ``origin``."""
        return [log.key for log in self.logs if log.key.origin == origin]

    def check(self, note: str | bytes, *, now: int | None = None) -> PolicyCheck:
        """Whether ``note`` is a checkpoint of a policy log cosigned by a quorum; never raises."""
        try:
            body, sigs = split_note(note)
            checkpoint = Checkpoint.from_body(body)
        except CheckpointError as e:
            return PolicyCheck(False, code="checkpoint.invalid", reason=e.message)
        keys = self.log_for(checkpoint.origin)
        if not keys:
            known = sorted({log.key.origin for log in self.logs})
            return PolicyCheck(
                False,
                code="policy.unknown_log",
                reason=f"checkpoint of {checkpoint.origin!r}; the policy knows {known}",
            )
        problems = [_signature_problem(body, sigs, k.name, k.public_key) for k in keys]
        if all(p is not None for p in problems):
            return PolicyCheck(
                False, code="checkpoint.invalid", reason=f"log signature: {next(p for p in problems if p)}"
            )
        cosigned: list[str] = []
        for w in self.witnesses:
            result = check_cosignature(note, w.key, now=now)
            if result.ok:
                cosigned.append(w.label)
            elif result.code != "cosignature.missing":
                return PolicyCheck(
                    False,
                    checkpoint,
                    tuple(cosigned),
                    code=result.code,
                    reason=f"witness {w.label}: {result.reason}",
                )
        known_ids = {(k.name, key_id(k.name, k.public_key)) for k in keys}
        known_ids |= {(w.key.name, w.key.key_id) for w in self.witnesses}
        ignored = tuple(f"{s.name}+{s.key_id.hex()}" for s in sigs if (s.name, s.key_id) not in known_ids)
        if not self.satisfied_by(set(cosigned)):
            extra = f"; ignored signatures by keys not in the policy: {', '.join(ignored)}" if ignored else ""
            return PolicyCheck(
                False,
                checkpoint,
                tuple(cosigned),
                ignored,
                code="policy.not_satisfied",
                reason=(
                    f"checkpoint of size {checkpoint.size} is cosigned by "
                    f"{list(cosigned) or 'no policy witness'}; the quorum needs "
                    f"{self.describe()}{extra}"
                ),
            )
        return PolicyCheck(True, checkpoint, tuple(cosigned), ignored)

    def urls(self) -> Mapping[str, str]:
        """Witness label → add-checkpoint URL prefix, for the witnesses that have one."""
        return {w.label: w.url for w in self.witnesses if w.url}


def _threshold(line_no: int, text: str, n: int) -> int:
    if text == "any":
        return 1
    if text == "all":
        return n
    if not text.isdigit() or not 1 <= int(text) <= n:
        raise _bad(line_no, f"threshold {text!r} is not any, all or a number 1..{n}")
    return int(text)


def verify_cosigned(note: str | bytes, policy: Policy, *, now: int | None = None) -> Checkpoint:
    """The checkpoint in ``note`` if it meets ``policy``; else the error the check named.

    ``CosignatureError`` for a bad cosignature line, ``CheckpointError`` for a bad
    log signature or note, ``PolicyError`` for an unknown log or an unmet quorum.
    """
    result = policy.check(note, now=now)
    if result.ok and result.checkpoint is not None:
        return result.checkpoint
    code = result.code or "policy.not_satisfied"
    reason = result.reason or "checkpoint does not meet the witness policy"
    if code.startswith("cosignature."):
        raise CosignatureError(reason, code=code)
    if code.startswith("checkpoint."):
        raise CheckpointError(reason, code=code)
    raise PolicyError(reason, code=code, cosigned=list(result.cosigned), ignored=list(result.ignored))
