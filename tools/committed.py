"""The notebooks as git would commit them, whatever JupyterLab saved over them since.

JupyterLab autosaves what learners type into the course's own files. After a class in the
same checkout, the notebooks on disk hold solved exercises and new outputs, and strict nbval
would fail on them. So the tests check each tracked notebook **in its staged version** (git's
index: the committed one, unless you `git add`-ed a new version), and leave untracked
notebooks (`Untitled.ipynb`, copies) out. ``conftest.py`` applies this to nbval;
``tests/test_notebooks.py`` and ``tests/test_browser.py`` read the notebooks through it too.

- A maintainer who re-executed a notebook: `git add` it, then run the tests (they test what
  you are about to commit), or set ``MIGRATOR_TEST_NOTEBOOKS=worktree`` to test the files on
  disk as they are.
- Without git (a downloaded archive) the files on disk are tested.
- ``make reset-notebooks`` puts the committed versions back on disk for learners.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = "notebooks"
WORKTREE = "worktree"  # MIGRATOR_TEST_NOTEBOOKS=worktree: test the files on disk


@dataclass(frozen=True)
class Versions:
    """Which notebooks under ``FOLDER`` differ from git's index, and which git does not track."""

    root: Path
    tracked: tuple[str, ...] = ()  # paths relative to root, as git prints them (/-separated)
    changed: frozenset[str] = field(default_factory=frozenset)  # tracked, edited on disk, not staged
    untracked: frozenset[str] = field(default_factory=frozenset)
    use_git: bool = False

    def relative(self, path: Path) -> str:
        return Path(os.path.abspath(path)).relative_to(self.root).as_posix()

    def text(self, path: Path) -> str:
        """The notebook's text as the tests should see it: the staged version if edited on disk."""
        relative = self.relative(path)
        if relative in self.changed:
            return _git(self.root, "show", f":{relative}")
        return Path(path).read_text(encoding="utf-8")

    def is_replaced(self, path: Path) -> bool:
        return self.use_git and self.relative(path) in self.changed

    def is_left_out(self, path: Path) -> bool:
        return self.use_git and self.relative(path) in self.untracked

    def notebooks(self, pattern: str = "*.ipynb") -> list[Path]:
        """The notebooks directly in ``FOLDER`` that the tests cover, sorted by name."""
        folder = self.root / FOLDER
        if self.use_git:
            names = [Path(t).name for t in self.tracked if Path(t).parent.as_posix() == FOLDER]
            found = [folder / name for name in names]
        else:
            found = list(folder.glob("*.ipynb"))
        return sorted(path for path in found if path.match(pattern))

    def summary(self) -> list[str]:
        """Lines for pytest's header: what is tested instead of what is on disk."""
        lines = []
        if self.changed:
            lines.append(
                "notebooks: testing the committed version of " + ", ".join(sorted(self.changed))
                + " (edited on disk, not staged: JupyterLab saves what learners type; "
                "`make reset-notebooks` restores them, `git add` tests your edits, "
                f"MIGRATOR_TEST_NOTEBOOKS={WORKTREE} tests the files as they are)"
            )
        if self.untracked:
            lines.append("notebooks: not testing untracked " + ", ".join(sorted(self.untracked)))
        return lines


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True, encoding="utf-8"
    ).stdout


def _paths(output: str) -> list[str]:
    return [p for p in output.split("\0") if p.endswith(".ipynb")]


def versions(root: Path = ROOT) -> Versions:
    """Ask git once (three quick commands) which notebooks are edited on disk or untracked."""
    root = Path(os.path.abspath(root))
    if os.environ.get("MIGRATOR_TEST_NOTEBOOKS") == WORKTREE:
        return Versions(root)
    try:
        top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
        if top.resolve() != root.resolve():  # a copy inside another repository: not ours
            return Versions(root)
        tracked = _paths(_git(root, "ls-files", "-z", "--", FOLDER))
        changed = _paths(_git(root, "diff", "--name-only", "-z", "--", FOLDER))
        untracked = _paths(_git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", FOLDER))
    except (OSError, subprocess.CalledProcessError):  # no git, or not a git checkout
        return Versions(root)
    return Versions(root, tuple(tracked), frozenset(changed), frozenset(untracked), use_git=True)


@lru_cache(maxsize=1)
def course_versions() -> Versions:
    """:func:`versions` of this checkout, asked once per process."""
    return versions(ROOT)
