"""Console output shared by the commands: human output on stdout, problems on stderr."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

console = Console(soft_wrap=True, emoji=False)
err_console = Console(stderr=True, soft_wrap=True, emoji=False)


def print_json(data: Any) -> None:
    # Plain print: rich would wrap long lines and break the JSON for pipes.
    print(json.dumps(data, indent=2, sort_keys=False, default=str))
