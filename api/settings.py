"""What one running service is configured with: database, keys, token lifetime, seams.

``Settings`` is built once by ``tanji serve`` (or a test) and handed to
``api.app.create_app``; nothing in ``api`` reads the environment at import time.
The footprint source and the certificate lookup are seams: the PACT layer and
the verification page call them, and the packages that own footprints and
certificates plug their real implementations in here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from api.pact.delivery import RetryPolicy, Sender
from api.pact.footprints import FootprintRecord, SourceResult
from api.pact.requesters import REQUESTERS_FILE, Requesters
from api.views.certificate import CertificateView
from ledger import (
    Ed25519PrivateKey,
    default_url,
    generate_key,
    load_private_key,
    save_private_key,
    tanji_home,
)
from ledger.log.policy import Policy

SERVICE_KEY = "keys/service.pem"
OPERATOR_KEY = "keys/operator.pem"
# Signed certificate documents the verification page may offer for download (``<id>.json``).
CERTIFICATE_DOCUMENTS = "certificates"
CREDENTIAL_DOCUMENTS = "credentials"
WITNESS_POLICY = "witnesses/policy"

FootprintSource = Callable[[], Iterable[FootprintRecord] | SourceResult]
CertificateLookup = Callable[[str], CertificateView | None]


@dataclass(frozen=True)
class Settings:
    """Configuration of one service instance.

    ``service_key`` signs access tokens (EdDSA); ``operator_key`` lets the
    service append to the ledger (None: a read-only service). ``footprints``
    and ``certificates`` default to the ledger-backed implementations.
    ``access_cache_seconds`` bounds how long a new grant or revocation takes to
    reach reads; ``read_cache_seconds`` how long a new footprint or a
    certificate's new status takes to show (0: exact, every request reads).
    """

    db_url: str
    service_key: Ed25519PrivateKey
    operator_key: Ed25519PrivateKey | None
    issuer: str = "tanji"
    token_ttl_seconds: int = 3600
    access_cache_seconds: float = 1.0
    read_cache_seconds: float = 1.0
    footprints: FootprintSource | None = None
    footprints_version: Callable[[], object] | None = None
    certificates: CertificateLookup | None = None
    upload_dir: Path | None = None
    certificate_documents: Path | None = None
    # W3C/UNTP credentials served at /credentials/{name} (``TANJI_HOME/credentials``), and the did:web
    # host of actors' DID documents at /actors/{id}/did.json (None: the request's host).
    credential_documents: Path | None = None
    did_host: str | None = None
    # Witness policy (``TANJI_HOME/witnesses/policy``): the service serves the newest checkpoint
    # meeting it at /transparency/checkpoint and asks its witnesses with URLs to cosign after appends.
    witness_policy: Policy | None = None
    # PACT requesters (``TANJI_HOME/pact-requesters.json``): where buyers' requests may be answered, and
    # how; ``pact_retry`` the outbox's back-off; ``pact_sender`` replaces HTTP (tests).
    pact_requesters: Requesters = field(default_factory=Requesters)
    pact_retry: RetryPolicy = field(default_factory=RetryPolicy)
    pact_sender: Sender | None = None
    max_upload_bytes: int = 512 * 1024 * 1024
    max_body_bytes: int = 16 * 1024 * 1024
    extra: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.token_ttl_seconds <= 0:
            raise ValueError(f"token_ttl_seconds {self.token_ttl_seconds} must be positive")

    @classmethod
    def from_home(
        cls,
        home: Path | None = None,
        db_url: str | None = None,
        *,
        passphrase: bytes | None = None,
        issuer: str = "tanji",
    ) -> Settings:
        """Settings for the data directory ``home``: its database, operator key and service key.

        The service key is created (mode 0600) on first use; the operator key
        must exist (``tanji init``) for the service to accept submissions.
        """
        home_dir = (home or tanji_home()).expanduser()
        service_path = home_dir / SERVICE_KEY
        if service_path.exists():
            service_key = load_private_key(service_path, passphrase)
        else:
            service_key = generate_key()
            save_private_key(service_key, service_path, passphrase)
        operator_path = home_dir / OPERATOR_KEY
        operator_key = load_private_key(operator_path, passphrase) if operator_path.exists() else None
        policy_path = home_dir / WITNESS_POLICY
        policy = Policy.from_text(policy_path.read_text(encoding="utf-8")) if policy_path.exists() else None
        requesters = home_dir / REQUESTERS_FILE
        return cls(
            db_url=db_url or default_url(home_dir),
            service_key=service_key,
            operator_key=operator_key,
            issuer=issuer,
            certificate_documents=home_dir / CERTIFICATE_DOCUMENTS,
            credential_documents=home_dir / CREDENTIAL_DOCUMENTS,
            did_host=os.environ.get("TANJI_DID_HOST") or None,
            witness_policy=policy,
            pact_requesters=Requesters.from_file(requesters) if requesters.exists() else Requesters(),
        )
