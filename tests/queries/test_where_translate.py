"""Tests for translating ``where`` expressions to SQL, run against real databases."""

from __future__ import annotations

import contextlib
import datetime
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import pytest
import sqlalchemy as sa
from astropy.time import Time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from butler.queries import (
    ExpressionSyntaxError,
    ExpressionTranslator,
    Identifier,
    InvalidQueryError,
    Node,
    PointNode,
    ResolvedColumn,
    parse_where,
    referenced_identifiers,
)
from butler.queries.glob_match import glob_to_like
from butler.timespan import Timespan, time_to_nsec

T0 = Time("2024-01-01T00:00:00", scale="tai")
HOUR = 3600 * 10**9
ALL = list(range(1, 13))
RUNS = {
    1: "u/alice/run_1",
    2: "u/alice/runX1",
    3: "u/bob/50%_done",
    4: "u/bob/50X_done",
    5: "HSC/raw",
    6: "hsc/raw",
}

metadata = sa.MetaData()
visit_table = sa.Table(
    "visit",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("band", sa.String(8)),
    sa.Column("exposure_time", sa.Float),
    sa.Column("ts_begin", sa.BigInteger, nullable=False),
    sa.Column("ts_end", sa.BigInteger, nullable=False),
    sa.Column("good", sa.Boolean),
    sa.Column("region", sa.LargeBinary),
)
dataset_table = sa.Table(
    "dataset",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("visit", sa.BigInteger, sa.ForeignKey("visit.id")),
    sa.Column("run", sa.String(64)),
    sa.Column("ingest_date", sa.DateTime),
)


def t(text: str) -> Time:
    """A TAI time on 2024-01-01."""
    return Time(f"2024-01-01T{text}", scale="tai")


def _rows() -> tuple[list[dict], list[dict]]:
    start = time_to_nsec(T0)
    visits = [
        {
            "id": i,
            "band": None if i == 7 else "gri"[(i - 1) % 3],
            "exposure_time": 15.0 * i,
            "ts_begin": start + (i - 1) * HOUR,
            "ts_end": start + i * HOUR,
            "good": i % 2 == 0,
            "region": None,
        }
        for i in ALL
    ]
    datasets = [
        {
            "id": uuid.UUID(int=i),
            "visit": i,
            "run": RUNS.get(i, f"u/carol/{i}"),
            "ingest_date": datetime.datetime(2024, 1, i, 12, 0),
        }
        for i in ALL
    ]
    return visits, datasets


class FakeResolver:
    """Resolves a fixed set of identifiers to the two test tables."""

    columns: ClassVar[dict[str, tuple[str, Any]]] = {
        "visit": ("int", visit_table.c.id),
        "band": ("string", visit_table.c.band),
        "visit.exposure_time": ("float", visit_table.c.exposure_time),
        "visit.good": ("bool", visit_table.c.good),
        "visit.timespan.begin": ("timestamp", visit_table.c.ts_begin),
        "visit.timespan.end": ("timestamp", visit_table.c.ts_end),
        "visit.region": ("region", visit_table.c.region),
        "calexp.dataset_id": ("uuid", dataset_table.c.id),
        "calexp.run": ("string", dataset_table.c.run),
        "calexp.ingest_date": ("datetime", dataset_table.c.ingest_date),
    }

    def __init__(self) -> None:
        self.calls: list[str] = []

    def resolve_identifier(self, name: str, node: Node) -> ResolvedColumn:
        self.calls.append(name)
        if name == "visit.timespan":
            return ResolvedColumn(None, "timespan", visit_table.c.ts_begin, visit_table.c.ts_end)
        try:
            column_type, column = self.columns[name]
        except KeyError:
            raise InvalidQueryError(f"Unrecognized identifier {name!r}.") from None
        return ResolvedColumn(column, column_type)


