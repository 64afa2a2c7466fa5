"""Each benchmark script owns one section of bench/RESULTS.md, between its two HTML comments.

A re-run replaces that section and leaves the rest of the file (the other scripts' sections and
the hand-written analysis) as it was; a first run adds it at the end.
"""

from __future__ import annotations

import re
from pathlib import Path


def write_section(path: Path, start: str, end: str, section: str) -> None:
    """Put ``section`` (which begins with ``start`` and ends with ``end``) in place of the old one."""
    old = path.read_text() if path.exists() else ""
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    section = section.rstrip("\n") + "\n"
    if pattern.search(old):
        new = pattern.sub(lambda _: section, old, count=1)
    else:
        new = old.rstrip("\n") + "\n\n" + section if old.strip() else section
    path.write_text(new)
