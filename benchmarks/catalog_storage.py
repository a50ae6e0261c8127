"""Catalog storage choice: astropy Table vs numpy structured array vs dict of arrays vs SourceCatalog.

Times, for 10,000 rows of 40 fields (ids, coordinates, float64/float32 measurements, bool flags),
appending rows one at a time, column access, vector arithmetic, per-row access and boolean
selection, best of 3. The recorded results and the choice they led to are in
``docs/file_formats_catalogs.md``. Run: ``python benchmarks/catalog_storage.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from astropy.table import Table

from pipetasks.image.table import Schema, SourceCatalog

N = 10_000
REPEATS = 1000
FIELDS = [("id", "i8"), ("parent", "i8"), ("coord_ra", "f8"), ("coord_dec", "f8")]
FIELDS += [(f"f{i}", "f8") for i in range(12)] + [(f"g{i}", "f4") for i in range(6)]
FIELDS += [(f"flag{i}", "?") for i in range(10)]
DTYPE = np.dtype(FIELDS)


def best_ms(function: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def astropy_append() -> Table:
    table = Table(names=DTYPE.names, dtype=[DTYPE[n] for n in DTYPE.names])
    for i in range(N):
        row: list[object] = [0] * len(DTYPE.names)
        row[0], row[4] = i, 1.5
        table.add_row(row)
    return table


def structured_append() -> np.ndarray:
    array, size = np.zeros(16, DTYPE), 0
    for i in range(N):
        if size == len(array):
            grown = np.zeros(2 * len(array), DTYPE)
            grown[:size] = array[:size]
            array = grown
        array["id"][size], array["f0"][size], array["flag0"][size] = i, 1.5, True
        size += 1
    return array[:size]


def columns_append() -> dict[str, np.ndarray]:
    columns, size, capacity = {n: np.zeros(16, DTYPE[n]) for n in DTYPE.names}, 0, 16
    for i in range(N):
        if size == capacity:
            capacity *= 2
            for name, old in columns.items():
                grown = np.zeros(capacity, old.dtype)
                grown[:size] = old[:size]
                columns[name] = grown
        columns["id"][size], columns["f0"][size], columns["flag0"][size] = i, 1.5, True
        size += 1
    return {n: c[:size] for n, c in columns.items()}


def source_catalog_append() -> SourceCatalog:
    schema = Schema()
    codes = {"i": "L", "b": "Flag"}
    for name in DTYPE.names:
        kind = DTYPE[name]
        schema.addField(name, type=codes.get(kind.kind, "D" if kind.itemsize == 8 else "F"))
    catalog = SourceCatalog(schema)
    for _ in range(N):
        record = catalog.addNew()
        record["f0"] = 1.5
        record["flag0"] = True
    return catalog


def main() -> None:
    results = {
        "append (astropy add_row)": best_ms(astropy_append, 1),
        "append (structured, doubling)": best_ms(structured_append),
        "append (dict of arrays, doubling)": best_ms(columns_append),
        "append (SourceCatalog.addNew + 2 sets)": best_ms(source_catalog_append),
    }
    table, structured = Table(np.zeros(N, DTYPE)), structured_append()
    columns, catalog = columns_append(), source_catalog_append()
    mask = np.arange(N) % 3 == 0
    for label, get in (
        ("astropy", lambda name: table[name]),
        ("structured", lambda name: structured[name]),
        ("dict of arrays", lambda name: columns[name]),
        ("SourceCatalog", lambda name: catalog[name]),
    ):
        results[f"column get+sum x{REPEATS} ({label})"] = best_ms(
            lambda get=get: [np.sum(get("f3")) for _ in range(REPEATS)]
        )
        results[f"a*b+c x{REPEATS} ({label})"] = best_ms(
            lambda get=get: [
                np.asarray(get("f1")) * np.asarray(get("f2")) + np.asarray(get("f3")) for _ in range(REPEATS)
            ]
        )
    results["row access, 2 fields (astropy t[i][name])"] = best_ms(
        lambda: [(table[i]["f1"], table[i]["f2"]) for i in range(N)]
    )
    results["row access, 2 fields (structured a[name][i])"] = best_ms(
        lambda: [(structured["f1"][i], structured["f2"][i]) for i in range(N)]
    )
    results["row access, 2 fields (dict c[name][i])"] = best_ms(
        lambda: [(columns["f1"][i], columns["f2"][i]) for i in range(N)]
    )
    results["row access, 2 fields (SourceCatalog cat[i][name])"] = best_ms(
        lambda: [(catalog[i]["f1"], catalog[i]["f2"]) for i in range(N)]
    )
    results["boolean selection (astropy)"] = best_ms(lambda: table[mask])
    results["boolean selection (structured)"] = best_ms(lambda: structured[mask])
    results["boolean selection (dict of arrays)"] = best_ms(lambda: {k: v[mask] for k, v in columns.items()})
    results["boolean selection (SourceCatalog)"] = best_ms(lambda: catalog[mask])
    for name, value in results.items():
        print(f"{name:55s} {value:10.2f} ms")


if __name__ == "__main__":
    main()
