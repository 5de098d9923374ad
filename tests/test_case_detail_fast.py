"""The case detail's fast path (cases.api.views.case_detail_fast_path) answers as DRF's path does.

Each test asks the same request twice: first with the process's memory of verified tokens emptied,
so DRF answers it (and, for a valid token, remembers its user), then again, when the fast path may
serve it. Both answers must be the same bytes (status, body, headers, cookies), each served GET must
write exactly one access-log row, the two rows alike, and a GET not served none. The plain GET is one
statement.
"""

import contextlib
import datetime as dt
import functools

import pytest
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.throttling import SimpleRateThrottle

from access.models import CaseGroupObjectPermission
from access.selectors import (
    VIEWER_ADMINISTRATOR,
    VIEWER_SUPERVISOR,
    VIEWER_WORKER,
    case_row_rights,
    own_case_visible_to_viewer_sql,
    viewer_kind,
)
from access.services import grant_case_permissions
from accounts import authentication
from accounts.models import OrganisationalUnit
from audit.models import AccessLog
from cases.models import SiblingSeparationDecision, StageChange
from emergency.services import open_emergency_access
from regions.models import Region
from tests import factories

pytestmark = pytest.mark.django_db


def url(case_id: object) -> str:
    return f"/api/v1/cases/{case_id}/"


def token_for(user, *, expiry: dt.timedelta | None = None) -> str:
    return AuthToken.objects.create(user=user, expiry=expiry)[1]


def forget_tokens() -> None:
    authentication._TOKEN_USERS.clear()


def rows_after(last: int) -> list[dict]:
    """The access-log rows written after the row ``last``, without their id and time."""
    rows = list(AccessLog.objects.filter(id__gt=last).order_by("id").values())
    for row in rows:
        del row["id"], row["viewed_at"]
    return rows


def last_row() -> int:
    return AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0


def answer(client, method: str, path: str, headers: dict, during=contextlib.nullcontext) -> tuple:
    """What the client is sent, and the access-log rows the request wrote (``during``: a context
    around the request alone, e.g. a count of its queries)."""
    before = last_row()
    with during():
        response = getattr(client, method)(path, headers=headers)
    cookies = {name: morsel.OutputString() for name, morsel in response.cookies.items()}
    return (response.status_code, response.content, dict(response.headers), cookies), rows_after(before)


def drf_then_fast(client, path: str, headers: dict, method: str = "get") -> tuple:
    """(DRF's answer, its rows), (the second answer, its rows), asked in that order."""
    forget_tokens()
    first = answer(client, method, path, headers)
    return first, answer(client, method, path, headers)


def assert_same(first: tuple, second: tuple) -> None:
    (drf, drf_rows), (fast, fast_rows) = first, second
    assert fast[0] == drf[0]
    assert fast[1] == drf[1]
    assert fast[2] == drf[2]
    assert fast[3] == drf[3]
    assert fast_rows == drf_rows


