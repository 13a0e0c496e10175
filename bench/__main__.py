"""Run the benchmarks: ``python -m bench [NAME ...]`` (default: all ``bench/bench_*.py``).

Each module has a ``main()`` that prints its sizes, figures and the floor or
reference it is measured against. ``TANJI_BENCH_SCALE`` (default 1.0) shrinks
the sizes for a quick run.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))
    sys.argv = sys.argv[:1]  # each benchmark's own argument parser sees its defaults
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"\n=== bench {name} ===", flush=True)
        start = time.perf_counter()
        try:
            module.main()
        except Exception as e:  # noqa: BLE001 - report and go on with the next benchmark
            print(f"bench {name} failed: {e.__class__.__name__}: {e}", flush=True)
            failed.append(name)
        print(f"=== {name}: {time.perf_counter() - start:.1f} s ===", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
