"""The data of the registry query benchmark (`queries.py`): how many visits, detectors, runs and
dataset types; which data IDs each RUN holds; where each visit is on the sky and in time; and
what every timed query must return.
"""

from __future__ import annotations

__all__ = ["Layout"]

INSTRUMENT = "BenchCam"
BANDS = ("u", "g", "r", "i", "z")
N_DETECTORS = 50
N_VISITS = 2000  # at scale 1
N_TYPES = 10
N_RUNS = 50
SHADOW = 0.2  # fraction of each run's window that the next run also holds
VISITS_PER_NIGHT = 100
FIRST_DAY_OBS = 20240101
EXPOSURE_TIME = 30.0
N_FIELDS_DIVISOR = 10  # visits per sky field


class Layout:
    """Sizes and the expected answers, derived from ``scale``.

    Data ID index ``i`` (0 <= i < visits * detectors) is visit ``i // detectors``, detector
    ``i % detectors``.  Run ``r`` holds, for every dataset type, the indices
    ``[r * stride, r * stride + window)``; the chain searches run 49 first, so a data ID
    held by several runs is found in the newest.
    """

    def __init__(self, scale: float):
        self.detectors = N_DETECTORS
        self.visits = max(N_RUNS * 10 // N_DETECTORS + 1, round(N_VISITS * scale))
        total_ids = self.visits * self.detectors
        self.window = total_ids // N_RUNS  # datasets per (run, type)
        self.stride = max(1, round(self.window * (1 - SHADOW)))
        self.covered = self.stride * (N_RUNS - 1) + self.window  # distinct data IDs with datasets
        self.per_type = self.window * N_RUNS
        self.total = self.per_type * N_TYPES
        self.covered_visits = self.covered // self.detectors  # whole visits fully covered
        self.fields = max(1, self.visits // N_FIELDS_DIVISOR)

    def run_name(self, r: int) -> str:
        return f"bench/run{r:02d}"

    def run_indices(self, r: int) -> range:
        return range(r * self.stride, r * self.stride + self.window)

    def newest_run_of(self, index: int) -> int:
        r = min(N_RUNS - 1, index // self.stride)
        while index >= r * self.stride + self.window:  # pragma: no cover - not with these sizes
            r += 1
        return r

    def data_id(self, index: int) -> dict:
        return {"instrument": INSTRUMENT, "visit": index // self.detectors, "detector": index % self.detectors}

    # Visits: night, time and sky position.
    def day_obs(self, visit: int) -> int:
        return FIRST_DAY_OBS + visit // VISITS_PER_NIGHT

    def visit_begin_mjd(self, visit: int) -> float:
        # Nights of 100 one-minute visits starting at 02:00 TAI on consecutive days from 2024-01-01.
        return 60310.0 + visit // VISITS_PER_NIGHT + (2 * 3600 + (visit % VISITS_PER_NIGHT) * 60) / 86400.0

    def field_center(self, field: int) -> tuple[float, float]:
        return 10.0 + 2.0 * (field % 20), -10.0 + 2.0 * (field // 20)

    def visit_square(self, visit: int) -> tuple[list[float], list[float]]:
        ra0, dec0 = self.field_center(visit % self.fields)
        dither = 0.05 * (visit // self.fields % 10)
        ra0, dec0 = ra0 + dither, dec0 + dither
        h = 0.8
        return [ra0 - h, ra0 + h, ra0 + h, ra0 - h], [dec0 - h, dec0 - h, dec0 + h, dec0 + h]

    # Query parameters and expected answers.
    def selective(self) -> tuple[str, int]:
        k = min(20, self.covered_visits)
        visits = sorted({round(j * (self.covered_visits - 1) / max(1, k - 1)) for j in range(k)})
        n_det = min(5, self.detectors)
        return (f"visit IN ({', '.join(map(str, visits))}) AND detector < {n_det}", len(visits) * n_det)

    def count_where(self) -> tuple[str, int]:
        half = self.detectors // 2
        return f"detector < {half}", sum(1 for i in range(self.covered) if i % self.detectors < half)

    def spatial(self) -> tuple[str, int]:
        ra, dec = self.field_center(0)
        n = sum(1 for i in range(self.covered) if (i // self.detectors) % self.fields == 0)
        return f"visit.region OVERLAPS POINT({ra}, {dec})", n

    def calib_split_visit(self) -> int:
        """Visits from this one on are covered by the second bias validity range."""
        return (self.visits // VISITS_PER_NIGHT // 2) * VISITS_PER_NIGHT or self.visits // 2