@pytest.fixture
def scene(worker, supervisor, analyst, district, region):
    """Users of every role and cases of every kind of access (the names say whose and how)."""
    colleague = factories.UserFactory(role="social_worker", unit=district)
    elsewhere = factories.DistrictFactory(region=Region.objects.exclude(pk=region.pk).order_by("code").first())
    ministry = OrganisationalUnit.objects.get(code="ministry")
    users = {
        "worker": worker,
        "colleague": colleague,
        "supervisor": supervisor,
        "analyst": analyst,
        "district_supervisor": factories.UserFactory(role="supervisor", unit=district),
        "ministry_supervisor": factories.UserFactory(role="supervisor", unit=ministry),
        "stranger": factories.UserFactory(role="supervisor", unit=elsewhere),
        "administrator": factories.UserFactory(role="administrator", unit=ministry),
        "superuser": factories.UserFactory(role="social_worker", unit=district, is_superuser=True),
        "unitless_superuser": factories.UserFactory(role="supervisor", unit=None, is_superuser=True),
    }
    cases = {"own": factories.CaseFactory(assigned_worker=worker, responsible_unit=district)}
    for name in ("colleagues", "shared", "shared_sensitive", "share_expired", "group_share"):
        cases[name] = factories.CaseFactory(assigned_worker=colleague, responsible_unit=district)
    cases["unassigned"] = factories.CaseFactory(assigned_worker=None, responsible_unit=district)
    cases["far"] = factories.CaseFactory(assigned_worker=None, responsible_unit=elsewhere)
    cases["emergency"] = factories.CaseFactory(assigned_worker=None, responsible_unit=elsewhere)
    cases["emergency_expired"] = factories.CaseFactory(assigned_worker=None, responsible_unit=elsewhere)
    grant_case_permissions(users=[worker], case_ids=[cases["shared"].pk], codenames=["view_case"])
    grant_case_permissions(users=[worker], case_ids=[cases["shared_sensitive"].pk], codenames=["view_case", "view_sensitive"])
    grant_case_permissions(
        users=[worker], case_ids=[cases["share_expired"].pk], codenames=["view_case"], expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    team = Group.objects.create(name="team")
    worker.groups.add(team)
    CaseGroupObjectPermission.objects.create(
        group=team, content_object=cases["group_share"], permission=Permission.objects.get(codename="view_case")
    )
    open_emergency_access(case=cases["emergency"], actor=worker, reason="The child's carer called at night, injured.")
    open_emergency_access(
        case=cases["emergency_expired"],
        actor=worker,
        reason="The child's carer called at night, injured.",
        now=timezone.now() - dt.timedelta(days=2),
    )
    return users, cases


# The cases of the scene a user sees only through a grant: DRF's path answers them (the fast path's
# statement holds only the own-case rules, access.selectors.own_case_visible_to_viewer_sql).
GRANTED = {"shared", "shared_sensitive", "group_share", "emergency"}

# (user, case, DRF's status): every role, the own case and the others, shares and emergency accesses.
MATRIX = [
    ("worker", "own", 200),
    ("worker", "colleagues", 404),
    ("worker", "unassigned", 404),
    ("worker", "far", 404),
    ("worker", "shared", 200),
    ("worker", "shared_sensitive", 200),
    ("worker", "share_expired", 404),
    ("worker", "group_share", 200),
    ("worker", "emergency", 200),
    ("worker", "emergency_expired", 404),
    ("colleague", "colleagues", 200),
    ("colleague", "own", 404),
    ("supervisor", "own", 200),
    ("supervisor", "unassigned", 200),
    ("supervisor", "far", 404),
    ("district_supervisor", "colleagues", 200),
    ("district_supervisor", "far", 404),
    ("ministry_supervisor", "far", 200),
    ("stranger", "far", 200),
    ("stranger", "own", 404),
    ("administrator", "own", 200),
    ("administrator", "far", 200),
    ("superuser", "far", 200),
    ("unitless_superuser", "own", 200),
    ("analyst", "own", 403),
]


@pytest.mark.parametrize(("who", "which", "status"), MATRIX)
def test_each_role_and_kind_of_access_is_answered_as_drf_answers_it(client, scene, who, which, status, django_assert_max_num_queries):
    users, cases = scene
    headers = {"Authorization": f"Token {token_for(users[who])}"}
    forget_tokens()
    first = answer(client, "get", url(cases[which].pk), headers)
    # Served by the fast path (an own case), the token, the case and the access-log row are one statement.
    fast = status == 200 and which not in GRANTED
    during = functools.partial(django_assert_max_num_queries, 1) if fast else contextlib.nullcontext
    second = answer(client, "get", url(cases[which].pk), headers, during)
    assert first[0][0] == status
    assert_same(first, second)
    served = 1 if status == 200 else 0
    assert len(first[1]) == len(second[1]) == served
    if served:
        row = second[1][0]
        assert (row["user_id"], row["case_id"], row["child_id"]) == (users[who].pk, cases[which].pk, cases[which].child_id)
        assert row["emergency"] == (which == "emergency")
        assert row["saw_sensitive"] is False


def test_a_case_that_does_not_exist_is_404_and_logs_nothing(client, worker):
    headers = {"Authorization": f"Token {token_for(worker)}"}
    for pk in ("999999999999", str(2**63), "0", "abc", "-1", "1e3"):
        first, second = drf_then_fast(client, url(pk), headers)
        assert first[0][0] == 404, pk
        assert_same(first, second)
        assert first[1] == second[1] == []


def test_digits_of_other_scripts_are_answered_by_drf(client, worker):
    headers = {"Authorization": f"Token {token_for(worker)}"}
    first, second = drf_then_fast(client, url("٣"), headers)
    assert_same(first, second)


def test_a_leading_zero_names_the_same_case_as_drf_reads_it(client, worker, django_assert_max_num_queries):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    headers = {"Authorization": f"Token {token_for(worker)}"}
    first, second = drf_then_fast(client, url(f"00{case.pk}"), headers)
    assert first[0][0] == 200
    assert_same(first, second)
    assert second[1][0]["path"] == url(f"00{case.pk}")


@pytest.fixture
def own_case(worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    StageChange.objects.create(case=case, from_stage="", to_stage=case.stage, actor=worker, reason="registered")
    return case


def served_then_broken(client, case, token: str, break_it) -> tuple:
    """The fast path's answer once the token, remembered as verified, was broken by ``break_it``."""
    headers = {"Authorization": f"Token {token}"}
    forget_tokens()
    assert answer(client, "get", url(case.pk), headers)[0][0] == 200  # DRF's; the token is remembered
    break_it()
    return answer(client, "get", url(case.pk), headers)


def drf_only(client, case, token: str) -> tuple:
    forget_tokens()
    return answer(client, "get", url(case.pk), {"Authorization": f"Token {token}"})


def test_a_revoked_token_is_refused_as_drf_refuses_it(client, worker, own_case):
    token = token_for(worker)
    broken = served_then_broken(client, own_case, token, lambda: AuthToken.objects.filter(user=worker).delete())
    assert broken[0][0] == 403
    assert_same(drf_only(client, own_case, token), broken)
    assert broken[1] == []


def test_an_expired_token_is_refused_and_deleted_as_drf_does(client, worker, own_case):
    token, other = token_for(worker), token_for(worker)
    expire = lambda: AuthToken.objects.filter(user=worker).update(expiry=timezone.now() - dt.timedelta(seconds=1))  # noqa: E731
    broken = served_then_broken(client, own_case, token, expire)
    assert broken[0][0] == 403
    assert_same(drf_only(client, own_case, other), broken)
    assert broken[1] == []
    assert not AuthToken.objects.filter(user=worker).exists()


def test_a_deactivated_users_token_is_refused_as_drf_refuses_it(client, worker, own_case):
    token, other = token_for(worker), token_for(worker)
    deactivate = lambda: type(worker).objects.filter(pk=worker.pk).update(is_active=False)  # noqa: E731
    broken = served_then_broken(client, own_case, token, deactivate)
    assert broken[0][0] == 403
    assert_same(drf_only(client, own_case, other), broken)
    assert broken[1] == []


def test_a_token_remembered_for_another_user_is_checked_against_the_database(client, worker, supervisor, own_case):
    """The memory of verified tokens only keys the throttle: the statement checks the token's user."""
    token = token_for(worker)
    headers = {"Authorization": f"Token {token}"}
    forget_tokens()
    authentication._TOKEN_USERS[authentication.token_parts(headers["Authorization"])[1]] = authentication.TokenUser(
        supervisor.pk, supervisor.role, supervisor.is_superuser
    )
    fast = answer(client, "get", url(own_case.pk), headers)
    assert_same(drf_only(client, own_case, token), fast)
    assert [row["user_id"] for row in fast[1]] == [worker.pk]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Token",
        "Token abc",
        "token {token}",
        "TOKEN {token}",
        "Token  {token}",
        "Token {token} x",
        "Bearer {token}",
        "Token {upper}",
        "Token " + "0" * 64,
    ],
)
def test_any_other_authorization_is_answered_by_drf(client, worker, own_case, authorization):
    token = token_for(worker)
    headers = {} if authorization is None else {"Authorization": authorization.format(token=token, upper=token.upper())}
    first, second = drf_then_fast(client, url(own_case.pk), headers)
    assert_same(first, second)
    assert len(first[1]) == (1 if first[0][0] == 200 else 0)


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "*/*",
        "application/json",
        "application/json; indent=4",
        "application/*",
        "text/html",
        "application/xml",
        "text/html, */*",
        "application/json, text/plain",
        "",
    ],
)
def test_every_accept_header_is_answered_as_drf_answers_it(client, worker, own_case, accept):
    headers = {"Authorization": f"Token {token_for(worker)}"} | ({} if accept is None else {"Accept": accept})
    first, second = drf_then_fast(client, url(own_case.pk), headers)
    assert_same(first, second)
    assert len(second[1]) == (1 if first[0][0] == 200 else 0)


