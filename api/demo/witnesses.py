"""The demo's witnesses: the park administration and the verifier cosign the ledger's checkpoint.

``witness_demo`` runs at the end of the demo, after the last append: it creates
both witnesses (keys under ``out/keys/witnesses/``), writes their verifier keys
and the policy (both must cosign) to ``out/witnesses/``, has each check and
cosign the newest checkpoint (stored with the ledger), writes that cosigned
checkpoint to ``out/checkpoint`` and upgrades every certificate in
``out/certificates/`` to it, so each certificate carries a checkpoint that
meets the policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from certificates.document import Certificate
from certificates.upgrade import upgrade_certificate
from ledger.log.checkpoint import parse_note
from ledger.log.policy import Policy
from ledger.log.witness import AddCheckpoint
from ledger.store.append import Ledger
from ledger.store.witness_home import WitnessHome

__all__ = ["WITNESSES", "witness_demo"]

#: label → witness name (a schema-less URL, as C2SP asks).
WITNESSES = {
    "park-admin": "park-admin.ordos-zero-carbon-park.example/witness",
    "verifier": "verifier.cqc.example/witness",
}


def witness_demo(
    ledger: Ledger, out: Path, certificate_ids: Iterable[str], echo: Callable[[str], None] = print
) -> Policy:
    """Create the witnesses, cosign the newest checkpoint, upgrade the certificates; the policy."""
    public = out / "witnesses"
    public.mkdir(parents=True, exist_ok=True)
    log_vkey = ledger.info().operator_key
    lines = [
        "# Tanji demo witness policy: both the park administration and the verifier must cosign.",
        f"log {log_vkey}",
    ]
    homes: dict[str, WitnessHome] = {}
    for label, name in WITNESSES.items():
        home = WitnessHome.create(out / "keys" / "witnesses" / label, name)
        home.trust(log_vkey)
        homes[label] = home
        vkey = home.witness_key.vkey()
        (public / f"{label}.vkey").write_text(vkey + "\n", encoding="utf-8")
        lines.append(f"witness {label} {vkey}")
    lines += [f"group both all {' '.join(WITNESSES)}", "quorum both"]
    policy = Policy.from_text("\n".join(lines) + "\n")
    (public / "policy").write_text(policy.text(), encoding="utf-8")

    note = ledger.latest_checkpoint()
    size = parse_note(note)[0].size
    for label, home in homes.items():  # first contact: old size 0, no proof (the witness trusts on first use)
        cosignatures = home.add_checkpoint(AddCheckpoint(0, (), note))
        ledger.add_cosignatures(size, "".join(c.line() for c in cosignatures), [home.witness_key])
        echo(f"  witness {label} ({home.name}) checked and cosigned the checkpoint of {size} entries")
    cosigned = ledger.latest_checkpoint()
    (out / "checkpoint").write_text(cosigned, encoding="utf-8")
    upgraded = 0
    for cid in certificate_ids:
        path = out / "certificates" / f"{cid}.json"
        cert = upgrade_certificate(Certificate.from_bytes(path.read_bytes()), ledger)
        path.write_bytes(cert.to_bytes())
        upgraded += 1
    check = policy.check(cosigned)
    echo(
        f"  checkpoint {out / 'checkpoint'} cosigned by {', '.join(check.cosigned)} ({policy.describe()}); "
        f"{upgraded} certificates upgraded to it; policy and verifier keys in {public}/"
    )
    return policy
