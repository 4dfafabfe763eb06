"""Text from files (their names, what they hold) made safe to print to a terminal.

A file name may carry an ANSI escape (`\\x1b[2J` clears the screen, `\\x1b]8;;…` makes a link), a
carriage return that overwrites the line, or a bidi override (U+202E) that shows `exe.csv` as
`vsc.exe`. Such characters are shown as Python escapes (`\\x1b`, `\\u202e`), and rich's markup
(`[red]`) in them is escaped, so the report shows what the name really is.
"""

from __future__ import annotations

import unicodedata

from rich.markup import escape

# Categories never meant to be seen: controls, format characters (bidi marks and overrides,
# zero-width ones), surrogates, private use, unassigned, and the line and paragraph separators.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def printable(text: object) -> str:
    """`text` with every unprintable character as its escape: "a\\x1b[31m.csv" -> "a\\\\x1b[31m.csv"."""
    return "".join(ascii(ch)[1:-1] if unicodedata.category(ch) in _HIDDEN else ch for ch in str(text))


def shown(text: object) -> str:
    """`printable`, and escaped for rich's markup: for a name inside a `console.print` string."""
    return escape(printable(text))
