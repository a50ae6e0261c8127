"""Scalar fields over a pixel box: `ConstantBoundedField` and `ChebyshevBoundedField` (LSST afw.math)."""

from __future__ import annotations

import abc
from typing import Any

import numpy as np
from numpy.polynomial import chebyshev

from .archive import decode_array, register
from .geometry import Box2D, Box2I

__all__ = ["BoundedField", "ConstantBoundedField", "ChebyshevBoundedField"]


class BoundedField(abc.ABC):
    """A function of pixel position ``(x, y)`` defined over a `Box2I`.

    ``field.evaluate(x, y)`` accepts scalars or numpy arrays (broadcast); ``field(point)`` takes a
    point-like. ``fillImage``/``multiplyImage`` apply the field at every pixel centre of an image.
    """

    def __init__(self, bbox: Box2I):
        self._bbox = Box2I(bbox)

    def getBBox(self) -> Box2I:
        return Box2I(self._bbox)

    @abc.abstractmethod
    def evaluate(self, x: Any, y: Any = None) -> Any:
        """Field value at ``(x, y)`` (scalars or arrays), or at a point if ``y`` is omitted."""

    def __call__(self, point: Any, y: Any = None) -> Any:
        return self.evaluate(point, y)

    def _xy(self, x: Any, y: Any) -> tuple[Any, Any]:
        if y is None:
            return x[0], x[1]
        return x, y

    def _pixel_grid(self, image: Any) -> tuple[np.ndarray, np.ndarray]:
        box = image.getBBox()
        xs = np.arange(box.getBeginX(), box.getEndX(), dtype=float)
        ys = np.arange(box.getBeginY(), box.getEndY(), dtype=float)
        return np.meshgrid(xs, ys)

    def fillImage(self, image: Any) -> None:
        """Set every pixel of ``image`` to the field value at its centre."""
        xx, yy = self._pixel_grid(image)
        image.array[...] = self.evaluate(xx, yy)

    def multiplyImage(self, image: Any) -> None:
        """Multiply every pixel of ``image`` by the field value at its centre."""
        xx, yy = self._pixel_grid(image)
        image.array[...] *= self.evaluate(xx, yy)

    def mean(self) -> float:
        """Mean over the pixel centres of the bbox (sampled on at most a 64 x 64 grid)."""
        box = self._bbox
        xs = np.linspace(box.getMinX(), box.getMaxX(), min(box.getWidth(), 64))
        ys = np.linspace(box.getMinY(), box.getMaxY(), min(box.getHeight(), 64))
        xx, yy = np.meshgrid(xs, ys)
        return float(np.mean(self.evaluate(xx, yy)))

    @abc.abstractmethod
    def __mul__(self, scale: float) -> BoundedField: ...

    __rmul__ = __mul__


