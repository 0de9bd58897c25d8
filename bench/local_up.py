"""How long `mskctl local up` takes on a warm cache, to every listener accepting and all brokers in metadata.

Runs in its own state directory (never touches your clusters). Figures, each the median
of RUNS runs, printed with their ratio to the issue's 30 s budget:
  fresh     - a new cluster: CA and certificates, storage format, three JVMs
  restart   - `down` then `up` with existing data (the everyday case)
  noop      - `up` on a running cluster (must only print status)
  down      - `down` of a healthy cluster: wait for in-sync replicas, hold unclean leader
              election, stop the brokers one group after the other
and, in the same run, the pre-issue-15 way as the baseline of the lifecycle safety work
(every broker stopped at once, no hold): what the safety adds to `down` and to `up`
(issue 15 allows 2 s each).
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
    from mskctl.local import brokers, cluster, processes  # after MSKCTL_HOME is set

    def unsafe_down() -> None:
        """The baseline: the AWS API, then every broker at once, nothing held."""
        spec, paths = cluster.require_spec("bench")
        processes.stop(paths.emulator_pid, str(paths.root), timeout=20)
        brokers.stop_brokers(spec, paths, None)

    def timed(action) -> float:
        started = time.perf_counter()
        action()
        return time.perf_counter() - started

    request = cluster.UpRequest(name="bench")
    fresh, restart, noop, down, base_down, base_restart = [], [], [], [], [], []
    try:
        for _ in range(RUNS):
            started = time.perf_counter()
            cluster.up(request)
            fresh.append(time.perf_counter() - started)

            started = time.perf_counter()
            cluster.up(request)
            noop.append(time.perf_counter() - started)

            down.append(timed(lambda: cluster.down("bench")))
            restart.append(timed(lambda: cluster.up(request)))

            base_down.append(timed(unsafe_down))
            base_restart.append(timed(lambda: cluster.up(request)))
            cluster.down("bench", wipe=True)
    finally:
        if cluster.existing_spec("bench"):
            cluster.down("bench", wipe=True)

    print(f"local up, 3 brokers, warm Maven cache, {RUNS} runs each (seconds, min/median/max)")
    for label, values in (("fresh", fresh), ("restart", restart), ("noop", noop), ("down", down)):
        median = statistics.median(values)
        print(f"  {label:<8} {min(values):6.1f} {median:6.1f} {max(values):6.1f}   "
              f"ratio to {BUDGET_SECONDS:.0f}s budget: {median / BUDGET_SECONDS:.2f}")
    for label, safe, base in (("down", down, base_down), ("restart", restart, base_restart)):
        added = statistics.median(safe) - statistics.median(base)
        print(f"  lifecycle safety adds {added:+.1f} s to {label} "
              f"(baseline, all at once and nothing held: {statistics.median(base):.1f} s; "
              f"ratio {statistics.median(safe) / statistics.median(base):.2f})")
    worst = max(statistics.median(fresh), statistics.median(restart))
    return 0 if worst <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