@pytest.mark.parametrize("query", ["?format=json", "?format=api", "?format=xml", "?x=1", "?", ".json"])
def test_a_format_or_a_query_string_is_answered_by_drf(client, worker, own_case, query):
    headers = {"Authorization": f"Token {token_for(worker)}"}
    path = url(own_case.pk) + query if not query.startswith(".") else url(own_case.pk)[:-1] + query + "/"
    first, second = drf_then_fast(client, path, headers)
    assert_same(first, second)
    assert len(second[1]) == (1 if first[0][0] == 200 else 0)


@pytest.mark.parametrize("method", ["head", "options", "post", "put", "patch", "delete"])
def test_other_methods_are_answered_by_drf(client, worker, own_case, method):
    """HEAD is DRF's GET without the body: it logs the view, as before; the others log nothing."""
    headers = {"Authorization": f"Token {token_for(worker)}"}
    first, second = drf_then_fast(client, url(own_case.pk), headers, method)
    assert_same(first, second)
    assert len(first[1]) == len(second[1]) == (1 if method == "head" else 0)


def test_a_signed_in_session_goes_first_as_in_drf(client, worker, supervisor, own_case):
    """DRF's SessionAuthentication comes before the token: the session's user is the one answered."""
    client.force_login(supervisor)
    first, second = drf_then_fast(client, url(own_case.pk), {"Authorization": f"Token {token_for(worker)}"})
    assert_same(first, second)
    assert [row["user_id"] for row in first[1] + second[1]] == [supervisor.pk, supervisor.pk]


