"""A family whose approval is suspended by a change in the family (an applicant's death, divorce or
departure, a failed carer check) waits for a new home study: its page shows the suspension and why,
offers no "Ask the supervisor to approve the family" (families.services.request_approval refuses it,
approval_request_refusal) but the way out (the new home study, which lifts the suspension), and a
request posted anyway is refused with a message, never a 500."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from core.exceptions import DomainError
from families.services import (
    approval_certificates_refusal,
    approval_request_refusal,
    record_applicant_leaving,
    request_approval,
    update_family,
)
from tests import factories
from tests.pages import get

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
BUTTON = {"en": "Ask the supervisor to approve the family", "kk": "Отбасын басшыға мақұлдауға жіберу",
          "ru": "Направить семью руководителю на одобрение"}
CANNOT = {"en": "The approval cannot be asked for while it is suspended",
          "kk": "Мақұлдау тоқтатылған кезде отбасын мақұлдауға жіберуге болмайды",
          "ru": "Пока одобрение приостановлено, направить семью на одобрение нельзя"}
HOME_STUDY = {"en": "Record the new home study", "kk": "Жаңа тұрмыс жағдайын зерттеп-қарау актісін енгізу",
              "ru": "Внести новое обследование условий жизни"}
REFUSED = {"en": "The family&#x27;s approval is suspended (Sadykov Marat: death on",
           "kk": "Отбасының мақұлдануы жаңа тұрмыс жағдайын зерттеп-қарағанға дейін тоқтатылды (Sadykov Marat: қайтыс болды",
           "ru": "Одобрение семьи приостановлено (Sadykov Marat: смерть"}
LANGUAGES = pytest.mark.parametrize("language", ["en", "kk", "ru"])


def family_of(worker, **fields):
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region, **fields)
    factories.ApplicantFactory(family=family, position=1, last_name="Sadykova", first_name="Aigul")
    factories.ApplicantFactory(family=family, position=2, last_name="Sadykov", first_name="Marat", sex="M")
    return family


@pytest.fixture
def suspended(worker):
    """An approved family suspended two days ago: the second applicant died."""
    family = family_of(worker)
    return record_applicant_leaving(applicant=family.applicants.get(position=2), reason="death",
                                    on=TODAY() - dt.timedelta(days=2), actor=worker)


@LANGUAGES
def test_a_suspended_familys_page_shows_why_and_the_way_out_but_no_request(client, worker, suspended, language):
    html = get(client, worker, language, "web:family", suspended.pk)
    approval = html.split('id="approval"')[1].split("</section>")[0]
    assert BUTTON[language] not in approval
    assert reverse("web:family-approval-request", args=[suspended.pk]) not in html
    assert "Sadykov Marat" in approval and CANNOT[language] in approval
    assert HOME_STUDY[language] in approval and reverse("web:family-edit", args=[suspended.pk]) in approval
    # The link lands on the home study's date (focused by the browser: tests/e2e/test_family_change_e2e.py).
    assert f'href="{reverse("web:family-edit", args=[suspended.pk])}#id_home_study_issued_on"' in approval


@LANGUAGES
def test_an_approved_or_pending_familys_page_is_unchanged(client, worker, language):
    approved = family_of(worker)
    pending = family_of(worker, approval_status="under_assessment", approved_on=None, approval_expires_on=None)
    html = get(client, worker, language, "web:family", approved.pk)
    assert BUTTON[language] not in html and CANNOT[language] not in html
    html = get(client, worker, language, "web:family", pending.pk)
    assert BUTTON[language] in html and reverse("web:family-approval-request", args=[pending.pk]) in html
    assert CANNOT[language] not in html and HOME_STUDY[language] not in html


@LANGUAGES
def test_a_request_posted_for_a_suspended_family_is_refused_with_a_message(client, worker, suspended, language):
    client.force_login(worker)
    client.cookies["django_language"] = language
    response = client.post(reverse("web:family-approval-request", args=[suspended.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("web:family", args=[suspended.pk])
    html = client.get(response["Location"]).content.decode()
    assert REFUSED[language] in html
    suspended.refresh_from_db()
    assert (suspended.approval_status, suspended.approval_requested_at) == ("suspended", None)


def test_the_service_refuses_a_suspended_family_and_a_new_home_study_lifts_it(worker, suspended):
    with pytest.raises(DomainError, match="until a new home study"):
        request_approval(family=suspended, actor=worker)
    # An earlier home study (before the suspension) cannot lift it: refused beside its field.
    with pytest.raises(DomainError, match="issued before the change") as refused:
        update_family(family=suspended, actor=worker, home_study_issued_on=TODAY() - dt.timedelta(days=3))
    assert refused.value.field == "home_study_issued_on"
    suspended.refresh_from_db()
    assert suspended.approval_status == "suspended" and approval_request_refusal(suspended)
    update_family(family=suspended, actor=worker, home_study_issued_on=TODAY(),
                  home_study_expires_on=TODAY() + dt.timedelta(days=365))
    suspended.refresh_from_db()
    # The old approval was still in date, but it no longer stands: under assessment, to be sent for approval.
    assert (suspended.approval_status, suspended.suspended_on, suspended.suspension_kind, suspended.suspension_code,
            suspended.suspension_applicant_id, suspended.suspension_applicant_name) == (
        "under_assessment", None, "", "", None, "")
    assert (suspended.approved_on, suspended.approval_expires_on) == (None, None)
    assert approval_request_refusal(suspended) == ""


def test_after_a_new_home_study_an_expired_approval_may_be_asked_for_again(client, worker):
    family = family_of(worker, approved_on=TODAY() - dt.timedelta(days=400), approval_expires_on=TODAY() + dt.timedelta(days=1))
    record_applicant_leaving(applicant=family.applicants.get(position=2), reason="death", on=TODAY(), actor=worker)
    family.refresh_from_db()
    family.approval_expires_on = TODAY() - dt.timedelta(days=1)  # the approval ran out meanwhile
    family.save()
    update_family(family=family, actor=worker, home_study_issued_on=TODAY())
    family.refresh_from_db()
    assert family.approval_status == "under_assessment" and approval_request_refusal(family) == ""
    assert BUTTON["en"] in get(client, worker, "en", "web:family", family.pk)
    request_approval(family=family, actor=worker)


def test_a_status_suspended_without_a_recorded_change_may_still_be_sent(client, worker):
    """Imported as "suspended" with no change recorded: nothing for a home study to lift, the service takes
    the request (as before), so the page offers it."""
    family = family_of(worker, approval_status="suspended")
    assert approval_request_refusal(family) == ""
    assert BUTTON["en"] in get(client, worker, "en", "web:family", family.pk)
    request_approval(family=family, actor=worker)


def test_a_change_withdraws_a_request_waiting_and_the_supervisor_no_longer_sees_it(client, worker, supervisor):
    family = family_of(worker, approval_status="under_assessment", approved_on=None, approval_expires_on=None)
    request_approval(family=family, actor=worker)
    record_applicant_leaving(applicant=family.applicants.get(position=2), reason="divorce", on=TODAY(), actor=worker)
    family.refresh_from_db()
    assert (family.approval_status, family.approval_requested_at) == ("suspended", None)
    html = get(client, worker, "en", "web:family", family.pk)
    assert "Waiting for the supervisor" not in html and CANNOT["en"] in html
    client.force_login(supervisor)
    waiting = [item["family"].pk for item in client.get(reverse("web:family-approvals")).context["waiting"]]
    assert family.pk not in waiting


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_suspended_family_still_waiting_from_before_cannot_be_approved(client, worker, supervisor, suspended, language):
    """A request left waiting by a suspension recorded before changes withdrew it: the supervisor may refuse
    it (the family stays suspended, the request closed) but not approve it; neither is a 500."""
    from families.models import Family

    Family.objects.filter(pk=suspended.pk).update(approval_requested_at=timezone.now())
    client.force_login(supervisor)
    client.cookies["django_language"] = language
    response = client.post(reverse("web:family-approval-decide", args=[suspended.pk]), {"approve": "1"})
    assert response.status_code == 400
    assert {"en": "The family&#x27;s approval is suspended (Sadykov Marat: death on",
            "ru": "Одобрение семьи приостановлено (Sadykov Marat: смерть"}[language] in response.content.decode()
    suspended.refresh_from_db()
    assert suspended.approval_status == "suspended"
    response = client.post(reverse("web:family-approval-decide", args=[suspended.pk]), {"approve": "0", "reason": "Divorce."})
    assert response.status_code == 302
    suspended.refresh_from_db()
    assert (suspended.approval_status, suspended.approval_requested_at) == ("suspended", None)
    assert suspended.approval_decisions.get().approved is False


@LANGUAGES
def test_an_expired_home_study_is_said_on_the_page_instead_of_offering_the_request(client, worker, language):
    """The certificates request_approval would refuse on the day are said before the click: the page
    names the expired home study with the way to the record, and offers no request it would refuse."""
    family = family_of(worker, approval_status="applied", home_study_expires_on=TODAY() - dt.timedelta(days=1))
    html = get(client, worker, language, "web:family", family.pk)
    approval = html.split('id="approval"')[1].split("</section>")[0]
    assert BUTTON[language] not in approval
    assert reverse("web:family-approval-request", args=[family.pk]) not in html
    with translation.override(language):
        expected = approval_certificates_refusal(family, TODAY())
    assert expected and escape(expected) in approval
    assert 'id="approval-certificates"' in approval and reverse("web:family-edit", args=[family.pk]) in approval
    with translation.override("en"), pytest.raises(DomainError) as refused:
        request_approval(family=family, actor=worker)
    with translation.override("en"):
        assert approval_certificates_refusal(family, TODAY()) in str(refused.value)


def test_saving_the_record_with_the_home_study_it_already_had_lifts_nothing(worker):
    """A home study issued the very day of the change, saved again with the record's other fields, is
    not a new one: the family stays suspended (before, any save on the record lifted it)."""
    family = family_of(worker, home_study_issued_on=TODAY() - dt.timedelta(days=2))
    record_applicant_leaving(applicant=family.applicants.get(position=2), reason="death",
                             on=TODAY() - dt.timedelta(days=2), actor=worker)
    update_family(family=family, actor=worker, home_study_issued_on=TODAY() - dt.timedelta(days=2), address="Astana, Mangilik El 8")
    family.refresh_from_db()
    assert (family.approval_status, family.suspended_on) == ("suspended", TODAY() - dt.timedelta(days=2))
    assert family.address == "Astana, Mangilik El 8"
