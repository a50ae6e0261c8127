"""Tests for parsing ``where`` expressions into syntax trees."""

from __future__ import annotations

import time
import uuid

import astropy.time
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from butler.queries import (
    BinaryOp,
    BindName,
    BoxNode,
    CircleNode,
    ExpressionSyntaxError,
    FloatLiteral,
    GlobNode,
    Identifier,
    IntLiteral,
    InvalidQueryError,
    IsIn,
    NodeVisitor,
    NullLiteral,
    PointNode,
    PolygonNode,
    RangeLiteral,
    RegionNode,
    StringLiteral,
    TimeLiteral,
    TupleNode,
    UnaryOp,
    UuidLiteral,
    parse_time_literal,
    parse_where,
    walk,
)


def ident(name: str) -> Identifier:
    return Identifier(name)


def binary(op: str, lhs, rhs) -> BinaryOp:
    return BinaryOp(op, lhs, rhs)


class TestStructure:
    def test_empty_text_means_no_expression(self):
        assert parse_where("") is None
        assert parse_where("  \n\t ") is None

    def test_simple_comparison(self):
        assert parse_where("visit > 10") == binary(">", ident("visit"), IntLiteral(10))

    def test_and_binds_tighter_than_or(self):
        tree = parse_where("a = 1 OR b = 2 AND c = 3")
        assert tree == binary(
            "OR",
            binary("=", ident("a"), IntLiteral(1)),
            binary("AND", binary("=", ident("b"), IntLiteral(2)), binary("=", ident("c"), IntLiteral(3))),
        )

    def test_parentheses_group(self):
        tree = parse_where("(a = 1 OR b = 2) AND c = 3")
        assert tree.op == "AND"
        assert tree.lhs.op == "OR"

    def test_not_applies_to_the_comparison(self):
        tree = parse_where("NOT a = 1 AND b = 2")
        assert tree == binary(
            "AND",
            UnaryOp("NOT", binary("=", ident("a"), IntLiteral(1))),
            binary("=", ident("b"), IntLiteral(2)),
        )

    def test_arithmetic_precedence_and_associativity(self):
        tree = parse_where("a + b * c - d % 2 = 0")
        assert tree.lhs == binary(
            "-",
            binary("+", ident("a"), binary("*", ident("b"), ident("c"))),
            binary("%", ident("d"), IntLiteral(2)),
        )

    def test_unary_minus_folds_into_numeric_literals(self):
        assert parse_where("a = -5").rhs == IntLiteral(-5)
        assert parse_where("a = -2.5").rhs == FloatLiteral(-2.5)
        assert parse_where("-a < 3").lhs == UnaryOp("-", ident("a"))

    def test_number_forms(self):
        for text, value in [("1.", 1.0), (".5", 0.5), ("1e3", 1000.0), ("2.5E-1", 0.25)]:
            assert parse_where(f"x = {text}").rhs == FloatLiteral(value)
        assert parse_where("x = 007").rhs == IntLiteral(7)

    def test_string_literal_with_doubled_quote(self):
        node = parse_where("name = 'it''s'").rhs
        assert node == StringLiteral("it's")
        assert str(node) == "'it''s'"

    def test_dotted_identifiers(self):
        for name in ("visit.exposure_time", "visit.timespan.begin", "calexp.run"):
            assert parse_where(f"{name} = 1").lhs == ident(name)
        assert ident("visit.timespan.begin").parts == ("visit", "timespan", "begin")

    def test_bind_parameter(self):
        assert parse_where("visit = :visit_id").rhs == BindName("visit_id")

    def test_null(self):
        assert parse_where("band = NULL").rhs == NullLiteral()
        assert parse_where("band != null").rhs == NullLiteral()


class TestCaseRules:
    def test_keywords_are_case_insensitive(self):
        canonical = parse_where("a IN (1) AND NOT b OVERLAPS c OR d NOT IN (2) AND e = NULL")
        mixed = parse_where("a in (1) and not b overlaps c Or d nOt In (2) AnD e = nUlL")
        assert canonical == mixed

    def test_function_names_are_case_insensitive(self):
        assert parse_where("glob(band, 'g*')") == parse_where("GLOB(band, 'g*')")
        assert parse_where("p OVERLAPS point(1, 2)") == parse_where("p OVERLAPS POINT(1, 2)")

    def test_identifiers_are_case_sensitive(self):
        assert parse_where("Visit = 1").lhs == ident("Visit")
        assert parse_where("Visit = 1") != parse_where("visit = 1")

    def test_keyword_prefixes_are_identifiers(self):
        tree = parse_where("order = 1 AND notes = 2 AND in_x = 3 AND nullable = 4 AND android = 5")
        names = {n.name for n in walk(tree) if isinstance(n, Identifier)}
        assert names == {"order", "notes", "in_x", "nullable", "android"}

    def test_keywords_are_reserved(self):
        with pytest.raises(ExpressionSyntaxError):
            parse_where("and = 1")