def test_without_a_session_cookie_the_sessions_user_is_not_looked_up(client, worker, own_case, monkeypatch, django_assert_max_num_queries):
    """No session cookie, no signed-in session: the fast path does not ask AuthenticationMiddleware
    for the session's user (a session store and a look-up it would find empty)."""
    headers = {"Authorization": f"Token {token_for(worker)}"}
    forget_tokens()
    first = answer(client, "get", url(own_case.pk), headers)
    looked_up = []
    monkeypatch.setattr(auth_middleware, "get_user", lambda request: looked_up.append(request) or AnonymousUser())
    second = answer(client, "get", url(own_case.pk), headers, functools.partial(django_assert_max_num_queries, 1))
    assert_same(first, second)
    assert looked_up == []


def test_throttles_count_each_request_once_and_refuse_as_drf_does(client, worker, own_case, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "3/minute")
    headers = {"Authorization": f"Token {token_for(worker)}"}
    hidden = factories.CaseFactory()
    path_of = [url(own_case.pk), url(hidden.pk), url(own_case.pk), url(own_case.pk)]

    def run(remember: bool) -> list:
        from django.core.cache import caches

        caches["throttle"].clear()
        forget_tokens()
        answers = []
        for path in path_of:
            if not remember:
                forget_tokens()
            answers.append(answer(client, "get", path, headers))
        return answers

    fast, drf = run(remember=True), run(remember=False)
    # DRF counts the 404 (after authentication) once: the third request is allowed, the fourth is not.
    assert [a[0][0] for a in drf] == [200, 404, 200, 429]
    for fast_answer, drf_answer in zip(fast, drf, strict=True):
        assert_same(drf_answer, fast_answer)


