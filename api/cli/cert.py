"""``tanji cert …``: issue, verify, revoke, label, status and upgrade product-footprint certificates.

Each command parses its options, calls one function of ``certificates`` and
formats the answer. Exit codes: 0 success (or a valid certificate), 1 a
certificate that fails verification, 2 an error (bad input, ledger refusal).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from api.cli.context import (
    DbOption,
    HomeOption,
    JsonOption,
    emit,
    open_ledger,
    passphrase,
    resolve_home,
)
from certificates.credentials.issue import issue_passport
from certificates.credentials.verify import CredentialResult, check_paths
from certificates.derivation import explain_certificate
from certificates.document import Certificate
from certificates.errors import CertificateError
from certificates.issue import issue_certificate, publisher_of
from certificates.kinds import certificate_status_in
from certificates.labels import label_data, write_labels
from certificates.revoke import revoke_certificate
from certificates.site import Site
from certificates.status import ledger_revocation, online_status_of_file, service_revocation
from certificates.upgrade import upgrade_certificate
from certificates.verify import VerificationResult
from ledger.errors import LedgerError
from ledger.log.keys import load_private_key

app = typer.Typer(
    help="Signed product-footprint certificates, labels and offline verification.", no_args_is_help=True
)

KeyOption = Annotated[Path | None, typer.Option("--key", help="Signer's Ed25519 private key (PEM).")]
CredentialsOption = Annotated[
    Path | None,
    typer.Option(
        "--credentials", help="Directory for the W3C/UNTP credentials (default: TANJI_HOME/credentials)."
    ),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Public https base URL buyers open (default: $TANJI_PUBLIC_URL, else https://<origin host>).",
    ),
]
DidHostOption = Annotated[
    str | None,
    typer.Option(
        "--did-host", help="did:web host of issuers (default: $TANJI_DID_HOST, else the base URL's host)."
    ),
]


@contextmanager
def _errors(as_json: bool = False) -> Iterator[None]:
    try:
        yield
    except (CertificateError, LedgerError) as e:
        if as_json:
            typer.echo(json.dumps({"error": e.diagnostics()}, ensure_ascii=False, indent=2, default=str))
        else:
            typer.echo(f"error: {e}", err=True)
        sys.exit(2)


@app.command()
def issue(
    footprint_id: Annotated[str, typer.Argument(help="Id (UUID) of a published footprint.")],
    key: KeyOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the certificate here (default: stdout).")
    ] = None,
    statement: Annotated[
        int | None, typer.Option("--statement", help="Seq of a verification statement to cite.")
    ] = None,
    credentials: CredentialsOption = None,
    base_url: BaseUrlOption = None,
    did_host: DidHostOption = None,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Issue a signed certificate for a footprint (key default: TANJI_HOME/keys/<publisher>.pem).

    Also writes it as a UNTP Digital Product Passport, secured with an eddsa-jcs-2022 proof
    (<id>.dpp.json) and as VC-JOSE (<id>.dpp.jwt), into --credentials (default TANJI_HOME/credentials).
    """
    with _errors():
        ledger = open_ledger(db, home, write=True)
        site = Site.of(base_url, origin=ledger.info().origin, did_host=did_host)
        key_path = key or resolve_home(home) / "keys" / f"{publisher_of(ledger, footprint_id)}.pem"
        signer = load_private_key(key_path, passphrase())
        issued = issue_certificate(ledger, footprint_id, signer, statement_seq=statement)
        passport = issue_passport(ledger, issued.certificate, signer, site)
        written = passport.write(credentials or resolve_home(home) / "credentials")
    raw = issued.certificate.to_bytes()
    if out is None:
        sys.stdout.buffer.write(raw + b"\n")
    else:
        out.write_bytes(raw)
        typer.echo(
            f"certificate {issued.certificate.id} recorded at seq {issued.seq}; written to {out}", err=True
        )
    typer.echo(f"UNTP Digital Product Passport: {', '.join(str(p) for p in written)}", err=True)


