"""Notebook exercises: a task, a ``check()`` that says what is right or wrong, a hint, a solution.

Each notebook's exercise lives in its own module here (``migrator/exercises/nb02.py``
defines ``EXERCISE``) and works in its own workspace, prepared to a known state, so
it never depends on which cells of the notebook the learner ran before.

The committed notebooks show the *unsolved* state: ``check()`` reports "Not yet"
and the solution is folded away until the learner opens it.  ``tests/test_exercise_nbNN.py``
prove, for every exercise, that the check fails on the prepared state and passes
once the solution has run.
"""

from __future__ import annotations

import html
import importlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import MigratorError
from ..i18n import _
from ..schema import diff_sentence
from ..workspace import Workspace


@dataclass(frozen=True)
class Feedback:
    """The verdict of a check, shown as Markdown."""

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"{_('Correct') if self.passed else _('Not yet')}: {self.message}"

    def _repr_markdown_(self) -> str:
        verdict = _("✓ **Correct.**") if self.passed else _("✗ **Not yet.**")  # words, not emoji
        return f"{verdict} {markdown_safe(self.message)}"


def markdown_safe(text: str) -> str:
    """``text`` with Python identifiers such as ``__tablename__`` kept literal outside `code spans`
    (Markdown would render the double underscores as bold)."""
    parts = text.split("`")
    return "`".join(part if i % 2 else part.replace("__", r"\_\_") for i, part in enumerate(parts))


@dataclass(frozen=True)
class Markdown:
    text: str

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text


@dataclass(frozen=True)
class Exercise:
    """A task on a prepared workspace.

    ``prepare(ws)`` brings a fresh workspace to the starting state; ``check(ws)``
    raises AssertionError with a helpful message while the task is not done and
    returns a short success message once it is (both in the kit's language: ``_()``);
    ``solution`` is Python code that uses ``ws``.  The hint and the solution are marked
    with ``N_`` where they are written and translated when shown (the solution's code is
    the same in every language, its comments are translated).
    """

    name: str
    task: str
    prepare: Callable[[Workspace], None]
    check_fn: Callable[[Workspace], str]
    hint_text: str
    solution_code: str
    starter: str = "empty"

    def start(self, root: str | Path = "workspaces") -> Workspace:
        """A fresh workspace in the exercise's starting state."""
        ws = Workspace(f"exercise_{self.name}", root=root, reset=True, starter=self.starter)
        self.prepare(ws)
        return ws

    def workspace(self, root: str | Path = "workspaces") -> Workspace:
        """The exercise's workspace as it is now (without resetting it)."""
        return Workspace(f"exercise_{self.name}", root=root, starter=self.starter)

    def check(self, root: str | Path = "workspaces") -> Feedback:
        """Is the task done? Says what is right, or what is still missing."""
        try:
            return Feedback(True, self.check_fn(self.workspace(root)))
        except AssertionError as exc:
            return Feedback(False, str(exc))
        except MigratorError as exc:  # e.g. models.py does not import: a "not yet", with its fix
            return Feedback(False, f"{exc.what} {exc.fix}")

    def hint(self) -> Markdown:
        return Markdown(_("💡 **Hint.** {hint}", hint=_(self.hint_text)))

    def solution(self) -> Markdown:
        code = html.escape(_(self.solution_code).strip())
        return Markdown(
            "<details><summary>" + _("<b>Show the solution</b> (try first!)") + "</summary>\n\n"
            f"<pre><code>{code}</code></pre>\n\n</details>"
        )

    def solve(self, root: str | Path = "workspaces") -> Feedback:
        """Run the solution in the exercise's workspace (used by the tests) and check."""
        exec(self.solution_code, {"ws": self.workspace(root)})
        return self.check(root)


def assert_new_head_applied(ws: Workspace, previous: str, make_it: str) -> str:
    """Check steps 3-4 of a task: one new head after ``previous``, and the database at it."""
    heads = ws.heads()
    assert heads != [previous], make_it
    assert len(heads) == 1, _("The history has several heads ({heads}); expected one.", heads=", ".join(heads))
    head, current = heads[0], ws.current()
    assert current == head, _(
        "Revision {head} is written but not applied: the database is at {current}. "
        "Apply it with ws_ex.upgrade().", head=head, current=current or "base"
    )
    return head


def assert_models_match(ws: Workspace, message: str, after: str = "") -> None:
    """Check step 6 of a task: autogenerate finds nothing left to do (else ``message`` + the differences)."""
    diffs = ws.check()
    assert diffs.empty, message + diff_sentence(diffs) + after


@contextmanager
def downgraded_copy(ws: Workspace, fix: str) -> Iterator[Workspace]:
    """The workspace on a copy of its database, downgraded one step (the learner's stays put)."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.db"
        shutil.copy(ws.database_path, copy)
        scratch = Workspace.open(ws.path, database=copy)
        try:
            scratch.downgrade("-1")
        except MigratorError as exc:
            raise AssertionError(_("The upgrade works, but the downgrade fails: {what} {fix}", what=exc.what,
                                   fix=fix)) from None
        yield scratch


def get(name: str) -> Exercise:
    """The exercise of a notebook, by module name: ``get("nb02")``."""
    return importlib.import_module(f"{__name__}.{name}").EXERCISE


def all_names() -> list[str]:
    """Every exercise module, for the tests."""
    from importlib.resources import files

    return sorted(
        p.name.removesuffix(".py")
        for p in files(__name__).iterdir()
        if p.name.startswith("nb") and p.name.endswith(".py")
    )