@pytest.fixture
def awkward_case(worker):
    """Names and reasons JSON has to escape, date-times with and without microseconds, one in a
    zone's local mean time, decisions newest first."""
    child = factories.ChildFactory(last_name='O"Brien\\ \u2028 \u2029 \n\t\x01 \x7f', first_name="Әлия 🌷 </script>")
    case = factories.CaseFactory(child=child, assigned_worker=worker, responsible_unit=worker.unit, decision_review_reason="")
    at = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    for when, reason in (
        (at, 'first\r\n"quoted"'),
        (at.replace(microsecond=120), "same day"),
        (dt.datetime(1920, 5, 1, 3, 4, 5, tzinfo=dt.UTC), "old"),
        (at, "a tie with the first"),
    ):
        StageChange.objects.create(case=case, from_stage="", to_stage=case.stage, actor=None, reason=reason, changed_at=when)
    StageChange.objects.filter(case=case, reason="old").update(actor=worker)
    for when in (at, at.replace(microsecond=5), at - dt.timedelta(days=400)):
        SiblingSeparationDecision.objects.create(case=case, reason="siblings \\ apart", decided_by=worker, decided_at=when)
    return case


@pytest.mark.parametrize("zone", ["Asia/Almaty", "UTC", "America/St_Johns", "Asia/Kathmandu"])
def test_the_json_written_by_postgresql_is_drfs_byte_for_byte(client, worker, awkward_case, settings, zone, django_assert_max_num_queries):
    settings.TIME_ZONE = zone
    headers = {"Authorization": f"Token {token_for(worker)}"}
    forget_tokens()
    first = answer(client, "get", url(awkward_case.pk), headers)
    second = answer(client, "get", url(awkward_case.pk), headers, functools.partial(django_assert_max_num_queries, 1))
    assert first[0][0] == 200
    assert "\\u2028" in first[0][1].decode()
    assert_same(first, second)


@pytest.fixture
def reviewed_case(worker, supervisor):
    """A closed case with every nullable field set and no history nor decisions: a review's time
    with microseconds from before 1972 (Monrovia's offset then was -00:44:30, seconds and all), an
    actor's username JSON has to escape."""
    family = factories.FamilyFactory()
    case = factories.CaseFactory(
        assigned_worker=worker, responsible_unit=worker.unit, stage="closed", outcome="reunified",
        closed_on=timezone.localdate() - dt.timedelta(days=3), decision_status="approved", decision_family=family,
        decision_reviewed_by=supervisor, decision_review_reason="ok \\ \"fine\"",
    )
    type(case).objects.filter(pk=case.pk).update(
        decision_reviewed_at=dt.datetime(1960, 7, 1, 10, 0, 0, 500000, tzinfo=dt.UTC),
        stage_entered_at=dt.datetime(2026, 1, 1, 0, 0, 0, 999999, tzinfo=dt.UTC),
    )
    return case


