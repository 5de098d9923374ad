"""What a supervisor sees and may do on the families waiting for approval (/families/approvals/ and
POST /api/v1/families/<id>/approve/), in kk/ru/en:

- the carers' check's state in the table (passed on a date, failed, none recorded); a failed check
  standing refuses the approval (the message beside the decision, the API's 400), none recorded is a
  warning shown before the click (DOMAIN.md makes the home study and the training certificate, not a
  carers' check, the approval's conditions: families.services.carer_check_approval_warning);
- the approval's expiry offered and by default the earlier of the usual term and the certificate that
  expires first, and never later than it (beside the field, the API's 400);
- a family whose approval was asked for is "awaiting approval" on the families list and its page, not
  "under assessment" like a family never sent;
- the reason box's hint a visible label, whole in every language (the browser test measures it)."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from core.dates import day_text
from families.models import ApprovalDecision, Family
from families.services import decide_approval, default_approval_expiry, request_approval
from tests import factories
from tests.pages import get

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
LANGUAGES = ["kk", "ru", "en"]


def waiting_family(worker, **fields) -> Family:
    """A couple of the worker's unit, certificates valid for a year, sent for approval."""
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region,
                                     approval_status="under_assessment", approved_on=None, approval_expires_on=None,
                                     **fields)
    factories.ApplicantFactory(family=family, position=1, last_name="Tulegenova", first_name="Saule")
    request_approval(family=family, actor=worker)
    family.refresh_from_db()
    return family


def short(day: dt.date, language: str) -> str:
    with translation.override(language):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def text(message: str, language: str, **values) -> str:
    with translation.override(language):
        return translation.gettext(message) % values if values else translation.gettext(message)


def row(html: str, family: Family) -> str:
    start = html.index(f'<tr id="family-{family.pk}">')
    return html[start:html.index("</tr>", start)]


def stand_failed_check(family: Family) -> None:
    """A failed check standing on a family still waiting (an import, or a request made before the rule):
    request_approval refuses such a family, record_carer_check suspends it and withdraws the request."""
    Family.objects.filter(pk=family.pk).update(carer_check_failure="conviction",
                                               carer_check_failed_on=TODAY() - dt.timedelta(days=3))


# ---- 1. the carers' check ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_table_shows_each_familys_carers_check_passed_failed_or_none(client, worker, supervisor, language):
    checked_on = TODAY() - dt.timedelta(days=40)
    passed = waiting_family(worker, carer_checked_on=checked_on, carer_recheck_due_on=checked_on + dt.timedelta(days=365))
    none = waiting_family(worker)
    failed = waiting_family(worker)
    stand_failed_check(failed)
    html = get(client, supervisor, language, "web:family-approvals")
    assert text("Carers' check", language) in html
    assert text("passed on %(date)s", language, date=short(checked_on, language)) in row(html, passed)
    assert text("none recorded", language) in row(html, none)
    failed_row = row(html, failed)
    assert text("failed on %(date)s", language, date=short(TODAY() - dt.timedelta(days=3), language)) in failed_row
    with translation.override(language):
        assert str(Family.objects.get(pk=failed.pk).get_carer_check_failure_display()) in failed_row


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_recheck_past_its_day_says_the_day_it_was_due(client, worker, supervisor, language):
    """The day the next check fell due, named as such: "overdue since" that day was a day early."""
    checked_on = TODAY() - dt.timedelta(days=400)
    due = checked_on + dt.timedelta(days=365)
    family = waiting_family(worker, carer_checked_on=checked_on, carer_recheck_due_on=due)
    html = row(get(client, supervisor, language, "web:family-approvals"), family)
    assert text("next check was due on %(date)s", language, date=short(due, language)) in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_family_without_a_carers_check_is_warned_of_beside_the_approval_and_in_its_question(
        client, worker, supervisor, language):
    family = waiting_family(worker)
    warning = text("No carers' check is recorded for this family: check the carers before approving it.", language)
    html = row(get(client, supervisor, language, "web:family-approvals"), family)
    assert f'id="carer-warning-{family.pk}"' in html and warning.replace("'", "&#x27;") in html
    question = text("Approve family № %(n)s?", language, n=family.pk)
    assert f'data-confirm="{warning} {question}"'.replace("'", "&#x27;") in html
    # A warning, not a refusal: the supervisor who checked may approve.
    client.post(reverse("web:family-approval-decide", args=[family.pk]), {"approve": "1"})
    family.refresh_from_db()
    assert family.approval_status == "approved"


