"""Run the benchmarks: ``python -m bench [NAME ...]`` (default: all ``bench/bench_*.py``).

Each module has a ``main()`` that prints its sizes, figures and the floor or
reference it is measured against. Each runs in a fresh Python process, so that
what one leaves behind (threads, caches, a warm Brightway project, memory) does
not change another's figures. ``TANJI_BENCH_SCALE`` (default 1.0) shrinks the
sizes for a quick run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))
    failed = []
    for name in names:
        print(f"\n=== bench {name} ===", flush=True)
        start = time.perf_counter()
        # the module's own command line, with its defaults
        done = subprocess.run([sys.executable, "-m", f"bench.bench_{name}"], check=False)
        if done.returncode:
            print(f"bench {name} failed: exit status {done.returncode}", flush=True)
            failed.append(name)
        print(f"=== {name}: {time.perf_counter() - start:.1f} s ===", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
