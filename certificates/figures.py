"""What a certificate says about its footprint, derived from the ``footprint.publish`` payload.

One pure function, ``claims_from_footprint``, used twice: by the issuer to write
the certificate and by the verifier to recompute it from the footprint entry in
the evidence and compare field by field (``differing_fields``). So the figures
on a certificate are, by construction, the figures the ledger holds.

The footprint's electricity per declared unit (kWh by class, as the ledger
re-computed it from the cited run's committed rows and the model) is restated
in ``footprint.electricity``. The certificate's ``green_electricity`` — the
lot's electricity and the three shares — is not a restatement: the verifier
re-derives it from the evidence's rows (``certificates.green``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certificates.document import FIGURE_UNIT, GWP, STANDARDS

__all__ = ["CLAIM_KEYS", "claims_from_footprint", "differing_fields", "hourly_matched_share", "share"]

CLAIM_KEYS = (
    "product",
    "lot",
    "period",
    "declared_unit",
    "geography",
    "footprint",
    "method",
    "boundary",
)


def _default_method() -> str:
    """The schema default of ``footprint.publish``'s ``method`` (imported late: ``lca`` is slow to import)."""
    from lca.gases import METHOD_NAME

    return METHOD_NAME


def share(value: float | None) -> float | None:
    """A share as a certificate states it: rounded to 6 decimals; None stays None."""
    return None if value is None else round(value, 6)


def hourly_matched_share(run_payload: Mapping[str, Any] | None) -> float | None:
    """The ``hourly_matched_share`` an attribution-run payload carries, if it is a number in [0, 1]."""
    if run_payload is None:
        return None
    value = run_payload.get("hourly_matched_share")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        return None
    return float(value)


def claims_from_footprint(
    payload: Mapping[str, Any], footprint_seq: int, run_payload: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The certificate fields (``CLAIM_KEYS``) that restate a ``footprint.publish`` payload.

    ``run_payload`` is no longer read (the shares moved to ``certificates.green``); callers may
    still pass it.

    Precondition: ``payload`` is a valid ``footprint.publish`` payload as stored in
    the ledger (JSON values, fields with schema defaults possibly absent: those
    take the default); ``KeyError``/``TypeError`` otherwise — the verifier turns
    those into a failed check.
    """
    results = payload["results"]
    elec = dict(results["electricity"])
    if elec.get("hourly_matched_kwh") is None:
        elec.pop("hourly_matched_kwh", None)
    return {
        "product": {
            "id": payload["product_id"],
            "name": payload["product_name"],
            "ids": list(payload["product_ids"]),
            "classifications": list(payload["product_classifications"]),
        },
        "lot": payload.get("lot"),
        "period": {"start": payload["period_start"], "end": payload["period_end"]},
        "declared_unit": {
            "unit": payload["declared_unit"],
            "amount": payload["declared_unit_amount"],
            "mass_kg": payload["mass_per_declared_unit_kg"],
        },
        "geography": {
            "country": payload["geography_country"],
            "subdivision": payload.get("geography_subdivision"),
        },
        "footprint": {
            "id": payload["footprint_id"],
            "seq": footprint_seq,
            "unit": FIGURE_UNIT,
            "market": dict(results["market"]),
            "location": dict(results["location"]),
            "by_stage": [dict(s) for s in results["by_stage"]],
            "electricity": elec,
        },
        "method": {
            "standards": list(STANDARDS),
            "gwp": GWP,
            "characterisation": payload["method"] if "method" in payload else _default_method(),
            "background_version": payload["background_version"],
            "model_sha256": payload["model_sha256"],
            "primary_data_share": payload["primary_data_share"],
            "attribution_run_seq": payload.get("attribution_run_seq"),
            "unverified_factors": list(payload["unverified_factors"]),
            **(
                {}
                if results.get("supplier_declared_share") is None
                else {"supplier_declared_share": results["supplier_declared_share"]}
            ),
        },
        "boundary": payload["boundary"],
    }


def _diff(path: str, want: Any, got: Any, out: list[str]) -> None:
    if isinstance(want, Mapping) and isinstance(got, Mapping):
        for key in sorted(set(want) | set(got)):
            _diff(f"{path}.{key}", want.get(key, _MISSING), got.get(key, _MISSING), out)
    elif isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            _diff(f"{path}[{i}]", w, g, out)
    elif type(want) is not type(got) and not (_number(want) and _number(got)) or want != got:
        out.append(path)


_MISSING = object()


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def differing_fields(expected: Mapping[str, Any], presented: Mapping[str, Any]) -> list[str]:
    """Dotted paths of the ``CLAIM_KEYS`` fields where ``presented`` differs from ``expected``.

    Numbers compare by value (JSON does not keep ``1`` and ``1.0`` apart);
    everything else by type and value.
    """
    out: list[str] = []
    for key in CLAIM_KEYS:
        _diff(key, expected.get(key, _MISSING), presented.get(key, _MISSING), out)
    return out
