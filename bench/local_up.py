"""How long `mskctl local up` takes on a warm cache, to every listener accepting and all brokers in metadata.

Runs in its own state directory (never touches your clusters). Three figures, each
the median of RUNS runs, printed with their ratio to the issue's 30 s budget:
  fresh     - a new cluster: CA and certificates, storage format, three JVMs
  restart   - `down` then `up` with existing data (the everyday case)
  noop      - `up` on a running cluster (must only print status)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

BUDGET_SECONDS = 30.0
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def main() -> int:
    home = tempfile.mkdtemp(prefix="mskctl-bench-")
    os.environ["MSKCTL_HOME"] = home
    from mskctl.local import cluster  # after MSKCTL_HOME is set

    request = cluster.UpRequest(name="bench")
    fresh, restart, noop = [], [], []
    try:
        for _ in range(RUNS):
            started = time.perf_counter()
            cluster.up(request)
            fresh.append(time.perf_counter() - started)

            started = time.perf_counter()
            cluster.up(request)
            noop.append(time.perf_counter() - started)

            cluster.down("bench")
            started = time.perf_counter()
            cluster.up(request)
            restart.append(time.perf_counter() - started)
            cluster.down("bench", wipe=True)
    finally:
        if cluster.existing_spec("bench"):
            cluster.down("bench", wipe=True)

    print(f"local up, 3 brokers, warm Maven cache, {RUNS} runs each (seconds, min/median/max)")
    for label, values in (("fresh", fresh), ("restart", restart), ("noop", noop)):
        median = statistics.median(values)
        print(f"  {label:<8} {min(values):6.1f} {median:6.1f} {max(values):6.1f}   "
              f"ratio to {BUDGET_SECONDS:.0f}s budget: {median / BUDGET_SECONDS:.2f}")
    worst = max(statistics.median(fresh), statistics.median(restart))
    return 0 if worst <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