class TestInAndRanges:
    def test_in_list(self):
        tree = parse_where("visit IN (1, 3..5, 10..20:5, -2, :more, other, 'x', 2.5)")
        assert tree == IsIn(
            ident("visit"),
            (
                IntLiteral(1),
                RangeLiteral(3, 5),
                RangeLiteral(10, 20, 5),
                IntLiteral(-2),
                BindName("more"),
                ident("other"),
                StringLiteral("x"),
                FloatLiteral(2.5),
            ),
        )

    def test_not_in(self):
        tree = parse_where("visit NOT IN (1)")
        assert tree == IsIn(ident("visit"), (IntLiteral(1),), negated=True)

    def test_negative_ranges_and_spaces(self):
        tree = parse_where("x IN (-10..-1:2, 1 .. 3 : 2)")
        assert tree.items == (RangeLiteral(-10, -1, 2), RangeLiteral(1, 3, 2))
        assert str(tree.items[0]) == "-10..-1:2"

    def test_uuid_in_list(self):
        tree = parse_where("id IN (UUID('12345678123456781234567812345678'))")
        assert tree.items == (UuidLiteral(uuid.UUID("12345678-1234-5678-1234-567812345678")),)

    def test_zero_stride_is_rejected(self):
        with pytest.raises(ExpressionSyntaxError, match="stride must be positive"):
            parse_where("x IN (1..5:0)")

    def test_range_outside_in_is_rejected(self):
        with pytest.raises(ExpressionSyntaxError, match="only allowed inside IN"):
            parse_where("x = 1..5")

    def test_empty_in_list_is_rejected(self):
        with pytest.raises(ExpressionSyntaxError, match="expected a value or range"):
            parse_where("x IN ()")

    def test_expressions_are_not_in_list_items(self):
        with pytest.raises(ExpressionSyntaxError):
            parse_where("x IN (1 + 2)")


class TestTimeLiterals:
    def test_iso_defaults_to_utc_like_lsst(self):
        value = parse_where("t > T'2024-01-01T00:00:00'").rhs.value
        assert (value.scale, value.format) == ("utc", "isot")
        value = parse_where("t > T'2024-01-01 00:00:00'").rhs.value
        assert (value.scale, value.format) == ("utc", "iso")

    def test_explicit_scale(self):
        value = parse_time_literal("2024-01-01 00:00:00/tai")
        assert value.scale == "tai"
        assert value == astropy.time.Time("2024-01-01T00:00:00", scale="tai")

    def test_number_is_mjd_tai(self):
        value = parse_time_literal("60310.5")
        assert (value.format, value.scale, value.mjd) == ("mjd", "tai", 60310.5)

    def test_explicit_format_and_scale(self):
        value = parse_time_literal("mjd/60310/tai")
        assert (value.format, value.scale, value.mjd) == ("mjd", "tai", 60310.0)
        assert parse_time_literal("mjd/60310").scale == "tai"
        assert parse_time_literal("jd/2460310.5").scale == "tai"
        assert parse_time_literal("unix/0").scale == "utc"

    def test_date_only(self):
        value = parse_time_literal("2020-01-01")
        assert value == astropy.time.Time("2020-01-01T00:00:00", scale="utc")

    def test_year_day(self):
        assert parse_time_literal("2020:032").isot.startswith("2020-02-01")

    def test_literal_keeps_its_text(self):
        node = parse_where("t > T'mjd/60310/tai'").rhs
        assert isinstance(node, TimeLiteral)
        assert node.text == "mjd/60310/tai"
        assert str(node) == "T'mjd/60310/tai'"

    @pytest.mark.parametrize(
        "text, reason",
        [
            ("garbage", "cannot tell its format"),
            ("2020-13-45", "not a valid"),
            ("bogus/12", "unknown time scale"),
            ("mjd/1/nonsense", "unknown time scale"),
            ("nope/1/tai", "unknown time format"),
        ],
    )
    def test_bad_time_literals(self, text, reason):
        with pytest.raises(ExpressionSyntaxError, match=reason) as info:
            parse_where(f"t > T'{text}'")
        assert info.value.column == 5


