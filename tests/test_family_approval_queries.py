"""What the family's approval costs in queries, on the page and in the API: asking for it
(POST /api/v1/families/{id}/approval-request/, the family page's button) and a supervisor's approval
or refusal (approve/, refuse/, the approvals page's form). A small constant, the same for a family of
one applicant with nothing else and for a couple with children placed with them, documents and
earlier decisions. It was 96, 106 and 106 in the API, 92, 102 and 102 on the pages (14, 19, 19 and
12, 17, 17 now), most of them the services' full_clean: Django asked each of the family's 26 check
constraints in its own query and savepoint (core.models.CheckConstraintsInOneQuery asks them in one)
and looked up the family's region and unit again.

The checks those queries made still hold: each constraint is still asked before the write (a broken
one is a ValidationError, a 400, never the database's IntegrityError and a 500), bad input is still a
400 or a form error beside its field, and the right to write is still checked on the locked row
(tests/test_api_family_approval.py, who may ask and decide, and the race of two supervisors)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from documents.models import Document
from families.models import ApprovalDecision, Family
from families.services import request_approval
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate

# The most each action may cost, for a user signed in (API: force_authenticate, no token looked up).
# API: the family read if the user sees it (their case grants, their unit, and a supervisor's units below
# it: once a request), the service (savepoint, the row locked and the right checked on it, its
# constraints in one query in a savepoint, the update, the history row; for a decision its own
# constraints and row), the family read again for the answer (the row, its applicants, its last
# decision). Pages: the session and the user instead of the grants, and no family read again (a redirect).
# A request and an approval also read the applicants once, on the locked row: one under age on the
# application date refuses them (families.services.applicant_age_refusal).
BOUNDS = {
    ("api", "request"): 15, ("api", "approve"): 20, ("api", "refuse"): 19,
    ("page", "request"): 13, ("page", "approve"): 18, ("page", "refuse"): 17,
}


def family_of(unit, *, large: bool, supervisor: User | None = None) -> Family:
    """A family of ``unit`` under assessment, certificates valid. ``large``: a couple with four children
    placed with them, five documents and three earlier refusals; else one applicant and nothing else."""
    family = factories.FamilyFactory(responsible_unit=unit, region=unit.region, approval_status="under_assessment",
                                     approved_on=None, approval_expires_on=None)
    factories.ApplicantFactory(family=family, position=1)
    if not large:
        return family
    factories.ApplicantFactory(family=family, position=2, first_name="Marat", sex="M")
    for _ in range(4):
        factories.PlacementFactory(family=family, case__child__region=unit.region)
    uploader = supervisor or factories.UserFactory(role="social_worker", unit=unit)
    for n in range(5):
        Document.objects.create(family=family, doc_type="home_study", document_date=TODAY() - dt.timedelta(days=n + 1),
                                file=f"documents/family-{family.pk}-{n}.pdf", original_name=f"scan-{n}.pdf",
                                content_type="application/pdf", size=100, sha256="0" * 64, uploaded_by=uploader)
    for n in range(3):
        ApprovalDecision.objects.create(family=family, approved=False, reason="Income not shown.",
                                        decided_by=supervisor or uploader,
                                        decided_at=timezone.now() - dt.timedelta(days=30 * (n + 1)))
    return family


def sign_in(where: str, user: User, api_client, client) -> None:
    """``user`` read afresh (nothing of theirs cached on the object), signed in to the page or the API."""
    user = User.objects.get(pk=user.pk)
    if where == "api":
        api_client.force_authenticate(user)
    else:
        client.force_login(user)


def act(where: str, action: str, family: Family, api_client, client):
    """The action as the page or the API does it."""
    if where == "api":
        path = f"/api/v1/families/{family.pk}/{'approval-request' if action == 'request' else action}/"
        return api_client.post(path, {"reason": "Checked."} if action == "refuse" else {}, format="json")
    if action == "request":
        return client.post(reverse("web:family-approval-request", args=[family.pk]))
    data = {"approve": "1"} if action == "approve" else {"approve": "0", "reason": "Checked."}
    return client.post(reverse("web:family-approval-decide", args=[family.pk]), data)


@pytest.mark.parametrize(("where", "action"), list(BOUNDS))
def test_each_approval_action_costs_a_few_queries_whatever_the_family_holds(
        api_client, client, worker, supervisor, where, action, django_assert_max_num_queries):
    costs = []
    for large in (False, True):
        family = family_of(worker.unit, large=large, supervisor=supervisor)
        if action != "request":
            request_approval(family=family, actor=worker)
        sign_in(where, worker if action == "request" else supervisor, api_client, client)
        with django_assert_max_num_queries(BOUNDS[where, action]) as queries:
            response = act(where, action, family, api_client, client)
        assert response.status_code == (200 if where == "api" else 302), response.content
        family.refresh_from_db()
        assert family.approval_status == {"request": "under_assessment", "approve": "approved", "refuse": "rejected"}[action]
        costs.append(len(queries.captured_queries))
    assert costs[0] == costs[1]  # the couple with children, documents and decisions costs what the single applicant does


BAD_INPUT = {
    "refuse without a reason": ({"reason": "  "}, "refuse", "reason", "Say why the family is refused."),
    "approve until today": ({"expires_on": "{today}"}, "approve", "expires_on", "The approval must expire after today."),
    "approve until 2200": ({"expires_on": "2200-01-01"}, "approve", "expires_on", "is not a plausible date"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_still_a_400_beside_its_field_on_the_page_and_in_the_api(api_client, client, worker, supervisor, case):
    data, action, field, text = BAD_INPUT[case]
    data = {k: v.format(today=TODAY().isoformat()) for k, v in data.items()}
    for where in ("api", "page"):
        family = family_of(worker.unit, large=True, supervisor=supervisor)
        request_approval(family=family, actor=worker)
        if where == "api":
            api_client.force_authenticate(supervisor)
            response = api_client.post(f"/api/v1/families/{family.pk}/{action}/", data, format="json")
            assert response.status_code == 400, response.content
            assert text in " ".join(response.json()[field])
        else:
            client.force_login(supervisor)
            response = client.post(reverse("web:family-approval-decide", args=[family.pk]),
                                   {"approve": "1" if action == "approve" else "0", **data})
            assert response.status_code == 400
            form = next(row["form"] for row in response.context["waiting"] if row["family"].pk == family.pk)
            assert text in " ".join(form.errors[field])
        family.refresh_from_db()
        assert family.approval_requested_at is not None  # still waiting, no decision written
        assert family.approval_decisions.count() == 3  # its earlier refusals only


# ---- the constraints asked in one query: the same answers as Django's one by one ------------------------


def _django_errors(instance: models.Model, exclude=None) -> dict | None:
    try:
        models.Model.validate_constraints(instance, exclude=exclude)
    except ValidationError as error:
        return error.message_dict
    return None


def _errors(instance: models.Model, exclude=None) -> dict | None:
    try:
        instance.validate_constraints(exclude=exclude)
    except ValidationError as error:
        return error.message_dict
    return None


BROKEN = {
    "ages reversed": {"preferred_age_min": 12, "preferred_age_max": 3},
    "approved without dates": {"approval_status": "approved", "approved_on": None, "approval_expires_on": None},
    "a suspension's reason without its date": {"suspension_kind": "applicant_left", "suspension_code": "death",
                                               "suspension_applicant_name": "Tulegenova Saule"},
    "two at once": {"max_siblings": 0, "suspended_on": dt.date(2026, 1, 5), "approval_status": "approved"},
    "a date out of range": {"carer_checked_on": dt.date(1850, 1, 1)},
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_constraint_is_the_error_django_gives_asked_in_one_query(worker, case, django_assert_max_num_queries):
    family = family_of(worker.unit, large=False)
    for name, value in BROKEN[case].items():
        setattr(family, name, value)
    expected = _django_errors(family)
    assert expected and expected.get("__all__")
    assert _errors(family) == expected
    # One query in a savepoint, then each constraint broken asked again (Django's CheckConstraint.validate) for its error.
    with django_assert_max_num_queries(3 + 3 * len(expected["__all__"])), pytest.raises(ValidationError):
        family.full_clean(exclude=["region", "responsible_unit"])


def test_a_sound_family_is_one_query_in_a_savepoint_and_an_excluded_field_skips_its_constraints(worker):
    family = family_of(worker.unit, large=True)
    with CaptureQueriesContext(connection) as queries:
        family.validate_constraints()
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SAVEPOINT", "SELECT", "RELEASE"]
    family.preferred_age_min, family.preferred_age_max = 12, 3
    assert _errors(family, exclude={"preferred_age_min"}) == _django_errors(family, exclude={"preferred_age_min"}) is None
    assert _errors(family, exclude={"applied_on"}) == _django_errors(family, exclude={"applied_on"}) is not None


def test_the_decisions_constraints_too(worker, supervisor):
    family = family_of(worker.unit, large=False)
    decision = ApprovalDecision(family=family, approved=False, reason="", decided_by=supervisor, decided_at=timezone.now())
    assert _errors(decision) == _django_errors(decision) is not None
    decision.reason = "Income not shown."
    assert _errors(decision) is None
