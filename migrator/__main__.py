"""``python -m migrator``: the same command as the ``migrator`` console script (see ``migrator.cli``)."""

from .cli import main

raise SystemExit(main())