class SpatialResolver(FakeResolver):
    """Also handles region overlaps, recording what it was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.spatial_calls: list[tuple[ResolvedColumn, Node, Any]] = []

    def spatial_constraint(self, column: ResolvedColumn, region: Node, bind: Any) -> sa.ColumnElement[bool]:
        self.spatial_calls.append((column, region, bind))
        return visit_table.c.id == 2


def _make_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    visits, datasets = _rows()
    with engine.begin() as connection:
        connection.execute(visit_table.insert(), visits)
        connection.execute(dataset_table.insert(), datasets)
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        url = "sqlite://"
    else:
        url = request.getfixturevalue("postgres_url").replace("postgresql://", "postgresql+psycopg://", 1)
    engine = _make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def query(engine: sa.Engine):
    """Run a where expression the way a query builder would; return visit ids."""

    def run(
        where: str, bind: dict[str, Any] | None = None, resolver: FakeResolver | None = None
    ) -> list[int]:
        tree = parse_where(where)
        names = referenced_identifiers(tree)
        source = visit_table
        if any(name.startswith("calexp.") for name in names):
            source = visit_table.join(dataset_table, dataset_table.c.visit == visit_table.c.id)
        clause = ExpressionTranslator(resolver or FakeResolver(), bind).translate(tree, source=where)
        statement = sa.select(visit_table.c.id).select_from(source).where(clause).order_by(visit_table.c.id)
        with engine.connect() as connection:
            return list(connection.scalars(statement))

    return run


def translate(where: str, bind: dict[str, Any] | None = None, resolver: FakeResolver | None = None):
    return ExpressionTranslator(resolver or FakeResolver(), bind).translate(where)


@pytest.mark.parametrize(
    "where, expected",
    [
        ("visit > 10", [11, 12]),
        ("visit >= 3 AND visit <= 5", [3, 4, 5]),
        ("visit != 1 AND visit < 3", [2]),
        ("visit = 1 OR visit = 2 AND band = 'i'", [1]),
        ("(visit = 1 OR visit = 3) AND band = 'i'", [3]),
        ("NOT visit > 2", [1, 2]),
        ("1 = 1", ALL),
        ("1 = 2", []),
    ],
)
def test_logic_and_comparisons(query, where, expected):
    assert query(where) == expected


@pytest.mark.parametrize(
    "where, expected",
    [
        ("visit IN (1..10:3)", [1, 4, 7, 10]),
        ("visit IN (-3..2)", [1, 2]),
        ("visit NOT IN (1..10)", [11, 12]),
        ("visit IN (5..1)", []),
        ("visit IN (3..3, 12)", [3, 12]),
        ("visit IN (2, 4..12:4, 11)", [2, 4, 8, 11, 12]),
        ("visit IN (visit.exposure_time, 1)", [1]),
        ("band IN ('g', 'r')", [1, 2, 4, 5, 8, 10, 11]),
        ("band IN ('g', NULL)", [1, 4, 7, 10]),
        ("visit.exposure_time IN (30, 45.0)", [2, 3]),
        ("visit IN (1, 2.5, 3.0)", [1, 3]),
        ("2.5 IN (visit, -2, 2.5)", ALL),
        ("3000000000 IN (visit, 3)", []),
    ],
)
def test_in_lists_and_ranges(query, where, expected):
    assert query(where) == expected


def test_range_with_stride_uses_modulo(engine):
    sql = str(
        translate("visit IN (10..20:5)").compile(
            dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
        )
    )
    assert sql == "visit.id >= 10 AND visit.id <= 20 AND (visit.id - 10) % 5 = 0"


@pytest.mark.parametrize(
    "where, bind, expected",
    [
        ("visit = :v", {"v": 4}, [4]),
        ("visit = :v", {"v": np.int64(5)}, [5]),
        ("visit.exposure_time > :x", {"x": 150.5}, [11, 12]),
        ("visit IN (1, 3..4, :more, :one)", {"more": (8, 9), "one": 11}, [1, 3, 4, 8, 9, 11]),
        ("visit IN (:s)", {"s": {2, 5}}, [2, 5]),
        ("visit IN (:ids)", {"ids": np.array([6, 7])}, [6, 7]),
        ("visit IN (:empty)", {"empty": []}, []),
        ("visit NOT IN (:empty)", {"empty": []}, ALL),
        ("band = :b AND visit < 3", {"b": "r"}, [2]),
        ("band = :b", {"b": None}, [7]),
        ("visit.good = :f AND visit < 5", {"f": False}, [1, 3]),
        (":flag", {"flag": True}, ALL),
        ("NOT :flag", {"flag": True}, []),
    ],
)
def test_bind_parameters(query, where, bind, expected):
    assert query(where, bind) == expected


@pytest.mark.parametrize(
    "where, expected",
    [
        ("band = NULL", [7]),
        ("NULL = band", [7]),
        ("band != NULL AND visit < 4", [1, 2, 3]),
        ("visit.good = NULL", []),
        ("visit.timespan = NULL", []),
        ("visit.timespan != NULL", ALL),
        ("NULL = T'2024-01-01T01:00:00'", []),
        ("1 != NULL", ALL),
    ],
)
def test_null_comparisons(query, where, expected):
    assert query(where) == expected


def test_null_becomes_is_null():
    sql = str(translate("band = NULL").compile(dialect=sqlite.dialect()))
    assert sql == "visit.band IS NULL"
    sql = str(translate("band != NULL").compile(dialect=sqlite.dialect()))
    assert sql == "visit.band IS NOT NULL"


@pytest.mark.parametrize(
    "where, expected",
    [
        ("visit % 2 = 1 AND visit < 6", [1, 3, 5]),
        ("visit * 2 - 1 = 5", [3]),
        ("-visit < -10", [11, 12]),
        ("visit.exposure_time / 15 = 4", [4]),
        ("visit / 2 = 2.5", [5]),
        ("visit.exposure_time > 100.5", [7, 8, 9, 10, 11, 12]),
        ("visit + 0.5 > 11", [11, 12]),
        ("2 * (visit + 1) = 8", [3]),
        # A zero divisor makes the row not match rather than failing the query.
        ("visit / (visit - 3) != 7", [1, 2, *range(4, 13)]),
        ("visit % (visit - 3) = 1", [1, 5]),
    ],
)
def test_arithmetic(query, where, expected):
    assert query(where) == expected


@pytest.mark.parametrize(
    "where, expected",
    [
        ("band = 'g'", [1, 4, 10]),
        ("band > 'h'", [2, 3, 5, 6, 8, 9, 11, 12]),
        ("GLOB(calexp.run, 'u/alice/*')", [1, 2]),
        ("GLOB(calexp.run, 'u/bob/50%*')", [3]),
        ("GLOB(calexp.run, 'u/alice/run_?')", [1]),
        ("GLOB(calexp.run, 'hsc/*')", [6]),
        ("GLOB(calexp.run, 'HSC/raw')", [5]),
        ("NOT GLOB(calexp.run, 'u/*')", [5, 6]),
        ("glob(band, '?') AND visit < 4", [1, 2, 3]),
    ],
)
def test_strings_and_glob(query, where, expected):
    assert query(where) == expected


def test_glob_bind_pattern_and_statement_cache(query):
    # The same statement shape with different patterns must not reuse values.
    assert query("GLOB(calexp.run, :p)", {"p": "u/alice/*"}) == [1, 2]
    assert query("GLOB(calexp.run, :p)", {"p": "*raw"}) == [5, 6]


def test_glob_to_like_escaping():
    assert glob_to_like("a*b?c") == "a%b_c"
    assert glob_to_like("50%_done/") == "50/%/_done//"


def test_glob_renders_like_on_postgresql_and_glob_on_sqlite():
    clause = translate("GLOB(calexp.run, 'u/*')")
    assert "LIKE" in str(clause.compile(dialect=postgresql.dialect()))
    assert "ESCAPE '/'" in str(clause.compile(dialect=postgresql.dialect()))
    assert "GLOB" in str(clause.compile(dialect=sqlite.dialect()))


@pytest.mark.parametrize(
    "where, expected",
    [
        ("visit.timespan.begin >= T'2024-01-01T10:00:00/tai'", [11, 12]),
        # ISO times default to UTC, 37 s after the same TAI wall-clock time.
        ("visit.timespan.begin < T'2024-01-01T00:00:00'", [1]),
        ("visit.timespan.begin < T'2024-01-01T00:00:00/tai'", []),
        ("visit.timespan.begin = T'60310.125'", [4]),
        ("visit.timespan.begin = T'mjd/60310/tai'", [1]),
        ("visit.timespan.end <= T'2024-01-01 03:00:00/tai'", [1, 2, 3]),
        ("T'2024-01-01T03:00:00/tai' > visit.timespan.begin", [1, 2, 3]),
        ("T'2020-01-01' < T'2021-01-01'", ALL),
        ("calexp.ingest_date > T'2024-01-10T00:00:00'", [10, 11, 12]),
        ("calexp.ingest_date <= T'2024-01-02 12:00:00'", [1, 2]),
    ],
)
def test_time_comparisons(query, where, expected):
    assert query(where) == expected


@pytest.mark.parametrize(
    "where, expected",
    [
        ("visit.timespan OVERLAPS (T'2024-01-01T02:30:00/tai', T'2024-01-01T04:00:00/tai')", [3, 4]),
        ("visit.timespan OVERLAPS T'2024-01-01T03:00:00/tai'", [4]),
        ("T'2024-01-01T03:00:00/tai' OVERLAPS visit.timespan", [4]),
        ("visit.timespan OVERLAPS (T'2024-01-01T10:30:00/tai', NULL)", [11, 12]),
        ("visit.timespan OVERLAPS (NULL, T'2024-01-01T01:00:00/tai')", [1]),
        ("visit.timespan OVERLAPS (visit.timespan.begin, visit.timespan.end)", ALL),
        ("visit.timespan.begin OVERLAPS (T'2024-01-01T01:00:00/tai', T'2024-01-01T02:00:00/tai')", [2]),
        ("visit.timespan IN (T'2024-01-01T00:00:00/tai', T'2024-01-01T03:00:00/tai')", [1, 2, 3]),
        ("T'2024-01-01T02:30:00/tai' IN (visit.timespan)", [3]),
        ("T'2024-01-01T02:30:00/tai' NOT IN (visit.timespan)", [1, 2, *range(4, 13)]),
        ("visit.timespan.begin IN (T'2024-01-01T01:00:00/tai', T'2024-01-01T03:00:00/tai')", [2, 3]),
        ("(T'2024-01-01T01:00:00/tai', T'2024-01-01T02:00:00/tai') IN (visit.timespan)", [2]),
        ("visit.timespan < T'2024-01-01T03:00:00/tai'", [1, 2, 3]),
        ("visit.timespan > T'2024-01-01T09:00:00/tai'", [11, 12]),
        ("T'2024-01-01T09:00:00/tai' < visit.timespan", [11, 12]),
        ("visit.timespan = (T'2024-01-01T00:00:00/tai', T'2024-01-01T01:00:00/tai')", [1]),
        ("visit.timespan != (T'2024-01-01T00:00:00/tai', T'2024-01-01T01:00:00/tai')", ALL[1:]),
        ("visit.timespan < (T'2024-01-01T02:00:00/tai', NULL)", [1, 2]),
    ],
)
def test_timespans(query, where, expected):
    assert query(where) == expected


@pytest.mark.parametrize(
    "bind, expected",
    [
        ({"t": t("03:30:00")}, [4]),
        ({"t": datetime.datetime(2024, 1, 1, 3, 30)}, [4]),  # naive datetimes are UTC
        (
            {
                "t": datetime.datetime(
                    2024, 1, 1, 4, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
                )
            },
            [4],
        ),
        ({"t": Timespan(t("02:30:00"), t("04:00:00"))}, [3, 4]),
        ({"t": Timespan(t("10:30:00"), None)}, [11, 12]),
        ({"t": Timespan.makeEmpty()}, []),
    ],
)
def test_time_binds(query, bind, expected):
    assert query("visit.timespan OVERLAPS :t", bind) == expected


def test_time_range_binds(query):
    bind = {"a": t("00:30:00"), "b": t("02:00:00"), "range": (t("00:00:00"), t("02:00:00"))}
    assert query("visit.timespan OVERLAPS (:a, :b)", bind) == [1, 2]
    assert query("visit.timespan IN (:range)", bind) == [1, 2]
    assert query("calexp.ingest_date < :d", {"d": datetime.datetime(2024, 1, 3)}) == [1, 2]
    assert query("calexp.ingest_date < :d", {"d": Time("2024-01-03T00:00:00", scale="utc")}) == [1, 2]


def test_time_literals_become_tai_nanoseconds():
    sql = translate("visit.timespan.begin > T'mjd/40587/tai'").compile(compile_kwargs={"literal_binds": True})
    assert str(sql) == "visit.ts_begin > 0"
    assert time_to_nsec(Time("1970-01-01T00:00:01.000000001", scale="tai")) == 1_000_000_001
    assert time_to_nsec(Time("2024-01-01T00:00:00", scale="utc")) - time_to_nsec(T0) == 37 * 10**9


@pytest.mark.parametrize(
    "where, bind, expected",
    [
        ("calexp.dataset_id = UUID('00000000-0000-0000-0000-000000000003')", {}, [3]),
        (
            "calexp.dataset_id IN "
            "(UUID('00000000000000000000000000000001'), UUID('0000000000000000000000000000000a'))",
            {},
            [1, 10],
        ),
        ("calexp.dataset_id = :id", {"id": uuid.UUID(int=7)}, [7]),
        ("calexp.dataset_id IN (:ids)", {"ids": [uuid.UUID(int=8), uuid.UUID(int=9)]}, [8, 9]),
    ],
)
def test_uuids(query, where, bind, expected):
    assert query(where, bind) == expected


@pytest.mark.parametrize(
    "where, expected",
    [
        ("visit.good", [2, 4, 6, 8, 10, 12]),
        ("NOT visit.good AND visit < 4", [1, 3]),
        ("visit.good AND visit IN (1..6)", [2, 4, 6]),
        ("(visit > 10) = visit.good", [1, 3, 5, 7, 9, 12]),
    ],
)
def test_boolean_columns(query, where, expected):
    assert query(where) == expected


def test_spatial_constraints_are_delegated_to_the_resolver(query):
    resolver = SpatialResolver()
    assert query("visit.region OVERLAPS POINT(53.6, :dec)", {"dec": -32.7}, resolver=resolver) == [2]
    ((column, region, bind),) = resolver.spatial_calls
    assert column.type == "region"
    assert isinstance(region, PointNode)
    assert bind == {"dec": -32.7}
    resolver.spatial_calls.clear()
    query("CIRCLE(1, 2, 3) OVERLAPS visit.region", resolver=resolver)
    query("visit.region OVERLAPS :r", {"r": object()}, resolver=resolver)
    assert [type(call[1]).__name__ for call in resolver.spatial_calls] == ["CircleNode", "BindName"]


def test_spatial_constraints_without_support():
    with pytest.raises(InvalidQueryError, match=r"^spatial constraints are not supported by this query yet$"):
        translate("visit.region OVERLAPS POINT(53.6, -32.7)")


def test_deep_or_chain(query):
    where = " OR ".join(f"visit = {i}" for i in range(1, 400))
    assert query(where) == ALL
    long_where = " AND ".join(f"visit != {i}" for i in range(20, 5000))
    assert translate(long_where) is not None


def test_referenced_identifiers():
    tree = parse_where(
        "visit > :v AND GLOB(calexp.run, 'x*') "
        "AND visit.timespan OVERLAPS (T'2020-01-01', visit.timespan.end) "
        "AND band IN (:bands, other) AND visit.region OVERLAPS CIRCLE(ra, 1, 2)"
    )
    assert referenced_identifiers(tree) == {
        "visit",
        "calexp.run",
        "visit.timespan",
        "visit.timespan.end",
        "band",
        "other",
        "visit.region",
        "ra",
    }
    assert referenced_identifiers(None) == set()


def test_identifiers_resolved_once_each():
    resolver = FakeResolver()
    translate("visit > 1 AND visit < 5 AND visit != 3", resolver=resolver)
    assert resolver.calls == ["visit"]


def test_empty_expression_is_no_constraint():
    for where in (None, "", "   "):
        assert str(ExpressionTranslator(FakeResolver()).translate(where).compile()) == "true"


def test_resolved_column_validates_its_shape():
    with pytest.raises(ValueError):
        ResolvedColumn(None, "timespan", visit_table.c.ts_begin)
    with pytest.raises(ValueError):
        ResolvedColumn(None, "int")


class TestErrors:
    def test_type_mismatch_names_column_literal_and_type(self):
        with pytest.raises(InvalidQueryError) as info:
            translate("visit = 'abc'")
        message = str(info.value)
        assert "int column 'visit'" in message
        assert "string literal 'abc'" in message
        assert "expected an integer" in message
        assert message.endswith("at column 9:" + message.split("at column 9:")[1])
        assert "    visit = 'abc'\n            ^" in message

    def test_errors_for_trees_give_the_column(self):
        with pytest.raises(InvalidQueryError, match=r"\(at column 9\)$"):
            ExpressionTranslator(FakeResolver()).translate(parse_where("visit = 'abc'"))

    def test_missing_bind_lists_the_given_names(self):
        with pytest.raises(
            InvalidQueryError, match=r"bind parameter :missing has no value.*given for: :a, :b"
        ):
            translate("visit = :missing", {"b": 2, "a": 1})
        with pytest.raises(InvalidQueryError, match="given for: none"):
            translate("visit = :missing")

    def test_syntax_errors_pass_through(self):
        with pytest.raises(ExpressionSyntaxError):
            translate("visit >")

    def test_resolver_errors_pass_through(self):
        with pytest.raises(InvalidQueryError, match=r"Unrecognized identifier 'nosuch'\."):
            translate("nosuch = 3")

    @pytest.mark.parametrize(
        "where, bind, match",
        [
            ("visit", {}, "must be a condition"),
            ("visit AND band = 'g'", {}, "expected a condition"),
            ("NOT visit", {}, "expected a condition"),
            ("GLOB(visit, 'x')", {}, "GLOB needs a string column"),
            ("GLOB(band, :p)", {"p": 3}, "GLOB pattern must be a string"),
            ("band IN (1..3)", {}, "a range needs an integer"),
            ("band IN (1)", {}, "string column 'band' cannot be compared with int literal 1"),
            ("visit OVERLAPS 3", {}, "OVERLAPS needs timespans"),
            ("visit.region OVERLAPS visit", {}, "is not a region overlap"),
            ("visit < NULL", {}, "NULL can only be compared with '=' or '!='"),
            ("NULL = NULL", {}, "NULL with NULL"),
            ("POINT(1, 2) = NULL", {}, "cannot be compared with NULL"),
            (":seq = NULL", {"seq": [1]}, "cannot be compared with NULL"),
            (
                "visit = :obj",
                {"obj": object()},
                "bind parameter :obj = <object object .*> cannot be compared",
            ),
            ("visit = :s", {"s": "x"}, "int column 'visit' cannot be compared with bind parameter :s = 'x'"),
            ("visit = :v", {"v": 2**70}, "does not fit in a 64-bit integer"),
            ("visit = (1, 2)", {}, "expected a time"),
            ("visit.timespan IN (T'2020-01-01', T'2020-01-02', T'2020-01-03')", {}, "needs a time range"),
            ("visit.timespan <= T'2020-01-01'", {}, "'<=' is not defined"),
            ("visit.timespan = 3", {}, "expected a timespan or a time"),
            ("visit.timespan.begin > 5", {}, r"expected a time such as T'"),
            ("visit.timespan.begin = calexp.ingest_date", {}, "cannot be compared"),
            (
                "calexp.dataset_id = '00000000-0000-0000-0000-000000000003'",
                {},
                r"expected a UUID such as UUID\('...'\)",
            ),
            ("band + 1 = 2", {}, "operator '\\+' needs numbers"),
            ("visit.exposure_time % 2 = 1", {}, "operator '%' needs integers"),
            ("visit % 2.5 = 1", {}, "operator '%' needs integers"),
            ("visit / 0 = 1", {}, "division by zero"),
            ("visit % :z = 1", {"z": 0}, "division by zero"),
            ("-band = 1", {}, "unary '-' needs a number"),
            ("visit.region = 1", {}, "cannot be compared with '='"),
            ("POINT(1, 2) = 1", {}, "cannot be compared"),
            ("visit IN (POINT(1, 2))", {}, "cannot be compared"),
            ("calexp.ingest_date > T'mjd/1e9'", {}, "cannot be expressed as a date-time"),
            ("visit.timespan OVERLAPS (T'2020-01-01', 'x')", {}, "expected a time"),
        ],
    )
    def test_invalid_expressions(self, where, bind, match):
        with pytest.raises(InvalidQueryError, match=match):
            translate(where, bind)


_SOUP = [
    "visit", "band", "visit.timespan", "visit.timespan.begin", "calexp.run", "calexp.dataset_id",
    "visit.good", "visit.region", "visit.exposure_time", "calexp.ingest_date", "nosuch",
    "AND", "OR", "NOT", "IN", "OVERLAPS", "NULL", "(", ")", ",", "=", "!=", "<", "<=", ">", ">=",
    "+", "-", "*", "/", "%", "0", "1", "2.5", "'g'", "T'2024-01-01T01:00:00'", "T'mjd/1e12'", "1..5",
    "3..9:2", ":i", ":s", ":t", ":n", ":seq", ":missing", "GLOB(band, 'g*')",
    "UUID('00000000000000000000000000000001')", "POINT(1, 2)", "(visit, 2)",
]  # fmt: skip
_SOUP_BIND = {
    "i": 3,
    "s": "r",
    "t": Time("2024-01-01T01:00:00", scale="tai"),
    "n": None,
    "seq": [1, 2],
}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzz_engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    """One database shared by all fuzz examples (a fresh PostgreSQL schema)."""
    if request.param == "sqlite":
        engine = _make_engine("sqlite://")
        yield engine
        engine.dispose()
        return
    server = request.getfixturevalue("postgres_server_url").replace(
        "postgresql://", "postgresql+psycopg://", 1
    )
    schema = f"t_fuzz_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in server else "?"
    engine = _make_engine(f"{server}{separator}options=-csearch_path%3D{schema}")
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@settings(
    max_examples=800,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.sampled_from(_SOUP), min_size=1, max_size=10))
def test_fuzz_token_soup_only_raises_query_errors(fuzz_engine, tokens):
    where = " ".join(tokens)
    try:
        tree = parse_where(where)
        names = referenced_identifiers(tree)
        source = visit_table
        if any(name.startswith("calexp.") for name in names):
            source = visit_table.join(dataset_table, dataset_table.c.visit == visit_table.c.id)
        clause = ExpressionTranslator(FakeResolver(), _SOUP_BIND).translate(tree, source=where)
    except InvalidQueryError:
        return
    with fuzz_engine.connect() as connection:
        connection.execute(sa.select(visit_table.c.id).select_from(source).where(clause)).all()


_ATOMS = [
    "visit", "band", "visit.timespan", "visit.timespan.begin", "calexp.run", "calexp.dataset_id",
    "visit.good", "visit.region", "visit.exposure_time", "calexp.ingest_date",
    "NULL", "0", "1", "-3", "2.5", "'g'", "T'2024-01-01T01:00:00'", "T'mjd/1e12'", ":i", ":s", ":t", ":n",
    "UUID('00000000000000000000000000000001')", "POINT(1, 2)",
]  # fmt: skip
_IN_ITEMS = [
    "1",
    "-2",
    "2.5",
    "'g'",
    "1..5",
    "3..9:2",
    "NULL",
    "visit",
    "band",
    ":i",
    ":seq",
    ":s",
    "T'2024-01-01'",
]
_BINARY = ["AND", "OR", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "OVERLAPS"]


def _valid_expressions() -> st.SearchStrategy[str]:
    """Syntactically valid expressions of random (often wrong) types."""

    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.builds("({} {} {})".format, children, st.sampled_from(_BINARY), children),
            st.builds("(NOT {})".format, children),
            st.builds("-{}".format, children),
            st.builds("({}, {})".format, children, children),
            st.builds(
                "({} {}IN ({}))".format,
                children,
                st.sampled_from(["", "NOT "]),
                st.lists(st.sampled_from(_IN_ITEMS), min_size=1, max_size=3).map(", ".join),
            ),
            st.builds(
                "GLOB({}, {})".format,
                st.sampled_from(["band", "calexp.run", "visit"]),
                st.sampled_from(["'g*'", ":s", ":i"]),
            ),
        )

    return st.recursive(st.sampled_from(_ATOMS), extend, max_leaves=6)


@settings(
    max_examples=800,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(_valid_expressions())
def test_fuzz_valid_syntax_parses_and_only_raises_query_errors(fuzz_engine, where):
    tree = parse_where(where)  # generated text is always valid syntax
    source = visit_table.join(dataset_table, dataset_table.c.visit == visit_table.c.id)
    try:
        clause = ExpressionTranslator(FakeResolver(), _SOUP_BIND).translate(tree, source=where)
    except ExpressionSyntaxError:
        raise
    except InvalidQueryError:
        return
    with fuzz_engine.connect() as connection:
        connection.execute(sa.select(visit_table.c.id).select_from(source).where(clause)).all()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_fuzz_random_text_only_raises_query_errors(text):
    with contextlib.suppress(InvalidQueryError):
        translate(text, _SOUP_BIND)


def test_identifier_nodes_reach_the_resolver():
    seen: list[Node] = []

    class Recorder(FakeResolver):
        def resolve_identifier(self, name: str, node: Node) -> ResolvedColumn:
            seen.append(node)
            return super().resolve_identifier(name, node)

    translate("band = 'g'", resolver=Recorder())
    assert seen == [Identifier("band")]
    assert (seen[0].start, seen[0].end) == (0, 4)
