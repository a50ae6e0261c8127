"""Repository lifecycle commands: ``create`` and ``migrate``."""

from __future__ import annotations

__all__ = ["create", "migrate", "COMMANDS"]

from typing import Any

import click
import yaml


@click.command(short_help="Create an empty repository.")
@click.argument("repo")
@click.option("--db", default=None, help="SQLAlchemy URL of the registry database "
              "(default: SQLite inside the repository; postgresql://... for a server).")
@click.option("--seed-config", type=click.Path(exists=True, dir_okay=False), default=None,
              help="YAML file of configuration to start from.")
@click.option("--dimension-config", type=click.Path(exists=True, dir_okay=False), default=None,
              help="YAML file of a dimension universe to use instead of the default.")
@click.option("--override", is_flag=True, help="Replace an existing butler.yaml.")
def create(repo: str, db: str | None, seed_config: str | None, dimension_config: str | None, override: bool) -> None:
    """Create an empty repository at REPO (a directory or a URL such as s3://bucket/repo)."""
    from ..butler import Butler

    config: dict[str, Any] = {}
    if seed_config:
        with open(seed_config) as stream:
            config = yaml.safe_load(stream) or {}
    if db:
        config.setdefault("registry", {})["db"] = db
    Butler.makeRepo(repo, config=config or None, dimensionConfig=dimension_config, overwrite=override)
    click.echo(f"Created repository {repo}.")


@click.group(short_help="Show or change the registry schema revision.")
def migrate() -> None:
    """Inspect and migrate a repository's registry schema."""


def _migrator(repo: str):
    from ..registry.database import Database
    from ..registry.migration import SchemaMigrator
    from ..repo_config import RepoConfig

    config = RepoConfig.read(repo)
    return SchemaMigrator(Database(config.registry_db, writeable=True))


@migrate.command()
@click.argument("repo")
def current(repo: str) -> None:
    """Print the schema revision REPO is at, and the one this software expects."""
    from ..registry.migration import head_revision

    revision = _migrator(repo).current()
    head = head_revision()
    state = "up to date" if revision == head else "needs `butler migrate upgrade`"
    click.echo(f"{revision} (head: {head}; {state})")


@migrate.command()
@click.argument("repo")
@click.argument("revision", default="head")
def upgrade(repo: str, revision: str) -> None:
    """Migrate REPO's schema up to REVISION (default: the newest)."""
    migrator = _migrator(repo)
    before = migrator.current()
    migrator.upgrade(revision)
    click.echo(f"Upgraded {repo}: {before} -> {migrator.current()}.")


@migrate.command()
@click.argument("repo")
@click.argument("revision")
def downgrade(repo: str, revision: str) -> None:
    """Migrate REPO's schema down to REVISION."""
    migrator = _migrator(repo)
    before = migrator.current()
    migrator.downgrade(revision)
    click.echo(f"Downgraded {repo}: {before} -> {migrator.current()}.")


@migrate.command()
def history() -> None:
    """List the schema revisions this software knows, oldest first."""
    from ..registry.database import Database
    from ..registry.migration import SchemaMigrator

    for revision, doc in SchemaMigrator(Database("sqlite://")).history():
        click.echo(f"{revision}  {doc}")


COMMANDS = [create, migrate]
