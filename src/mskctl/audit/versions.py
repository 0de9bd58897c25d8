"""Which Kafka versions Amazon MSK no longer supports: one table for the Terraform and AWS layers.

End-of-support dates from the MSK developer guide ("Supported Apache Kafka versions",
docs.aws.amazon.com/msk/latest/developerguide/supported-kafka-versions.html), by version line: every
release of a line (3.6.0, 3.7.x, 3.7.x.kraft) shares its date. After that date MSK may upgrade a cluster
at any time without notice. Lines older than the table's oldest ended by 2024-06-08; lines newer than
its newest (3.8 and later) have no announced date.
"""

from __future__ import annotations

import re
from datetime import date

# (major, minor) -> end of support. 2.8.2.tiered has its own later date (see end_of_support).
END_OF_SUPPORT: dict[tuple[int, int], date] = {
    (1, 1): date(2024, 6, 5),
    (2, 1): date(2024, 6, 5),
    (2, 2): date(2024, 6, 8),
    (2, 3): date(2024, 6, 8),
    (2, 4): date(2024, 6, 8),
    (2, 5): date(2024, 6, 8),
    (2, 6): date(2024, 9, 11),
    (2, 7): date(2024, 9, 11),
    (2, 8): date(2024, 9, 11),
    (3, 1): date(2024, 9, 11),
    (3, 2): date(2024, 9, 11),
    (3, 3): date(2024, 9, 11),
    (3, 4): date(2025, 8, 4),
    (3, 5): date(2025, 10, 23),
    (3, 6): date(2026, 6, 1),
    (3, 7): date(2026, 9, 1),
}
TIERED_2_8_END = date(2025, 1, 14)
OLDEST_LISTED = min(END_OF_SUPPORT)
OLDER_LINES_END = date(2024, 6, 8)

_LINE = re.compile(r"^(\d+)\.(\d+)")


def end_of_support(version: str) -> date | None:
    """The day MSK stopped (or stops) supporting ``version`` (``3.5.1``, ``3.7.x.kraft``, ``2.8.2.tiered``).

    None for versions with no announced date and for strings that are not MSK versions.
    """
    found = _LINE.match(version.strip())
    if not found:
        return None
    line = (int(found[1]), int(found[2]))
    if line == (2, 8) and "tiered" in version:
        return TIERED_2_8_END
    if line < OLDEST_LISTED:
        return OLDER_LINES_END
    return END_OF_SUPPORT.get(line)


def unsupported_since(version: str, today: date | None = None) -> date | None:
    """The end-of-support date when it has passed (the version is unsupported), else None."""
    ended = end_of_support(version)
    if ended is not None and ended <= (today or date.today()):
        return ended
    return None
