"""File templates: syntax, path safety, lookup and validation."""

from __future__ import annotations

import uuid
from importlib import resources

import pytest
import yaml

from butler.dataset_ref import DatasetRef
from butler.dataset_type import DatasetType
from butler.datastore.templates import FileTemplate, FileTemplates, FileTemplateValidationError
from butler.dimensions import DataCoordinate, DimensionUniverse
from butler.storage_class import StorageClass

U = DimensionUniverse.default()
SC = StorageClass("TemplateTestDict", pytype=dict, components={"part": StorageClass("TemplateTestInt", int)})

VISIT_FULL = dict(instrument="Cam", visit=42, detector=3, physical_filter="Cam-r", band="r", day_obs=20240101)


def default_templates() -> FileTemplates:
    config = yaml.safe_load(resources.files("butler.configs").joinpath("datastore.yaml").read_text())
    return FileTemplates(config["templates"], universe=U)


def dataset_type(name: str, dimensions: list[str], storage_class: StorageClass | str = SC) -> DatasetType:
    return DatasetType(name, dimensions, storage_class, universe=U)


def ref(name: str = "calexp", data_id: dict | DataCoordinate | None = None, run: str = "run1",
        dims: tuple[str, ...] = ("instrument", "visit", "detector"), **kwargs) -> DatasetRef:
    return DatasetRef(dataset_type(name, list(dims)), VISIT_FULL if data_id is None else data_id, run, **kwargs)


def expanded_exposure_id() -> DataCoordinate:
    group = U.conform(["instrument", "exposure", "detector"])
    values = dict(instrument="Cam", exposure=7001, detector=3, physical_filter="Cam-r", band="r",
                  group="grp1", day_obs=20240102)
    data_id = DataCoordinate.standardize(values, dimensions=group)
    records = {
        "instrument": U["instrument"].RecordClass(name="Cam"),
        "exposure": U["exposure"].RecordClass(instrument="Cam", id=7001, obs_id="CAM_2024_07001",
                                               physical_filter="Cam-r", group="grp1", day_obs=20240102),
        "detector": U["detector"].RecordClass(instrument="Cam", id=3, full_name="R01_S11"),
        "physical_filter": U["physical_filter"].RecordClass(instrument="Cam", name="Cam-r", band="r"),
        "band": U["band"].RecordClass(name="r"),
        "group": U["group"].RecordClass(instrument="Cam", name="grp1"),
        "day_obs": U["day_obs"].RecordClass(instrument="Cam", id=20240102),
    }
    return data_id.expanded(records)


def expanded_visit_id(visit_name: str = "v42-night") -> DataCoordinate:
    data_id = DataCoordinate.standardize(VISIT_FULL, dimensions=U.conform(["instrument", "visit", "detector"]))
    records = {
        "instrument": U["instrument"].RecordClass(name="Cam"),
        "visit": U["visit"].RecordClass(instrument="Cam", id=42, name=visit_name, physical_filter="Cam-r",
                                         day_obs=20240101),
        "detector": U["detector"].RecordClass(instrument="Cam", id=3, full_name="R01_S11"),
        "physical_filter": U["physical_filter"].RecordClass(instrument="Cam", name="Cam-r", band="r"),
        "band": U["band"].RecordClass(name="r"),
        "day_obs": U["day_obs"].RecordClass(instrument="Cam", id=20240101),
    }
    return data_id.expanded(records)


# Syntax ----------------------------------------------------------------------


def test_plain_fields_and_format_spec():
    template = FileTemplate("{run}/{datasetType}/{visit:06d}/{datasetType}_{instrument}_{visit}_{detector:03d}")
    assert template.format(ref()) == "run1/calexp/000042/calexp_Cam_42_003"


def test_run_slashes_kept_only_with_slash_spec():
    r = ref(run="u/someone/run")
    assert FileTemplate("{run:/}/{datasetType}_{visit}").format(r) == "u/someone/run/calexp_42"
    assert FileTemplate("{run}/{datasetType}_{visit}").format(r) == "u_someone_run/calexp_42"


def test_optional_field_drops_preceding_literal_in_same_segment():
    template = FileTemplate("{run}/{datasetType}_{tract:?}_{visit:?}_{run}")
    assert template.format(ref()) == "run1/calexp_42_run1"


