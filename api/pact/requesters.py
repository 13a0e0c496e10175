"""Where each buyer's follow-up events may go, and how Tanji signs in there.

A ``RequestCreatedEvent`` names its requester's endpoint in its ``source``;
POSTing wherever a caller says would let any buyer make the service call into
networks it can reach (SSRF). So each requester (the ledger actor behind the
buyer's token) is registered with the base URLs its events may name and,
optionally, the OAuth2 client credentials Tanji uses at the requester's token
endpoint (PACT's Action Events are bearer-authenticated both ways). A request
whose destination is not registered is refused at once with a 400, as the spec
asks when the data owner "can immediately determine that it will not be able to
handle this request".

The file is ``TANJI_HOME/pact-requesters.json``::

    {"requesters": {"B-EU-BUYER": {
        "sources": ["https://pact.buyer.example"],
        "auth": {"token_url": "https://pact.buyer.example/auth/token",
                 "client_id": "…", "client_secret": "…", "scope": null},
        "ca_file": null}}}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from api.pact.requests import callback_url
from ledger.errors import CodedError

__all__ = ["REQUESTERS_FILE", "Requester", "RequesterAuth", "Requesters", "RequestersError"]

REQUESTERS_FILE = "pact-requesters.json"


class RequestersError(CodedError, ValueError):
    """The requesters file is malformed (names the entry and the field)."""

    code = "pact.requesters_invalid"


@dataclass(frozen=True)
class RequesterAuth:
    """OAuth2 client credentials Tanji presents at the requester's token endpoint."""

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str | None = None


def _prefix(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) URL")
    return parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/")


def _under(url: str, base: str) -> bool:
    scheme, netloc, path = _prefix(url)
    b_scheme, b_netloc, b_path = _prefix(base)
    return (scheme, netloc) == (b_scheme, b_netloc) and (path == b_path or path.startswith(b_path + "/"))


@dataclass(frozen=True)
class Requester:
    """One requester: the base URLs its events may name, and how to authenticate there."""

    actor: str
    sources: tuple[str, ...]
    auth: RequesterAuth | None = None
    ca_file: Path | None = None

    def allows(self, destination: str) -> bool:
        """True when ``destination`` lies under one of the registered base URLs."""
        return any(_under(destination, base) for base in self.sources)


@dataclass(frozen=True)
class Requesters:
    """The registered requesters by actor id."""

    by_actor: Mapping[str, Requester] = field(default_factory=dict)

    def destination(self, actor: str, source: str) -> str:
        """The events URL to answer ``actor``'s event from ``source``; ``ValueError`` naming why not."""
        requester = self.by_actor.get(actor)
        if requester is None:
            raise ValueError(
                f"no callback endpoint is registered for {actor!r}; the operator adds it to {REQUESTERS_FILE}"
            )
        url = callback_url(source)
        if not requester.allows(url):
            raise ValueError(f"{url} is not among the endpoints registered for {actor!r}")
        return url

    @classmethod
    def from_json(cls, doc: Any, base_dir: Path | None = None) -> Requesters:
        """Parse the file's JSON; ``RequestersError`` naming the entry and field on a mistake."""
        if not isinstance(doc, dict) or not isinstance(doc.get("requesters"), dict):
            raise RequestersError('the requesters file must be {"requesters": {ACTOR: {...}}}')
        out: dict[str, Requester] = {}
        for actor, entry in doc["requesters"].items():
            out[str(actor)] = _requester(str(actor), entry, base_dir)
        return cls(out)

    @classmethod
    def from_file(cls, path: Path) -> Requesters:
        """Read ``path``; ``RequestersError`` if it is not valid JSON of the expected shape."""
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise RequestersError(f"{path}: {e}") from e
        return cls.from_json(doc, path.parent)


def _requester(actor: str, entry: Any, base_dir: Path | None) -> Requester:
    where = f"requesters[{actor!r}]"
    if not isinstance(entry, dict):
        raise RequestersError(f"{where} must be an object")
    sources = entry.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
        raise RequestersError(f"{where}.sources must be a non-empty list of base URLs")
    for s in sources:
        try:
            _prefix(s)
        except ValueError as e:
            raise RequestersError(f"{where}.sources: {e}") from None
    auth = entry.get("auth")
    parsed_auth = None
    if auth is not None:
        if not isinstance(auth, dict) or not all(
            isinstance(auth.get(k), str) and auth[k] for k in ("token_url", "client_id", "client_secret")
        ):
            raise RequestersError(f"{where}.auth needs token_url, client_id and client_secret")
        scope = auth.get("scope")
        parsed_auth = RequesterAuth(
            auth["token_url"], auth["client_id"], auth["client_secret"], str(scope) if scope else None
        )
    ca = entry.get("ca_file")
    ca_path = None
    if ca:
        ca_path = Path(str(ca)).expanduser()
        if not ca_path.is_absolute() and base_dir is not None:
            ca_path = base_dir / ca_path
    return Requester(actor, tuple(sources), parsed_auth, ca_path)
