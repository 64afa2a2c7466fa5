"""Migration Lab's benchmark: the kit against Alembic's CLI and SQLite's own copy speed.

Run it with ``make bench`` (or ``.venv/bin/python bench/run.py``); ``--help`` lists the
options.  Every figure is a ratio of two things measured in the same run.
"""