def test_optional_field_keeps_literal_containing_slash():
    # LSST: the text before a missing optional field is kept whole if it has a "/".
    template = FileTemplate("{run}/{datasetType}/v{tract:?}/{visit}/{datasetType}_{run}")
    assert template.format(ref()) == "run1/calexp/v/42/calexp_run1"
    template = FileTemplate("{run}/{datasetType}/{tract:?}/{visit}/{datasetType}_{run}")
    assert template.format(ref()) == "run1/calexp/42/calexp_run1"


def test_optional_component():
    template = FileTemplate("{run}/{datasetType}.{component:?}/{datasetType}_{component:?}_{visit}_{run}")
    whole = ref()
    assert template.format(whole) == "run1/calexp/calexp_42_run1"
    part = DatasetRef(whole.datasetType.makeComponentDatasetType("part"), whole.dataId, "run1", id=whole.id)
    assert template.format(part) == "run1/calexp.part/calexp_part_42_run1"


def test_component_must_be_used():
    whole = ref()
    part = DatasetRef(whole.datasetType.makeComponentDatasetType("part"), whole.dataId, "run1")
    with pytest.raises(KeyError, match="did not use it"):
        FileTemplate("{run}/{datasetType}_{visit}").format(part)


def test_missing_mandatory_field():
    with pytest.raises(KeyError, match="tract"):
        FileTemplate("{run}/{datasetType}_{tract}_{visit}").format(ref())


def test_dataset_id_field():
    r = ref(id=uuid.UUID("12345678-1234-5678-1234-567812345678"))
    assert FileTemplate("{run}/{datasetType}/{id}").format(r) == "run1/calexp/12345678-1234-5678-1234-567812345678"


def test_record_fields_and_alternates():
    template = FileTemplate("{run}/{datasetType}/{visit.name|exposure.obs_id}/{datasetType}_{detector.full_name}")
    assert template.format(ref(data_id=expanded_visit_id())) == "run1/calexp/v42-night/calexp_R01_S11"
    raw = DatasetRef(dataset_type("raw", ["instrument", "exposure", "detector"]), expanded_exposure_id(), "run1")
    assert template.format(raw) == "run1/raw/CAM_2024_07001/raw_R01_S11"


def test_record_field_without_records_uses_dimension_value():
    template = FileTemplate("{run}/{datasetType}/{exposure.obs_id}/{datasetType}_{detector.full_name}")
    raw = DatasetRef(dataset_type("raw", ["instrument", "exposure", "detector"]),
                     dict(instrument="Cam", exposure=7001, detector=3), "run1")
    assert template.format(raw) == "run1/raw/7001/raw_3"


def test_unknown_record_attribute_is_missing_field():
    template = FileTemplate("{run}/{datasetType}_{visit.nosuch:?}_{visit}")
    assert template.format(ref(data_id=expanded_visit_id())) == "run1/calexp_42"
    with pytest.raises(KeyError):
        FileTemplate("{run}/{datasetType}_{visit.nosuch}_{visit}").format(ref(data_id=expanded_visit_id()))


def test_alternate_falls_back_to_first_when_none_present():
    template = FileTemplate("{run}/{datasetType}_{tract|patch:?}_{visit}")
    assert template.format(ref()) == "run1/calexp_42"


def test_skypix_alias():
    r = DatasetRef(dataset_type("ref_cat", ["htm7"]), {"htm7": 131072}, "refcats")
    assert FileTemplate("{run}/{datasetType}/{datasetType}_{skypix}").format(r) == "refcats/ref_cat/ref_cat_131072"


def test_conversion():
    assert FileTemplate("{run!r}/{datasetType}_{visit}").format(ref()) == "'run1'/calexp_42"


# Path safety ---------------------------------------------------------------------


def test_unsafe_characters_replaced():
    r = ref(run='a b:c*d?e"f<g>h|i\\j#k')
    assert FileTemplate("{run}/{datasetType}_{visit}").format(r) == "a_b_c_d_e_f_g_h_i_j_k/calexp_42"


def test_dots_in_file_name_and_hash_in_literal():
    assert FileTemplate("{run}/{datasetType}.v{visit}#x").format(ref(run="r.1")) == "r.1/calexp_v42HASHx"


