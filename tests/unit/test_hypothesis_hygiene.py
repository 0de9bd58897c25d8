"""Hypothesis keeps its database and caches out of the working tree (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import configuration, settings

REPO = Path(__file__).resolve().parents[2]


def test_hypothesis_storage_is_under_the_project_cache_not_the_working_tree():
    storage = configuration.storage_directory("constants", intent_to_write=False).path.resolve()
    assert not storage.is_relative_to(REPO)
    assert storage.parts[-2:] == ("hypothesis", "constants")


def test_hypothesis_example_database_is_outside_the_working_tree_or_none_in_ci():
    database = settings.default.database
    if os.environ.get("CI"):
        assert database is None
    else:
        assert not Path(database.path).resolve().is_relative_to(REPO)


def test_a_property_test_run_from_a_fresh_directory_creates_no_hypothesis_directory(tmp_path):
    # A copy of the tree's test layout: conftest.py plus one failing-then-passing property test,
    # run with the working directory at the copy, as `make test` runs from the repository.
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text((REPO / "tests" / "conftest.py").read_text())
    (tmp_path / "tests" / "test_prop.py").write_text(
        "from hypothesis import given, strategies as st\n"
        "@given(st.integers())\n"
        "def test_any(n):\n"
        "    assert isinstance(n, int)\n")
    env = dict(os.environ, MSKCTL_CACHE=str(tmp_path / "cache"))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (tmp_path / ".hypothesis").exists()
    assert (tmp_path / "cache" / "hypothesis").is_dir()
