"""The case detail's statements are prepared once per connection (core.db.prepared_cursor, issue 20
goal 3) and answer as before: DRF's path (a token this process has not verified yet) prepares its
three (the token look-up, the case with its history, the access-log row), the fast path its one
(cases.selectors.served_case_detail, through core.db.prepared_row); only those are prepared, a rollback or a closed connection does
not break them, and with DATABASE_PREPARED_STATEMENTS off they run as Django's other statements
(nothing is timed here)."""

import pytest
from django.db import DataError, connection, transaction
from django.db.transaction import TransactionManagementError
from knox.models import AuthToken

from audit.models import AccessLog
from audit.services import log_access
from cases.models import StageChange
from cases.selectors import case_detail_for
from core.db import prepared_cursor, prepared_row
from tests import factories

pytestmark = pytest.mark.django_db


def prepared_statements() -> list[str]:
    """The text of the statements prepared on this test's connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements ORDER BY prepare_time")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def case(worker, district):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=district)
    StageChange.objects.create(case=case, from_stage="", to_stage="registered", reason="", actor=worker)
    return case


@pytest.fixture
def token(worker) -> str:
    return AuthToken.objects.create(user=worker)[1]


def get_detail(api_client, case, token: str):
    return api_client.get(f"/api/v1/cases/{case.pk}/", HTTP_AUTHORIZATION=f"Token {token}")


def test_the_detail_prepares_its_statements_once_and_answers_the_same(api_client, case, token, worker):
    first = get_detail(api_client, case, token)  # the token new to this process: DRF's path
    assert first.status_code == 200
    statements = prepared_statements()
    assert len(statements) == 3
    assert "FROM knox_authtoken" in statements[0]
    assert "FROM cases_case c JOIN children_child" in statements[1]
    assert statements[2].lstrip().startswith("INSERT INTO audit_accesslog")
    # Django's own statements (the factories', the ORM's) are not prepared, however often they run.
    for _ in range(6):
        assert AccessLog.objects.filter(user=worker).count() >= 1
    second = get_detail(api_client, case, token)  # the token verified before: the fast path's one statement
    fast = prepared_statements()
    assert fast[:3] == statements and len(fast) == 4 and "FROM knox_authtoken" in fast[3] and "audit_accesslog" in fast[3]
    third = get_detail(api_client, case, token)
    assert prepared_statements() == fast  # run again by name, not prepared again
    assert first.content == second.content == third.content
    assert AccessLog.objects.filter(user=worker, case=case).count() == 3


def test_the_prepared_detail_is_still_one_statement_and_counted(worker, case, django_assert_num_queries):
    with django_assert_num_queries(1):
        detail = case_detail_for(user=worker, pk=case.pk)
    with django_assert_num_queries(1):
        again = case_detail_for(user=worker, pk=case.pk)
    assert (again.pk, again.detail_rows) == (detail.pk, detail.detail_rows) and detail.detail_rows[0]


def test_the_access_log_row_takes_a_case_or_a_child_alone(worker, case):
    """The row's values that may be None (a child's page has no case, no address, no emergency) are
    typed in the statement: PostgreSQL must know every parameter's type to prepare it."""
    by_case = log_access(user=worker, case_id=case.pk, child_id=case.child_id)
    by_child = log_access(user=worker, child_id=case.child_id)
    outright = log_access(user=worker, case_id=case.pk, child_id=case.child_id, emergency=True)
    rows = {row.pk: row for row in AccessLog.objects.filter(pk__in=[by_case.pk, by_child.pk, outright.pk])}
    assert (rows[by_case.pk].kind, rows[by_case.pk].case_id, rows[by_case.pk].emergency) == ("case", case.pk, False)
    assert (rows[by_child.pk].kind, rows[by_child.pk].case_id, rows[by_child.pk].child_id) == ("child", None, case.child_id)
    assert rows[outright.pk].emergency is True and rows[by_child.pk].ip_address is None


def test_a_rolled_back_savepoint_or_a_new_connection_prepares_again(api_client, case, token):
    assert get_detail(api_client, case, token).status_code == 200
    with pytest.raises(RuntimeError), transaction.atomic():
        assert get_detail(api_client, case, token).status_code == 200
        raise RuntimeError("roll back to the savepoint")
    # psycopg forgets its prepared statements on a rollback (they may name what it undid) and
    # prepares them again when next run: here the fast path's one (the token is known by now).
    assert get_detail(api_client, case, token).status_code == 200
    statements = prepared_statements()
    assert len(statements) == 1 and "INSERT INTO audit_accesslog" in statements[0]
    assert AccessLog.objects.filter(case=case).count() == 2  # the rolled-back request's row is gone


def test_with_prepared_statements_off_nothing_is_prepared(api_client, case, token, settings):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["prepare_threshold"] is not None  # on by default (config.settings.base.database)
    connection.settings_dict["OPTIONS"] = {k: v for k, v in options.items() if k != "prepare_threshold"}
    try:
        response = get_detail(api_client, case, token)
        with prepared_cursor("default") as cursor:
            cursor.execute("SELECT %s::int + 1", [41])
            assert cursor.fetchone() == (42,)
    finally:
        connection.settings_dict["OPTIONS"] = options
    assert response.status_code == 200
    assert prepared_statements() == []


def test_a_prepared_row_keeps_one_cursor_with_its_connection_and_a_new_one_with_a_new_connection():
    """core.db.prepared_row: one psycopg cursor kept with the connection, the statement prepared once;
    after the connection is closed, a new connection gets a new cursor and prepares it again."""
    sql = "SELECT $1::int + 1"
    assert prepared_row("default", sql, [41]) == (42,)
    kept = connection._prepared_row_cursor
    assert prepared_row("default", sql, [1]) == (2,)
    assert connection._prepared_row_cursor is kept
    assert prepared_statements().count(sql) == 1
    assert prepared_row("default", "SELECT 1 WHERE $1::bool", [False]) is None


@pytest.mark.django_db(transaction=True)
def test_a_prepared_row_on_a_new_connection_prepares_again():
    sql = "SELECT $1::int * 2"
    assert prepared_row("default", sql, [21]) == (42,)
    kept = connection._prepared_row_cursor
    connection.close()
    assert prepared_row("default", sql, [4]) == (8,)
    assert connection._prepared_row_cursor is not kept
    assert prepared_statements().count(sql) == 1


def test_a_prepared_rows_errors_are_djangos_and_the_cursor_serves_again():
    with pytest.raises(DataError), transaction.atomic():
        prepared_row("default", "SELECT 1 / $1::int", [0])
    assert prepared_row("default", "SELECT 1 / $1::int", [1]) == (1,)


def test_a_prepared_row_in_a_broken_transaction_is_refused_as_djangos_cursor_refuses_it():
    with transaction.atomic():
        with pytest.raises(DataError), transaction.atomic(savepoint=False):
            prepared_row("default", "SELECT 1 / $1::int", [0])
        with pytest.raises(TransactionManagementError), connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # Django's own cursor
        with pytest.raises(TransactionManagementError):
            prepared_row("default", "SELECT $1::int", [1])


def test_a_prepared_row_is_counted_where_queries_are_logged_and_seen_by_execute_wrappers(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert prepared_row("default", "SELECT $1::int + 2", [40]) == (42,)
    seen = []
    with connection.execute_wrapper(lambda execute, sql, params, many, context: seen.append(sql) or execute(sql, params, many, context)):
        assert prepared_row("default", "SELECT $1::int + 3", [39]) == (42,)
    assert seen == ["SELECT $1::int + 3"]