@pytest.mark.parametrize("run", ["..", "../..", "a/../../b", "/etc/passwd", "a/./b", "./x", "...."])
def test_values_cannot_escape_the_root(run):
    path = FileTemplate("{run:/}/{datasetType}_{visit}").format(ref(run=run))
    assert not path.startswith("/")
    assert ".." not in path.split("/")
    assert "." not in path.split("/")
    assert path.endswith("/calexp_42")


def test_value_dots_without_slash_kept_inside_segment():
    assert FileTemplate("{run}/{datasetType}_{visit}").format(ref(run="..")) == "__/calexp_42"


# Basic validation ------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("{datasetType}/{visit}", "mandatory field"),
    ("{run}/{datasetType}", "no field corresponding to a dimension"),
    ("{run}/../{visit}/{datasetType}", "stays inside"),
    ("/abs/{run}/{visit}", "stays inside"),
    ("{run}/{id}/{visit}_x", "not part of the file name"),
    ("{run}/{collection}/{visit}", "'collection' is not a template field"),
    ("{run}/{}/{visit}", "unnamed field"),
    ("{run}/{visit", "not a valid format string"),
    ("", "non-empty"),
])
def test_malformed_templates(text, message):
    with pytest.raises(FileTemplateValidationError, match=message):
        FileTemplate(text)


def test_fields_listing():
    template = FileTemplate("{run:/}/{datasetType}/{tract:?}/{visit.name|exposure.obs_id}/{id}")
    assert template.fields() == {"visit", "exposure"}
    assert template.fields(optionals=True) == {"tract", "visit", "exposure"}
    assert template.fields(specials=True, subfields=True) == {"run", "datasetType", "visit.name",
                                                              "exposure.obs_id", "id"}


# Validation against dataset types -------------------------------------------------


def test_template_missing_dimension_is_reported():
    template = FileTemplate("{run}/{datasetType}/{visit}/{datasetType}_{instrument}_{visit}_{run}")
    with pytest.raises(FileTemplateValidationError, match=r"cannot give unique paths.*\['detector'\]"):
        template.validateTemplate(ref().datasetType)


def test_template_with_id_is_always_unique():
    FileTemplate("{run}/{datasetType}/{id}").validateTemplate(ref().datasetType)


def test_mandatory_field_not_among_dimensions():
    template = FileTemplate("{run}/{datasetType}/{tract}/{visit}_{detector}")
    with pytest.raises(FileTemplateValidationError, match=r"requires \['tract'\]"):
        template.validateTemplate(ref().datasetType)


def test_component_validation():
    whole = ref().datasetType
    part = whole.makeComponentDatasetType("part")
    with pytest.raises(FileTemplateValidationError, match="has no component"):
        FileTemplate("{run}/{datasetType}_{instrument}_{visit}_{detector}").validateTemplate(part)
    with pytest.raises(FileTemplateValidationError, match="mandatory component"):
        FileTemplate("{run}/{datasetType}_{component}_{instrument}_{visit}_{detector}").validateTemplate(whole)
    FileTemplate("{run}/{datasetType}_{component:?}_{instrument}_{visit}_{detector}").validateTemplate(part)


def test_shared_template_needs_dataset_type():
    templates = FileTemplates({"default": "{run}/{instrument}/{visit}_{detector}",
                               "calexp": "{run}/{instrument}/{visit}_{detector}"})
    templates.validate([ref("calexp").datasetType])  # its own template may omit datasetType
    with pytest.raises(FileTemplateValidationError, match="several dataset types"):
        templates.validate([ref("other").datasetType])


def test_validate_reports_every_failure():
    templates = FileTemplates({"default": "{run}/{datasetType}/{visit}/{datasetType}_{instrument}_{visit}_{run}"})
    with pytest.raises(FileTemplateValidationError, match="2 template validation failures") as info:
        templates.validate([ref("a").datasetType, dataset_type("b", ["instrument", "visit"]),
                            dataset_type("c", ["instrument", "exposure", "detector"])])
    assert "'a'" in str(info.value) and "'c'" in str(info.value)


