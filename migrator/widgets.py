"""The migration explorer: move a workspace's database through its history and watch it change.

    explorer = ws.explorer()        # or Explorer(ws)
    explorer                        # shows it in JupyterLab

On the left, the revisions (oldest first, the current one marked ●) and four buttons:
upgrade / downgrade to the selected revision, and one step up or down.  Every move
refreshes the panels: the ER diagram of the schema, the ``alembic_version`` row, the
rows of a table you pick, and the source of the selected revision.

A move that would delete data (a downgrade that drops a column holding values,
say) waits for a confirmation: ``ws.plan(verb, target)`` lints each step against the
data, and its ``dangers`` are what the box lists.  A step the linter cannot read is
a danger too (planning fails closed).  A confirmed upgrade passes the findings to
``ws.upgrade(acknowledge=...)``.  Errors
are shown inside the widget as the kit's two lines, what happened and how to fix it,
and the database is left as it was: every Workspace verb runs in one transaction.

The panels are Output widgets whose ``outputs`` are set to plain MIME bundles (the
diagram as a ```` ```mermaid ```` Markdown fence, tables as HTML), so JupyterLab
renders them and tests can read them.

Each button calls a plain method (:meth:`Explorer.upgrade_one`,
:meth:`Explorer.downgrade_selected`, :meth:`Explorer.confirm`, ...), so the same
logic runs from code and from tests, without a browser.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import ipywidgets as widgets
import pandas as pd
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from . import diagrams
from .errors import MigratorError
from .i18n import _
from .plan import Danger, Plan
from .results import Move, label
from .schema import VERSION_TABLE

BASE = "base"
#: The status line's colour per outcome (the only styling in Python: everything else is ipywidgets layout).
COLORS = {"moved": "#1b5e20", "unchanged": "#37474f", "confirm": "#e65100", "cancelled": "#37474f", "error": "#b71c1c"}


class Explorable(Protocol):
    """What the explorer uses: the verbs of ``migrator.Workspace`` (typed here, so nothing imports upward)."""

    name: str

    def current(self) -> str | tuple[str, ...] | None: ...
    def current_heads(self) -> set[str]: ...
    def revisions(self) -> list: ...
    def heads(self) -> list[str]: ...
    def script_directory(self): ...
    def plan(self, verb: str, target: str, acknowledge=()) -> Plan: ...
    def upgrade(self, target: str = "head", *, acknowledge=(), backup=False) -> Move: ...
    def downgrade(self, target: str = "-1") -> Move: ...
    def version_table(self) -> pd.DataFrame: ...
    def tables(self) -> pd.DataFrame: ...
    def rows(self, table: str, limit: int | None = None) -> pd.DataFrame: ...
    @property
    def reader(self): ...


@dataclass(frozen=True)
class Outcome:
    """What a button did: ``moved``, ``unchanged`` (nothing to run), ``confirm`` (waiting for a
    yes), ``cancelled`` or ``error``.  True only when the database moved."""

    kind: str
    text: str
    move: Move | None = None

    def __bool__(self) -> bool:
        return self.kind == "moved"

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        icon = {"moved": "✓", "unchanged": "ℹ", "confirm": "⚠", "cancelled": "↩", "error": "✗"}[self.kind]  # the text says it in words
        return f"{icon} " + "\n\n".join(self.text.splitlines())


def _handler(method):
    """A button's method: whatever goes wrong becomes a message in the widget, not a traceback."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            self._set_pending(None)
            self._busy(False)
            return self._show(Outcome("error", _error_text(exc)))

    return guarded