class TestFunctionsAndTuples:
    def test_time_range_tuple(self):
        tree = parse_where("visit.timespan OVERLAPS (T'2020-01-01', T'2021-01-01')")
        assert tree.op == "OVERLAPS"
        assert isinstance(tree.rhs, TupleNode)
        assert [item.text for item in tree.rhs.items] == ["2020-01-01", "2021-01-01"]

    def test_glob(self):
        assert parse_where("GLOB(calexp.run, 'u/*')") == GlobNode(ident("calexp.run"), StringLiteral("u/*"))
        assert parse_where("GLOB(band, :pattern)").pattern == BindName("pattern")

    def test_uuid(self):
        node = parse_where("id = UUID('e15ab039-bc8b-4135-87c5-90902a7c0b22')").rhs
        assert node == UuidLiteral(uuid.UUID("e15ab039-bc8b-4135-87c5-90902a7c0b22"))

    def test_spatial_constructors(self):
        assert parse_where("r OVERLAPS POINT(53.6, -32.7)").rhs == PointNode(
            FloatLiteral(53.6), FloatLiteral(-32.7)
        )
        assert parse_where("r OVERLAPS CIRCLE(1, 2, :radius)").rhs == CircleNode(
            IntLiteral(1), IntLiteral(2), BindName("radius")
        )
        assert isinstance(parse_where("r OVERLAPS BOX(1, 2, 3, 4)").rhs, BoxNode)
        polygon = parse_where("r OVERLAPS POLYGON(0, 0, 1, 0, 1, 1)").rhs
        assert isinstance(polygon, PolygonNode)
        assert polygon.vertices[2] == (IntLiteral(1), IntLiteral(1))
        assert parse_where("r OVERLAPS REGION('CIRCLE 1 2 3')").rhs == RegionNode(
            StringLiteral("CIRCLE 1 2 3")
        )

    @pytest.mark.parametrize(
        "text, reason",
        [
            ("f(1) = 2", "unknown function 'f'"),
            ("r OVERLAPS POINT(1)", r"POINT\(\) takes 2 argument"),
            ("r OVERLAPS POLYGON(1, 2, 3, 4)", "at least three vertices"),
            ("r OVERLAPS CIRCLE(1, 2, 'x')", "radius must be a number"),
            ("r OVERLAPS REGION(1)", "must be a string"),
            ("GLOB('x', 'y')", "first argument must be an identifier"),
            ("GLOB(x, 1)", "pattern must be a string"),
            ("id = UUID('not-a-uuid')", "not a valid UUID"),
            ("id = UUID(:u)", "must be a string literal"),
            ("x = 99999999999999999999", "does not fit in 64 bits"),
            ("x = 1e999", "too large"),
        ],
    )
    def test_invalid_calls_and_literals(self, text, reason):
        with pytest.raises(ExpressionSyntaxError, match=reason):
            parse_where(text)


class TestPositions:
    def test_spans(self):
        tree = parse_where("visit > 10 AND band = 'g'")
        assert (tree.start, tree.end) == (0, 25)
        assert (tree.lhs.lhs.start, tree.lhs.lhs.end) == (0, 5)
        assert tree.rhs.rhs.column == 23
        assert (tree.rhs.rhs.start, tree.rhs.rhs.end) == (22, 25)

    def test_positions_do_not_affect_equality(self):
        assert parse_where("a=1") == parse_where("  a   =   1 ")
        assert hash(parse_where("a=1")) == hash(parse_where("a = 1"))

    def test_function_spans_cover_the_call(self):
        node = parse_where("x OVERLAPS POINT(1, 2)").rhs
        assert (node.start, node.end) == (11, 22)


class TestErrors:
    def test_message_points_at_the_mistake(self):
        with pytest.raises(ExpressionSyntaxError) as info:
            parse_where("visit > 10 AND AND detector = 2")
        err = info.value
        assert (err.line, err.column, err.position) == (1, 16, 15)
        assert str(err) == (
            "Syntax error in where expression at column 16: unexpected 'AND'; expected an expression\n"
            "    visit > 10 AND AND detector = 2\n"
            "                   ^"
        )

    def test_is_an_invalid_query_error_and_value_error(self):
        with pytest.raises(InvalidQueryError):
            parse_where("visit >")
        with pytest.raises(ValueError):
            parse_where("visit >")

    @pytest.mark.parametrize(
        "text, column, reason",
        [
            ("visit >", 8, "unexpected end of expression; expected an expression"),
            ("(visit > 1", 11, "expected an operator, ')' or ','"),
            ("visit 10", 7, "unexpected '10'; expected an operator or end of expression"),
            ("a IN 5", 6, "expected '('"),
            ("a IN (1, 2 3)", 12, "expected ')' or ','"),
            ("visit == 2", 8, "equality is written '='"),
            ("visit <> 2", 8, "inequality is written '!='"),
            ("a < b < c", 7, "cannot be chained"),
            ('band = "g"', 8, "single quotes"),
            ("band = 'g", 8, "unterminated string"),
            ("a && b", 3, "use AND"),
            ("a = 1 @", 7, "unexpected character '@'"),
        ],
    )
    def test_messages(self, text, column, reason):
        with pytest.raises(ExpressionSyntaxError) as info:
            parse_where(text)
        assert info.value.column == column
        assert reason in str(info.value)

    def test_multi_line_expressions_name_the_line(self):
        with pytest.raises(ExpressionSyntaxError) as info:
            parse_where("visit > 10\nAND AND band = 'g'")
        err = info.value
        assert (err.line, err.column) == (2, 5)
        assert "at line 2, column 5" in str(err)
        assert str(err).endswith("    AND AND band = 'g'\n        ^")

    def test_errors_pickle(self):
        import pickle

        with pytest.raises(ExpressionSyntaxError) as info:
            parse_where("a >")
        copy = pickle.loads(pickle.dumps(info.value))
        assert str(copy) == str(info.value)


