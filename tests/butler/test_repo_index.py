"""Opening repositories by label through a repository index (``$BUTLER_REPOSITORY_INDEX``), and by path."""

from __future__ import annotations

from pathlib import Path

import pytest

from butler import Butler, RepositoryNotFoundError


@pytest.fixture
def repo_root(tmp_path: Path) -> str:
    root = tmp_path / "main-repo"
    Butler.makeRepo(str(root))
    with Butler(str(root), run="run1") as butler:
        butler.registry.insertDimensionData("instrument", {"name": "Cam"})
    return str(root)


@pytest.fixture
def index(tmp_path: Path, repo_root: str, monkeypatch) -> Path:
    """An index with labels for the repository's directory and for its butler.yaml."""
    monkeypatch.delenv("BUTLER_REPOSITORY_INDEX", raising=False)
    monkeypatch.delenv("DAF_BUTLER_REPOSITORY_INDEX", raising=False)
    path = tmp_path / "repos.yaml"
    path.write_text(f"main: {repo_root}\nby-config: {repo_root}/butler.yaml\n"
                    f"stale: {tmp_path}/deleted-repo\n")
    return path


def test_butler_opens_a_repository_by_its_label(index: Path, repo_root: str, monkeypatch):
    monkeypatch.setenv("BUTLER_REPOSITORY_INDEX", str(index))
    with Butler("main", collections="run1") as butler:
        assert butler._config.root == repo_root
        assert [r.name for r in butler.query_dimension_records("instrument")] == ["Cam"]
    with Butler("by-config") as butler:
        assert butler._config.root == repo_root
    with Butler.from_config("main", writeable=True) as butler:
        assert butler.isWriteable()
    assert Butler.get_known_repos() == {"main", "by-config", "stale"}


def test_daf_butler_repository_index_is_honoured_too(index: Path, repo_root: str, monkeypatch):
    monkeypatch.setenv("DAF_BUTLER_REPOSITORY_INDEX", str(index))
    with Butler("main") as butler:
        assert butler._config.root == repo_root
    assert "main" in Butler.get_known_repos()


def test_unknown_label_raises_repository_not_found_naming_it(index: Path, monkeypatch):
    monkeypatch.setenv("BUTLER_REPOSITORY_INDEX", str(index))
    with pytest.raises(RepositoryNotFoundError, match="'nolabel'"):
        Butler("nolabel")
    # A RepositoryNotFoundError is a FileNotFoundError.
    with pytest.raises(FileNotFoundError):
        Butler("nolabel")


def test_label_of_a_repository_that_is_gone_names_label_and_location(index: Path, monkeypatch):
    monkeypatch.setenv("BUTLER_REPOSITORY_INDEX", str(index))
    with pytest.raises(RepositoryNotFoundError) as info:
        Butler("stale")
    assert "'stale'" in str(info.value) and "deleted-repo" in str(info.value)


def test_without_an_index_a_label_is_an_error_that_says_how_to_define_one(monkeypatch):
    monkeypatch.delenv("BUTLER_REPOSITORY_INDEX", raising=False)
    monkeypatch.delenv("DAF_BUTLER_REPOSITORY_INDEX", raising=False)
    with pytest.raises(RepositoryNotFoundError, match="BUTLER_REPOSITORY_INDEX"):
        Butler("main")
    assert Butler.get_known_repos() == set()


def test_an_index_that_does_not_exist_is_reported(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("BUTLER_REPOSITORY_INDEX", str(tmp_path / "missing.yaml"))
    with pytest.raises(RepositoryNotFoundError, match="missing.yaml"):
        Butler("main")


def test_a_directory_without_butler_yaml_is_not_a_repository(tmp_path: Path):
    with pytest.raises(RepositoryNotFoundError, match="butler.yaml"):
        Butler(str(tmp_path))


def test_repositories_open_by_path_file_url_and_config_file(repo_root: str):
    for location in (repo_root, Path(repo_root), f"file://{repo_root}", f"{repo_root}/butler.yaml"):
        with Butler(location) as butler:
            assert butler._config.root == repo_root


def test_make_repo_refuses_to_overwrite_unless_asked(repo_root: str):
    with pytest.raises(FileExistsError, match="overwrite"):
        Butler.makeRepo(repo_root)


def test_from_config_takes_the_constructors_options(repo_root: str):
    with Butler.from_config(repo_root, without_datastore=True) as butler:
        assert butler.registry.getCollectionType("run1").name == "RUN"
        with pytest.raises(RuntimeError, match="datastore"):
            butler.datastore
    with Butler.from_config(repo_root, run="run2") as butler:
        assert butler.run == "run2" and butler.isWriteable()
        assert butler.collections.defaults == ("run2",)


def test_get_repo_uri_looks_labels_up(index: Path, repo_root: str, monkeypatch):
    monkeypatch.setenv("BUTLER_REPOSITORY_INDEX", str(index))
    assert Butler.get_repo_uri("main") == repo_root
    assert Butler.get_repo_uri("nolabel", return_label=True) == "nolabel"
    with pytest.raises(KeyError, match="nolabel"):
        Butler.get_repo_uri("nolabel")