class Explorer(widgets.VBox):
    """An ipywidgets view of a workspace: its revisions, its schema, its data, and buttons to move."""

    def __init__(self, ws: Explorable, *, table: str | None = None, limit: int = 10) -> None:
        self.ws = ws
        self.limit = limit
        self.pending: tuple[str, str] | None = None  # (verb, target) waiting for confirmation
        self._dangers: list[Danger] = []
        self.last: Outcome | None = None

        self.timeline = widgets.Select(
            options=[], rows=8, layout=widgets.Layout(width="100%"), description=""
        )
        self.upgrade_selected_button = _button(_("Upgrade to selected"), "arrow-up", "primary")
        self.downgrade_selected_button = _button(_("Downgrade to selected"), "arrow-down", "warning")
        self.upgrade_one_button = _button(_("Upgrade one step"), "step-forward", "")
        self.downgrade_one_button = _button(_("Downgrade one step"), "step-backward", "")
        self.confirm_button = _button(_("Yes, run it"), "check", "danger")
        self.cancel_button = _button(_("Cancel"), "times", "")
        self.warning = widgets.HTML()
        self.confirm_box = widgets.VBox(
            [self.warning, widgets.HBox([self.confirm_button, self.cancel_button])],
            layout=widgets.Layout(display="none", border="2px solid #f57f17", padding="4px"),
        )
        self.status = widgets.HTML()
        self.version_output = widgets.Output()
        self.diagram_output = widgets.Output(layout=widgets.Layout(min_height="200px"))
        self.table_picker = widgets.Dropdown(options=[], description=_("Table"))
        self.rows_caption = widgets.HTML()
        self.rows_output = widgets.Output(layout=widgets.Layout(max_width="100%", overflow="auto"))
        self.source = widgets.HTML(layout=widgets.Layout(max_height="420px", overflow="auto"))

        self.upgrade_selected_button.on_click(lambda _: self.upgrade_selected())
        self.downgrade_selected_button.on_click(lambda _: self.downgrade_selected())
        self.upgrade_one_button.on_click(lambda _: self.upgrade_one())
        self.downgrade_one_button.on_click(lambda _: self.downgrade_one())
        self.confirm_button.on_click(lambda _: self.confirm())
        self.cancel_button.on_click(lambda _: self.cancel())
        self.timeline.observe(lambda change: self._on_select(change["new"]), names="value")
        self.table_picker.observe(lambda change: self._on_table(change["new"]), names="value")

        # Layout (tests/test_browser.py checks it in a 1280 px window, the file browser open:
        # a notebook about 850 px wide). Two rows that wrap: the moves beside the ER diagram,
        # then the data beside the revision's file. Each panel has a width below which it goes
        # under its neighbour instead of shrinking, so a table keeps each value on one line (a
        # wider one scrolls inside its own panel) and the diagram never scrolls sideways.
        moves = widgets.VBox(
            [
                _heading(_("Revisions (● = where the database is)")),
                self.timeline,
                widgets.HBox([self.upgrade_selected_button, self.downgrade_selected_button]),
                widgets.HBox([self.upgrade_one_button, self.downgrade_one_button]),
                self.confirm_box,
                self.status,
                _heading("alembic_version"),
                self.version_output,
            ],
            layout=widgets.Layout(flex="1 1 370px", min_width="0", padding="0 16px 0 0"),
        )
        schema = widgets.VBox(
            [_heading(_("The schema now (ER diagram)")), self.diagram_output],
            layout=widgets.Layout(flex="1 1 400px", min_width="0"),
        )
        data = widgets.VBox(
            [_heading(_("The data")), self.table_picker, self.rows_caption, self.rows_output],
            layout=widgets.Layout(flex="1 1 560px", min_width="0", padding="0 16px 0 0", margin="12px 0 0 0"),
        )
        code = widgets.VBox(
            [_heading(_("The selected revision's file")), self.source],
            layout=widgets.Layout(flex="1 1 360px", min_width="0", margin="12px 0 0 0"),
        )
        title = widgets.HTML(
            "<h3 style='margin:0'>" + _("Migration explorer · workspace <code>{name}</code>", name=html.escape(ws.name))
            + "</h3>"
        )
        super().__init__(
            [title, _wrapping_row(moves, schema), _wrapping_row(data, code)],
            layout=widgets.Layout(border="1px solid #bbb", padding="8px"),
        )
        self.add_class("migrator-explorer")
        for widget, name in (
            (self.timeline, "timeline"),
            (self.status, "status"),
            (self.confirm_box, "confirm"),
            (self.version_output, "version"),
            (self.diagram_output, "diagram"),
            (self.rows_output, "rows"),
            (self.source, "source"),
        ):
            widget.add_class(f"migrator-{name}")  # names for the browser test (and for CSS)
        self.refresh(select=self._current_value(), table=table)

    def __repr__(self) -> str:
        return f"Explorer({self.ws.name!r}, at {label(self.ws.current())})"

    # -- the buttons ------------------------------------------------------------------

    @_handler
    def upgrade_selected(self) -> Outcome:
        """The "Upgrade to selected" button: ``ws.upgrade(<selected revision>)``."""
        return self._request("upgrade", self.timeline.value or "head")

    @_handler
    def downgrade_selected(self) -> Outcome:
        """The "Downgrade to selected" button: ``ws.downgrade(<selected revision>)``."""
        return self._request("downgrade", self.timeline.value or BASE)

    @_handler
    def upgrade_one(self) -> Outcome:
        """The "Upgrade one step" button: ``ws.upgrade("+1")``."""
        return self._request("upgrade", "+1")

    @_handler
    def downgrade_one(self) -> Outcome:
        """The "Downgrade one step" button: ``ws.downgrade("-1")``."""
        return self._request("downgrade", "-1")

    @_handler
    def confirm(self) -> Outcome:
        """The "Yes, run it" button: run the move that was waiting for a confirmation."""
        if self.pending is None:
            return self._show(Outcome("error", _("Nothing is waiting for a confirmation.")))
        verb, target = self.pending
        return self._run(verb, target, acknowledge=[d.key for d in self._dangers if d.key])

    @_handler
    def cancel(self) -> Outcome:
        """The "Cancel" button: forget the move that was waiting; nothing runs."""
        self._set_pending(None)
        return self._show(Outcome("cancelled", _("Cancelled: nothing ran, the database is unchanged.")))

    def select(self, revision: str) -> None:
        """Select a revision in the list (as clicking it does): its source is shown."""
        values = [value for _, value in self.timeline.options]
        if revision not in values:
            raise MigratorError(
                _("There is no revision {revision!r} in the list.", revision=revision),
                _("Pick one of: {values}.", values=", ".join(values)),
            )
        self.timeline.value = revision

    def show_table(self, table: str) -> None:
        """Pick the table whose rows are shown (as the dropdown does)."""
        self.table_picker.value = table

    # -- state, for code and tests ---------------------------------------------------------

    @property
    def version(self) -> list[str]:
        """The ``alembic_version`` rows as the widget shows them."""
        return list(self._versions)

    @property
    def schema(self) -> diagrams.Diagram:
        """The ER diagram the widget shows (detailed: type lengths, unique keys, nullable)."""
        return diagrams.er_diagram(self.ws.reader, detailed=True)

    @property
    def message(self) -> str:
        """The last outcome's text (what the status line says), '' before the first move."""
        return self.last.text if self.last else ""

    def refresh(self, *, select: str | None = None, table: str | None = None) -> None:
        """Re-read the workspace and redraw every panel (after each move, or by hand)."""
        current = self.ws.current_heads()
        heads = set(self.ws.heads())
        options = [(_entry(BASE, _("the empty database"), not current), BASE)]
        for script in self.ws.revisions():
            tags = [t for t, on in ((_("current"), script.revision in current), ("head", script.revision in heads)) if on]
            if script.is_merge_point:
                tags.append("merge")
            options.append((_entry(script.revision, script.doc, script.revision in current, tags), script.revision))
        keep = select or self.timeline.value or self._current_value()
        self.timeline.options = options
        self.timeline.rows = min(max(len(options), 3), 10)
        values = [value for _, value in options]
        self.timeline.value = keep if keep in values else self._current_value()
        self._show_source(self.timeline.value)

        frame = self.ws.version_table()
        self._versions = tuple(frame["version_num"].tolist())
        self.version_output.outputs = (_frame_output(frame, empty=_("no row: the database is at base")),)
        self.diagram_output.outputs = (_markdown_output(self.schema),)

        found = self.ws.tables()
        found = found[found["table"] != VERSION_TABLE]
        tables = found["table"].tolist()
        wanted = table or self.table_picker.value
        self.table_picker.options = tables
        self.table_picker.value = wanted if wanted in tables else _widest(found)
        self._show_rows(self.table_picker.value)

    # -- plumbing ---------------------------------------------------------------------------

    def _request(self, verb: str, target: str) -> Outcome:
        dangers = self.ws.plan(verb, target).dangers
        if dangers:
            self._set_pending((verb, target), dangers)
            listed = "\n".join(f"- {danger}" for danger in dangers)
            return self._show(
                Outcome(
                    "confirm",
                    _("`{verb} {target}` would delete data:", verb=verb, target=target) + f"\n{listed}\n"
                    + _("Click **Yes, run it** to go ahead (a backup first is wise), or **Cancel**."),
                )
            )
        return self._run(verb, target)

    def _run(self, verb: str, target: str, acknowledge: list[str] = ()) -> Outcome:
        """Run the move; ``acknowledge`` tells ``ws.upgrade`` the confirmed destructive findings."""
        self._set_pending(None)
        self._busy(True)
        try:
            if acknowledge:
                move = getattr(self.ws, verb)(target, acknowledge=list(acknowledge))
            else:
                move = getattr(self.ws, verb)(target)
            outcome = Outcome("moved" if move.steps else "unchanged", _describe(move, target), move)
        except Exception as exc:  # never a traceback in the output area
            outcome = Outcome("error", _error_text(exc))
        finally:
            self._busy(False)
        try:
            self.refresh()
        except Exception as exc:
            outcome = Outcome("error", f"{outcome.text}\n{_error_text(exc)}")
        return self._show(outcome)

    def _show(self, outcome: Outcome) -> Outcome:
        self.last = outcome
        text = outcome.text
        if outcome.kind == "confirm":  # the details are in the confirmation box just above
            text = _("Nothing has run yet: confirm or cancel above.")
        lines = [_inline_markdown(line) for line in text.splitlines()]
        body = "<br>".join(lines)
        role = "alert" if outcome.kind == "error" else "status"
        self.status.value = (
            f"<div role='{role}' class='migrator-outcome migrator-outcome-{outcome.kind}' "
            f"style='color:{COLORS[outcome.kind]};border-left:4px solid {COLORS[outcome.kind]};"
            f"padding:2px 8px;margin:4px 0;line-height:1.5'>{body}</div>"
        )
        return outcome

    def _set_pending(self, pending: tuple[str, str] | None, findings: list[Danger] = ()) -> None:
        self.pending = pending
        self._dangers = list(findings)
        if pending is None:
            self.warning.value = ""
            self.confirm_box.layout.display = "none"
            return
        items = "".join(f"<li>{html.escape(str(finding))}</li>" for finding in findings)
        self.warning.value = (
            "<b>" + _("Confirm: <code>{verb} {target}</code> would delete data:", verb=pending[0],
                      target=html.escape(pending[1])) + f"</b><ul>{items}</ul>"
        )
        self.confirm_box.layout.display = "flex"

    def _busy(self, busy: bool) -> None:
        for button in (
            self.upgrade_selected_button,
            self.downgrade_selected_button,
            self.upgrade_one_button,
            self.downgrade_one_button,
            self.confirm_button,
            self.cancel_button,
        ):
            button.disabled = busy

    def _current_value(self) -> str:
        current = self.ws.current_heads()
        return sorted(current)[-1] if current else BASE

    def _on_select(self, revision: str | None) -> None:
        try:
            self._show_source(revision)
        except Exception as exc:
            self.source.value = _error_html(exc)

    def _on_table(self, table: str | None) -> None:
        try:
            self._show_rows(table)
        except Exception as exc:
            self.rows_caption.value = _error_html(exc)
            self.rows_output.outputs = ()

    def _show_source(self, revision: str | None) -> None:
        if not revision or revision == BASE:
            self.source.value = "<p>" + _(
                "<b>base</b> is the empty database, before the first revision: it has no file. "
                "Downgrading to base runs every <code>downgrade()</code>."
            ) + "</p>"
            return
        script = self.ws.script_directory().get_revision(revision)
        formatted = highlight(_source(script), PythonLexer(), HtmlFormatter(noclasses=True))
        self.source.value = f"<p><b>{html.escape(_file_name(script))}</b></p>{formatted}"

    def _show_rows(self, table: str | None) -> None:
        if not table:
            self.rows_caption.value = "<i>" + _("No tables yet: the database is empty.") + "</i>"
            self.rows_output.outputs = ()
            return
        found = self.ws.tables()
        count = int(found.loc[found["table"] == table, "rows"].sum())
        shown = min(count, self.limit)
        self.rows_caption.value = _("<code>{table}</code>: {count:,} row(s)", table=html.escape(table), count=count) + (
            _(", the first {shown} shown", shown=shown) if count > shown else ""
        )
        self.rows_output.outputs = (_frame_output(self.ws.rows(table, limit=self.limit), empty=_("no rows")),)


