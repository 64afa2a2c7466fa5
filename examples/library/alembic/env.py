from logging.config import fileConfig

from sqlalchemy import engine_from_config
from sqlalchemy import pool

from alembic import context

# The models package; importing it registers every table on the metadata.
# (alembic.ini's prepend_sys_path = . puts this folder on sys.path.)
from library_app.db import metadata

config = context.config
if config.config_file_name is not None:  # Alembic's log, as alembic.ini sets it up
    fileConfig(config.config_file_name)
target_metadata = metadata


def include_object(object, name, type_, reflected, compare_to):
    """What autogenerate compares: everything but a model index meant for another database.

    ix_books_title_nocase is declared in SQLite's form (COLLATE NOCASE); on PostgreSQL the
    revisions build lower(title) under that name, which the declaration can never match
    (autogenerate would report it changed on every check). Its info names its database.
    """
    only_on = object.info.get("autogenerate_on") if type_ == "index" and not reflected else None
    return only_on in (None, context.get_context().dialect.name)


# Shared by both modes. render_as_batch: autogenerate writes batch_alter_table blocks
# (SQLite's ALTER TABLE cannot do much: batch mode copies the table and swaps it in).
# transaction_per_migration: each revision commits on its own, so a failure in revision
# N leaves N-1 applied and recorded. include_object: above (autogenerate only).
OPTIONS = dict(render_as_batch=True, transaction_per_migration=True, include_object=include_object)


def run_migrations_offline() -> None:
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **OPTIONS,
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, **OPTIONS
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