@register
class ConstantBoundedField(BoundedField):
    """The same value everywhere in the box."""

    def __init__(self, bbox: Box2I, value: float):
        super().__init__(bbox)
        self.value = float(value)

    def evaluate(self, x: Any, y: Any = None) -> Any:
        x, y = self._xy(x, y)
        shape = np.broadcast(np.asarray(x), np.asarray(y)).shape
        return self.value if shape == () else np.full(shape, self.value)

    def mean(self) -> float:
        return self.value

    def __mul__(self, scale: float) -> ConstantBoundedField:
        return ConstantBoundedField(self._bbox, self.value * scale)

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConstantBoundedField) and (self._bbox, self.value) == (other._bbox, other.value)

    def __repr__(self) -> str:
        return f"ConstantBoundedField({self._bbox}, {self.value})"

    def to_dict(self) -> dict[str, Any]:
        return {"bbox": self._bbox.to_xywh(), "value": self.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConstantBoundedField:
        return cls(Box2I.from_xywh(**data["bbox"]), data["value"])


@register
class ChebyshevBoundedField(BoundedField):
    """A 2-d Chebyshev series in ``x`` and ``y`` mapped from the bbox's pixel edges to [-1, 1].

    Parameters
    ----------
    bbox : `Box2I`
        Domain; ``Box2D(bbox)`` (pixel edges) maps onto [-1, 1] x [-1, 1].
    coefficients : array, shape ``(orderY + 1, orderX + 1)``
        ``coefficients[j, i]`` multiplies ``T_i(x') T_j(y')``.

    Examples
    --------
    >>> box = Box2I.from_xywh(0, 0, 100, 50)
    >>> field = ChebyshevBoundedField(box, [[2.0]])
    >>> float(field.evaluate(10.0, 20.0))
    2.0
    """

    def __init__(self, bbox: Box2I, coefficients: Any):
        super().__init__(bbox)
        coefficients = np.atleast_2d(np.asarray(coefficients, dtype=float))
        self._coefficients = coefficients
        edges = Box2D(bbox)
        self._scale = (2.0 / edges.getWidth(), 2.0 / edges.getHeight())
        self._offset = (
            -(edges.getMinX() + edges.getMaxX()) / edges.getWidth(),
            -(edges.getMinY() + edges.getMaxY()) / edges.getHeight(),
        )

    def getCoefficients(self) -> np.ndarray:
        return self._coefficients.copy()

    def _unit(self, x: Any, y: Any) -> tuple[Any, Any]:
        return (
            np.asarray(x, dtype=float) * self._scale[0] + self._offset[0],
            np.asarray(y, dtype=float) * self._scale[1] + self._offset[1],
        )

    def evaluate(self, x: Any, y: Any = None) -> Any:
        x, y = self._xy(x, y)
        ux, uy = self._unit(x, y)
        # chebval2d(x, y, c) sums c[i, j] T_i(x) T_j(y): pass (y, x) so c[j, i] pairs with T_i(x) T_j(y).
        value = chebyshev.chebval2d(uy, ux, self._coefficients)
        return float(value) if np.ndim(value) == 0 else value

    @classmethod
    def fit(
        cls,
        bbox: Box2I,
        x: Any,
        y: Any,
        z: Any,
        orderX: int,
        orderY: int | None = None,
        weights: Any = None,
        triangular: bool = True,
    ) -> ChebyshevBoundedField:
        """Least-squares fit of ``z(x, y)``.

        Parameters
        ----------
        bbox : `Box2I`
            Domain of the field.
        x, y, z : array-like
            Sample positions and values.
        orderX, orderY : `int`
            Maximum orders (``orderY`` defaults to ``orderX``).
        weights : array-like, optional
            Per-sample weights (``1 / sigma``).
        triangular : `bool`
            Keep only terms with ``i + j <= max(orderX, orderY)`` (LSST's default).
        """
        orderY = orderX if orderY is None else orderY
        x, y, z = (np.asarray(v, dtype=float).ravel() for v in (x, y, z))
        field = cls(bbox, np.zeros((orderY + 1, orderX + 1)))
        ux, uy = field._unit(x, y)
        vx = chebyshev.chebvander(ux, orderX)
        vy = chebyshev.chebvander(uy, orderY)
        terms = [(j, i) for j in range(orderY + 1) for i in range(orderX + 1)
                 if not triangular or i + j <= max(orderX, orderY)]
        design = np.stack([vy[:, j] * vx[:, i] for j, i in terms], axis=1)
        rhs = z
        if weights is not None:
            w = np.asarray(weights, dtype=float).ravel()
            design = design * w[:, None]
            rhs = z * w
        solution, *_ = np.linalg.lstsq(design, rhs, rcond=None)
        coefficients = np.zeros((orderY + 1, orderX + 1))
        for (j, i), value in zip(terms, solution):
            coefficients[j, i] = value
        return cls(bbox, coefficients)

    def __mul__(self, scale: float) -> ChebyshevBoundedField:
        return ChebyshevBoundedField(self._bbox, self._coefficients * scale)

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ChebyshevBoundedField)
            and self._bbox == other._bbox
            and self._coefficients.shape == other._coefficients.shape
            and bool(np.all(self._coefficients == other._coefficients))
        )

    def __repr__(self) -> str:
        ny, nx = self._coefficients.shape
        return f"ChebyshevBoundedField({self._bbox}, orderX={nx - 1}, orderY={ny - 1})"

    def to_dict(self) -> dict[str, Any]:
        return {"bbox": self._bbox.to_xywh(), "coefficients": self._coefficients.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChebyshevBoundedField:
        coefficients = data["coefficients"]
        if isinstance(coefficients, dict):
            coefficients = decode_array(coefficients)
        return cls(Box2I.from_xywh(**data["bbox"]), coefficients)

