"""Console output shared by the commands: human output on stdout, problems on stderr.

Output is data, never markup or control (issue 16):

- Both consoles have rich markup **off**: a plain string, a table cell or a title prints exactly
  as given, so ``orders[v2]`` stays ``orders[v2]`` and ``[/x]`` can neither crash nor restyle.
- Styling goes through ``styled(template, *values)``: the template is mskctl's own markup; the
  values are never parsed as markup, they take the style of the place they fill.
- Every string rich renders passes through ``mskctl.text.printable``: ESC, C1, bidi overrides and
  the other control characters are shown escaped (mskctl's own newlines and tabs are kept).
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.text import Text

from mskctl.text import cell, printable, styled

__all__ = ["LAYOUT", "SafeConsole", "cell", "console", "err_console", "print_json", "styled"]

# Layout characters mskctl's own messages use; everything else that controls a terminal is escaped.
LAYOUT = "\n\t"


class SafeConsole(Console):
    """A rich console whose strings are data: no markup by default, control characters escaped."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, soft_wrap=True, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:  # type: ignore[override]
        # Every str rich prints (arguments, table cells, titles) is turned into Text here.
        return super().render_str(printable(text, keep=LAYOUT), **kwargs)


console = SafeConsole()
err_console = SafeConsole(stderr=True)


def print_json(data: Any) -> None:
    # Plain print: rich would wrap long lines and break the JSON for pipes. json escapes control characters.
    print(json.dumps(data, indent=2, sort_keys=False, default=str))
