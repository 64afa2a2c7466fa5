"""Notebook 07's exercise: a revision that damaged prod's data; restore, or roll forward?

Starting state (bookshop starter): revision 0005 "short slugs" cuts every slug to 10
characters. It was promoted yesterday: prod was backed up at 0004 (``backups/``), then
upgraded to 0005. Since then the shop's staff added two books on prod. Today the cut
slugs turn out to break every link, and prod must get its full slugs back.

The judgment: the backup is no way back. A restore throws away the two new books, and
leaves prod at 0004, so the next promotion runs 0005 again. 0005 itself cannot be fixed
either: it has committed on prod, and Alembic never runs a revision twice on one database.
The repair is a new revision (roll forward), tried on dev, then promoted with a fresh backup.
"""

from __future__ import annotations

from ..i18n import _
from ..workspace import Workspace
from . import Exercise

#: What prod held when 0005 ran (title, author, year).
PROD_BOOKS = [
    ("The Dispossessed", "Ursula K. Le Guin", 1974),
    ("The Left Hand of Darkness", "Ursula K. Le Guin", 1969),
    ("Kindred", "Octavia E. Butler", 1979),
    ("Ancillary Justice", "Ann Leckie", 2013),
    ("The Fifth Season", "N. K. Jemisin", 2015),
]
#: Added on prod after 0005 ran (and after the backup at 0004).
NEW_BOOKS = [
    ("Parable of the Sower", "Octavia E. Butler", 1993),
    ("The Obelisk Gate", "N. K. Jemisin", 2016),
]
CUT = "UPDATE books SET slug = substr(slug, 1, 10)"
REVISION = "0005"

TASK = """\
Revision `0005` (*short slugs*) cuts every book's slug to 10 characters. It went to prod
yesterday: prod was backed up at `0004`, then upgraded. Since then the shop's staff have added
two books on prod. Today it turns out that the cut slugs break every link: prod must get its
full slugs back (the app's rule: `slugify(title)`), and keep every book it has. Do it the way
prod deserves: tried on dev first, with a verified backup of prod before it changes. The check
looks at prod: every book still there, every slug what the app's rule gives, at the head of a
history that makes any database the same, and a backup taken before the repair."""

HINT = """\
There are two ways back, and the backup in `prod_ex.backups()` is only one of them. Before you
choose, compare it with what prod holds now (`prod_ex.rows("books")`): what would a restore
throw away, and which revision would the next promotion run again? And 0005 has committed on
prod: what happens there if you change its file?"""

SOLUTION = '''\
# ws is the exercise workspace (ws_ex in the notebook).
prod = ws.environment("prod")
prod.backups()                            # the backup is from before the two new books: no way back
rev = ws.revision("repair slugs", autogenerate=False)   # roll forward: a new revision
path = ws.path / rev.file
repair = """op.execute("UPDATE books SET slug = lower(replace(trim(title), ' ', '-'))")"""
path.write_text(path.read_text().replace(
    '"""Upgrade schema."""\\n    pass', '"""Upgrade schema."""\\n    ' + repair, 1))
ws.upgrade()                              # dev first
ws.promote("prod")                        # checks, review, backup at 0005, upgrade, verify
prod.rows("books")
'''


def prepare(ws: Workspace) -> None:
    """dev and prod at 0005 (slugs cut); prod backed up at 0004, then two books added."""
    ws.upgrade()                                             # dev: 0001-0004
    ws.app().add_book("A test book", "Test Author", published_year=2000)
    ws.add_environment("prod", ws.path / "prod.db")
    prod = ws.environment("prod")
    prod.upgrade()
    shop = prod.app()
    for title, author, year in PROD_BOOKS:
        shop.add_book(title, author, published_year=year)
    rev = ws.revision("short slugs", autogenerate=False)     # the revision that went wrong
    path = ws.path / rev.file
    source = path.read_text()
    filled = source.replace(
        '    """Upgrade schema."""\n    pass',
        f'    """Upgrade schema."""\n    # shorter links: every slug cut to 10 characters\n    op.execute("{CUT}")',
    ).replace(
        '    """Downgrade schema."""\n    pass',
        '    """Downgrade schema."""\n    pass  # the cut-off ends are gone: nothing to make them whole again',
    )
    assert filled.count(CUT) == 1 and "nothing to make" in filled, _("the template "
                                                                     "changed: update "
                                                                     "nb07.prepare")
    path.write_text(filled)
    ws.upgrade()                                             # tried on dev ...
    prod.backup()                                            # ... yesterday's promotion: backup at 0004,
    prod.upgrade()                                           # ... then 0005 on prod
    shop = prod.app()
    for title, author, year in NEW_BOOKS:                    # today: the staff kept working
        shop.add_book(title, author, published_year=year)


def _wrong_slugs(frame, slugify) -> dict[str, str]:
    """title -> slug, for every book whose slug is not what the app's rule makes."""
    return {row.title: row.slug for row in frame.itertuples() if row.slug != slugify(row.title)}