# -- small helpers ------------------------------------------------------------------------------


def _button(description: str, icon: str, style: str) -> widgets.Button:
    return widgets.Button(
        description=description,
        icon=icon,
        button_style=style,
        tooltip=description,
        layout=widgets.Layout(width="auto", min_width="180px"),
    )


def _wrapping_row(*panels: widgets.Widget) -> widgets.HBox:
    """Panels side by side while each fits at its flex basis; one under the other when not."""
    return widgets.HBox(list(panels), layout=widgets.Layout(flex_flow="row wrap", width="100%"))


def _heading(text: str) -> widgets.HTML:
    return widgets.HTML(f"<b>{html.escape(text)}</b>")


def _entry(revision: str, doc: str, current: bool, tags: list[str] = ()) -> str:
    mark = "●" if current else "○"
    text = f"{mark} {revision}  {doc}"
    if revision == BASE and current:
        tags = [_("current")]
    return text + (f"  ({', '.join(tags)})" if tags else "")


def _widest(tables: pd.DataFrame) -> str | None:
    """The table with the most columns (the most to look at), alphabetical on a tie."""
    if tables.empty:
        return None
    return tables.sort_values(["columns", "table"], ascending=[False, True])["table"].iloc[0]


def _describe(move: Move, target: str) -> str:
    start, end = label(move.before), label(move.after)
    if not move.steps:
        text = _("{verb} {target}: nothing to do, the database is already at {end}.",
                 verb=move.verb, target=target, end=end)
        if move.verb == "upgrade" and target not in (end, "head", "heads"):
            text += " " + _("{target} is older than {end}: to go back to it, use **Downgrade to selected**.",
                            target=target, end=end)
        return text
    ran = ", ".join(f"`{rev}` {message}" for rev, message in move.steps)
    return _("**{verb}** {start} → {end}: ran {ran}.", verb=move.verb, start=start, end=end, ran=ran)


