"""The kit's language: English by default, Italian with ``MIGRATOR_LANG=it`` or ``set_language("it")``.

Learner-facing strings are marked where they are written and looked up in a gettext
catalogue when they are shown:

- ``_("There is no revision {argument!r}.", argument=rev)``: translated now, then its named
  ``{fields}`` filled in (after translation, so a translation may put them in another order);
- ``ngettext("{count:,} row", "{count:,} rows", n, count=n)``: the same, with a plural;
  in Italian a number is written the Italian way when filled in (``20.000 righe``, ``2,5 s``);
- ``N_("Cancel")``: only marks a string made at import time (rules, labels); the code that
  shows it calls ``_(text)`` then, because the language may change after import.

The language is looked up on every call: ``set_language``'s value if one was set, else the
``MIGRATOR_LANG`` environment variable (read then, so a notebook may set it before or after
importing the kit), else English.  The msgids are the English strings themselves, so English
output is the source text, byte for byte, and needs no catalogue.

The catalogue is ``migrator/locale/it/LC_MESSAGES/migrator.po``, read with Babel and compiled
in memory once per process (no ``.mo`` file to keep in step with it).  After marking or
changing strings, from the repository root:

    pybabel extract -F babel.cfg -o migrator/locale/migrator.pot --no-location --omit-header --no-wrap migrator
    pybabel update -i migrator/locale/migrator.pot -d migrator/locale -D migrator --ignore-obsolete --no-wrap

then translate the new entries (empty or ``#, fuzzy``); tests/test_i18n.py fails until every
one has an Italian msgstr with the msgid's placeholders.

This module is the bottom layer: it imports nothing from the kit.  ``MigratorError``, the base
of the kit's errors (re-exported by :mod:`migrator.errors`), lives here because its "How to fix"
label is translated and an unknown language is itself a MigratorError.
"""

from __future__ import annotations

import gettext
import io
import numbers
import os
import re
import string
from functools import cache
from pathlib import Path

#: The languages the kit speaks; the first is the default (and the source language).
LANGUAGES = ("en", "it")
ENV_VAR = "MIGRATOR_LANG"
DOMAIN = "migrator"
LOCALE = Path(__file__).resolve().parent / "locale"

_chosen: str | None = None  # set_language's value; None: the environment decides


def N_(message: str, /) -> str:
    """Mark ``message`` for the catalogue without translating it now (the code that shows it calls ``_``)."""
    return message


FIX_LABEL = N_("How to fix:")  # the second line of every MigratorError


class MigratorError(Exception):
    """Base class of every error the kit raises on purpose: what happened, and how to fix it.

    In Jupyter the error is shown as those two parts only (no traceback full of library
    frames and paths), which is what a learner needs and keeps notebook outputs deterministic.
    """

    def __init__(self, what: str, fix: str) -> None:
        self.what = what
        self.fix = fix
        super().__init__(f"{what}\n{_fix_label()} {fix}")

    def _render_traceback_(self) -> list[str]:
        """IPython hook: show the message, not the stack (see IPython's ultratb)."""
        return [f"{type(self).__name__}: {self.what}", f"{_fix_label()} {self.fix}"]


def _fix_label() -> str:
    """'How to fix:' in the current language; in English while the language itself is the error."""
    code = _chosen or _normalised(os.environ.get(ENV_VAR, "").strip() or LANGUAGES[0])
    return translations(code).gettext(FIX_LABEL) if code else FIX_LABEL  # not _(): no recursion


def _normalised(code: str) -> str | None:
    """``'it'``, ``'it_IT.UTF-8'``, ``'IT-it'`` -> ``'it'``; a code the kit does not speak -> None."""
    base = re.split(r"[_.@-]", code.strip().lower(), maxsplit=1)[0]
    return base if base in LANGUAGES else None


def _unknown(code: str, where: str) -> MigratorError:
    return MigratorError(
        _("The kit does not speak the language {code!r} ({where}).", code=code, where=where),
        _("Use one of {languages}, e.g. migrator.set_language(\"it\"); unset {env} for English.",
          languages=", ".join(repr(c) for c in LANGUAGES), env=ENV_VAR),
    )


def set_language(code: str | None) -> str:
    """Speak ``code`` (``"en"``, ``"it"``) from now on; ``None`` hands the choice back to ``MIGRATOR_LANG``.

    Wins over the environment variable.  Returns the language now in use.
    """
    global _chosen
    if code is None:
        _chosen = None
        return language()
    normalised = _normalised(code) if isinstance(code, str) else None
    if normalised is None:
        raise _unknown(str(code), "set_language")
    _chosen = normalised
    return normalised


def language() -> str:
    """The language messages are in now: set_language's choice, else MIGRATOR_LANG, else English."""
    if _chosen is not None:
        return _chosen
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return LANGUAGES[0]
    normalised = _normalised(value)
    if normalised is None:
        raise _unknown_env(value)
    return normalised


def _unknown_env(value: str) -> MigratorError:
    """In English: the language asked for is the problem, so the message cannot be in it."""
    return MigratorError(
        f"The kit does not speak the language {value!r} (the environment variable {ENV_VAR}).",
        f"Set {ENV_VAR} to one of {', '.join(repr(c) for c in LANGUAGES)}, or unset it for English.",
    )


@cache
def translations(code: str) -> gettext.NullTranslations:
    """``code``'s catalogue, compiled from its .po in memory (once per process)."""
    if code == LANGUAGES[0]:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(LOCALE / code / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as handle:
        catalog = read_po(handle, domain=DOMAIN)  # the plural rule from its header: no CLDR data to load
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


class _ItalianNumbers(string.Formatter):
    """Fills in fields as ``str.format`` does, numbers written the Italian way: ``20.000``, ``2,5``.

    Only where a separator shows: a number formatted with ``,`` (thousands) or a float; the
    English text is never formatted by it, so English output is ``str.format``'s, byte for byte.
    """

    def format_field(self, value, format_spec: str) -> str:
        text = super().format_field(value, format_spec)
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and ("," in format_spec or isinstance(value, float)):
            return text.translate(_SWAP_SEPARATORS)
        return text


_SWAP_SEPARATORS = str.maketrans({",": ".", ".": ","})
_FORMATTERS = {"it": _ItalianNumbers()}


def _filled(text: str, code: str, fields: dict) -> str:
    if not fields:
        return text
    formatter = _FORMATTERS.get(code)
    return formatter.vformat(text, (), fields) if formatter else text.format(**fields)


def _(message: str, /, **fields) -> str:
    """``message`` in the current language, its ``{fields}`` filled in after translation."""
    code = language()
    return _filled(translations(code).gettext(message), code, fields)


def ngettext(singular: str, plural: str, count: int, /, **fields) -> str:
    """The singular or plural form for ``count`` in the current language, ``{fields}`` filled in."""
    code = language()
    return _filled(translations(code).ngettext(singular, plural, count), code, fields)


def placeholders(text: str) -> list[str]:
    """The named fields of a message, in order (``'{n:,} rows of {table}'`` -> ``['n', 'table']``), for the tests."""
    return [name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None]
