"""The commented starter ``cauce.yml`` written by ``cauce init``.

It is a working example, not a template full of blanks: a CSV folder synced
into a SQLite table. It validates as written and runs as soon as
``data/contacts.csv`` exists, and its comments explain every key so the file
doubles as a first reference.
"""

from __future__ import annotations

from pathlib import Path

from cauce.config.loader import DEFAULT_FILE_NAME

STARTER = """\
# cauce.yml: what Cauce connects and how data flows between the systems.
#
#   cauce validate                        check this file (offline, every problem at once)
#   cauce connectors list                 the connectors you can use below
#   cauce connectors show csv             the settings, streams and sinks of one connector
#   cauce sync run contacts_to_warehouse  run the example sync below
#
# Any value may use ${VARIABLE} (an environment variable; an error when it is
# not set) or ${VARIABLE:-fallback}. Keep passwords and API keys out of this
# file: write them as ${VARIABLES}. Paths that start with ./ or ../ are
# relative to the folder of this file.

# Where Cauce keeps its own records: runs, per-row results, cursors,
# fingerprints and jobs. The default is a SQLite file next to this file;
# to run several workers, share a PostgreSQL database instead:
#   url: postgresql+psycopg://cauce:${CAUCE_DB_PASSWORD}@db.example.com/cauce
store:
  url: sqlite:///.cauce/cauce.db

# Connections: a name of your choice (lowercase letters, digits, _ and -)
# for each system, with the connector that talks to it and its settings
# (`cauce connectors show <connector>` lists them).
connections:
  # A folder of CSV files: data/contacts.csv is the stream (and sink) "contacts".
  # Encoding (UTF-8 or Windows-1252) and delimiter (, ; or tab) are detected.
  files:
    connector: csv
    config:
      directory: ./data
      # decimal_comma: true       # numbers written 1.234,56
      # date_format: "%d/%m/%Y"   # how dates are written in the files

  # A SQL database: any SQLAlchemy URL (SQLite, PostgreSQL, MySQL/MariaDB).
  # Point it at your own database with WAREHOUSE_URL, e.g.
  #   export WAREHOUSE_URL=postgresql+psycopg://user:password@host/dbname
  warehouse:
    connector: sql
    config:
      url: ${WAREHOUSE_URL:-sqlite:///./warehouse.db}

# Syncs: read a stream from one connection, write it into an object of another.
syncs:
  contacts_to_warehouse:
    # What to read: a connection above and one of its streams.
    source: {connection: files, stream: contacts}
    # Where to write: a connection above and one of its objects (here a table).
    destination: {connection: warehouse, object: contacts}
    # The destination field that identifies a record (default: the sink's own key).
    key: email
    # upsert: create new records, update existing ones.
    # update: only update records that already exist.
    # mirror: upsert, and remove destination records that left the source
    #         (refuses to remove more than mirror.max_delete_percent in one run).
    mode: upsert
    # mirror: {max_delete_percent: 10}
    # When to run by itself (cron: minute hour day month weekday) while
    # `cauce worker` is running. Without it the sync runs on demand only.
    # schedule: "*/15 * * * *"
    # Only records that meet this condition are synced, e.g.
    # where: "country = 'ES' and email is not empty"
    # How source fields become destination fields; without it records are
    # written as they are read. Each line is "destination: source", e.g.
    # mapping:
    #   email: email                                  # copy a field
    #   first_name: {field: firstname, default: ""}   # with a default
    #   signed_up: {field: signup, type: date, format: "%d/%m/%Y"}
    #   source: {value: newsletter}                   # a constant
    #   full_name: "{{ firstname }} {{ lastname }}"   # an expression
    # Records per write; capped by what the destination accepts in one batch.
    batch_size: 500
    # Settings for this sync's stream and sink, on top of the connection's.
    # create_table: the SQL sink creates the table on the first run.
    # Others, e.g. encoding: cp1252 for the CSV files.
    options: {create_table: true}
"""


def write_starter(path: Path, *, force: bool = False) -> Path:
    """Write the starter file at ``path`` (a folder means its ``cauce.yml``).

    Raises FileExistsError rather than overwrite a file unless ``force``.
    """
    target = path / DEFAULT_FILE_NAME if path.is_dir() else path
    if target.exists() and not force:
        raise FileExistsError(str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(STARTER, encoding="utf-8")
    return target