@app.command()
def verify(
    files: Annotated[
        list[Path],
        typer.Argument(help="Certificate JSON files and W3C/UNTP credentials (.json with a proof, or .jwt)."),
    ],
    trust: Annotated[
        Path, typer.Option("--trust", help="Ledger operator's public key (PEM or C2SP verifier key).")
    ],
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy", help="Witness policy: the certificate's newest checkpoint must carry its quorum."
        ),
    ] = None,
    did_dir: Annotated[
        Path | None,
        typer.Option(
            "--did-dir", help="DID documents (did.json files, as the demo writes them) for credentials."
        ),
    ] = None,
    did_host: DidHostOption = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Print how each green-electricity figure is derived.")
    ] = False,
    online: Annotated[
        bool, typer.Option("--online", help="Also check revocation in the ledger of --db/--home.")
    ] = False,
    status_url: Annotated[
        str | None,
        typer.Option("--status-url", help="Also check revocation at a Tanji service (its base URL)."),
    ] = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verify certificates and credentials offline. Exit 0 all valid, 1 any invalid (each failed check
    named), 2 unreadable.

    Every green-electricity figure is re-derived from the certificate's own rows (--explain prints
    how). With --policy, each certificate's newest checkpoint must carry the witness quorum; with
    --online or --status-url, it must not be revoked or superseded. A credential's key comes from the
    actor.* entries of a certificate given alongside that verifies (bound to the ledger), or from
    --did-dir; a passport given with its certificate must state its figures.
    """
    from api.cli.ledger import load_policy

    with _errors(as_json):
        revocation = (
            service_revocation(status_url)
            if status_url is not None
            else (ledger_revocation(open_ledger(db, home)) if online else None)
        )
        results = check_paths(
            files,
            trust,
            policy=load_policy(policy) if policy is not None else None,
            did_dir=did_dir,
            did_host=did_host,
            revocation=revocation,
        )
    lines = []
    for path, result in zip(files, results, strict=True):
        what = (
            f"{result.kind or 'credential'} {result.credential_id} ({result.form})"
            if isinstance(result, CredentialResult)
            else f"certificate {result.certificate_id}"
        )
        if result.ok:
            lines.append(f"ok: {path}: {what}, {len(result.checks)} checks passed")
        else:
            lines.append(f"FAILED: {path}: {what}")
            lines += [f"  {c.name}: {c.detail or 'failed'}" for c in result.checks if not c.ok]
        if explain and isinstance(result, VerificationResult) and "document" not in result.failed:
            lines += ["  " + line for line in explain_certificate(Certificate.from_bytes(path.read_bytes()))]
            lines += [f"  check {c.name}: {'ok' if c.ok else 'FAILED'}" for c in result.checks]
    value = results[0].to_json() if len(results) == 1 else [r.to_json() for r in results]
    emit(value, as_json, "\n".join(lines))
    sys.exit(0 if all(r.ok for r in results) else 1)


@app.command()
def revoke(
    certificate_id: Annotated[str, typer.Argument(help="Certificate id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is revoked.")],
    key: Annotated[Path, typer.Option("--key", help="Issuer's or verifier's private key (PEM).")],
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Revoke a certificate (by its issuer or a verifier)."""
    with _errors():
        seq = revoke_certificate(
            open_ledger(db, home, write=True), certificate_id, reason, load_private_key(key, passphrase())
        )
    typer.echo(f"certificate {certificate_id} revoked at seq {seq}")


@app.command()
def status(
    certificate_id: Annotated[str | None, typer.Argument(help="Certificate id.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="A certificate file: also check it is the one recorded.")
    ] = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print valid, revoked or superseded (with --file also unrecorded or mismatch).
    Exit 0 valid, 1 otherwise."""
    if (certificate_id is None) == (file is None):
        raise typer.BadParameter("give a certificate id or --file, not both")
    with _errors(as_json):
        if file is not None:
            online = online_status_of_file(open_ledger(db, home), file)
            value, detail, cid = online.state, online.detail, online.certificate_id
        else:
            assert certificate_id is not None
            value, detail, cid = (
                certificate_status_in(open_ledger(db, home).db, certificate_id),
                "",
                certificate_id,
            )
    emit({"certificate_id": cid, "status": value, "detail": detail}, as_json, f"{value} {detail}".strip())
    sys.exit(0 if value == "valid" else 1)


@app.command()
def label(
    certificate_id: Annotated[str, typer.Argument(help="Certificate id.")],
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write PDF labels (every font embedded).")] = False,
    base_url: BaseUrlOption = None,
    out: Annotated[Path, typer.Option("--out", help="Directory for the label files.")] = Path("."),
    lang: Annotated[list[str] | None, typer.Option("--lang", help="zh and/or en (default both).")] = None,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Write HTML (and PDF) labels in Chinese and English with a QR code to the identity resolver
    (/01/{gtin}/10/{lot} for a product with a GTIN, else /verify/{id}) under the public base URL;
    a local or private base URL is refused."""
    with _errors():
        ledger = open_ledger(db, home)
        data = label_data(ledger, certificate_id, site=Site.of(base_url, origin=ledger.info().origin))
        paths = write_labels(data, out, pdf=pdf, langs=tuple(lang or ("zh", "en")))
    for p in paths:
        typer.echo(str(p))


@app.command()
def upgrade(
    file: Annotated[Path, typer.Argument(help="Certificate JSON file.")],
    out: Annotated[Path, typer.Option("--out", help="Write the upgraded certificate here.")],
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Attach the latest checkpoint, a consistency proof and fresh inclusion proofs (signature unchanged)."""
    with _errors():
        cert = upgrade_certificate(Certificate.from_bytes(file.read_bytes()), open_ledger(db, home))
    out.write_bytes(cert.to_bytes())
    typer.echo(f"certificate {cert.id} upgraded; written to {out}")
