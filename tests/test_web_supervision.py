"""A supervisor's work in the pages: a worker's caseload, reassigning one case or many, transfer
with the consent check or a recorded override, family approval, cases whose worker left; and the
rules under them (access.services.reassign_cases, families.services approval)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import CaseShare, CaseUserObjectPermission
from access.selectors import cases_visible_to
from access.services import grant_case_permissions, reassign_cases
from cases.models import Case, Stage
from consents.models import TransferOverride
from core.exceptions import DomainError
from families.models import ApprovalDecision
from families.services import decide_approval, request_approval
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleagues(worker):
    return [factories.UserFactory(unit=worker.unit, last_name=name) for name in ("Seitkali", "Omarova")]


def cases_of(worker, n, **kwargs):
    return [factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, **kwargs) for _ in range(n)]


# ---- caseload ---------------------------------------------------------------------------------


def test_each_workers_name_on_the_dashboard_opens_their_open_cases(client, supervisor, worker, colleagues):
    mine = cases_of(worker, 2, stage=Stage.AVAILABLE)
    closed = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.CLOSED, outcome="reunified",
                                   closed_on=timezone.localdate())
    theirs = cases_of(colleagues[0], 1)
    client.force_login(supervisor)
    html = client.get(reverse("web:dashboard")).content.decode()
    link = f'{reverse("web:my-cases")}?worker={worker.pk}&amp;open_only=on'
    assert link in html
    listed = client.get(link.replace("&amp;", "&")).context["page"].object_list
    assert {c.pk for c in listed} == {c.pk for c in mine}
    assert closed.pk not in {c.pk for c in listed} and theirs[0].pk not in {c.pk for c in listed}


def test_caseload_counts_open_cases_placements_overdue_visits_of_open_placements_and_high_risks(supervisor, worker):
    from risk.models import PlacementRisk
    from web.selectors import caseload

    today = timezone.localdate()
    placed = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED)
    placement = factories.PlacementFactory(case=placed)
    factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=3))
    factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=9))
    factories.VisitFactory(placement=placement, planned_on=today + dt.timedelta(days=9))
    PlacementRisk.objects.create(placement=placement, score=70, band="high", factors=[], computed_on=today)
    # An ended placement's old visit is not overdue (its visits were cancelled with it).
    returned = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.AVAILABLE)
    ended = factories.PlacementFactory(case=returned, ended_on=today, end_reason="returned", return_reason="child_behaviour")
    factories.VisitFactory(placement=ended, planned_on=today - dt.timedelta(days=30))
    cases_of(worker, 1, stage=Stage.MATCHING)
    (row,) = caseload(user=supervisor, today=today)
    assert row["worker"] == worker
    assert (row["open_cases"], row["placed"], row["overdue"], row["high"]) == (3, 1, 2, 1)


# ---- reassignment -----------------------------------------------------------------------------


def test_bulk_reassignment_round_robin_moves_access_and_writes_history(supervisor, worker, colleagues):
    cases = cases_of(worker, 5)
    grant_case_permissions(case_ids=[cases[0].pk], users=[worker], codenames=["view_case"])  # an old grant ends too
    plan = reassign_cases(case_ids=[c.pk for c in cases], workers=colleagues, actor=supervisor, reason="Leaves the service")
    assert sorted(plan.values()).count(colleagues[0].pk) == 3 and sorted(plan.values()).count(colleagues[1].pk) == 2
    assert not cases_visible_to(worker).exists()
    assert not CaseShare.objects.active().filter(user=worker).exists()
    assert not CaseUserObjectPermission.objects.filter(user=worker).exists()
    for case in cases:
        last = Case.history.filter(id=case.pk).order_by("-history_date", "-history_id").first()
        assert last.assigned_worker_id == plan[case.pk]
        assert (last.history_user, last.history_change_reason, last.history_type) == (supervisor, "Leaves the service", "~")


def test_bulk_reassignment_costs_the_same_statements_for_any_number_of_cases_and_workers(
        supervisor, worker, colleagues, django_assert_max_num_queries):
    third = factories.UserFactory(unit=worker.unit)
    mine, theirs = cases_of(worker, 3), cases_of(third, 3)
    shared = CaseShare.objects.create(case=theirs[0], user=third, granted_by=supervisor)
    # Session settings, the user's units, the lock, 4 writes; the same for 6 cases as for 1,000.
    with django_assert_max_num_queries(8):
        plan = reassign_cases(case_ids=[c.pk for c in mine + theirs], workers=colleagues, actor=supervisor)
    assert set(plan) == {c.pk for c in mine + theirs}
    shared.refresh_from_db()
    assert shared.revoked_at is not None and shared.revoked_by == supervisor
    assert Case.history.filter(id__in=list(plan), history_type="~").count() == 6


def test_bulk_reassignment_is_all_or_nothing(supervisor, worker, colleagues):
    mine = cases_of(worker, 2)
    elsewhere = factories.CaseFactory(child__region=factories.region_by_code("astana"))
    with pytest.raises(DomainError) as error:
        reassign_cases(case_ids=[mine[0].pk, mine[1].pk, elsewhere.pk], workers=colleagues, actor=supervisor)
    assert error.value.code == "permission_denied"
    assert set(Case.objects.filter(pk__in=[c.pk for c in mine]).values_list("assigned_worker", flat=True)) == {worker.pk}


def test_a_case_goes_only_to_a_chosen_worker_of_its_own_unit(supervisor, worker, colleagues):
    other_district = factories.DistrictFactory(region=worker.unit.region)
    stranger = factories.UserFactory(unit=other_district)
    (case,) = cases_of(worker, 1)
    with pytest.raises(DomainError) as error:
        reassign_cases(case_ids=[case.pk], workers=[stranger], actor=supervisor)
    assert error.value.field == "workers"
    inactive = factories.UserFactory(unit=worker.unit, is_active=False)
    with pytest.raises(DomainError):
        reassign_cases(case_ids=[case.pk], workers=[inactive], actor=supervisor)


def test_supervisor_reassigns_ticked_cases_on_the_list(client, supervisor, worker, colleagues):
    cases = cases_of(worker, 3)
    client.force_login(supervisor)
    page = client.get(reverse("web:my-cases") + f"?worker={worker.pk}")
    assert b'form="reassign-form"' in page.content
    response = client.post(reverse("web:cases-reassign"), {
        "case": [c.pk for c in cases[:2]], "workers": [colleagues[1].pk], "next": f"/cases/?worker={worker.pk}",
    }, follow=True)
    assert b"2 cases reassigned." in response.content
    assert list(Case.objects.filter(assigned_worker=colleagues[1]).order_by("pk").values_list("pk", flat=True)) == \
        [c.pk for c in cases[:2]]
    assert Case.objects.get(pk=cases[2].pk).assigned_worker == worker


def test_a_leaving_worker_hands_every_open_case_to_colleagues(client, supervisor, worker, colleagues):
    cases = cases_of(worker, 4)
    client.force_login(supervisor)
    response = client.post(reverse("web:cases-reassign"), {"all_of_worker": worker.pk,
                                                            "workers": [c.pk for c in colleagues]})
    assert response.status_code == 302
    assert not Case.objects.filter(assigned_worker=worker).exists()
    assert Case.objects.filter(pk__in=[c.pk for c in cases], assigned_worker=colleagues[0]).count() == 2


def test_reassigning_without_choosing_says_so_beside_the_field(client, supervisor, worker):
    (case,) = cases_of(worker, 1)
    client.force_login(supervisor)
    response = client.post(reverse("web:cases-reassign"), {"case": [case.pk]})
    assert response.status_code == 400
    assert response.context["reassign_form"].errors["workers"]
    assert Case.objects.get(pk=case.pk).assigned_worker == worker


def test_a_worker_cannot_reassign(client, worker, colleagues):
    (case,) = cases_of(worker, 1)
    client.force_login(worker)
    assert client.post(reverse("web:cases-reassign"), {"case": [case.pk], "workers": [colleagues[0].pk]}).status_code == 403
    assert client.post(reverse("web:case-reassign", args=[case.pk]), {"worker": colleagues[0].pk}).status_code == 403
    assert b'form="reassign-form"' not in client.get(reverse("web:my-cases")).content
    assert Case.objects.get(pk=case.pk).assigned_worker == worker


def test_a_supervisor_reassigns_only_in_their_unit(client, worker, colleagues):
    (case,) = cases_of(worker, 1)
    astana = factories.DistrictFactory(region=factories.region_by_code("astana"))
    other = factories.UserFactory(role="supervisor", unit=astana.parent)
    client.force_login(other)
    response = client.post(reverse("web:cases-reassign"), {"case": [case.pk], "workers": [colleagues[0].pk]})
    assert response.status_code == 400  # the colleague is not one of theirs to choose, the case not theirs
    assert client.post(reverse("web:case-reassign", args=[case.pk]), {"worker": colleagues[0].pk}).status_code == 404
    assert Case.objects.get(pk=case.pk).assigned_worker == worker


def test_supervisor_reassigns_one_case_from_its_page(client, supervisor, worker, colleagues):
    (case,) = cases_of(worker, 1)
    client.force_login(supervisor)
    assert client.get(reverse("web:case", args=[case.pk])).context["reassign_form"] is not None
    response = client.post(reverse("web:case-reassign", args=[case.pk]), {"worker": colleagues[0].pk})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).assigned_worker == colleagues[0]


def test_transfer_without_consent_needs_the_supervisors_recorded_reason(client, supervisor, worker):
    (case,) = cases_of(worker, 1)
    astana = factories.DistrictFactory(region=factories.region_by_code("astana"))
    client.force_login(supervisor)
    refused = client.post(reverse("web:case-transfer", args=[case.pk]), {"unit": astana.pk})
    assert refused.status_code == 400
    assert "There is no consent to share" in str(refused.context["transfer_form"].errors["override_reason"])
    assert Case.objects.get(pk=case.pk).responsible_unit == worker.unit
    done = client.post(reverse("web:case-transfer", args=[case.pk]), {"unit": astana.pk, "override_reason": "The child moved."})
    assert done.status_code == 302 and done["Location"] == reverse("web:my-cases")  # out of sight now
    case.refresh_from_db()
    assert (case.responsible_unit, case.assigned_worker) == (astana, None)
    assert TransferOverride.objects.get(case=case).reason == "The child moved."


def test_transfer_with_consent_needs_no_reason(client, supervisor, worker):
    (case,) = cases_of(worker, 1)
    factories.ConsentFactory(case=case)
    target = factories.DistrictFactory(region=worker.unit.region)
    client.force_login(supervisor)
    assert client.post(reverse("web:case-transfer", args=[case.pk]), {"unit": target.pk}).status_code == 302
    assert Case.objects.get(pk=case.pk).responsible_unit == target


# ---- deactivated workers ----------------------------------------------------------------------


def test_a_deactivated_workers_open_cases_need_a_new_worker(client, supervisor, worker):
    cases = cases_of(worker, 2)
    worker.is_active = False
    worker.save()
    client.force_login(supervisor)
    page = client.get(reverse("web:dashboard"))
    assert {c.pk for c in page.context["needing"]} == {c.pk for c in cases}
    assert "Needs a new worker" in page.content.decode()
    listed = client.get(reverse("web:my-cases") + "?needs_worker=on").context["page"].object_list
    assert {c.pk for c in listed} == {c.pk for c in cases}


# ---- family approval --------------------------------------------------------------------------


@pytest.fixture
def applied_family(worker):
    family = factories.FamilyFactory(responsible_unit=worker.unit, approval_status="under_assessment", approved_on=None,
                                     approval_expires_on=None)
    factories.ApplicantFactory(family=family, last_name="Tulegenova", first_name="Saule")
    return family


def test_worker_asks_and_supervisor_approves_a_family(client, supervisor, worker, applied_family):
    request_approval(family=applied_family, actor=worker)
    client.force_login(supervisor)
    page = client.get(reverse("web:family-approvals"))
    assert "Tulegenova" in page.content.decode()
    response = client.post(reverse("web:family-approval-decide", args=[applied_family.pk]), {"approve": "1"}, follow=True)
    assert f"Family №\u00a0{applied_family.pk} approved.".encode() in response.content
    applied_family.refresh_from_db()
    assert applied_family.approval_status == "approved" and applied_family.approval_requested_at is None
    assert applied_family.approval_expires_on > timezone.localdate()
    decision = ApprovalDecision.objects.get(family=applied_family)
    assert (decision.approved, decision.decided_by) == (True, supervisor)
    assert "Tulegenova" in response.content.decode().split('id="family-decisions"')[1]


@pytest.mark.parametrize(("language", "button", "done"), [
    ("en", "Ask the supervisor to approve the family", "The family is sent to the supervisor for approval."),
    ("kk", "Отбасын басшыға мақұлдауға жіберу", "Отбасы басшыға мақұлдауға жіберілді."),
    ("ru", "Направить семью руководителю на одобрение", "Семья направлена руководителю на одобрение."),
], ids=["en", "kk", "ru"])
def test_the_worker_asks_for_approval_from_the_familys_page(client, worker, applied_family, language, button, done):
    client.force_login(worker)
    client.cookies["django_language"] = language
    page = client.get(reverse("web:family", args=[applied_family.pk])).content.decode()
    assert button in page and reverse("web:family-approval-request", args=[applied_family.pk]) in page
    response = client.post(reverse("web:family-approval-request", args=[applied_family.pk]), follow=True)
    assert done in response.content.decode()
    applied_family.refresh_from_db()
    assert applied_family.approval_requested_at is not None
    assert button not in response.content.decode()  # waiting: no second request


def test_asking_for_approval_without_a_valid_home_study_says_why_and_sends_nothing(client, worker, applied_family):
    applied_family.home_study_expires_on = timezone.localdate() - dt.timedelta(days=1)
    applied_family.save()
    client.force_login(worker)
    response = client.post(reverse("web:family-approval-request", args=[applied_family.pk]), follow=True)
    assert "home study" in response.content.decode() and "before asking for approval" in response.content.decode()
    applied_family.refresh_from_db()
    assert applied_family.approval_requested_at is None


def test_a_worker_who_does_not_see_the_family_cannot_ask_for_its_approval(client, applied_family):
    stranger = factories.UserFactory(unit=factories.DistrictFactory(region=factories.region_by_code("astana")))
    client.force_login(stranger)
    assert client.post(reverse("web:family-approval-request", args=[applied_family.pk])).status_code == 404
    applied_family.refresh_from_db()
    assert applied_family.approval_requested_at is None


def test_refusing_a_family_needs_a_reason_beside_the_field(client, supervisor, worker, applied_family):
    request_approval(family=applied_family, actor=worker)
    client.force_login(supervisor)
    response = client.post(reverse("web:family-approval-decide", args=[applied_family.pk]), {"approve": "0", "reason": " "})
    assert response.status_code == 400
    assert b"Say why the family is refused." in response.content
    client.post(reverse("web:family-approval-decide", args=[applied_family.pk]),
                {"approve": "0", "reason": "Criminal record check failed."})
    applied_family.refresh_from_db()
    assert applied_family.approval_status == "rejected"
    assert ApprovalDecision.objects.get(family=applied_family).reason == "Criminal record check failed."


def test_a_family_without_a_valid_home_study_cannot_be_sent_for_approval(worker, applied_family):
    applied_family.home_study_expires_on = timezone.localdate() - dt.timedelta(days=1)
    applied_family.save()
    with pytest.raises(DomainError, match="home study"):
        request_approval(family=applied_family, actor=worker)


def test_only_a_supervisor_of_the_familys_unit_decides(client, worker, applied_family):
    request_approval(family=applied_family, actor=worker)
    with pytest.raises(DomainError):
        decide_approval(family=applied_family, actor=worker, approve=True)
    other = factories.UserFactory(role="supervisor", unit=factories.DistrictFactory(region=factories.region_by_code("astana")).parent)
    client.force_login(other)
    assert client.post(reverse("web:family-approval-decide", args=[applied_family.pk]), {"approve": "1"}).status_code == 404
    client.force_login(worker)
    assert client.get(reverse("web:family-approvals")).status_code == 403
    applied_family.refresh_from_db()
    assert applied_family.approval_status == "under_assessment"


def test_expiring_certificates_of_the_units_families_are_on_the_dashboard(client, supervisor, worker):
    soon = timezone.localdate() + dt.timedelta(days=10)
    family = factories.FamilyFactory(responsible_unit=worker.unit, training_expires_on=soon)
    factories.FamilyFactory(responsible_unit=worker.unit)  # everything valid for a year: not listed
    client.force_login(supervisor)
    rows = client.get(reverse("web:dashboard")).context["expiring"]
    assert [(r["family"].pk, str(r["document"]), r["expires_on"]) for r in rows] == [(family.pk, "training certificate", soon)]


def test_the_papers_lists_name_a_family_as_its_page_does_without_building_families(client, supervisor, worker,
                                                                                  django_assert_num_queries):
    from django.utils.html import escape

    from web.selectors import families_with_certificates_between

    today = timezone.localdate()
    couple = factories.FamilyFactory(responsible_unit=worker.unit, training_expires_on=today + dt.timedelta(days=4))
    factories.ApplicantFactory(family=couple, position=2, last_name="Omarov", first_name="Arman")
    factories.ApplicantFactory(family=couple, position=1, last_name="Omarova", first_name="Aigul")
    nobody = factories.FamilyFactory(responsible_unit=worker.unit, approval_expires_on=today + dt.timedelta(days=6))
    lately = factories.FamilyFactory(responsible_unit=worker.unit, home_study_expires_on=today - dt.timedelta(days=3))
    factories.ApplicantFactory(family=lately, last_name="Bekova", first_name="Saule")
    # The units, then the families with their applicants' names: no Family instance, no prefetch.
    with django_assert_num_queries(2):
        rows, _more = families_with_certificates_between(user=supervisor, start=today, end=today + dt.timedelta(days=30),
                                                         today=today)
    assert [str(r["family"]) for r in rows] == [str(couple), str(nobody)] == ["Omarova Aigul & Omarov Arman", f"Family №\u00a0{nobody.pk}"]
    client.force_login(supervisor)
    html = client.get(reverse("web:dashboard")).content.decode()
    for family in (couple, lately):
        assert escape(f"Family №\u00a0{family.pk} ({family})") in html
    # A family without applicants is named by its number, once (tests/test_family_number_once.py), in the
    # reader's language, as on its page.
    assert f"Family №\u00a0{nobody.pk}</a>" in html and f"(Family №\u00a0{nobody.pk})" not in html
    ru = client.get(reverse("web:dashboard"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert f"Семья №\u00a0{nobody.pk}</a>" in ru and f"(Семья №\u00a0{nobody.pk})" not in ru


def test_the_dashboard_lists_the_families_whose_papers_expire_soonest_and_the_oldest_decisions(supervisor, worker):
    from web.selectors import families_with_certificates_between, first_decisions_waiting

    def families_with_expiring_certificates(*, user, today, limit=50):
        return families_with_certificates_between(user=user, start=today, end=today + dt.timedelta(days=30), today=today,
                                                  limit=limit)[0]

    today = timezone.localdate()
    later = factories.FamilyFactory(responsible_unit=worker.unit, approval_expires_on=today + dt.timedelta(days=20))
    sooner = factories.FamilyFactory(responsible_unit=worker.unit, home_study_expires_on=today + dt.timedelta(days=3),
                                     training_expires_on=today + dt.timedelta(days=25))
    rows = families_with_expiring_certificates(user=supervisor, today=today, limit=1)
    assert [(r["family"].pk, str(r["document"])) for r in rows] == [(sooner.pk, "home study"), (sooner.pk, "training certificate")]
    assert {r["family"].pk for r in families_with_expiring_certificates(user=supervisor, today=today)} == {sooner.pk, later.pk}

    waiting = [factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.DECISION,
                                     decision_status="pending", stage_entered_at=timezone.now() - dt.timedelta(days=d))
               for d in (1, 9, 5)]
    assert [c.pk for c in first_decisions_waiting(user=supervisor, limit=2)] == [waiting[1].pk, waiting[2].pk]


def test_the_dashboard_lists_long_expired_papers_nowhere_and_recently_expired_apart(client, supervisor, worker):
    today = timezone.localdate()
    soon = factories.FamilyFactory(responsible_unit=worker.unit, training_expires_on=today + dt.timedelta(days=5))
    lately = factories.FamilyFactory(responsible_unit=worker.unit, approval_expires_on=today - dt.timedelta(days=10))
    factories.FamilyFactory(responsible_unit=worker.unit, home_study_issued_on=dt.date(2019, 3, 1),
                            home_study_expires_on=dt.date(2020, 3, 1))  # years ago: not listed
    client.force_login(supervisor)
    context = client.get(reverse("web:dashboard")).context
    assert [r["family"].pk for r in context["expiring"]] == [soon.pk]
    assert [(r["family"].pk, r["expired"]) for r in context["expired"]] == [(lately.pk, True)]
    assert not context["expiring_more"] and not context["expired_more"]


@pytest.mark.parametrize(("language", "both"), [
    ("en", "Record a valid home study and training certificate before asking for approval."),
    ("ru", " и "),
    ("kk", " және "),
])
def test_both_missing_certificates_are_joined_with_and(client, worker, applied_family, language, both):
    """The family page's refusal listed them with a comma: "a valid home study, training certificate"."""
    from django.utils import translation

    from families.services import approval_certificates_refusal

    applied_family.home_study_expires_on = applied_family.training_expires_on = timezone.localdate() - dt.timedelta(days=1)
    applied_family.save()
    with translation.override(language):
        expected = approval_certificates_refusal(applied_family, timezone.localdate())
    assert both in expected
    client.force_login(worker)
    client.cookies["django_language"] = language
    page = client.get(reverse("web:family", args=[applied_family.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert expected in page.replace("&#x27;", "'")