@pytest.mark.parametrize("dims", [
    ["instrument", "visit", "detector"],
    ["instrument", "exposure", "detector"],
    ["instrument", "visit"],
    ["instrument", "exposure"],
    ["instrument", "detector"],
    ["instrument", "physical_filter"],
    ["instrument", "group", "detector"],
    ["instrument", "day_obs"],
    ["instrument", "visit_system"],
    ["instrument"],
    ["skymap", "tract", "patch", "band"],
    ["skymap", "tract", "patch", "band", "subfilter"],
    ["skymap"],
    ["htm7"],
    ["healpix10"],
    [],
])
def test_default_templates_give_unique_paths(dims):
    templates = default_templates()
    templates.validate([dataset_type("thing", dims)])


def test_default_template_paths_are_distinct():
    templates = default_templates()
    refs = [DatasetRef(dataset_type(name, ["instrument", "visit", "detector"]), dict(VISIT_FULL, visit=v, detector=d),
                       run)
            for name in ("a", "b") for v in (1, 2, 11) for d in (1, 11) for run in ("r", "r/x", "r_x")]
    paths = {templates.getTemplate(r).format(r) for r in refs}
    # r/x and r_x differ because of {run:/}.
    assert len(paths) == len(refs)


def test_default_template_matches_lsst_layout():
    templates = default_templates()
    r = ref("d", data_id=expanded_visit_id(), run="r1")
    assert templates.getTemplate(r).format(r) == "r1/d/20240101/r/Cam-r/42/d_Cam_r_Cam-r_42_R01_S11_r1"
    raw = DatasetRef(dataset_type("raw", ["instrument", "exposure", "detector"]), expanded_exposure_id(), "r1")
    key, template = templates.getTemplateWithMatch(raw)
    assert key == "physical_filter+detector+exposure"
    assert template.format(raw) == "r1/raw/20240102/CAM_2024_07001/raw_Cam_Cam-r_CAM_2024_07001_R01_S11_r1"


# Lookup ------------------------------------------------------------------------------


def test_lookup_order():
    templates = FileTemplates({
        "default": "{run}/default/{datasetType}_{id}",
        "TemplateTestDict": "{run}/by_sc/{datasetType}_{id}",
        "instrument+visit+detector": "{run}/by_dims/{datasetType}_{id}",
        "calexp": "{run}/by_name/{datasetType}_{id}",
        "instrument<Other>": {"calexp": "{run}/other/{datasetType}_{id}",
                              "default": "{run}/other_default/{datasetType}_{id}"},
    })
    assert templates.getTemplateWithMatch(ref("calexp"))[0] == "calexp"
    assert templates.getTemplateWithMatch(ref("src"))[0] == "instrument+visit+detector"
    assert templates.getTemplateWithMatch(ref("src", dims=("instrument", "visit"),
                                              data_id=dict(instrument="Cam", visit=1)))[0] == "TemplateTestDict"
    plain = DatasetRef(dataset_type("x", ["instrument"], StorageClass("OtherSC", dict)), {"instrument": "Cam"}, "r")
    assert templates.getTemplateWithMatch(plain)[0] == "default"
    assert templates.getTemplateWithMatch(SC)[0] == "TemplateTestDict"
    other = ref("calexp", data_id=dict(VISIT_FULL, instrument="Other"))
    assert templates.getTemplate(other).template == "{run}/other/{datasetType}_{id}"
    other_src = ref("src", data_id=dict(VISIT_FULL, instrument="Other"))
    assert templates.getTemplateWithMatch(other_src)[0] == "instrument<Other>"


def test_component_uses_parent_template():
    templates = FileTemplates({"calexp": "{run}/{datasetType}.{component:?}/{visit}_{detector}"})
    part = ref("calexp").datasetType.makeComponentDatasetType("part")
    assert templates.getTemplateWithMatch(part)[0] == "calexp"


def test_no_template_found():
    templates = FileTemplates({"calexp": "{run}/{datasetType}/{id}"})
    with pytest.raises(KeyError, match="Unable to determine file template"):
        templates.getTemplate(ref("src"))
    with pytest.raises(FileTemplateValidationError, match="Unable to determine"):
        templates.validate([ref("src").datasetType])


def test_default_can_be_disabled_and_bad_values_rejected():
    assert FileTemplates({"default": False}, default="{run}/{id}").default is None
    with pytest.raises(FileTemplateValidationError):
        FileTemplates({"default": 3})
    with pytest.raises(FileTemplateValidationError):
        FileTemplates({"calexp": ["x"]})
