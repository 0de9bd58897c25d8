"""Mutation score of the security-critical modules (issue 26): `make mutation`.

mutmut (pinned in the `mutation` extra) mutates each module listed in MODULES and runs, for every
mutant, only the unit tests that execute the mutated function (mutmut's own coverage map, taken over
the test files listed with the module). The run happens in a copy of the tree under
~/.cache/mskctl/mutation (or $MSKCTL_CACHE/mutation), so nothing is written to the working tree but
the result, bench/results/mutation.txt.

Score per module = killed / (mutants - equivalent). A mutant counts as killed when a test fails, errors
or times out on it; "survived" and "no tests" (no unit test reaches the code) are not killed.
Equivalent mutants (same behaviour, no test can tell) are listed in bench/mutation_equivalent.txt,
one `mutant-name  reason` a line; the target is >= 90 % per module.

The broker plugin's IAM classes (JVM_CLASSES) get PIT through broker-plugins/pom.xml's `pit` profile, in
a copy of broker-plugins (MUTATION_JVM=0 skips it); their rows are named jvm.<Class>.

Limits: mutmut 3 mutates code inside functions and methods, not module-level constants; the
permission tables, the SCRAM secret prefix and the exit-code numbers are module-level and are pinned
by exact-value unit tests instead (tests/unit/test_access_permissions.py, test_scram_rules.py,
test_cli_contract.py). Integration tests are not run per mutant (each would need a live MSK).

    python bench/mutation.py            # full run (incremental: unchanged modules keep their results)
    python bench/mutation.py --report   # re-read the last run's results only
    MUTATION_MODULES=scram,sarif python bench/mutation.py   # a subset
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULT = REPO / "bench" / "results" / "mutation.txt"
EQUIVALENT = REPO / "bench" / "mutation_equivalent.txt"
TARGET = 0.90

# name -> (source files, the unit test files that cover them)
MODULES: dict[str, tuple[list[str], list[str]]] = {
    "scram": (["src/mskctl/local/emulator/scram.py"], ["tests/unit/test_scram_rules.py"]),
    "access.permissions": (["src/mskctl/access/permissions.py"],
                           ["tests/unit/test_access_permissions.py", "tests/unit/test_access_export.py",
                            "tests/unit/test_access_plan.py"]),
    "access.plan": (["src/mskctl/access/plan.py"], ["tests/unit/test_access_plan.py"]),
    "protect.envelope": (["src/mskctl/protect/envelope.py"],
                         ["tests/unit/test_protect_crypto.py", "tests/unit/test_protect_properties.py",
                          "tests/unit/test_record_format.py"]),
    "protect.actions": (["src/mskctl/protect/actions.py"],
                        ["tests/unit/test_protect_crypto.py", "tests/unit/test_protect_properties.py"]),
    "protect.keys": (["src/mskctl/protect/keys.py"], ["tests/unit/test_protect_crypto.py"]),
    "audit.sarif": (["src/mskctl/audit/sarif.py"], ["tests/unit/test_audit_engine.py"]),
    "audit.model": (["src/mskctl/audit/model.py"],
                    ["tests/unit/test_audit_engine.py", "tests/unit/test_audit_terraform.py"]),
    "exit codes": (["src/mskctl/errors.py"], ["tests/unit/test_cli_contract.py", "tests/unit/test_cli_usage.py",
                                              "tests/unit/test_service_errors.py"]),
    "config.resolve": (["src/mskctl/config/resolve.py", "src/mskctl/config/settings.py"],
                       ["tests/unit/test_cli_contract.py", "tests/unit/test_cli_usage.py"]),
}
COPIED = ["src", "tests", "docs", "examples", "terraform", "pyproject.toml"]
JVM_CLASSES = ("MskIamActions", "IamPolicyEvaluator", "SigV4TokenValidator", "MskIamAuthorizer")
IGNORED = shutil.ignore_patterns("__pycache__", ".terraform", "*.tfstate*", "*.pyc")


def workspace() -> Path:
    cache = os.environ.get("MSKCTL_CACHE") or str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                                                  / "mskctl")
    return Path(cache).expanduser() / "mutation"


def selected() -> dict[str, tuple[list[str], list[str]]]:
    names = [n.strip() for n in os.environ.get("MUTATION_MODULES", "").split(",") if n.strip()]
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        sys.exit(f"unknown MUTATION_MODULES {unknown}; known: {', '.join(MODULES)}")
    return {n: MODULES[n] for n in names} if names else MODULES


def prepare(work: Path, modules: dict[str, tuple[list[str], list[str]]]) -> None:
    """Refresh the copy (keeping mutants/ so that unchanged files keep their results) and its config."""
    work.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source, target = REPO / name, work / name
        if target.is_dir():
            shutil.rmtree(target)
        if source.is_dir():
            shutil.copytree(source, target, ignore=IGNORED)
        else:
            shutil.copy2(source, target)
    sources = sorted({s for files, _ in modules.values() for s in files})
    tests = sorted({t for _, files in modules.values() for t in files})
    config = "\n".join([
        "", "[tool.mutmut]",
        'source_paths = ["src"]',
        f"only_mutate = {json.dumps(sources)}",
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]',
        'also_copy = ["docs", "examples", "terraform"]',
        # Log lines: their text and arguments change no behaviour (equivalent by construction).
        r'do_not_mutate_patterns = ["^\\s*(log|logger|logging)\\.(debug|info|warning|error|exception)\\("]',
        "timeout_multiplier = 10.0", "timeout_constant = 10.0", "",
    ])
    pyproject = work / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().split("\n[tool.mutmut]")[0] + config)


def run(work: Path) -> float:
    mutmut = Path(sys.executable).with_name("mutmut")
    started = time.monotonic()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    # Subprocesses of the tests (python -m mskctl.cli.main ...) import the mutated copy too, and inherit the
    # mutant under test, so CLI tests can kill mutants; never the working tree, which others may be editing.
    env["PYTHONPATH"] = str(work / "mutants" / "src")
    children = os.environ.get("MUTATION_JOBS", str(os.cpu_count() or 2))
    log = work / "mutmut.log"
    print(f"mutmut run in {work} (log: {log})", flush=True)
    with log.open("w") as out:
        done = subprocess.run([str(mutmut), "run", "--max-children", children], cwd=work, env=env, stdout=out,
                              stderr=subprocess.STDOUT)
    if done.returncode != 0:
        sys.exit(f"mutmut failed ({done.returncode}); see {log}")
    return time.monotonic() - started


def run_pit(work: Path) -> None:
    """PIT (pom.xml's `pit` profile) over the broker plugin's IAM classes, in a copy of broker-plugins."""
    plugin = work / "broker-plugins"
    if plugin.exists():
        shutil.rmtree(plugin)
    shutil.copytree(REPO / "broker-plugins", plugin, ignore=shutil.ignore_patterns("target"))
    repo = Path(os.environ.get("MSKCTL_CACHE") or Path.home() / ".cache" / "mskctl") / "maven"
    log = work / "pit.log"
    print(f"PIT in {plugin} (log: {log})", flush=True)
    with log.open("w") as out:
        done = subprocess.run(["mvn", "-B", "-C", "-Ppit", f"-Dmaven.repo.local={repo}", "test-compile",
                               "org.pitest:pitest-maven:mutationCoverage"], cwd=plugin, stdout=out,
                              stderr=subprocess.STDOUT)
    if done.returncode != 0:
        sys.exit(f"PIT failed ({done.returncode}); see {log}")


def jvm_rows(work: Path) -> list[tuple[str, Counter]]:
    csv_file = work / "broker-plugins" / "target" / "pit-reports" / "mutations.csv"
    if not csv_file.exists():
        return []
    per: dict[str, Counter] = {f"jvm.{name}": Counter() for name in JVM_CLASSES}
    for row in csv.reader(csv_file.read_text().splitlines()):
        name = "jvm." + row[1].rsplit(".", 1)[-1].split("$")[0]
        if name in per:
            verdict = {"KILLED": "killed", "TIMED_OUT": "killed", "MEMORY_ERROR": "killed", "SURVIVED": "survived",
                       "NO_COVERAGE": "no tests"}.get(row[5], "not checked")
            per[name][verdict] += 1
    return list(per.items())


def equivalents() -> dict[str, str]:
    found: dict[str, str] = {}
    if EQUIVALENT.exists():
        for line in EQUIVALENT.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, _, reason = line.strip().partition(" ")
                found[name] = reason.strip()
    return found


def status(code: int | None) -> str:
    if code in (1, 3) or code in (36, 24, -24, 152, 255):  # a failing test, pytest error, or timeout
        return "killed"
    if code == 0:
        return "survived"
    if code in (5, 33):
        return "no tests"
    return "not checked" if code is None else f"other({code})"


def module_of(mutant: str, modules: dict[str, tuple[list[str], list[str]]]) -> str | None:
    dotted = {s.removeprefix("src/").removesuffix(".py").replace("/", "."): name
              for name, (files, _) in modules.items() for s in files}
    prefix = mutant.split(".x_")[0].split(".xǁ")[0]
    return dotted.get(prefix)


def report(work: Path, modules: dict[str, tuple[list[str], list[str]]], seconds: float | None) -> tuple[str, bool]:
    equivalent = equivalents()
    per: dict[str, Counter] = {name: Counter() for name in modules}
    left: dict[str, list[str]] = {name: [] for name in modules}
    for meta in sorted((work / "mutants").rglob("*.meta")):
        data = json.loads(meta.read_text())
        for mutant, code in data.get("exit_code_by_key", {}).items():
            name = module_of(mutant, modules)
            if name is None:
                continue
            verdict = "equivalent" if mutant in equivalent else status(code)
            per[name][verdict] += 1
            if verdict not in ("killed", "equivalent"):
                left[name].append(f"{mutant} ({verdict})")
    lines = [f"# make mutation: mutmut over the security-critical modules, {time.strftime('%Y-%m-%d %H:%M')} UTC"
             + (f", {seconds / 60:.1f} min" if seconds else ""),
             f"# score = killed / (mutants - equivalent); target >= {TARGET:.0%} per module",
             f"{'module':<24}{'mutants':>8}{'killed':>8}{'survived':>9}{'no tests':>9}{'equiv':>7}{'unrun':>7}"
             f"{'score':>8}  ok"]
    ok = True
    for name, counts in [*per.items(), *jvm_rows(work)]:
        total = sum(counts.values())
        scored = total - counts["equivalent"]
        score = counts["killed"] / scored if scored else 1.0
        good = score >= TARGET and counts["not checked"] == 0
        ok &= good
        lines.append(f"{name:<24}{total:>8}{counts['killed']:>8}{counts['survived']:>9}{counts['no tests']:>9}"
                     f"{counts['equivalent']:>7}{counts['not checked']:>7}{score:>8.1%}  {'yes' if good else 'NO'}")
    for name, mutants in left.items():
        if mutants:
            lines.append(f"# not killed in {name}: " + ", ".join(sorted(mutants)))
    lines.append("# unrun: mutants of an interrupted run (not yet tested); the next `make mutation` continues there")
    return "\n".join(lines) + "\n", ok


def main() -> int:
    modules = selected()
    work = workspace()
    seconds = None
    if "--report" not in sys.argv:
        prepare(work, modules)
        seconds = run(work)
        if os.environ.get("MUTATION_JVM", "1") != "0":
            run_pit(work)
    text, ok = report(work, modules, seconds)
    print(text, end="")
    if modules == MODULES:
        RESULT.parent.mkdir(parents=True, exist_ok=True)
        RESULT.write_text(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
