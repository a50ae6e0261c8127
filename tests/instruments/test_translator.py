"""MegaPrime header translation, checked against the real headers and LSST's expected values."""

from __future__ import annotations

import math

import pytest
import yaml
from astropy.io import fits

from pipetasks.instruments import HeaderTranslationError, MegaPrimeTranslator, NotThisInstrumentError
from pipetasks.instruments.resources import megacam_file
from shared_data import shared_path

RAW_HEADER = "megaprime_raw_1038843o_ccd02.header.txt"
CALEXP_HEADER = "megaprime_calexp_849375_ccd14.header.txt"

# expected_translations.yaml key -> (ObservationInfo attribute, conversion of our value)
_SCALARS = {
    "telescope": "telescope",
    "instrument": "instrument",
    "boresight_rotation_coord": "boresight_rotation_coord",
    "boresight_rotation_angle_deg": "boresight_rotation_angle",
    "dark_time_s": "dark_time",
    "detector_exposure_id": "detector_exposure_id",
    "detector_name": "detector_name",
    "detector_unique_name": "detector_unique_name",
    "detector_num": "detector_num",
    "detector_serial": "detector_serial",
    "exposure_id": "exposure_id",
    "exposure_group": "exposure_group",
    "exposure_time_s": "exposure_time",
    "exposure_time_requested_s": "exposure_time_requested",
    "focus_z_mm": "focus_z",
    "group_counter_start": "group_counter_start",
    "group_counter_end": "group_counter_end",
    "has_simulated_content": "has_simulated_content",
    "object": "object",
    "observation_counter": "observation_counter",
    "observation_id": "observation_id",
    "observation_type": "observation_type",
    "observation_reason": "observation_reason",
    "observing_day": "observing_day",
    "physical_filter": "physical_filter",
    "pressure_hPa": "pressure",
    "relative_humidity": "relative_humidity",
    "science_program": "science_program",
    "temperature_degC": "temperature",
    "visit_id": "visit_id",
}
# LSST reads the CCD of a processed calexp from EXTNAME ('COMPRESSED_IMAGE') and reports the
# sentinel ccd99; we read DETNAME ('ccd14'), the CCD the header really describes.
_OUR_CALEXP_DETECTOR = {"detector_num": 14, "detector_name": "ccd14", "detector_unique_name": "ccd14",
                        "detector_exposure_id": 849375 * 36 + 14}


def _header(name: str) -> fits.Header:
    return fits.Header.fromtextfile(shared_path(f"megacam/headers/{name}"))


@pytest.fixture(scope="module")
def expected() -> dict:
    with open(shared_path("megacam/headers/expected_translations.yaml")) as stream:
        return yaml.safe_load(stream)


@pytest.mark.parametrize("name", [RAW_HEADER, CALEXP_HEADER])
def test_real_headers_translate_as_lsst(name: str, expected: dict) -> None:
    info = MegaPrimeTranslator(_header(name), name).to_observation_info()
    for key, attribute in _SCALARS.items():
        if key not in expected[name]:
            continue
        want = expected[name][key]
        if name == CALEXP_HEADER and key in _OUR_CALEXP_DETECTOR:
            want = _OUR_CALEXP_DETECTOR[key]
        got = getattr(info, attribute)
        if isinstance(want, float):
            assert got == pytest.approx(want, abs=1e-9), key
        else:
            assert got == want, key
    assert info.datetime_begin.utc.isot == expected[name]["datetime_begin_utc"]
    assert info.datetime_end.utc.isot == expected[name]["datetime_end_utc"]


def test_raw_header_pointing_and_site() -> None:
    info = MegaPrimeTranslator(_header(RAW_HEADER)).to_observation_info()
    assert info.tracking_radec.ra.deg == pytest.approx(135.409417)
    assert info.tracking_radec.dec.deg == pytest.approx(-2.4)
    assert info.altaz_begin.alt.deg == pytest.approx(52.02)
    assert info.zenith_angle == pytest.approx(37.98)
    assert info.azimuth == pytest.approx(122.34)
    assert info.boresight_airmass == pytest.approx(1.269)
    assert info.location.lat.deg == pytest.approx(19.825252)
    assert info.can_see_sky is True
    simple = info.to_simple()
    assert simple["tracking_radec"] == pytest.approx([135.409417, -2.4])
    assert simple["datetime_begin"] == "2008-11-01T14:33:32.400"


def test_packaged_template_is_the_real_raw_header() -> None:
    packaged = fits.Header.fromtextfile(megacam_file(f"headers/{RAW_HEADER}"))
    assert MegaPrimeTranslator(packaged).to_observation_info().exposure_id == 1038843


def test_bad_megaprime_header_names_missing_keywords() -> None:
    # LSST's bad-megaprime test header: OBSTYPE -> OBSTYP, EXPTIME -> XPTIME, EXPREQ -> XPREQ.
    header = fits.Header.fromtextfile(megacam_file(f"headers/{RAW_HEADER}"))
    for old, new in (("OBSTYPE", "OBSTYP"), ("EXPTIME", "XPTIME"), ("EXPREQ", "XPREQ")):
        header.rename_keyword(old, new)
    with pytest.raises(HeaderTranslationError, match=r"bad\.fits: MegaPrime header lacks required keyword\(s\) OBSTYPE, EXPTIME"):
        MegaPrimeTranslator(header, "bad.fits").to_observation_info()


def test_other_instrument_is_refused() -> None:
    header = fits.Header.fromtextfile(megacam_file(f"headers/{RAW_HEADER}"))
    header["INSTRUME"] = "WIRCam"
    assert not MegaPrimeTranslator.can_translate(header)
    with pytest.raises(NotThisInstrumentError, match="INSTRUME is 'WIRCam', expected 'MegaPrime'"):
        MegaPrimeTranslator(header, "w.fits").to_observation_info()


def test_unreadable_values_are_named() -> None:
    header = fits.Header.fromtextfile(megacam_file(f"headers/{RAW_HEADER}"))
    header["EXPTIME"] = "long"
    with pytest.raises(HeaderTranslationError, match="EXPTIME='long' is not a number"):
        MegaPrimeTranslator(header).to_observation_info()
    header = fits.Header.fromtextfile(megacam_file(f"headers/{RAW_HEADER}"))
    header["EXTNAME"] = "amp02"
    with pytest.raises(HeaderTranslationError, match="cannot tell which MegaPrime CCD"):
        MegaPrimeTranslator(header).to_observation_info()
    header = fits.Header.fromtextfile(megacam_file(f"headers/{RAW_HEADER}"))
    del header["DATE-OBS"], header["MJD-OBS"]
    with pytest.raises(HeaderTranslationError, match="no start time"):
        MegaPrimeTranslator(header).to_observation_info()


def test_fallbacks_for_missing_optional_keywords() -> None:
    header = fits.Header.fromtextfile(megacam_file(f"headers/{RAW_HEADER}"))
    for key in ("DATEEND", "UTCEND", "MJDEND", "DARKTIME", "RA_DEG", "TELALT", "AIRMASS"):
        del header[key]
    header["OBSTYPE"] = "BIAS"
    header["SIMULATE"] = True
    info = MegaPrimeTranslator(header).to_observation_info()
    assert (info.datetime_end - info.datetime_begin).sec == pytest.approx(615.037, abs=1e-3)
    assert info.dark_time == info.exposure_time
    assert info.tracking_radec is None and info.altaz_begin is None and info.zenith_angle is None
    assert info.boresight_airmass is None
    assert info.observation_type == "bias" and info.can_see_sky is False
    assert info.has_simulated_content is True
    assert not math.isnan(info.exposure_time)
