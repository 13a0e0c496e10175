"""Shared benchmark plumbing: scale, timing, memory, database URLs."""

from __future__ import annotations

import copy
import os
import resource
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

T = TypeVar("T")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def scale(n: int, minimum: int = 1) -> int:
    """``n`` times ``$TANJI_BENCH_SCALE`` (default 1), at least ``minimum``."""
    return max(minimum, int(n * float(os.environ.get("TANJI_BENCH_SCALE", "1"))))


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """Run ``fn``; its result and wall-clock seconds."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def scratch_postgres() -> Iterator[str | None]:
    """A scratch PostgreSQL database URL (dropped afterwards), or None when unreachable."""
    admin_url = os.environ.get("TANJI_BENCH_PG_URL") or os.environ.get("TANJI_TEST_PG_URL") or DEFAULT_PG
    name = f"tanji_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:  # noqa: BLE001 - report and skip
        print(f"  PostgreSQL unreachable at {admin_url}: {e.__class__.__name__}; skipped")
        yield None
        return
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def emission_model(product_id: str, total: float, name: str = "Aluminium ingot 铝锭") -> Any:
    """A product model (``lca.model.ProductModel``) whose footprint is ``total`` kg CO2e per kg: one
    process emitting that much fossil CO2, no background input, no metered electricity. Benchmarks
    publish footprints of it: the ledger re-computes every ``footprint.publish`` (issue 14)."""
    from lca.model import parse_model

    return parse_model(
        {
            "schema": "tanji.product-model/1",
            "id": product_id,
            "product": {
                "name": name,
                "ids": [f"urn:tanji:product:{product_id.lower()}"],
                "declared_unit": {"unit": "kilogram", "amount": 1},
                "mass_per_declared_unit_kg": 1,
            },
            "reference_period": {"start": "2025-01-01", "end": "2026-01-01"},
            "geography": {"country": "CN", "subdivision": "CN-NM"},
            "reference_process": "make",
            "processes": [
                {
                    "id": "make",
                    "name": "Making",
                    "stage": "production",
                    "output": {"amount": 1, "unit": "kg"},
                    "emissions": [{"gas": "co2_fossil", "amount": total}],
                }
            ],
        }
    )


def example_model_variants(
    count: int, *, seed: int, id_suffix: str, period: tuple[str, str], meters: Sequence[str]
) -> list[Any]:
    """``count`` variants of the shipped example models (``lca.model.example_models``) for ``period``
    (ISO start, exclusive end): input amounts within ±10 %, and each electricity input drawn from two of
    ``meters`` in turn with shares of 5–50 %. Ids end with ``id_suffix`` and the variant's number."""
    from lca.model import example_models, parse_model

    rng = np.random.default_rng(seed)
    base = [m.model_dump(mode="json", by_alias=True, exclude_none=True) for m in example_models()]
    out = []
    for i in range(count):
        d = copy.deepcopy(base[i % len(base)])
        d["id"] = f"{d['id']}-{id_suffix}{i:04d}"
        d["reference_period"] = {"start": period[0], "end": period[1]}
        for p in d["processes"]:
            for inp in p["inputs"]:
                inp["amount"] *= float(rng.uniform(0.9, 1.1))
            if "electricity" in p:
                p["electricity"]["meters"] = [
                    {
                        "meter": meters[(2 * i + j) % len(meters)],
                        "share": round(float(rng.uniform(0.05, 0.5)), 4),
                    }
                    for j in range(2)
                ]
        out.append(parse_model(d))
    return out
