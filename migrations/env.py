"""The migration environment: how Alembic connects and what it compares against.

One file serves three callers:
- the ``alembic`` command line, run from the repository root (reads alembic.ini);
- the ``migrator`` package in the notebooks, which copies this file into every
  workspace and hands in a live Connection and fresh metadata through
  ``config.attributes`` (Alembic cookbook: "Sharing a Connection across one or
  more programmatic migration commands");
- pytest-alembic, which hands in an Engine the same way (or a connection that acts as one).
"""

import os
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy.engine import Connection

from migrator.database import create_engine
from migrator.loader import metadata_from

config = context.config

# The CLI logs what it does; a caller from Python turns that off to keep output clean.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def models_metadata():
    """What the database should look like: handed in, or loaded from the models (a file or an import path)."""
    if config.attributes.get("target_metadata") is not None:
        return config.attributes["target_metadata"]
    if config.attributes.get("load_models") is False:  # a move needs no models: an unsaved edit cannot stop it
        return None
    base = Path(config.config_file_name).resolve().parent if config.config_file_name else Path.cwd()
    return metadata_from(config.get_main_option("models", "models.py"), base)


def database_url():
    """A URL handed in wins; then DATABASE_URL, so no credentials live in alembic.ini."""
    return (
        config.attributes.get("url")
        or os.environ.get("DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )


# Shared by both modes.
# - render_as_batch: on SQLite, autogenerate writes batch_alter_table blocks (copy
#   the table, swap it in), since SQLite's ALTER TABLE cannot change types or constraints.
# - compare_server_default: server defaults are compared too, not just names and types.
# - transactional_ddl: SQLite can roll DDL back once the driver is told to BEGIN
#   (migrator.database), so a failing revision leaves nothing behind; --sql output
#   is wrapped in BEGIN/COMMIT for the same reason.
OPTIONS = dict(
    render_as_batch=True,
    compare_type=True,
    compare_server_default=True,
    transactional_ddl=True,
)


def run_migrations_offline() -> None:
    """``alembic upgrade --sql``: write the SQL script instead of running it."""
    context.configure(
        url=database_url(),
        target_metadata=models_metadata(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the revisions against a live database, all of them in one transaction."""
    handed = config.attributes.get("connection")
    if isinstance(handed, Connection):  # migrator: it owns the transaction
        _run(handed)
        return
    # pytest-alembic hands an Engine, or (test_downgrade_leaves_no_trace) a live connection dressed as
    # one: anything with connect() is used as it is; only when nothing is handed in is the URL read.
    engine = handed if handed is not None and hasattr(handed, "connect") else create_engine(database_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        if engine is not handed:
            engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=models_metadata(),
        **OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
