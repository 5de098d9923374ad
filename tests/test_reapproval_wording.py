"""What the family's approval texts say, in kk/ru/en:

- a suspended family's badge (the family's page, a placement's family on the case's page) and the message
  after a change is recorded say that, once lifted, a supervisor must approve the family again
  (families.reasons.SUSPENDED_UNTIL; lifted, the family is under assessment, not approved);
- the approval's last-day hint on the approvals list names the certificate that sets it, as the refusal
  of a later expiry does (web.views.families._waiting_item, families.services.approval_expiry_limit);
- the API's family has a label for its approval status, "awaiting approval" included
  (FamilyOutputSerializer.approval_status_label, Family.approval_status_label)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from cases.models import Stage
from families.models import ApprovalStatus, Family
from families.services import request_approval
from risk.services import record_family_change
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
LANGUAGES = ("kk", "ru", "en")
# "…; then a supervisor must approve the family again." as each language says it.
AGAIN = {"kk": "содан кейін отбасын басшы қайта мақұлдауы керек.",
         "ru": "затем семью должен снова одобрить руководитель.",
         "en": "then a supervisor must approve the family again."}
UNTIL_CHECK = {"kk": "тәрбиешіні тексеру сәтті өткенге дейін тоқтатылды",
               "ru": "до пройденной проверки воспитателя",
               "en": "until a carer check that passes"}
# The messages after a change recorded with no child placed (web.views.families.record_change).
CHANGE_RECORDED = ("The change is recorded: the family's approval is suspended until a new home study, then a "
                   "supervisor must approve the family again; the supervisors are told.")
CHECK_RECORDED = ("The failed carer check is recorded: the family's approval is suspended until a carers' check that "
                  "passes, then a supervisor must approve the family again; the supervisors are told.")
UNTIL_STUDY = {"kk": "жаңа тұрмыс жағдайын зерттеп-қарағанға дейін тоқтатылды",
               "ru": "до нового обследования условий жизни",
               "en": "until a new home study"}


def couple(worker) -> tuple[Family, object]:
    family = factories.FamilyFactory(region=worker.unit.region, responsible_unit=worker.unit)
    factories.ApplicantFactory(family=family, position=1, last_name="Sadykova")
    second = factories.ApplicantFactory(family=family, position=2, last_name="Sadykov", first_name="Marat", sex="M")
    return family, second


def get(client, user, path: str, language: str) -> str:
    client.force_login(user)
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode().replace("&#x27;", "'")


def badges(html: str) -> list[str]:
    parts = html.split('<span class="badge overdue long">')[1:]
    return [part[:part.index("</span>")] for part in parts]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failed_checks_badge_says_a_supervisor_approves_again_on_the_family_and_case_pages(client, worker, language):
    family, second = couple(worker)
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED,
                                 child__region=worker.unit.region, form_of_care=family.form_of_care)
    factories.PlacementFactory(case=case, child=case.child, family=family)
    record_family_change(family=family, kind="conviction", applicant=second, on=TODAY() - dt.timedelta(days=1),
                         actor=worker)
    for path in (reverse("web:family", args=[family.pk]), reverse("web:case", args=[case.pk])):
        said = [b for b in badges(get(client, worker, path, language)) if UNTIL_CHECK[language] in b]
        assert len(said) == 1 and said[0].endswith(AGAIN[language]), (path, said)
        assert "Sadykov Marat" in said[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_leavings_badge_and_the_message_say_it_too(client, worker, language):
    family, second = couple(worker)
    client.force_login(worker)
    response = client.post(reverse("web:family-change", args=[family.pk]),
                           {"kind": "death", "applicant": second.pk, "on": TODAY().isoformat()},
                           HTTP_ACCEPT_LANGUAGE=language, follow=True)
    html = response.content.decode().replace("&#x27;", "'")
    (badge,) = [b for b in badges(html) if UNTIL_STUDY[language] in b]
    assert badge.endswith(AGAIN[language])
    with translation.override(language):
        message = _(CHANGE_RECORDED)
    assert message in html and AGAIN[language].rstrip(".") in message


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_failed_check_message_says_it(client, worker, language):
    family, second = couple(worker)
    client.force_login(worker)
    response = client.post(reverse("web:family-change", args=[family.pk]),
                           {"kind": "carer_check", "failure": "conviction", "applicant": second.pk,
                            "on": TODAY().isoformat()}, HTTP_ACCEPT_LANGUAGE=language, follow=True)
    with translation.override(language):
        message = _(CHECK_RECORDED)
    assert message in response.content.decode().replace("&#x27;", "'")
    assert AGAIN[language].rstrip(".") in message


# ---- the approval's last day -----------------------------------------------------------------------------

DOCUMENT = {"kk": {"home study": "тұрмыс жағдайын зерттеп-қарау актісі",
                   "training certificate": "қабылдаушы ата-аналар мектебінің куәлігі"},
            "ru": {"home study": "обследование условий жизни",
                   "training certificate": "свидетельство школы приёмных родителей"},
            "en": {"home study": "home study", "training certificate": "training certificate"}}


def waiting(worker, **fields) -> Family:
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region,
                                     approval_status="under_assessment", approved_on=None, approval_expires_on=None,
                                     **fields)
    factories.ApplicantFactory(family=family, position=1)
    request_approval(family=family, actor=worker)
    return family


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("first", ["home study", "training certificate"])
def test_the_last_days_hint_names_the_certificate_the_refusal_names(client, worker, supervisor, language, first):
    soon, later = TODAY() + dt.timedelta(days=100), TODAY() + dt.timedelta(days=300)
    family = waiting(worker, home_study_expires_on=soon if first == "home study" else later,
                     training_expires_on=soon if first == "training certificate" else later)
    document = DOCUMENT[language][first]
    with translation.override(language):
        day = formats.date_format(soon, "SHORT_DATE_FORMAT")
    html = get(client, supervisor, reverse("web:family-approvals"), language)
    hint = html[html.index(f'id="expires-limit-{family.pk}">') + len(f'id="expires-limit-{family.pk}">'):]
    hint = hint[:hint.index("</div>")]
    assert day in hint and document in hint
    for other in DOCUMENT[language].values():
        assert other == document or other not in hint
    # The refusal of a later day names the same certificate.
    response = client.post(reverse("web:family-approval-decide", args=[family.pk]),
                           {"approve": "1", "reason": "", "expires_on": (soon + dt.timedelta(days=1)).isoformat()},
                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    refused = response.content.decode().replace("&#x27;", "'")
    errors = refused[refused.index('id="expires-limit-'):]
    errors = errors[errors.index('<ul class="errorlist">'):errors.index("</ul>")]
    assert document in errors and day in errors


# ---- the API's label ------------------------------------------------------------------------------------

AWAITING = {"kk": "мақұлдауды күтуде", "ru": "ожидает одобрения", "en": "awaiting approval"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_apis_family_labels_awaiting_approval_as_it_labels_the_other_statuses(api_client, worker, language):
    sent = waiting(worker)
    others = {status: factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region,
                                              approval_status=status,
                                              **({} if status == "approved" else {"approved_on": None,
                                                                                   "approval_expires_on": None}))
              for status in ApprovalStatus.values if status != "suspended"}
    api_client.force_authenticate(worker)

    def label(family: Family) -> dict:
        response = api_client.get(f"/api/v1/families/{family.pk}/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return response.json()

    answer = label(sent)
    assert (answer["approval_status"], answer["approval_status_label"]) == ("under_assessment", AWAITING[language])
    for status, family in others.items():
        with translation.override(language):
            expected = str(ApprovalStatus(status).label)
        assert label(family)["approval_status_label"] == expected
    # The list gives the same labels.
    listed = api_client.get("/api/v1/families/", HTTP_ACCEPT_LANGUAGE=language).json()
    rows = {row["id"]: row["approval_status_label"] for row in listed["results"]}
    assert rows[sent.pk] == AWAITING[language]
    assert rows[others["under_assessment"].pk] != AWAITING[language]
