"""``tanji statement sign``: a verifier's signed verification statement on an enterprise's trail."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.context import DbOption, HomeOption, JsonOption, emit, errors_to_exit, open_ledger, resolve_home
from api.cli.signing import (
    ClientIdOption,
    DryRunOption,
    KeyOption,
    KeysOption,
    Signed,
    Signing,
    signing_key,
)
from certificates.credentials.issue import issue_conformity
from certificates.site import Site
from certificates.statements import statement_payload

app = typer.Typer(help="Verification statements (第三方核查) signed into the ledger.", no_args_is_help=True)

OPINIONS = ("reasonable", "limited", "qualified", "adverse")
CredentialsOption = Annotated[
    Path | None,
    typer.Option(
        "--credentials", help="Directory for the conformity credential (default: TANJI_HOME/credentials)."
    ),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url", help="Public https base URL (default: $TANJI_PUBLIC_URL, else https://<origin host>)."
    ),
]
DidHostOption = Annotated[
    str | None,
    typer.Option("--did-host", help="did:web host (default: $TANJI_DID_HOST, else the base URL's host)."),
]


@app.command("sign")
def sign(
    subject: Annotated[str, typer.Argument(help="The enterprise whose trail was verified.")],
    verifier: Annotated[str, typer.Option("--as", help="The verifier, who signs (needs a trail grant).")],
    opinion: Annotated[str, typer.Option("--opinion", help=f"One of: {', '.join(OPINIONS)}.")],
    standard: Annotated[
        str, typer.Option("--standard", help='What it was verified against, e.g. "ISO 14064-3:2019".')
    ],
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            help="The checkpoint verified, as `tanji ledger checkpoint` prints it (default: the newest).",
        ),
    ] = None,
    tree_size: Annotated[
        int | None, typer.Option("--tree-size", min=1, help="Or: the tree size verified.")
    ] = None,
    root: Annotated[
        str | None,
        typer.Option("--root", help="With --tree-size: its root, hex or base64 (default: the ledger's)."),
    ] = None,
    seqs: Annotated[
        list[int] | None,
        typer.Option(
            "--seq", help="Entries in scope (repeatable; default: every entry of SUBJECT in the tree)."
        ),
    ] = None,
    text: Annotated[str, typer.Option("--statement", help="The statement's text.")] = "",
    key: KeyOption = None,
    keys: KeysOption = None,
    client_id: ClientIdOption = None,
    dry_run: DryRunOption = False,
    credentials: CredentialsOption = None,
    base_url: BaseUrlOption = None,
    did_host: DidHostOption = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Append a verification.statement over a tree the verifier checked (cite its seq in `tanji cert
    issue --statement SEQ`), and write it as a UNTP Digital Conformity Credential
    (statement-<seq>.dcc.json with an eddsa-jcs-2022 proof, .dcc.jwt as VC-JOSE) into --credentials."""
    if checkpoint is not None and tree_size is not None:
        raise typer.BadParameter("give --checkpoint or --tree-size, not both")
    if root is not None and tree_size is None:
        raise typer.BadParameter("--root goes with --tree-size")
    with errors_to_exit(as_json):
        ledger = open_ledger(db, home)
        site = Site.of(base_url, origin=ledger.info().origin, did_host=did_host)
        payload = statement_payload(
            ledger,
            subject,
            opinion=opinion,
            standard=standard,
            statement=text,
            checkpoint=checkpoint.read_text(encoding="utf-8") if checkpoint is not None else None,
            tree_size=tree_size,
            root=root,
            seqs=seqs,
        )

    def write_credential(signed: Signed) -> None:
        if signed.seq is not None and not signed.dry_run:
            key_of_verifier = signing_key(verifier, key, keys, home)
            conformity = issue_conformity(open_ledger(db, home), signed.seq, key_of_verifier, site)
            conformity.write(credentials or resolve_home(home) / "credentials")

    Signing(
        key=key, keys=keys, client_id=client_id, dry_run=dry_run, db=db, home=home, as_json=as_json
    ).append_and_report(
        "verification.statement",
        verifier,
        payload,
        f"statement by {verifier} on {subject} over the tree of {payload['tree_size']} "
        f"({len(payload['seqs'])} entries in scope, {opinion})",
        then=write_credential,
    )


@app.command("credential")
def credential(
    seq: Annotated[int, typer.Argument(help="Seq of a verification.statement entry.")],
    verifier: Annotated[str, typer.Option("--as", help="The verifier who signed the statement.")],
    key: KeyOption = None,
    keys: KeysOption = None,
    credentials: CredentialsOption = None,
    base_url: BaseUrlOption = None,
    did_host: DidHostOption = None,
    db: DbOption = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write a recorded statement as a UNTP Digital Conformity Credential, signed by its verifier
    (statement-<seq>.dcc.json with an eddsa-jcs-2022 proof, .dcc.jwt as VC-JOSE)."""
    with errors_to_exit(as_json):
        ledger = open_ledger(db, home)
        site = Site.of(base_url, origin=ledger.info().origin, did_host=did_host)
        secured = issue_conformity(ledger, seq, signing_key(verifier, key, keys, home), site)
        paths = secured.write(credentials or resolve_home(home) / "credentials")
    emit(
        {"id": secured.embedded["id"], "files": [str(p) for p in paths]},
        as_json,
        "\n".join(str(p) for p in paths),
    )
