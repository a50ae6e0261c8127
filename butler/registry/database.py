"""The SQL database a registry lives in: engine, connection, transactions.

Everything that differs between SQLite and PostgreSQL is in this module:
connection setup (SQLite: WAL, foreign keys, busy timeout), inserts that
ignore or replace conflicting rows, and how nested transactions are made.
"""

from __future__ import annotations

__all__ = ["Database"]

import contextlib
import os
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from ..errors import ReadOnlyDatabaseError

_SQLITE_BUSY_TIMEOUT_MS = 60_000


def _refuse_writes(engine: sa.Engine, dialect_name: str, where: str) -> None:
    """Make every session read-only, and report attempted writes as `ReadOnlyDatabaseError`."""

    @sa.event.listens_for(engine, "connect")
    def _read_only_session(dbapi_connection: Any, _: Any) -> None:
        cursor = dbapi_connection.cursor()
        if dialect_name == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_connection.commit()
        cursor.close()

    @sa.event.listens_for(engine, "handle_error")
    def _explain_refused_write(context: Any) -> None:
        text = str(context.original_exception).lower()
        if "readonly" in text or "read-only" in text:
            raise ReadOnlyDatabaseError(
                f"The registry {where} was opened read-only; open the Butler with writeable=True "
                "(or give it a run=) to write."
            ) from context.original_exception


def _configure_sqlite(engine: sa.Engine, *, wal: bool) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA cache_size = -65536")
        cursor.execute("PRAGMA temp_store = MEMORY")
        if wal:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN")