@pytest.mark.parametrize("zone", ["Africa/Monrovia", "America/Sao_Paulo", "Asia/Almaty", "UTC"])
@pytest.mark.parametrize("history", [False, True])
def test_every_nullable_field_set_and_an_empty_history_are_drfs_byte_for_byte(client, worker, reviewed_case, settings, zone, history):
    settings.TIME_ZONE = zone
    if history:
        actor = factories.UserFactory(username='o"neil\\', unit=worker.unit)
        StageChange.objects.create(case=reviewed_case, from_stage="placed", to_stage="closed", actor=actor, reason="",
                                   changed_at=dt.datetime(1965, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    headers = {"Authorization": f"Token {token_for(worker)}"}
    first, second = drf_then_fast(client, url(reviewed_case.pk), headers)
    assert first[0][0] == 200
    body = first[0][1].decode()
    assert ('"history":[]' in body) != history
    assert '"sibling_separation_decisions":[]}' in body
    if zone == "Africa/Monrovia":
        assert '"decision_reviewed_at":"1960-07-01T09:15:30.500000-00:44:30"' in body
    assert_same(first, second)


def test_without_prepared_statements_drf_answers_every_request(client, worker, own_case, monkeypatch):
    monkeypatch.delitem(connection.settings_dict["OPTIONS"], "prepare_threshold", raising=False)
    headers = {"Authorization": f"Token {token_for(worker)}"}
    first, second = drf_then_fast(client, url(own_case.pk), headers)
    assert_same(first, second)
    assert len(second[1]) == 1


def test_each_own_case_rule_admits_what_case_row_rights_shows_without_a_grant_and_never_more(scene):
    """The rule of the user's own kind admits exactly the cases case_row_rights shows them but for
    those seen only through a grant; the rule of any other kind (a role changed since the token was
    remembered) admits none that case_row_rights hides."""
    users, cases = scene
    for user in users.values():
        for kind in (VIEWER_ADMINISTRATOR, VIEWER_SUPERVISOR, VIEWER_WORKER):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT c.id FROM cases_case c, (SELECT id, role, is_superuser, unit_id FROM accounts_user "
                    f"WHERE id = %(user)s) v WHERE {own_case_visible_to_viewer_sql(kind)}",
                    {"user": user.pk},
                )
                seen = {row[0] for row in cursor.fetchall()}
            for name, case in cases.items():
                rights = case_row_rights(
                    user, case_id=case.pk, assigned_worker_id=case.assigned_worker_id, responsible_unit_id=case.responsible_unit_id
                )
                if case.pk in seen:
                    assert rights.visible, (user.username, user.role, kind, name)
                elif kind == viewer_kind(user.role, user.is_superuser) and name not in GRANTED:
                    assert not rights.visible, (user.username, user.role, kind, name)


def test_the_analysts_token_never_reaches_the_statement(client, scene, monkeypatch):
    users, cases = scene
    token = token_for(users["analyst"])
    headers = {"Authorization": f"Token {token}"}
    forget_tokens()
    first = answer(client, "get", url(cases["own"].pk), headers)
    monkeypatch.setattr("cases.api.views.served_case_detail", lambda **kwargs: pytest.fail("the statement ran"))
    assert_same(first, answer(client, "get", url(cases["own"].pk), headers))
    assert first[0][0] == 403


def test_a_role_changed_since_the_token_was_remembered_is_answered_by_the_new_role(client, worker, district, django_assert_max_num_queries):
    """A worker made a supervisor: the statement of the remembered kind serves nothing, DRF answers
    by the new role (a case of the unit, not assigned to them) and remembers it; the next request is
    the new kind's one statement. Made a worker again: their supervisor's view is refused."""
    case = factories.CaseFactory(assigned_worker=None, responsible_unit=district)
    token = token_for(worker)
    headers = {"Authorization": f"Token {token}"}
    forget_tokens()
    assert answer(client, "get", url(case.pk), headers)[0][0] == 404  # a worker: not theirs
    type(worker).objects.filter(pk=worker.pk).update(role="supervisor")
    promoted = answer(client, "get", url(case.pk), headers)
    assert promoted[0][0] == 200 and len(promoted[1]) == 1
    again = answer(client, "get", url(case.pk), headers, functools.partial(django_assert_max_num_queries, 1))
    assert_same(promoted, again)
    type(worker).objects.filter(pk=worker.pk).update(role="social_worker")
    demoted = answer(client, "get", url(case.pk), headers)
    assert demoted[0][0] == 404 and demoted[1] == []
