"""`LiteHeader`: a fast, read-only view of a FITS header's keyword values.

Parsing every card with astropy costs ~25 us per card; reading a component or a WCS needs only a
few structural keywords of each HDU. `LiteHeader` parses ``KEYWORD = value / comment`` cards with
one regular expression into a dict (strings unquoted, numbers and logicals converted; ``HIERARCH``
keywords without the prefix) and builds the full `astropy.io.fits.Header` only when asked
(`LiteHeader.astropy`), from the same raw bytes.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from astropy.io import fits

__all__ = ["LiteHeader"]

_CARD = 80
_VALUE = re.compile(
    r"""\s*(?:'(?P<str>(?:[^']|'')*)'|(?P<bool>[TF])(?=\s|/|$)|(?P<num>[-+]?[0-9.]+(?:[EeDd][-+]?[0-9]+)?))"""
)


def _parse_value(text: str) -> Any:
    match = _VALUE.match(text)
    if match is None:
        return None
    if match.group("str") is not None:
        return match.group("str").replace("''", "'").rstrip()
    if match.group("bool") is not None:
        return match.group("bool") == "T"
    number = match.group("num")
    try:
        return int(number)
    except ValueError:
        return float(number.replace("D", "E").replace("d", "e"))


class LiteHeader:
    """Keyword -> value of a raw header (first occurrence wins); ``.astropy`` gives the full Header.

    Parameters
    ----------
    raw : `bytes`
        The header's 2880-byte blocks (through the END card).
    """

    __slots__ = ("_raw", "_texts", "_values", "_astropy")

    def __init__(self, raw: bytes):
        self._raw = raw
        self._astropy: fits.Header | None = None
        self._values: dict[str, Any] = {}
        # keyword -> unparsed value text; values are parsed on first access
        texts: dict[str, str] = {}
        text = raw.decode("ascii", "replace")
        for start in range(0, len(text), _CARD):
            key = text[start : start + 8].rstrip()
            if key == "END":
                break
            if key == "HIERARCH":
                body, sep, rest = text[start + 9 : start + _CARD].partition("=")
                if sep:
                    texts.setdefault(" ".join(body.split()), rest)
            elif text[start + 8 : start + 10] == "= " and key not in texts:
                texts[key] = text[start + 10 : start + _CARD]
            # COMMENT, HISTORY, blank and CONTINUE cards carry no keyword value here
        self._texts = texts

    def _value(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            value = self._values[key] = _parse_value(self._texts[key])
            return value

    @property
    def raw(self) -> bytes:
        return self._raw

    @property
    def astropy(self) -> fits.Header:
        """The full `astropy.io.fits.Header` (parsed on first use)."""
        if self._astropy is None:
            self._astropy = fits.Header.fromstring(self._raw.decode("ascii", "replace"))
        return self._astropy

    def get(self, key: str, default: Any = None) -> Any:
        return self._value(key) if key in self._texts else default

    def __getitem__(self, key: str) -> Any:
        if key not in self._texts:
            raise KeyError(f"keyword {key!r} not in the header")
        return self._value(key)

    def __contains__(self, key: object) -> bool:
        return key in self._texts

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def items(self) -> Iterator[tuple[str, Any]]:
        return ((key, self._value(key)) for key in self._texts)

    def keys(self) -> Any:
        return self._texts.keys()
