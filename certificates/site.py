"""Where a ledger's public pages live: the public base URL, the ``did:web`` host, identity links.

Labels, credentials and DID documents name URLs that buyers open years later, from anywhere, so
they are built from one configured **public base URL** (``--base-url``, else
``$TANJI_PUBLIC_URL``, else ``https://`` + the ledger origin's host, as C2SP origins are
``<host>/<path>``). A base URL is refused (``site.not_public``) unless it is ``https`` on a public
name: not ``localhost`` or a single-label name, not a private, loopback, link-local or otherwise
non-global IP address, not a name under a private-use suffix (``.local``, ``.internal``,
``.lan``, ``.home.arpa`` …) — a label whose QR code opens ``http://127.0.0.1:8000`` helps no
buyer. Tests and a local service pass ``allow_private=True`` explicitly.

**Identity links** (the service's identity resolver, GS1 Digital Link 1.2 syntax): a product
with a GTIN among its ids and a lot that is a valid AI (10) value is linked as
``{base}/01/{gtin}/10/{lot}``; anything else as ``{base}/verify/{certificate id}``.
:func:`gtin_of` reads a GTIN from a Digital Link (``…/01/<gtin>``), ``urn:gtin:<gtin>`` (PACT's
product ids), an EPC pattern (``urn:epc:idpat:sgtin:…`` / ``urn:epc:class:lgtin:…``) or bare
digits, each only with a valid check digit.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, urlsplit

from certificates.errors import CertificateError

__all__ = [
    "PUBLIC_URL_ENV",
    "NotPublic",
    "Site",
    "check_public_base_url",
    "gtin_check_digit",
    "gtin_of",
    "identity_path",
    "lot_is_gs1",
]

PUBLIC_URL_ENV: Final = "TANJI_PUBLIC_URL"
DID_HOST_ENV: Final = "TANJI_DID_HOST"
PRIVATE_SUFFIXES: Final = (
    ".localhost",
    ".local",
    ".internal",
    ".intranet",
    ".lan",
    ".home",
    ".corp",
    ".private",
    ".home.arpa",
    ".invalid",
)
# GS1 AI (10) batch/lot: up to 20 characters of GS1 AI encodable character set 82.
_AI10: Final = re.compile(r"""^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$""")
_DIGITS: Final = re.compile(r"^\d+$")


class NotPublic(CertificateError):
    """A base URL that buyers could not open: not https, or a local or private host."""

    code = "site.not_public"


def _host_problem(host: str) -> str | None:
    name = host.lower().rstrip(".")
    if not name:
        return "it has no host"
    try:
        address = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        address = None
    if address is not None:
        return None if address.is_global else f"{host} is not a global IP address"
    if name == "localhost" or name.endswith(PRIVATE_SUFFIXES):
        return f"{host} is a local or private-use name"
    if "." not in name:
        return f"{host} is a single-label name, not a public domain"
    return None


def check_public_base_url(url: str) -> str:
    """``url`` without a trailing slash, if buyers anywhere could open it; else ``NotPublic``.

    Preconditions checked: an ``https`` URL with a public host (see the module docstring), no
    query or fragment.
    """
    parts = urlsplit(url.strip())
    problem = None
    if parts.scheme != "https":
        problem = f"scheme {parts.scheme or '(none)'!r} is not https"
    elif parts.query or parts.fragment:
        problem = "it has a query or fragment"
    else:
        problem = _host_problem(parts.hostname or "")
    if problem:
        raise NotPublic(
            f"base URL {url!r} is not a public https URL: {problem} (set --base-url or "
            f"${PUBLIC_URL_ENV} to the address buyers open)",
            base_url=url,
        )
    return url.strip().rstrip("/")


def _did_host_of(base_url: str) -> str:
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port else host


@dataclass(frozen=True)
class Site:
    """The public base URL (no trailing slash) and the ``did:web`` host of a ledger's pages.

    Build with :meth:`of`, which checks the base URL unless ``allow_private``.
    """

    base_url: str
    did_host: str

    @classmethod
    def of(
        cls,
        base_url: str | None = None,
        *,
        origin: str | None = None,
        did_host: str | None = None,
        allow_private: bool = False,
    ) -> Site:
        """The site of ``base_url``, else ``$TANJI_PUBLIC_URL``, else ``https://<origin host>``.

        The ``did:web`` host is ``did_host``, else ``$TANJI_DID_HOST``, else the base URL's host
        (with its port). ``NotPublic`` when the base URL is not public and not ``allow_private``;
        ``NotPublic`` too when no base URL can be found.
        """
        url = (
            base_url
            or os.environ.get(PUBLIC_URL_ENV)
            or (f"https://{origin.split('/', 1)[0]}" if origin else "")
        )
        if not url:
            raise NotPublic(f"no public base URL: pass --base-url or set ${PUBLIC_URL_ENV}")
        url = url.strip().rstrip("/") if allow_private else check_public_base_url(url)
        host = did_host or os.environ.get(DID_HOST_ENV) or _did_host_of(url)
        return cls(url, host)

    def verify_url(self, certificate_id: str) -> str:
        """``{base}/verify/{certificate id}``: the public verification page."""
        return f"{self.base_url}/verify/{quote(certificate_id, safe='')}"

    def certificate_url(self, certificate_id: str) -> str:
        """``{base}/verify/{certificate id}/certificate.json``: the signed document."""
        return f"{self.verify_url(certificate_id)}/certificate.json"

    def credential_url(self, filename: str) -> str:
        """``{base}/credentials/{filename}``: a credential file the service publishes."""
        return f"{self.base_url}/credentials/{quote(filename, safe='')}"

    def label_url(self, certificate_id: str, product_ids: Iterable[str], lot: str | None) -> str:
        """What a label's QR code opens: the Digital Link of GTIN and lot, else the verification page."""
        path = identity_path(product_ids, lot)
        return self.base_url + path if path else self.verify_url(certificate_id)


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of ``body`` (the GTIN without its last digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _valid_gtin(digits: str) -> str | None:
    if not _DIGITS.match(digits) or len(digits) not in (8, 12, 13, 14):
        return None
    if gtin_check_digit(digits[:-1]) != int(digits[-1]):
        return None
    return digits.zfill(14)


def _gtin_of_id(value: str) -> str | None:
    if value.startswith(("https://", "http://")):
        match = re.search(r"/01/(\d{14})(?:[/?#]|$)", value)
        return _valid_gtin(match.group(1)) if match else None
    if value.lower().startswith("urn:gtin:"):  # as PACT product ids write a GTIN
        return _valid_gtin(value[len("urn:gtin:") :])
    for prefix in ("urn:epc:idpat:sgtin:", "urn:epc:class:lgtin:", "urn:epc:id:sgtin:"):
        if value.startswith(prefix):
            parts = value[len(prefix) :].split(".")
            if len(parts) < 2 or not (_DIGITS.match(parts[0]) and _DIGITS.match(parts[1])):
                return None
            company, item = parts[0], parts[1]
            if len(company) + len(item) != 13:
                return None
            body = item[0] + company + item[1:]
            return body + str(gtin_check_digit(body))
    return _valid_gtin(value)


def gtin_of(product_ids: Iterable[str]) -> str | None:
    """The GTIN-14 of the first product id that carries one (with a valid check digit), else None."""
    for value in product_ids:
        found = _gtin_of_id(value)
        if found is not None:
            return found
    return None


def lot_is_gs1(lot: str) -> bool:
    """Whether ``lot`` is a valid GS1 AI (10) value (1–20 characters of character set 82)."""
    return bool(_AI10.match(lot))


def identity_path(product_ids: Iterable[str], lot: str | None) -> str | None:
    """``/01/{gtin}/10/{lot}`` (lot percent-encoded) when the product has a GTIN and ``lot`` is an AI
    (10) value; None otherwise."""
    gtin = gtin_of(product_ids)
    if gtin is None or lot is None or not lot_is_gs1(lot):
        return None
    return f"/01/{gtin}/10/{quote(lot, safe='')}"
