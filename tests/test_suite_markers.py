"""The suite's own rule (tests/conftest.py): every transactional test restores the reference data by
serialized rollback, whether its marker is the module's or its own decorator. A transactional test
left without it ends with a flush that recreates the content types, and the next serialized test's
restore then collides with them (CI, stop 29: nine errors after tests/test_prepared_statements.py)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_a_transactional_tests_own_decorator_is_made_serialized(request):
    marker = request.node.get_closest_marker("django_db")
    assert marker.kwargs == {"transaction": True, "serialized_rollback": True}


def test_a_test_of_the_modules_marker_stays_in_a_transaction(request):
    assert not request.node.get_closest_marker("django_db").kwargs.get("transaction")


def test_each_xdist_worker_takes_its_own_redis_db():
    from config.settings.test import with_redis_db

    assert with_redis_db("redis://127.0.0.1:6379/0", 1) == "redis://127.0.0.1:6379/1"
    assert with_redis_db("redis://127.0.0.1:6379", 2) == "redis://127.0.0.1:6379/2"
    assert with_redis_db("redis://:secret@cache:6380/5", 0) == "redis://:secret@cache:6380/5"
