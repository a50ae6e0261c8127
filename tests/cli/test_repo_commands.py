"""The ``butler create`` and ``butler migrate`` commands, through click's runner on real repositories."""

import pytest
from click.testing import CliRunner

from butler import Butler, IncompatibleSchemaError
from butler.cli.main import cli
from butler.registry.migration import head_revision


@pytest.fixture
def runner():
    return CliRunner()


def test_create_makes_an_openable_sqlite_repo(runner, tmp_path):
    result = runner.invoke(cli, ["create", str(tmp_path / "repo")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "repo" / "butler.yaml").exists()
    assert (tmp_path / "repo" / "gen3.sqlite3").exists()
    Butler(tmp_path / "repo").close()


def test_create_refuses_an_existing_repo_with_one_clear_line(runner, tmp_path):
    runner.invoke(cli, ["create", str(tmp_path / "repo")])
    result = runner.invoke(cli, ["create", str(tmp_path / "repo")])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert "Traceback" not in result.output


@pytest.mark.postgres
def test_create_with_postgres_registry(runner, tmp_path, postgres_url):
    result = runner.invoke(cli, ["create", str(tmp_path / "repo"), "--db", postgres_url])
    assert result.exit_code == 0, result.output
    butler = Butler(tmp_path / "repo")
    assert butler.registry.db.dialect_name == "postgresql"
    butler.close()


def test_migrate_downgrade_blocks_open_until_upgrade(runner, tmp_path):
    repo = str(tmp_path / "repo")
    runner.invoke(cli, ["create", repo])
    assert runner.invoke(cli, ["migrate", "current", repo]).output.startswith(head_revision())
    result = runner.invoke(cli, ["migrate", "downgrade", repo, "0001"])
    assert result.exit_code == 0, result.output
    with pytest.raises(IncompatibleSchemaError, match="butler migrate upgrade"):
        Butler(repo)
    assert "needs `butler migrate upgrade`" in runner.invoke(cli, ["migrate", "current", repo]).output
    assert runner.invoke(cli, ["migrate", "upgrade", repo]).exit_code == 0
    Butler(repo).close()


def test_migrate_history_lists_every_revision(runner):
    result = runner.invoke(cli, ["migrate", "history"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith("0001")
    assert result.output.splitlines()[-1].startswith(head_revision())


def test_help_lists_commands(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "create" in result.output and "migrate" in result.output