def test_a_family_with_a_passed_carers_check_has_no_warning(client, worker, supervisor):
    family = waiting_family(worker, carer_checked_on=TODAY() - dt.timedelta(days=5),
                            carer_recheck_due_on=TODAY() + dt.timedelta(days=360))
    html = row(get(client, supervisor, "en", "web:family-approvals"), family)
    assert "carer-warning" not in html and "carer-refusal" not in html
    assert f'data-confirm="Approve family №\u00a0{family.pk}?"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failed_carers_check_standing_refuses_the_approval_on_the_page(client, worker, supervisor, language):
    family = waiting_family(worker)
    stand_failed_check(family)
    with translation.override(language):
        failure = str(Family.objects.get(pk=family.pk).get_carer_check_failure_display())
    html = row(get(client, supervisor, language, "web:family-approvals"), family)
    assert f'id="carer-refusal-{family.pk}"' in html and failure in html
    assert 'name="approve" value="1"' not in html  # not offered; refusing still is
    assert 'name="approve" value="0"' in html
    response = client.post(reverse("web:family-approval-decide", args=[family.pk]), {"approve": "1"},
                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert failure in row(response.content.decode(), family)
    family.refresh_from_db()
    assert (family.approval_status, ApprovalDecision.objects.filter(family=family).exists()) == ("under_assessment", False)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_api_refuses_to_approve_a_family_with_a_failed_carers_check_standing(api_client, worker, supervisor,
                                                                                 language):
    family = waiting_family(worker)
    stand_failed_check(family)
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"/api/v1/families/{family.pk}/approve/", {}, format="json",
                               HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    with translation.override(language):
        failure = str(Family.objects.get(pk=family.pk).get_carer_check_failure_display())
    message = text("A failed carers' check stands (%(failure)s, %(date)s): such a carer is removed or barred, so the "
                   "family cannot be approved. A carers' check that passes must be recorded first.", language,
                   failure=failure, date="")
    [said] = response.json()["non_field_errors"]
    assert said.startswith(message.split("%")[0].split("(")[0]) and failure in said
    family.refresh_from_db()
    assert family.approval_status == "under_assessment" and family.approval_requested_at is not None
    # Refusing it is still possible.
    assert api_client.post(f"/api/v1/families/{family.pk}/refuse/", {"reason": "Conviction."},
                           format="json").status_code == 200


def test_the_service_approves_a_family_without_a_carers_check(worker, supervisor):
    family = waiting_family(worker)
    decision = decide_approval(family=family, actor=supervisor, approve=True)
    assert decision.approved


# ---- 2. the approval's expiry -----------------------------------------------------------------------


def test_the_expiry_offered_is_the_usual_term_cut_to_the_certificate_that_expires_first(client, worker, supervisor):
    usual = TODAY() + dt.timedelta(days=settings.FAMILY_APPROVAL_VALID_DAYS)
    home_study_first = waiting_family(worker, home_study_expires_on=usual - dt.timedelta(days=4),
                                      training_expires_on=usual + dt.timedelta(days=30))
    training_first = waiting_family(worker, home_study_expires_on=usual - dt.timedelta(days=4),
                                    training_expires_on=usual - dt.timedelta(days=10))
    both_later = waiting_family(worker, home_study_expires_on=usual + dt.timedelta(days=30),
                                training_expires_on=usual + dt.timedelta(days=31))
    html = get(client, supervisor, "en", "web:family-approvals")
    for family, offered, limit in ((home_study_first, usual - dt.timedelta(days=4), usual - dt.timedelta(days=4)),
                                   (training_first, usual - dt.timedelta(days=10), usual - dt.timedelta(days=10)),
                                   (both_later, usual, usual + dt.timedelta(days=30))):
        assert default_approval_expiry(family, TODAY()) == offered
        assert (f'name="expires_on" value="{offered.isoformat()}" min="{TODAY().isoformat()}" '
                f'max="{limit.isoformat()}"') in row(html, family)


def test_an_approval_without_a_date_ends_with_the_home_study_when_it_expires_first(api_client, client, worker,
                                                                                   supervisor):
    expiry = TODAY() + dt.timedelta(days=200)
    by_api, by_page = (waiting_family(worker, home_study_expires_on=expiry) for _ in range(2))
    api_client.force_authenticate(supervisor)
    body = api_client.post(f"/api/v1/families/{by_api.pk}/approve/", {}, format="json").json()
    assert body["approval_expires_on"] == expiry.isoformat()
    client.force_login(supervisor)
    client.post(reverse("web:family-approval-decide", args=[by_page.pk]), {"approve": "1", "expires_on": ""})
    by_page.refresh_from_db()
    assert by_page.approval_expires_on == expiry


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_expiry_after_the_home_studys_is_refused_beside_the_field(api_client, client, worker, supervisor,
                                                                     language):
    expiry = TODAY() + dt.timedelta(days=200)
    family = waiting_family(worker, home_study_expires_on=expiry)
    later = (expiry + dt.timedelta(days=1)).isoformat()
    with translation.override(language):
        message = translation.gettext(
            "The approval cannot outlast the family's %(document)s, which expires on %(date)s: choose that day or an "
            "earlier one.") % {"document": translation.gettext("home study"),
                               "date": day_text(expiry)}
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"/api/v1/families/{family.pk}/approve/", {"expires_on": later}, format="json",
                               HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json() == {"expires_on": [message]}
    client.force_login(supervisor)
    response = client.post(reverse("web:family-approval-decide", args=[family.pk]),
                           {"approve": "1", "expires_on": later}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    html = row(response.content.decode(), family)
    field = html.index('name="expires_on"')
    assert html.index(message.replace("'", "&#x27;"), field) > field  # under the date it is about
    family.refresh_from_db()
    assert family.approval_status == "under_assessment"
    # The last day itself is allowed.
    assert api_client.post(f"/api/v1/families/{family.pk}/approve/", {"expires_on": expiry.isoformat()},
                           format="json").status_code == 200


# ---- 3. "awaiting approval" ---------------------------------------------------------------------------

AWAITING = {"kk": "мақұлдауды күтуде", "ru": "ожидает одобрения", "en": "awaiting approval"}
UNDER_ASSESSMENT = {"kk": "тексерілуде", "ru": "на проверке", "en": "under assessment"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_family_sent_for_approval_is_awaiting_approval_not_under_assessment(client, worker, language):
    sent = waiting_family(worker)
    never_sent = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region,
                                         approval_status="under_assessment", approved_on=None, approval_expires_on=None)
    listed = get(client, worker, language, "web:families")
    sent_row = listed[listed.index(f'href="/families/{sent.pk}/"'):]
    sent_row = sent_row[:sent_row.index("</tr>")]
    never_row = listed[listed.index(f'href="/families/{never_sent.pk}/"'):]
    never_row = never_row[:never_row.index("</tr>")]
    assert f'<span class="badge stage">{AWAITING[language]}</span>' in sent_row
    assert f'<span class="badge stage">{UNDER_ASSESSMENT[language]}</span>' in never_row
    detail = get(client, worker, language, "web:family", sent.pk)
    assert f'<span class="badge stage">{AWAITING[language]}</span>' in detail
    assert f'<span class="badge stage">{UNDER_ASSESSMENT[language]}</span>' not in detail  # the history keeps the stored one
    approval = text("Approval", language)
    assert f"<dt>{approval}</dt><dd>{AWAITING[language]}" in detail
    # Decided, it is what the decision made it.
    client.force_login(worker)
    Family.objects.filter(pk=sent.pk).update(approval_requested_at=None)
    assert AWAITING[language] not in get(client, worker, language, "web:family", sent.pk)


# ---- 4. the reason box --------------------------------------------------------------------------------

REASON_HINT = {"kk": "Себебі (бас тартқанда міндетті)", "ru": None, "en": "Reason (required to refuse)"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reason_box_says_when_it_is_required_in_a_label_not_a_placeholder(client, worker, supervisor, language):
    family = waiting_family(worker)
    hint = REASON_HINT[language] or text("Reason (required to refuse)", language)
    html = row(get(client, supervisor, language, "web:family-approvals"), family)
    assert f'<label for="reason-{family.pk}" class="small">{hint}</label>' in html
    assert f'<textarea name="reason" rows="1" id="reason-{family.pk}">' in html and "placeholder" not in html
