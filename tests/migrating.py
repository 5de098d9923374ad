"""Moving the test database between migrations, for the tests of data migrations."""

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets: list[tuple[str, str]]) -> Apps:
    """Migrates the test database to ``targets`` ((app, migration) pairs, forwards or backwards) and
    returns the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest() -> list[tuple[str, str]]:
    """The newest migration of every app: where a test leaves the database."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()
