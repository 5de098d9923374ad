"""The social worker's pages: sign-in, my cases, the case page and its forms, matching, the inbox."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Stage
from notifications.models import Notification
from risk.services import recompute_risk
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed_case(worker):
    """A placed case of the worker, with one visit overdue and one to come, its risk computed."""
    case = factories.CaseFactory(stage=Stage.PLACED, assigned_worker=worker, responsible_unit=worker.unit,
                                 child__last_name="Abenov", child__first_name="Timur", form_of_care="adoption")
    placement = factories.PlacementFactory(case=case)
    today = timezone.localdate()
    factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=5))
    factories.VisitFactory(placement=placement, planned_on=today + dt.timedelta(days=20))
    recompute_risk(placement=placement, reason="placement_start")
    return case


def signed_in(client, user):
    client.force_login(user)
    return client


def test_anonymous_user_is_sent_to_sign_in(client):
    response = client.get(reverse("web:my-cases"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_sign_in_page_signs_a_worker_in_and_sends_them_to_my_cases(client, worker):
    response = client.post(reverse("web:login"), {"username": worker.username, "password": "pass-for-tests-1"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("web:my-cases")
    assert b"My cases" in response.content


def test_sign_in_with_a_wrong_password_shows_the_error_and_keeps_the_username(client, worker):
    response = client.post(reverse("web:login"), {"username": worker.username, "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert f'value="{worker.username}"'.encode() in response.content


def test_sign_out_ends_the_session(client, worker):
    signed_in(client, worker)
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert client.get(reverse("web:my-cases")).status_code == 302


def test_my_cases_lists_the_workers_cases_with_risk_next_visit_and_overdue_mark(client, worker, placed_case):
    other = factories.CaseFactory(child__last_name="Someoneelse")
    response = signed_in(client, worker).get(reverse("web:my-cases"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Abenov Timur" in html
    assert "Someoneelse" not in html
    assert "overdue" in html
    assert 'class="badge ' in html and "not assessed" not in html
    assert reverse("web:case", args=[placed_case.pk]) in html
    assert reverse("web:case", args=[other.pk]) not in html


def test_my_cases_search_filters_by_name(client, worker, placed_case):
    factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__last_name="Zhumabaev")
    response = signed_in(client, worker).get(reverse("web:my-cases"), {"q": "Zhuma"})
    assert b"Zhumabaev" in response.content
    assert b"Abenov" not in response.content


def test_my_cases_filter_on_overdue_keeps_only_cases_with_an_overdue_visit(client, worker, placed_case):
    factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__last_name="Zhumabaev")
    response = signed_in(client, worker).get(reverse("web:my-cases"), {"overdue": "on"})
    assert b"Abenov" in response.content
    assert b"Zhumabaev" not in response.content


def test_my_cases_htmx_request_gets_only_the_table(client, worker, placed_case):
    response = signed_in(client, worker).get(reverse("web:my-cases"), HTTP_HX_REQUEST="true")
    assert b"<table class=\"stack\">" in response.content
    assert b"<html" not in response.content


def test_my_cases_runs_a_constant_number_of_queries(client, worker, django_assert_max_num_queries):
    for i in range(12):
        case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED,
                                     child__birth_date=dt.date(2014, 1, 1) + dt.timedelta(days=i))
        placement = factories.PlacementFactory(case=case)
        factories.VisitFactory(placement=placement)
    signed_in(client, worker)
    # Session, user, and one statement for the count, the page and the unread notifications
    # (web.selectors.case_list_page): the same whatever the number of cases.
    with django_assert_max_num_queries(3):
        response = client.get(reverse("web:my-cases"))
    assert response.content.decode().count("badge stage") == 12


def test_my_cases_is_paginated_by_fifty(client, worker):
    for i in range(51):
        # Distinct birth dates keep the factory's IINs distinct.
        factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit,
                              child__birth_date=dt.date(2015, 1, 1) + dt.timedelta(days=i))
    response = signed_in(client, worker).get(reverse("web:my-cases"))
    assert response.content.decode().count("badge stage") == 50
    assert b"Page 1 of 2" in response.content


def test_case_page_shows_child_stages_placements_visits_and_risk_factors(client, worker, placed_case):
    response = signed_in(client, worker).get(reverse("web:case", args=[placed_case.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Abenov Timur" in html
    assert "Placements and visits" in html
    assert "Risk of return" in html
    assert html.count(">Record<") == 2


def test_case_page_hides_sensitive_fields_without_permission(client, worker, placed_case):
    placed_case.child.health_notes = "Asthma, inhaler twice a day"
    placed_case.child.save()
    colleague = factories.UserFactory(role="social_worker", unit=worker.unit)
    from access.services import share_case

    supervisor = factories.UserFactory(role="supervisor", unit=worker.unit.parent)
    share_case(case=placed_case, user=colleague, actor=supervisor, include_sensitive=False)
    own = signed_in(client, worker).get(reverse("web:case", args=[placed_case.pk]))
    assert b"Asthma, inhaler" in own.content
    shared = signed_in(client, colleague).get(reverse("web:case", args=[placed_case.pk]))
    assert shared.status_code == 200
    assert b"Asthma, inhaler" not in shared.content
    assert b"Hidden: you have no permission to see them." in shared.content


def test_case_page_of_another_workers_case_is_not_found(client, worker):
    other = factories.CaseFactory()
    assert signed_in(client, worker).get(reverse("web:case", args=[other.pk])).status_code == 404


def test_opening_a_case_page_is_in_the_access_log(client, worker, placed_case):
    from audit.models import AccessLog

    signed_in(client, worker).get(reverse("web:case", args=[placed_case.pk]))
    assert AccessLog.objects.filter(user=worker, case_id=placed_case.pk).count() == 1


def _visit_form(**overrides):
    data = {"done_on": timezone.localdate().isoformat(), "child_seen": "true", "seen_by": "A. Worker",
            "child_condition": "good", "family_condition": "good", "concerns": ""}
    data.update(overrides)
    return data


def test_recording_a_visit_marks_it_done_and_recomputes_the_risk(client, worker, placed_case):
    placement = placed_case.placements.get()
    visit = placement.visits.order_by("planned_on").first()
    url = reverse("web:visit-record", args=[placed_case.pk, visit.pk])
    response = signed_in(client, worker).post(url, _visit_form(child_condition="serious_concerns",
                                                                 family_condition="serious_concerns",
                                                                 concerns="The carers shout at the child."), follow=True)
    assert response.status_code == 200
    visit.refresh_from_db()
    assert visit.done_on == timezone.localdate()
    assert b"The visit is recorded; the risk of return, recomputed, is high (" in response.content
    assert b"serious concerns about both the child and the family at the last visit" in response.content


def test_recording_a_visit_of_an_ended_placement_does_not_claim_a_recomputation(client, worker, placed_case):
    placement = placed_case.placements.get()
    visit = placement.visits.order_by("planned_on").first()
    placement.ended_on, placement.end_reason = max(visit.planned_on, timezone.localdate() - dt.timedelta(days=1)), "permanency"
    placement.save()
    url = reverse("web:visit-record", args=[placed_case.pk, visit.pk])
    response = signed_in(client, worker).post(url, _visit_form(done_on=visit.planned_on.isoformat()), follow=True)
    assert response.status_code == 200, response.content
    visit.refresh_from_db()
    assert visit.done_on == visit.planned_on
    assert b"The visit is recorded." in response.content
    assert b"recomputed" not in response.content


def test_visit_form_shows_the_error_next_to_the_field_and_keeps_the_input(client, worker, placed_case):
    visit = placed_case.placements.get().visits.order_by("planned_on").first()
    url = reverse("web:visit-record", args=[placed_case.pk, visit.pk])
    response = signed_in(client, worker).post(url, _visit_form(seen_by="", concerns="Typed concern text"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_seen_by_errors"' in html
    assert "Say who saw the child." in html
    assert "Typed concern text" in html
    visit.refresh_from_db()
    assert visit.done_on is None


def test_a_future_visit_date_is_refused_next_to_the_date(client, worker, placed_case):
    visit = placed_case.placements.get().visits.order_by("planned_on").first()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = signed_in(client, worker).post(reverse("web:visit-record", args=[placed_case.pk, visit.pk]),
                                              _visit_form(done_on=tomorrow))
    assert response.status_code == 400
    assert 'id="id_done_on_errors"' in response.content.decode()
    assert f'value="{tomorrow}"'.encode() in response.content


def test_moving_a_stage_calls_the_workflow(client, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    response = signed_in(client, worker).post(
        reverse("web:case-move", args=[case.pk]),
        {"to_stage": "available", "form_of_care": "guardianship", "expected_version": case.version, "reason": "Documents complete"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.AVAILABLE
    assert case.stage_changes.get().reason == "Documents complete"


def test_a_refused_move_shows_the_rule_next_to_the_field(client, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    response = signed_in(client, worker).post(
        reverse("web:case-move", args=[case.pk]), {"to_stage": "available", "expected_version": case.version, "reason": "x"},
    )
    assert response.status_code == 400
    assert b"Choose the form of care sought before the case becomes available." in response.content
    assert 'id="id_form_of_care_errors"' in response.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.REGISTERED


def test_ending_a_placement_with_a_return_reopens_the_case(client, worker, placed_case):
    placement = placed_case.placements.get()
    response = signed_in(client, worker).post(
        reverse("web:placement-end", args=[placed_case.pk, placement.pk]),
        {"ended_on": timezone.localdate().isoformat(), "end_reason": "returned", "return_reason": "family_conflict",
         "notes": "Carers gave up", "home": placed_case.child.current_home_id},
    )
    assert response.status_code == 302
    placement.refresh_from_db()
    placed_case.refresh_from_db()
    assert placement.end_reason == "returned"
    assert placed_case.stage == Stage.AVAILABLE


def test_a_return_without_its_reason_is_refused_next_to_the_field(client, worker, placed_case):
    placement = placed_case.placements.get()
    response = signed_in(client, worker).post(
        reverse("web:placement-end", args=[placed_case.pk, placement.pk]),
        {"ended_on": timezone.localdate().isoformat(), "end_reason": "returned", "notes": "Kept note"},
    )
    assert response.status_code == 400
    assert 'id="id_return_reason_errors"' in response.content.decode()
    assert b"Kept note" in response.content
    placement.refresh_from_db()
    assert placement.ended_on is None


def test_matching_page_ranks_families_with_explanations(client, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING,
                                 form_of_care="adoption")
    family = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit)
    factories.ApplicantFactory(family=family, last_name="Kassymova")
    response = signed_in(client, worker).get(reverse("web:case-matching", args=[case.pk]))
    assert response.status_code == 200
    assert b"Kassymova" in response.content
    assert b"same region as the child" in response.content


def test_inbox_lists_the_users_notifications_and_marks_one_read(client, worker, placed_case):
    note = Notification.objects.create(recipient=worker, kind="visit_overdue", subject_key="visit:1",
                                       title="Visit to Abenov overdue", case=placed_case)
    Notification.objects.create(recipient=factories.UserFactory(), kind="visit_overdue", subject_key="visit:2",
                                title="Someone else's reminder")
    signed_in(client, worker)
    response = client.get(reverse("web:inbox"))
    assert b"Visit to Abenov overdue" in response.content
    assert b"Someone else" not in response.content
    second = Notification.objects.create(recipient=worker, kind="visit_overdue", subject_key="visit:3", title="Another")
    assert '<span class="badge-count">2</span>' in client.get(reverse("web:inbox")).content.decode()
    # The page after marking read counts after the update, and says it was done.
    page = client.post(reverse("web:notification-read", args=[note.pk]), follow=True).content.decode()
    assert '<span class="badge-count">1</span>' in page and "The notification is marked as read." in page
    note.refresh_from_db()
    assert note.read_at is not None
    # With htmx: the row, and out of band the badge (none left) and the status line.
    swap = client.post(reverse("web:notification-read", args=[second.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert '<span id="unread-count" hx-swap-oob="true"></span>' in swap
    assert '<span id="menu-unread" hx-swap-oob="true"></span>' in swap  # the phone's menu button
    assert "The notification is marked as read." in swap and f'id="note-{second.pk}"' in swap


def test_language_switch_is_remembered_and_shows_kazakh_with_kazakh_dates(client, worker, placed_case):
    signed_in(client, worker)
    response = client.post(reverse("set_language"), {"language": "kk", "next": reverse("web:my-cases")}, follow=True)
    html = response.content.decode()
    assert "Менің істерім" in html
    assert placed_case.child.birth_date.strftime("%d.%m.%Y") in html
    # The choice is kept in the language cookie for the next pages.
    assert "Қайтару қаупі" in client.get(reverse("web:case", args=[placed_case.pk])).content.decode()


def test_russian_pages_show_russian_labels(client, worker, placed_case):
    signed_in(client, worker)
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    html = client.get(reverse("web:my-cases")).content.decode()
    assert "Мои дела" in html
    assert "Следующее посещение" in html


def test_inbox_shows_unread_notifications_first(client, worker):
    read = Notification.objects.create(recipient=worker, kind="visit_due", subject_key="visit:1", title="Old and read",
                                       read_at=timezone.now())
    Notification.objects.create(recipient=worker, kind="visit_due", subject_key="visit:2", title="Still unread")
    assert read.read_at is not None
    html = signed_in(client, worker).get(reverse("web:inbox")).content.decode()
    assert html.index("Still unread") < html.index("Old and read")


def test_my_cases_can_put_overdue_and_next_visits_first(client, worker, placed_case):
    # A case that moved stage later than the placed one: first by default, second by visits.
    factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__last_name="Zhumabaev",
                          stage_entered_at=timezone.now() + dt.timedelta(minutes=5))
    signed_in(client, worker)
    recent = client.get(reverse("web:my-cases")).content.decode()
    assert recent.index("Zhumabaev") < recent.index("Abenov")
    by_visit = client.get(reverse("web:my-cases"), {"order": "visit"}).content.decode()
    assert by_visit.index("Abenov") < by_visit.index("Zhumabaev")


def test_choosing_a_family_on_the_matching_page_fills_in_the_move_form(client, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING,
                                 form_of_care="adoption")
    family = factories.FamilyFactory(form_of_care="adoption")
    signed_in(client, worker)
    matching = client.get(reverse("web:case-matching", args=[case.pk])).content.decode()
    assert f'name="family" value="{family.pk}"' in matching
    chosen = client.post(reverse("web:case-acquaintance", args=[case.pk]), {"family": family.pk})
    assert chosen.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.ACQUAINTANCE
    matching = client.get(reverse("web:case-matching", args=[case.pk])).content.decode()
    link = f"{reverse('web:case', args=[case.pk])}?family={family.pk}#move"
    assert link in matching
    # The case has moved on: a neutral note with a way back, not a red error box.
    assert 'class="nonfield"' not in matching
    assert 'class="info-note"' in matching and "families are ranked only at the matching stage" in matching
    link = link.replace("&amp;", "&")
    page = client.get(link.split("#")[0]).content.decode()
    assert f'name="family" value="{family.pk}"' in page


def test_placing_from_the_case_page_records_the_decision_number(client, worker):
    from cases.services import approve_decision, transition_case

    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                 form_of_care="adoption")
    family = factories.FamilyFactory(form_of_care="adoption")
    case = transition_case(case=case, to_stage=Stage.DECISION, actor=worker, family=family)
    supervisor = factories.UserFactory(role="supervisor", unit=worker.unit.parent)
    case = approve_decision(case=case, actor=supervisor, approve=True)
    response = signed_in(client, worker).post(reverse("web:case-move", args=[case.pk]), {
        "to_stage": "placed", "expected_version": case.version, "decision_document_number": "2-1234/2026",
        "decision_date": timezone.localdate().isoformat(), "carer_relationship": "none",
    })
    assert response.status_code == 302
    placement = case.placements.get()
    assert placement.decision_document_number == "2-1234/2026"
    assert placement.family == family


def test_placing_before_approval_is_refused_above_the_form(client, worker):
    from cases.services import transition_case

    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                 form_of_care="adoption")
    case = transition_case(case=case, to_stage=Stage.DECISION, actor=worker, family=factories.FamilyFactory(form_of_care="adoption"))
    response = signed_in(client, worker).post(reverse("web:case-move", args=[case.pk]), {
        "to_stage": "placed", "expected_version": case.version, "decision_document_number": "typed-number",
        "decision_date": timezone.localdate().isoformat(), "carer_relationship": "none",
    })
    assert response.status_code == 400
    assert b"The decision needs a supervisor&#x27;s approval before placement." in response.content
    assert b'value="typed-number"' in response.content
    assert not case.placements.exists()


def test_before_approval_and_after_a_rejection_the_menu_offers_no_placement(client, worker, supervisor):
    from cases.services import approve_decision, transition_case

    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                 form_of_care="adoption")
    case = transition_case(case=case, to_stage=Stage.DECISION, actor=worker, family=factories.FamilyFactory(form_of_care="adoption"))
    signed_in(client, worker)
    offered = [c[0] for c in client.get(reverse("web:case", args=[case.pk])).context["move_form"].fields["to_stage"].choices]
    assert offered == ["", "matching", "acquaintance", "closed"]
    approve_decision(case=case, actor=supervisor, approve=False, reason="The home study is too old.")
    page = client.get(reverse("web:case", args=[case.pk]))
    offered = [c[0] for c in page.context["move_form"].fields["to_stage"].choices]
    assert offered == ["", "matching", "acquaintance", "closed"]
    approve_case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                         form_of_care="adoption")
    approve_case = transition_case(case=approve_case, to_stage=Stage.DECISION, actor=worker,
                                   family=factories.FamilyFactory(form_of_care="adoption"))
    approve_decision(case=approve_case, actor=supervisor, approve=True)
    offered = [c[0] for c in client.get(reverse("web:case", args=[approve_case.pk])).context["move_form"].fields["to_stage"].choices]
    assert "placed" in offered


def test_a_decision_review_is_an_entry_of_the_case_timeline(client, worker, supervisor):
    from cases.services import approve_decision, transition_case

    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                 form_of_care="adoption")
    family = factories.FamilyFactory(form_of_care="adoption")
    case = transition_case(case=case, to_stage=Stage.DECISION, actor=worker, family=family)
    approve_decision(case=case, actor=supervisor, approve=False, reason="The home study is too old.")
    case = transition_case(case=case, to_stage=Stage.ACQUAINTANCE, actor=worker, reason="The family renews its home study")
    case = transition_case(case=case, to_stage=Stage.DECISION, actor=worker, family=family)
    approve_decision(case=case, actor=supervisor, approve=True)
    timeline = signed_in(client, worker).get(reverse("web:case", args=[case.pk])).context["timeline"]
    reviews = [(e["title"], e["text"], e["who"]) for e in timeline if e["kind"] == "decision"]
    # Newest first, each review kept (not only the last one on the case row).
    assert reviews == [("Decision approved", "", supervisor), ("Decision rejected", "The home study is too old.", supervisor)]
    html = client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert "Decision rejected" in html and "The home study is too old." in html and supervisor.get_full_name() in html
def test_moving_the_child_to_another_family_keeps_the_case_placed(client, worker, placed_case):
    placement = placed_case.placements.get()
    other = factories.FamilyFactory(form_of_care=placement.form_of_care, responsible_unit=worker.unit)
    page = signed_in(client, worker).get(reverse("web:case", args=[placed_case.pk]))
    assert 'id="move-family"' in page.content.decode()
    response = client.post(reverse("web:placement-move", args=[placed_case.pk, placement.pk]),
                           {"family": other.pk, "moved_on": timezone.localdate().isoformat(), "reason": "Carer ill",
                            "carer_relationship": "none", **factories.placement_decision()})
    assert response.status_code == 302
    placement.refresh_from_db()
    placed_case.refresh_from_db()
    assert placement.end_reason == "moved" and placed_case.stage == Stage.PLACED
    assert placed_case.placements.get(ended_on__isnull=True).family == other


def test_a_move_to_the_same_family_is_refused_next_to_the_field(client, worker, placed_case):
    placement = placed_case.placements.get()
    response = signed_in(client, worker).post(reverse("web:placement-move", args=[placed_case.pk, placement.pk]),
                                              {"family": placement.family_id, "moved_on": timezone.localdate().isoformat(),
                                               "carer_relationship": "none", **factories.placement_decision()})
    assert response.status_code == 400
    assert "choose another family" in response.content.decode()


def test_a_child_back_in_care_gets_a_new_case_following_the_closed_one(client, worker):
    closed = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.CLOSED,
                                   outcome="reunified", closed_on=timezone.localdate() - dt.timedelta(days=30),
                                   opened_on=timezone.localdate() - dt.timedelta(days=200))
    page = signed_in(client, worker).get(reverse("web:case", args=[closed.pk]))
    assert 'id="reentry"' in page.content.decode()
    response = client.post(reverse("web:case-reentry", args=[closed.pk]), {"opened_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    new = closed.child.cases.get(follows=closed)
    assert response["Location"] == reverse("web:case", args=[new.pk])
    assert "follows case" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(("language", "computed"), [
    ("en", "Computed on 15 March 2026. The factors"),
    ("kk", "15 наурыз 2026 ж. есептелді. Бағаны көтерген факторлар:"),
    # The Russian date ends with its own period ('г.'): no second one ('2026 г..').
    ("ru", "Рассчитано 15 марта 2026 г. Факторы, повысившие оценку:"),
])
def test_the_risk_scores_date_ends_its_sentence_with_one_period(client, worker, placed_case, language, computed):
    from risk.models import PlacementRisk

    PlacementRisk.objects.filter(placement__case=placed_case).update(computed_on=dt.date(2026, 3, 15))
    client.cookies["django_language"] = language
    html = signed_in(client, worker).get(reverse("web:case", args=[placed_case.pk])).content.decode()
    assert computed in html
    assert "г.." not in html and "ж.." not in html
