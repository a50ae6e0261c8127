"""Struct: the attribute bag tasks return."""

import pytest

from pipetasks.framework import Struct


def test_items_are_attributes_and_get_dict_copies_them():
    result = Struct(exposure="exp", nSources=3)
    assert result.exposure == "exp" and result.nSources == 3 and len(result) == 2
    items = result.getDict()
    items["nSources"] = 4
    assert result.nSources == 3


def test_reserved_and_repeated_names_are_refused():
    with pytest.raises(RuntimeError, match="must not begin with __"):
        Struct(__bad=1)
    target = Struct(a=1)
    with pytest.raises(RuntimeError, match="Item 'a' already exists"):
        target.mergeItems(Struct(a=2), "a")
    with pytest.raises(RuntimeError, match="Item 'getDict' already exists"):
        Struct(getDict=1)


def test_merge_items_copies_named_items_only():
    target = Struct(a=1)
    target.mergeItems(Struct(b=2, c=3), "b")
    assert target.getDict() == {"a": 1, "b": 2}


def test_copy_is_shallow_and_equality_compares_items():
    shared = [1]
    original = Struct(values=shared, n=1)
    copy = original.copy()
    assert copy == original and copy is not original and copy.values is shared
    copy.n = 2
    assert copy != original


def test_repr_lists_items():
    assert repr(Struct(a=1, b="x")) == "Struct(a=1; b=x)"