class Database:
    """A connection to the registry database.

    One `Database` holds one SQLAlchemy connection, used for every statement,
    so that a `transaction` spans everything done inside it.  Reads outside a
    transaction run in a short implicit one that ends immediately after.

    Parameters
    ----------
    url : `str`
        SQLAlchemy URL (``sqlite:///path`` or ``postgresql://...``).
    writeable : `bool`, optional
        Whether writes are allowed.
    """

    def __init__(self, url: str, *, writeable: bool = True):
        self.url = sa.engine.make_url(url)
        self.writeable = writeable
        if self.url.get_backend_name() == "postgresql" and self.url.get_driver_name() in ("", "psycopg2"):
            self.url = self.url.set(drivername="postgresql+psycopg")
        self.dialect_name = self.url.get_backend_name()
        kwargs: dict[str, Any] = {}
        if self.dialect_name == "sqlite":
            kwargs["poolclass"] = sa.pool.NullPool if self.url.database in (None, "", ":memory:") else None
            kwargs = {k: v for k, v in kwargs.items() if v is not None}
            if self.url.database and self.url.database != ":memory:":
                if writeable:
                    os.makedirs(os.path.dirname(os.path.abspath(self.url.database)), exist_ok=True)
                elif not os.path.exists(self.url.database):
                    raise FileNotFoundError(f"Registry database {self.url.database} does not exist.")
        else:
            kwargs["pool_pre_ping"] = True
        self.engine = sa.create_engine(self.url, **kwargs)
        if not writeable:
            _refuse_writes(self.engine, self.dialect_name, self.url.render_as_string(hide_password=True))
        if self.dialect_name == "sqlite":
            _configure_sqlite(self.engine, wal=bool(self.url.database) and self.url.database != ":memory:"
                              and writeable)
        self._connection: sa.Connection | None = None
        self._rows_since_analyze: dict[str, int] = {}
        self._rows_at_analyze: dict[str, int] = {}
        self._depth = 0
        self._pid = os.getpid()
        self._rollback_callbacks: list[weakref.WeakMethod | Callable[[], None]] = []

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite."""
        return self.dialect_name == "sqlite"

    @property
    def connection(self) -> sa.Connection:
        """The connection (reopened after a fork, never shared across processes)."""
        if self._pid != os.getpid():
            self._connection = None
            self._depth = 0
            self.engine.dispose(close=False)
            self._pid = os.getpid()
        if self._connection is None:
            self._connection = self.engine.connect()
        return self._connection

    def close(self) -> None:
        """Close the connection and dispose of the engine."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self.engine.dispose()

    @property
    def in_transaction(self) -> bool:
        """Whether a `transaction` block is open."""
        return self._depth > 0

    def on_rollback(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every rollback (of a transaction or a savepoint).

        Whoever caches database content (collections, dataset types, records)
        registers here to forget what a rolled-back block may have put in the
        cache.  Bound methods are held weakly, so the registration does not
        keep their object alive.
        """
        self._rollback_callbacks.append(
            weakref.WeakMethod(callback) if hasattr(callback, "__self__") else callback  # type: ignore[arg-type]
        )

    def _notify_rollback(self) -> None:
        alive = []
        for ref in self._rollback_callbacks:
            callback = ref() if isinstance(ref, weakref.WeakMethod) else ref
            if callback is None:
                continue
            alive.append(ref)
            callback()
        self._rollback_callbacks = alive

    @contextlib.contextmanager
    def transaction(self, *, savepoint: bool = False) -> Iterator[sa.Connection]:
        """Open a transaction; nested calls join it, or make a SAVEPOINT if asked.

        Exceptions roll back (to the savepoint, or the whole transaction) and
        propagate; the `on_rollback` callbacks run after the rollback.
        """
        conn = self.connection
        if self._depth == 0:
            if conn.in_transaction():
                conn.rollback()
            trans = conn.begin()
        elif savepoint:
            trans = conn.begin_nested()
        else:
            trans = None
        self._depth += 1
        try:
            yield conn
        except BaseException:
            self._depth -= 1
            if trans is not None:
                if trans.is_active:
                    trans.rollback()
                self._notify_rollback()
            raise
        self._depth -= 1
        if trans is not None:
            try:
                trans.commit()
            except BaseException:
                # A failed COMMIT (e.g. a deferred constraint) leaves the connection
                # inside the dead transaction; clear it so the next statement works.
                if self._depth == 0 and conn.in_transaction():
                    conn.rollback()
                self._notify_rollback()
                raise

    def execute(self, statement: Any, parameters: Any = None) -> sa.CursorResult:
        """Execute one statement, inside the open transaction if any."""
        conn = self.connection
        if self._depth > 0:
            return conn.execute(statement, parameters)
        try:
            result = conn.execute(statement, parameters)
            rows = _BufferedResult(result)
        except BaseException:
            if conn.in_transaction():
                conn.rollback()
            raise
        if conn.in_transaction():
            conn.commit()
        return rows  # type: ignore[return-value]

    def fetch_all(self, statement: Any, parameters: Any = None) -> list[sa.Row]:
        """Execute a query and return every row."""
        return self.execute(statement, parameters).fetchall()

    def stream(self, statement: Any, parameters: Any = None, *, batch_size: int = 10_000) -> Iterator[sa.Row]:
        """Execute a query and yield rows without holding them all in memory."""
        if self._depth > 0:
            yield from self.connection.execute(statement, parameters)
            return
        with self.transaction() as conn:
            result = conn.execution_options(yield_per=batch_size).execute(statement, parameters)
            yield from result

    # Dialect differences --------------------------------------------------

    def _insert(self, table: sa.Table) -> Any:
        return (sqlite_dialect.insert(table) if self.is_sqlite else pg_dialect.insert(table))

    def insert_ignore(self, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert rows, silently skipping any that conflict with an existing key."""
        if not rows:
            return
        self.execute(self._insert(table).on_conflict_do_nothing(), list(rows))

    def upsert(self, table: sa.Table, rows: Sequence[Mapping[str, Any]], key: Sequence[str]) -> None:
        """Insert rows, replacing the non-key columns of rows whose key already exists."""
        if not rows:
            return
        stmt = self._insert(table)
        update = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in key}
        if update:
            stmt = stmt.on_conflict_do_update(index_elements=list(key), set_=update)
        else:
            stmt = stmt.on_conflict_do_nothing()
        self.execute(stmt, list(rows))

    def lock_row(self, column: sa.Column, key: Any, *, for_delete: bool = False) -> bool:
        """Lock the row whose ``column`` is ``key`` until the transaction ends; whether it exists.

        Writers that refer to the row take a shared lock (PostgreSQL's
        ``FOR KEY SHARE``, what a foreign-key check takes), the one that
        deletes it an exclusive lock (``FOR UPDATE``), so a row cannot vanish
        under rows that refer to it. This is how the registry checks the
        references it keeps without per-row foreign keys (see
        `~butler.registry.schema.make_tags_table`). SQLite serializes writing
        transactions, so reading the row there is enough. Call it inside a
        `transaction`.
        """
        statement = sa.select(column).where(column == key)
        if not self.is_sqlite:
            statement = statement.with_for_update(read=not for_delete, key_share=not for_delete)
        return self.execute(statement).first() is not None

    _COPY_FROM_ROWS = 100

    def bulk_insert(self, table: sa.Table, rows: Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]],
                    columns: Sequence[str] | None = None) -> None:
        """Insert many rows, as fast as the database allows.

        ``rows`` are mappings that all have the same keys or, with
        ``columns``, sequences of values in that order (cheaper to build).
        On PostgreSQL, batches of `_COPY_FROM_ROWS` (100) or more rows go
        through ``COPY ... FROM STDIN``, about six times faster than a
        multi-row ``INSERT`` (3.8 vs 21.9 us a row measured on dataset rows).
        A constraint violation is raised as `sqlalchemy.exc.IntegrityError`
        either way, so callers handle one exception.
        """
        if not rows:
            return
        if self.is_sqlite or len(rows) < self._COPY_FROM_ROWS:
            if columns is not None:
                rows = [dict(zip(columns, row)) for row in rows]
            self.execute(table.insert(), list(rows))
            return
        import psycopg

        if columns is None:
            columns = list(rows[0].keys())
            rows = [[row[c] for c in columns] for row in rows]  # type: ignore[index]
        quote = self.engine.dialect.identifier_preparer.quote
        target = quote(table.name) if table.schema is None else f"{quote(table.schema)}.{quote(table.name)}"
        command = f"COPY {target} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with self.transaction() as conn:
            driver_connection = conn.connection.driver_connection
            try:
                with driver_connection.cursor() as cursor, cursor.copy(command) as copy:
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row)
            except psycopg.errors.IntegrityError as err:
                raise sa.exc.IntegrityError(command, None, err) from err

    _ANALYZE_MIN_ROWS = 500

    def note_bulk_insert(self, tables: Sequence[sa.Table], rows: int) -> None:
        """Refresh PostgreSQL's statistics of tables that have grown a lot since the last refresh.

        A table is analyzed once it has at least doubled (by `_ANALYZE_MIN_ROWS`
        rows or more) since the last refresh here: about 11 times while it
        grows to a million rows. Without this the planner keeps believing a
        freshly filled table holds a handful of rows: on 1M datasets that made
        a tags-table join ~5x slower, and a spatial query over freshly
        inserted visit and overlap rows took 22-28 s instead of 30 ms whenever
        autovacuum had not analyzed them yet. Between refreshes the planner
        scales the row count by the table's size on disk, so a doubling is
        soon enough (analyzing every 20,000 rows cost 7 s of a 1M-dataset
        fill and gave the same query plans). SQLite's planner relies on
        indexes and needs nothing.
        """
        if self.is_sqlite or rows <= 0:
            return
        pending = self._rows_since_analyze
        for table in tables:
            pending[table.name] = pending.get(table.name, 0) + rows
            grown = pending[table.name]
            at_last = self._rows_at_analyze.get(table.name, 0)
            if grown >= self._ANALYZE_MIN_ROWS and grown >= at_last:
                self.execute(sa.text(f'ANALYZE "{table.name}"'))
                self._rows_at_analyze[table.name] = at_last + grown
                pending[table.name] = 0

    def ensure_table(self, table: sa.Table) -> None:
        """Create a table (and its indexes) if it does not exist yet."""
        with self.transaction() as conn:
            table.create(conn, checkfirst=True)

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"


class _BufferedResult:
    """Rows of a finished statement, read after its implicit transaction ended."""

    __slots__ = ("_rows", "rowcount", "inserted_primary_key")

    def __init__(self, result: sa.CursorResult):
        self.rowcount = result.rowcount
        self._rows = result.fetchall() if result.returns_rows else []
        try:
            self.inserted_primary_key = result.inserted_primary_key
        except Exception:
            self.inserted_primary_key = None

    def fetchall(self) -> list[sa.Row]:
        return self._rows

    def all(self) -> list[sa.Row]:
        return self._rows

    def first(self) -> sa.Row | None:
        return self._rows[0] if self._rows else None

    def one_or_none(self) -> sa.Row | None:
        if len(self._rows) > 1:
            raise sa.exc.MultipleResultsFound("More than one row returned.")
        return self.first()

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalars(self) -> list[Any]:
        return [r[0] for r in self._rows]

    def __iter__(self):
        return iter(self._rows)