def check(ws: Workspace) -> str:
    prod = ws.environment("prod")
    books = prod.rows("books")
    titles = set(books["title"])
    lost_new = [title for title, _, _ in NEW_BOOKS if title not in titles]
    lost_old = [title for title, _, _ in PROD_BOOKS if title not in titles]
    if lost_new or lost_old:
        restored = lost_new and not lost_old
        raise AssertionError(
            _("prod has lost {value} book(s): {value2}. ",
              value=len(lost_new) + len(lost_old), value2=', '.join(lost_old + lost_new))
            + (_("Those were added after the backup, and a restore throws away every "
                 "write made since its backup: here the backup was no way back. ")
               if restored else "")
            + _("Run exercise.start() to begin anew, and repair prod without losing a book.")
        )
    source = next((ws.path / "migrations" / "versions").glob(f"{REVISION}_*.py")).read_text()
    heads, current = ws.heads(), prod.current()
    if len(heads) != 1:
        raise AssertionError(_("The history has {count} heads ({heads}): join them first "
                               "(notebook 05).", count=len(heads), heads=', '.join(heads)))
    head = heads[0]
    slugify = ws.load_models().slugify  # the app's rule, in models.py
    wrong = _wrong_slugs(books, slugify)
    if wrong:
        title, slug = next(iter(wrong.items()))
        example = _("'{slug}' for '{title}'", slug=slug, title=title)
        if CUT not in source and current == REVISION:
            raise AssertionError(
                _("You changed {REVISION}'s file, but {REVISION} has already run on "
                  "prod, and Alembic never runs a revision twice on one database: prod "
                  "keeps its cut slugs ({example}). Put {REVISION} back as it was, so "
                  "that its file says what prod has, and write the repair as a new "
                  "revision; or run exercise.start() to begin anew.", REVISION=REVISION, example=example)
            )
        if current == "0004":
            raise AssertionError(
                _("prod is at 0004 again, and its slugs are still cut ({example}): "
                  "{REVISION}'s downgrade() cannot make them whole (read it), and the "
                  "next promotion would run {REVISION} again. Bring prod back to "
                  "{REVISION} (ws_ex.environment('prod').upgrade('{REVISION}')), then "
                  "repair it another way.", example=example, REVISION=REVISION)
            )
        if head == REVISION:
            raise AssertionError(
                _("prod's slugs are still cut ({example}), on {count} of its {count2} "
                  "books. prod_ex.backups() holds a backup from before 0005: is it a way "
                  "back? Compare it with what prod holds now.",
                  example=example, count=len(wrong), count2=len(books))
            )
        dev_at = ws.current()
        if current != head:
            where = "" if dev_at == head else _(" Try it on dev first: ws_ex.upgrade() "
                                                "(dev is at {dev_at}).", dev_at=dev_at)
            raise AssertionError(
                _("Your repair, {head}, is written, and prod is still at "
                  "{current}.{where} Then bring it to prod, backup first: ws_ex.promote('prod').",
                  head=head, current=current, where=where)
            )
        raise AssertionError(
            _("prod is at {head}, but {count} slug(s) are still not what the app's rule "
              "makes ({example}; the rule: {slugify!r}). Compare your UPDATE with "
              "slugify() in models.py.", head=head, count=len(wrong), example=example, slugify=slugify(title))
        )
    if head == REVISION or current != head:
        raise AssertionError(
            _("prod's slugs are right, but no revision made them so: the history still "
              "ends with the revision that cuts them, so dev, a fresh database and any "
              "backup upgraded again get cut slugs. Write the repair as a revision, try "
              "it on dev, and promote it.")
        )
    dev_wrong = _wrong_slugs(ws.rows("books"), slugify) if ws.current() == head else {"dev": "not at the head"}
    if dev_wrong:
        raise AssertionError(
            _("prod is repaired, but dev is not (dev is at {current}): a change reaches "
              "prod through dev. Upgrade dev (ws_ex.upgrade()) and check its slugs.", current=ws.current())
        )
    taken = prod.backups().iloc[1:]  # the first is yesterday's, from before 0005
    if not (taken["revision"] != head).any():
        raise AssertionError(
            _("prod is repaired, but there is no backup of it taken before the repair "
              "ran (at {REVISION}): had the repair gone wrong, there was nothing to go "
              "back to. ws_ex.promote('prod') takes one every time; by hand it is "
              "prod_ex.backup() first.", REVISION=REVISION)
        )
    return (
        _("prod is at {head}: all {count} books, the {count2} added after yesterday's "
          "backup included, with the slugs the app's rule gives, and a backup from "
          "before the repair. You rolled forward: a restore would have lost those "
          "{count2} books and left {REVISION} to run again at the next promotion.",
          head=head, count=len(books), count2=len(NEW_BOOKS), REVISION=REVISION)
    )


EXERCISE = Exercise("nb07", TASK, prepare, check, HINT, SOLUTION, starter="bookshop")
