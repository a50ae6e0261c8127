#!/usr/bin/env python3
"""Exposure FITS I/O benchmark: full read against the raw-bytes floor, bbox cut-outs, WCS-only reads.

Workload (a temporary directory on the local disk):

1. Build a 2048 x 4612 ``ExposureF`` (a MegaCam CCD) with every component: WCS, a fitted
   ``PolynomialPixelPsf``, PhotoCalib, ApCorrMap (6 fields), VisitInfo, the real ccd14 Detector
   from /work/shared/data/megacam/camera.yaml, FilterLabel, ExposureSummaryStats, metadata.
2. ``write_s``: write it (uncompressed) with ``write_exposure``; also the ``lossy`` RICE file.
3. ``read_full_s``: ``ExposureFitsReader(path).read()`` (pixels and every component).
4. ``fromfile_s``: ``numpy.fromfile`` of the same file's bytes (the floor for reading them) and
   ``header_parse_s``: parsing every HDU header (``FitsReader.hdus()``).
5. ``cutout_s``: a 200 x 200 bbox read of the exposure (pixels of that box + every component).
6. ``wcs_only_ms``: opening the file and reading the WCS.
7. (if ``pipetasks.image.SourceCatalog`` exists) write and read a 10,000-row SourceCatalog.

Each read is repeated (``--repeats``, after one warm-up, page cache warm) and the median is
reported. Targets from the issue: read_full <= 2 x (fromfile + header parsing); cutout <= 5% of
read_full; WCS-only <= 20 ms.

Usage::

    python benchmarks/image_io.py              # one JSON line
    python benchmarks/image_io.py --quick      # smaller image, fewer repeats (smoke test)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

CAMERA_YAML = "/work/shared/data/megacam/camera.yaml"


def _median_time(function: Callable[[], Any], repeats: int) -> float:
    function()  # warm-up: page cache and imports
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_exposure(width: int, height: int) -> Any:
    import astropy.units as u
    from astropy.coordinates import EarthLocation, SkyCoord
    from astropy.time import Time

    import pipetasks.image as pi

    rng = np.random.default_rng(1)
    exp = pi.ExposureF(pi.Box2I.from_xywh(0, 0, width, height))
    exp.image.array[:] = rng.normal(1000.0, 20.0, (height, width)).astype(np.float32)
    exp.variance.array[:] = 400.0
    exp.mask.array[::97, :] = pi.Mask.getPlaneBitMask("BAD")
    exp.setWcs(pi.makeSkyWcs((width / 2, height / 2), SkyCoord(250.4 * u.deg, 36.5 * u.deg),
                             pi.makeCdMatrix(0.187 * u.arcsec, 90 * u.deg)))
    stamps, positions = [], []
    for _ in range(40):
        x, y = rng.uniform(30, width - 30), rng.uniform(30, height - 30)
        stamps.append(pi.GaussianPsf(31, 31, 1.8 + 0.4 * x / width).computeImage(pi.Point2D(x, y)))
        positions.append(pi.Point2D(x, y))
    exp.setPsf(pi.PolynomialPixelPsf.fit(stamps, positions, order=2, bbox=exp.getBBox(), kernelSize=25))
    exp.setPhotoCalib(pi.PhotoCalib(0.5, 0.01))
    apcorr = pi.ApCorrMap()
    for name in ("base_PsfFlux", "base_GaussianFlux", "base_CircularApertureFlux_12_0"):
        apcorr[f"{name}_instFlux"] = pi.ChebyshevBoundedField(exp.getBBox(), [[0.97, 0.01], [0.002, 0.0]])
        apcorr[f"{name}_instFluxErr"] = pi.ConstantBoundedField(exp.getBBox(), 0.001)
    exp.setApCorrMap(apcorr)
    exp.setVisitInfo(pi.VisitInfo(
        exposureTime=300.0, darkTime=301.0, date=Time("2006-10-20T10:00:00", scale="tai"),
        boresightRaDec=(250.4, 36.5), boresightAzAlt=(120.0, 70.0), boresightAirmass=1.06,
        observatory=EarthLocation.from_geodetic(-155.47 * u.deg, 19.82 * u.deg, 4204 * u.m),
        instrumentLabel="MegaPrime", id=849375))
    exp.setDetector(pi.Camera.from_yaml(CAMERA_YAML)["ccd14"])
    exp.setFilter(pi.FilterLabel(band="i", physical="i.MP9702"))
    exp.setSummaryStats(pi.ExposureSummaryStats(psfSigma=2.0, zeroPoint=30.0, nPsfStar=40))
    for i in range(100):
        exp.getMetadata()[f"KEY{i:04d}"] = float(i)
    return exp


def bench_catalog(directory: Path, rows: int, repeats: int) -> dict[str, Any]:
    try:
        from pipetasks.image import SourceCatalog, SourceTable
    except ImportError as err:
        return {"catalog": f"skipped: {err}"}
    try:
        catalog = SourceCatalog(SourceTable.makeMinimalSchema())
        for _ in range(rows):
            catalog.addNew()
        catalog["id"] = np.arange(1, rows + 1)
        path = directory / "src.fits"
        start = time.perf_counter()
        catalog.writeFits(str(path))
        write = time.perf_counter() - start
        read = _median_time(lambda: SourceCatalog.readFits(str(path)), repeats)
        return {"catalog_rows": rows, "catalog_write_s": round(write, 4), "catalog_read_s": round(read, 4),
                "catalog_bytes": path.stat().st_size}
    except Exception as err:  # noqa: BLE001 - report instead of failing the image benchmark
        return {"catalog": f"failed: {type(err).__name__}: {err}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="512 x 1024 image, 3 repeats")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--dir", default=None, help="directory for the files (a temporary one by default)")
    args = parser.parse_args(argv)
    width, height = (512, 1024) if args.quick else (2048, 4612)
    repeats = 3 if args.quick else args.repeats

    import pipetasks.image as pi
    from pipetasks.image.fits import ExposureFitsReader, FitsReader, write_exposure

    exposure = make_exposure(width, height)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        directory = Path(tmp)
        path = directory / "calexp.fits"
        start = time.perf_counter()
        write_exposure(exposure, path)
        write_s = time.perf_counter() - start
        start = time.perf_counter()
        write_exposure(exposure, directory / "calexp_lossy.fits", compression="lossy")
        write_lossy_s = time.perf_counter() - start
        os.sync()

        def read_full() -> Any:
            with ExposureFitsReader(path) as reader:
                return reader.read()

        def fromfile() -> Any:
            return np.fromfile(path, dtype=np.uint8)

        def headers() -> Any:
            with FitsReader(path) as reader:
                return reader.hdus()

        box = pi.Box2I.from_xywh(width // 2 - 100, height // 2 - 100, 200, 200)

        def cutout() -> Any:
            with ExposureFitsReader(path) as reader:
                return reader.read(box)

        def wcs_only() -> Any:
            with ExposureFitsReader(path) as reader:
                return reader.readWcs()

        def read_lossy() -> Any:
            with ExposureFitsReader(directory / "calexp_lossy.fits") as reader:
                return reader.read()

        check = read_full()
        assert np.array_equal(check.image.array, exposure.image.array)
        read_full_s = _median_time(read_full, repeats)
        fromfile_s = _median_time(fromfile, repeats)
        header_s = _median_time(headers, repeats)
        cutout_s = _median_time(cutout, repeats)
        wcs_s = _median_time(wcs_only, max(repeats, 20))
        lossy_s = _median_time(read_lossy, max(1, repeats // 2))
        result: dict[str, Any] = {
            "benchmark": "image_io",
            "image": f"{width}x{height}",
            "file_bytes": path.stat().st_size,
            "lossy_file_bytes": (directory / "calexp_lossy.fits").stat().st_size,
            "write_s": round(write_s, 4),
            "write_lossy_s": round(write_lossy_s, 4),
            "read_full_s": round(read_full_s, 4),
            "read_lossy_s": round(lossy_s, 4),
            "fromfile_s": round(fromfile_s, 4),
            "header_parse_s": round(header_s, 4),
            "cutout_200_s": round(cutout_s, 4),
            "wcs_only_ms": round(wcs_s * 1000, 2),
            "ratio_full_vs_floor": round(read_full_s / (fromfile_s + header_s), 2),
            "ratio_cutout_vs_full": round(cutout_s / read_full_s, 4),
            "targets": {"ratio_full_vs_floor": 2.0, "ratio_cutout_vs_full": 0.05, "wcs_only_ms": 20.0},
        }
        result["targets_met"] = {
            "full_read": result["ratio_full_vs_floor"] <= 2.0,
            "cutout": result["ratio_cutout_vs_full"] <= 0.05,
            "wcs_only": result["wcs_only_ms"] <= 20.0,
        }
        result.update(bench_catalog(directory, 1000 if args.quick else 10000, repeats))
        result["python"] = platform.python_version()
        result["cpus"] = os.cpu_count()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
