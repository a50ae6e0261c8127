"""Sky map identity (SHA-1, equality), the config registry, and the SkyMap file format."""

from __future__ import annotations

import pickle

import pytest
import yaml

import pipetasks.config as pexConfig
from butler.formatters.errors import FormatterReadError
from butler.storage_class import get_storage_class_factory
from pipetasks.skymap import (
    DiscreteSkyMap,
    DiscreteSkyMapConfig,
    RegisterSkyMapConfig,
    RingsSkyMap,
    RingsSkyMapConfig,
    skyMapRegistry,
)
from pipetasks.skymap.butler_skymap import (
    SkyMapFormatter,
    ensure_registered,
    skymap_from_dict,
    skymap_to_dict,
)


def test_sha1_is_stable(demo_skymap) -> None:
    # Pinned: a change here changes the hash of every registered sky map.
    assert demo_skymap.getSha1().hex() == "e55fa38c039d6e7a18506a5ada4292ab97192944"
    assert RingsSkyMap().getSha1().hex() == "1e5fa85fe242606426528f5f7b8dbf01cbaaff9e"
    assert len(demo_skymap.getSha1()) == 20


@pytest.mark.parametrize("field, value", [
    ("patchInnerDimensions", [4000, 3000]),
    ("patchBorder", 50),
    ("tractOverlap", 0.05),
    ("pixelScale", 0.168),
    ("projection", "STG"),
    ("rotation", 10.0),
    ("raList", [150.0, 152.5]),
    ("decList", [2.2, 2.3]),
    ("radiusList", [0.4, 0.5]),
])
def test_sha1_changes_with_every_config_field(demo_skymap, demo_config_factory, field, value) -> None:
    config = demo_config_factory()
    setattr(config, field, value)
    other = DiscreteSkyMap(config)
    assert other.getSha1() != demo_skymap.getSha1()
    assert other != demo_skymap


def test_sha1_depends_on_rings_fields_and_class() -> None:
    base = RingsSkyMap(RingsSkyMapConfig(numRings=8))
    assert RingsSkyMap(RingsSkyMapConfig(numRings=9)).getSha1() != base.getSha1()
    assert RingsSkyMap(RingsSkyMapConfig(numRings=8, raStart=1.0)).getSha1() != base.getSha1()
    assert DiscreteSkyMap().getSha1() != RingsSkyMap().getSha1()


def test_equal_definitions_are_equal_sky_maps(demo_skymap, demo_config_factory) -> None:
    again = DiscreteSkyMap(demo_config_factory())
    assert again == demo_skymap and hash(again) == hash(demo_skymap)
    assert again is not demo_skymap
    assert pickle.loads(pickle.dumps(demo_skymap)) == demo_skymap


def test_registry_offers_rings_and_discrete() -> None:
    assert set(skyMapRegistry) == {"rings", "discrete"}
    assert skyMapRegistry["rings"].ConfigClass is RingsSkyMapConfig
    assert skyMapRegistry["discrete"].ConfigClass is DiscreteSkyMapConfig


def test_register_config_selects_and_configures_a_sky_map() -> None:
    config = RegisterSkyMapConfig()
    assert config.skyMap.name == "rings" and config.name is None
    pexConfig.apply_overrides(config, [
        "name=demo", "skyMap=discrete", "skyMap['discrete'].raList=[150.0]",
        "skyMap['discrete'].decList=[2.2]", "skyMap['discrete'].radiusList=[0.4]",
        "skyMap['discrete'].pixelScale=0.3",
    ])
    config.validate()
    skymap = config.skyMap.apply()
    assert isinstance(skymap, DiscreteSkyMap)
    assert len(skymap) == 1 and skymap.config.pixelScale == 0.3
    # The override file form round-trips (what -C reads and pipetasks writes).
    again = RegisterSkyMapConfig()
    again.loadFromString(config.saveToString())
    assert again.skyMap.apply() == skymap and again.name == "demo"


def test_register_config_needs_a_name() -> None:
    with pytest.raises(pexConfig.FieldValidationError, match="needs a name"):
        RegisterSkyMapConfig().validate()


def test_file_content_is_class_and_config(demo_skymap) -> None:
    content = skymap_to_dict(demo_skymap)
    assert content["class"] == "pipetasks.skymap.discrete_skymap.DiscreteSkyMap"
    assert content["sha1"] == demo_skymap.getSha1().hex()
    assert content["config"]["raList"] == [150.0, 152.0]
    text = yaml.safe_dump(content)
    assert "!!python" not in text
    assert skymap_from_dict(yaml.safe_load(text)) == demo_skymap


def test_formatter_round_trips_and_refuses_altered_files(tmp_path, demo_skymap) -> None:
    ensure_registered()
    formatter = SkyMapFormatter(get_storage_class_factory().getStorageClass("SkyMap"))
    path = str(tmp_path / "skymap.yaml")
    formatter.write(demo_skymap, None, path)
    back = formatter.read(None, path)
    assert isinstance(back, DiscreteSkyMap) and back == demo_skymap
    assert back[1].outer_sky_polygon == demo_skymap[1].outer_sky_polygon

    with open(path) as stream:
        content = yaml.safe_load(stream)
    content["config"]["radiusList"] = [0.4, 0.9]
    with open(path, "w") as stream:
        yaml.safe_dump(content, stream)
    with pytest.raises(FormatterReadError, match="defines the sky map differently"):
        formatter.read(None, path)

    content["class"] = "pipetasks.config.Config"
    with open(path, "w") as stream:
        yaml.safe_dump(content, stream)
    with pytest.raises(FormatterReadError, match="is not a BaseSkyMap subclass"):
        formatter.read(None, path)

    with open(path, "w") as stream:
        stream.write("format: something-else\n")
    with pytest.raises(FormatterReadError, match="not a sky map description"):
        formatter.read(None, path)


def test_formatter_refuses_objects_that_are_not_sky_maps(tmp_path) -> None:
    ensure_registered()
    formatter = SkyMapFormatter(get_storage_class_factory().getStorageClass("SkyMap"))
    with pytest.raises(TypeError, match="expects a pipetasks.skymap.BaseSkyMap"):
        formatter.write({"not": "a sky map"}, None, str(tmp_path / "x.yaml"))
