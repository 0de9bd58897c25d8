"""Settings shared by every test: Hypothesis keeps nothing in the working tree.

Hypothesis writes its example database and its caches (constants, unicode data) under
``.hypothesis/`` in the current directory unless told otherwise. Here they go under the
project's cache (``~/.cache/mskctl/hypothesis``, or ``$MSKCTL_CACHE``), and in CI
(``CI`` set) no example database is kept at all, so every run starts from the same place.
"""

from __future__ import annotations

import os

from hypothesis import configuration, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from mskctl.local.paths import cache_home

HYPOTHESIS_HOME = cache_home() / "hypothesis"

configuration.set_hypothesis_home_dir(HYPOTHESIS_HOME)
settings.register_profile(
    "mskctl",
    database=None if os.environ.get("CI") else DirectoryBasedExampleDatabase(HYPOTHESIS_HOME / "examples"),
)
settings.load_profile("mskctl")