class TestHelpers:
    def test_walk_is_preorder_in_source_order(self):
        tree = parse_where("a = 1 AND b IN (2, :c)")
        kinds = [type(n).__name__ for n in walk(tree)]
        assert kinds == [
            "BinaryOp",
            "BinaryOp",
            "Identifier",
            "IntLiteral",
            "IsIn",
            "Identifier",
            "IntLiteral",
            "BindName",
        ]

    def test_visitor_dispatches_on_class_name(self):
        class CountLiterals(NodeVisitor[int]):
            def visit_BinaryOp(self, node):
                return self.visit(node.lhs) + self.visit(node.rhs)

            def visit_IntLiteral(self, node):
                return 1

            def visit_Identifier(self, node):
                return 0

        assert CountLiterals().visit(parse_where("a = 1 AND 2 = b")) == 2
        with pytest.raises(NotImplementedError):
            CountLiterals().visit(parse_where("a = 'x'"))

    @pytest.mark.parametrize(
        "text",
        [
            "visit > 10 AND detector IN (1..5)",
            "NOT (a = 1 OR b != 2) AND c <= -3.5",
            "x NOT IN (1, 2..8:3, :b, 'it''s', NULL)",
            "visit.timespan OVERLAPS (T'2020-01-01', T'mjd/58938.515/tai')",
            "GLOB(run, 'u/*') AND id = UUID('e15ab039-bc8b-4135-87c5-90902a7c0b22')",
            "r OVERLAPS POLYGON(0, 0, 1, 0, 1, 1) OR r OVERLAPS CIRCLE(1, 2, 3)",
            "-a * (b + c) % 4 >= 2",
        ],
    )
    def test_str_round_trips(self, text):
        tree = parse_where(text)
        assert parse_where(str(tree)) == tree

    def test_nodes_are_immutable(self):
        tree = parse_where("a = 1")
        with pytest.raises(AttributeError):
            tree.op = "!="  # type: ignore[misc]

    def test_results_are_cached(self):
        text = "visit = 12345 AND band = 'cached'"
        assert parse_where(text) is parse_where(text)


def test_parsing_is_fast():
    texts = [
        "visit > 10 AND detector IN (1..5)",
        "instrument = 'LSSTCam' AND visit IN (100, 110, 130..145:5) AND band = 'i' "
        "AND NOT detector IN (1, 2)",
    ]
    parse = parse_where.__wrapped__  # bypass the cache
    parse(texts[0])  # builds the parser
    count = 200
    start = time.perf_counter()
    for _ in range(count):
        for text in texts:
            parse(text)
    per_parse = (time.perf_counter() - start) / (count * len(texts))
    # Typically ~0.1 ms; the bound is loose so slow CI machines pass.
    assert per_parse < 2e-3


def test_deep_or_chains_parse():
    text = " OR ".join(f"visit = {i}" for i in range(5000))
    tree = parse_where(text)
    assert sum(isinstance(n, IntLiteral) for n in walk(tree)) == 5000


_TOKENS = [
    "visit", "band", "visit.timespan", "AND", "OR", "NOT", "IN", "OVERLAPS", "NULL", "(", ")", ",",
    "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "1", "2.5", "'g'", "T'2020-01-01'",
    "T'bad'", "1..5", "1..9:2", ":b", "GLOB", "UUID", "POINT", "'12345678123456781234567812345678'",
    "..", ":", "'", "\"", ".", "T", "1e999", "\n",
]  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_fuzz_random_text_raises_only_syntax_errors(text):
    try:
        parse_where(text)
    except ExpressionSyntaxError as err:
        assert err.column >= 1
        assert "^" in str(err)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TOKENS), max_size=14), st.sampled_from([" ", ""]))
def test_fuzz_token_soup_raises_only_syntax_errors(tokens, separator):
    try:
        tree = parse_where(separator.join(tokens))
    except ExpressionSyntaxError:
        return
    if tree is not None:
        assert parse_where(str(tree)) == tree