def _source(script) -> str:
    with open(script.path, encoding="utf-8") as handle:
        return handle.read()


def _file_name(script) -> str:
    return "versions/" + Path(script.path).name


def _error_text(exc: Exception) -> str:
    """The kit's two lines for a MigratorError; the first line of anything else, and what it means."""
    if isinstance(exc, MigratorError):
        return f"{type(exc).__name__}: {exc.what}\n{_('How to fix:')} {exc.fix}"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else _("(no message)")
    return f"{type(exc).__name__}: {first}\n{_('How to fix:')} " + _(
        "read the message above; every move runs in one transaction, so the database is as it was before the click."
    )


def _error_html(exc: Exception) -> str:
    lines = "<br>".join(html.escape(line) for line in _error_text(exc).splitlines())
    return f"<div role='alert' style='color:#b71c1c'>{lines}</div>"


def _inline_markdown(line: str) -> str:
    """The status line's tiny Markdown: **bold**, `code`, '- ' items; everything else escaped."""
    text = html.escape(line)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"`(.+?)`", r"<code>\1</code>", text)
    return "• " + text[2:] if text.startswith("- ") else text


def _frame_output(frame: pd.DataFrame, *, empty: str) -> dict:
    if frame.empty and not len(frame.columns):
        return _output({"text/plain": empty, "text/html": f"<i>{html.escape(empty)}</i>"})
    if frame.empty:
        plain = f"{', '.join(map(str, frame.columns))}: {empty}"
        return _output({"text/plain": plain, "text/html": f"<i>{html.escape(plain)}</i>"})
    frame = frame.convert_dtypes()  # whole numbers stay whole next to NULLs: 1969 and <NA>, not 1969.0 and NaN
    table = frame.to_html(index=False).replace("<table ", "<table style='white-space:nowrap' ", 1)  # a value on one line
    return _output({"text/plain": frame.to_string(index=False), "text/html": table})


def _markdown_output(diagram: diagrams.Diagram) -> dict:
    return _output({"text/plain": diagram.source, "text/markdown": diagram._repr_markdown_()})


def _output(data: dict) -> dict:
    return {"output_type": "display_data", "data": data, "metadata": {}}
