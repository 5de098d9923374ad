"""An applicant who died or left (families.services.record_applicant_leaving) is no longer one of the
family's applicants: the family is named by the applicants still in it (Family.__str__) everywhere it
is named (its page and edit form, the families list, the supervisor's approvals and dashboard, the
case page, matching, the case-file PDF, the visit kit, the API), while the one who left stays in the
record: on the family's page apart, with how and when, and in its history; never edited, dropped or
overwritten by the family's edit form (families.services.update_family)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cases.models import Stage
from core.exceptions import DomainError
from families.models import Applicant, Family
from families.services import record_applicant_leaving, request_approval, update_family
from matching.selectors import rank_families
from tests import factories
from web.selectors import families_with_certificates_between

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
LANGUAGES = pytest.mark.parametrize("language", ["en", "kk", "ru"])
AIGUL_IIN = factories.valid_iin(dt.date(1985, 3, 4), "F", 7)
MARAT_IIN = factories.valid_iin(dt.date(1983, 5, 6), "M", 7)
OLEG_IIN = factories.valid_iin(dt.date(1980, 1, 1), "M", 7)
LEFT = {"en": "Left the family", "kk": "Отбасынан шыққандар", "ru": "Выбывшие из семьи"}
# The badge of Sadykov Marat, who died (families.models.LEFT_FAMILY_BADGES): a label, not "death 2 November".
DEATH = {"en": "Died on ", "kk": " қайтыс болды", "ru": "Умер "}


def couple(worker, **fields) -> Family:
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region, **fields)
    factories.ApplicantFactory(family=family, position=1, last_name="Sadykova", first_name="Aigul", sex="F",
                               birth_date=dt.date(1985, 3, 4), iin=AIGUL_IIN)
    factories.ApplicantFactory(family=family, position=2, last_name="Sadykov", first_name="Marat", sex="M",
                               birth_date=dt.date(1983, 5, 6), iin=MARAT_IIN)
    return family


@pytest.fixture
def widowed(worker) -> Family:
    """A couple whose second applicant, Sadykov Marat, died two days ago: the family is suspended."""
    family = couple(worker)
    return record_applicant_leaving(applicant=family.applicants.get(position=2), reason="death",
                                    on=TODAY() - dt.timedelta(days=2), actor=worker)


def reapproved(worker) -> Family:
    """A couple one of whom left, approved again since (a new home study, a supervisor's decision):
    the family is in matching and the dashboard again, with one applicant."""
    family = couple(worker)
    Applicant.objects.filter(family=family, position=2).update(left_family_reason="departure",
                                                                left_family_on=TODAY() - dt.timedelta(days=60))
    return family


def test_the_familys_name_is_its_current_applicants(widowed):
    assert str(Family.objects.get(pk=widowed.pk)) == "Sadykova Aigul"
    Applicant.objects.filter(family=widowed, position=1).update(left_family_reason="death", left_family_on=TODAY())
    assert str(Family.objects.get(pk=widowed.pk)) == f"Family №\u00a0{widowed.pk}"


@LANGUAGES
def test_the_familys_page_names_the_family_without_the_one_who_left_and_keeps_them_apart(client, worker, widowed,
                                                                                         language):
    client.force_login(worker)
    client.cookies["django_language"] = language
    html = client.get(reverse("web:family", args=[widowed.pk])).content.decode()
    title = html.split("<h1>")[1].split("<span")[0]
    assert "Sadykova Aigul" in title and "Sadykov Marat" not in title and "&amp;" not in title
    applicants = html.split("</h1>")[1].split('id="departed-applicants"')[0]
    assert "Sadykova Aigul" in applicants and "Sadykov Marat" not in applicants
    assert f"<h3>{LEFT[language]}</h3>" in applicants
    departed = html.split('id="departed-applicants"')[1].split("</table>")[0]
    assert "Sadykov Marat" in departed and DEATH[language] in departed and MARAT_IIN in departed


@LANGUAGES
def test_the_edit_form_edits_only_the_applicant_still_in_the_family(client, worker, widowed, language):
    client.force_login(worker)
    client.cookies["django_language"] = language
    html = client.get(reverse("web:family-edit", args=[widowed.pk])).content.decode()
    form = html.split('id="departed-applicants"')[1]
    assert LEFT[language] in html.split('id="departed-applicants"')[1].split("</h2>")[0]
    assert "Sadykov Marat" in form.split("</div>")[0]  # shown, as recorded
    assert 'name="a1-last_name"' in html and 'value="Sadykova"' in html
    assert 'name="a2-last_name"' not in html and 'value="Sadykov"' not in html and MARAT_IIN not in html.split(
        "</ul>", 1)[1]


def edit_data(family: Family, **applicant: str) -> dict:
    data = {name: "" if getattr(family, name) is None else getattr(family, name) for name in (
        "address", "form_of_care", "applied_on", "preferred_age_min", "preferred_age_max", "preferred_sex", "max_siblings",
        "max_health_needs", "home_study_issued_on", "home_study_expires_on", "training_certificate_number",
        "training_issued_on", "training_expires_on", "psychological_training_certificate_number",
        "psychological_training_issued_on")}
    data["region"] = family.region_id
    person = {"last_name": "Sadykova", "first_name": "Aigul", "patronymic": "", "birth_date": "1985-03-04", "sex": "F",
              "iin": AIGUL_IIN, **applicant}
    return {**data, **{f"a1-{k}": v for k, v in person.items()}, "reason": ""}


def test_saving_the_edit_form_keeps_the_one_who_left_as_recorded(client, worker, widowed):
    client.force_login(worker)
    response = client.post(reverse("web:family-edit", args=[widowed.pk]), edit_data(widowed, first_name="Aigul-Marat"))
    assert response.status_code == 302
    first, second = Applicant.objects.filter(family=widowed).order_by("position")
    assert (first.first_name, first.left_family_reason) == ("Aigul-Marat", "")
    assert (str(second), second.iin, second.left_family_reason) == ("Sadykov Marat", MARAT_IIN, "death")
    assert Family.objects.get(pk=widowed.pk).suspension_applicant_id == second.pk


def test_the_iin_of_the_one_who_left_is_refused_beside_the_field(client, worker, widowed):
    client.force_login(worker)
    response = client.post(reverse("web:family-edit", args=[widowed.pk]),
                           edit_data(widowed, last_name="Sadykov", first_name="Marat", sex="M", birth_date="1983-05-06",
                                     iin=MARAT_IIN))
    assert response.status_code == 400
    assert "who left the family" in response.content.decode().split('id="id_a1-iin_errors"')[1].split("</ul>")[0]
    assert str(Applicant.objects.get(family=widowed, position=1)) == "Sadykova Aigul"


def test_update_family_keeps_a_departed_applicants_place(worker, widowed):
    person = {"last_name": "Ivanov", "first_name": "Oleg", "patronymic": "", "birth_date": dt.date(1980, 1, 1),
              "sex": "M", "iin": OLEG_IIN}
    aigul = {"last_name": "Sadykova", "first_name": "Aigul", "patronymic": "", "birth_date": dt.date(1985, 3, 4),
             "sex": "F", "iin": AIGUL_IIN}
    with pytest.raises(DomainError) as refused:
        update_family(family=widowed, actor=worker, applicants=[aigul, person])
    assert refused.value.field == "applicants"
    # The one still in the family leaves too: no one is left to edit, and a new person is a new family.
    record_applicant_leaving(applicant=Applicant.objects.get(family=widowed, position=1), reason="departure",
                             on=TODAY(), actor=worker)
    with pytest.raises(DomainError):
        update_family(family=widowed, actor=worker, applicants=[person])
    update_family(family=widowed, actor=worker, applicants=None, address="Astana")
    assert sorted(Applicant.objects.filter(family=widowed).values_list("left_family_reason", flat=True)) == [
        "death", "departure"]


def test_the_families_list_names_the_family_without_the_one_who_left(client, worker, widowed):
    client.force_login(worker)
    html = client.get(reverse("web:families")).content.decode()
    assert "Sadykova Aigul" in html and "Sadykov Marat" not in html
    # Found by the name of the one who left (the record keeps them), named without them.
    html = client.get(reverse("web:families"), {"q": "Marat"}).content.decode()
    assert f'href="{reverse("web:family", args=[widowed.pk])}"' in html and "Sadykov Marat" not in html


def test_the_supervisors_approvals_and_dashboard_name_the_family_without_the_one_who_left(client, worker, supervisor):
    family = reapproved(worker)
    Family.objects.filter(pk=family.pk).update(approval_status="under_assessment", approved_on=None,
                                               approval_expires_on=None)
    request_approval(family=Family.objects.get(pk=family.pk), actor=worker)
    client.force_login(supervisor)
    html = client.get(reverse("web:family-approvals")).content.decode()
    assert "Sadykova Aigul" in html and "Sadykov Marat" not in html
    soon = couple(worker, home_study_expires_on=TODAY() + dt.timedelta(days=10))
    Applicant.objects.filter(family=soon, position=2).update(left_family_reason="divorce", left_family_on=TODAY())
    rows, _more = families_with_certificates_between(user=supervisor, start=TODAY(), end=TODAY() + dt.timedelta(days=30),
                                                     today=TODAY())
    assert [str(r["family"]) for r in rows if r["family"].pk == soon.pk] == ["Sadykova Aigul"]


def test_the_case_page_and_the_case_file_name_the_family_without_the_one_who_left(client, api_client, worker, widowed):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED)
    factories.PlacementFactory(case=case, child=case.child, family=widowed)
    client.force_login(worker)
    html = client.get(reverse("web:case", args=[case.pk])).content.decode()
    heading = html.split(f"Family №\u00a0{widowed.pk}")[1].split("</h3>")[0]
    # The family's number links to its page; the suspension's reason still names who died: the record.
    assert heading.removeprefix("</a>").strip() == "(Sadykova Aigul)"
    api_client.force_authenticate(worker)
    response = api_client.get(f"/api/v1/exports/children/{case.child_id}/case-file.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Sadykova Aigul" in text and "Sadykov Marat" not in text


def test_matching_and_the_api_name_the_family_without_the_one_who_left(api_client, worker):
    family = reapproved(worker)
    birth = TODAY().replace(year=TODAY().year - 8)
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING,
                                 form_of_care="adoption", child__birth_date=birth, child__health_needs=0)
    names = {c.family.pk: c.name for c in rank_families(case=case, user=worker)}
    assert names[family.pk] == "Sadykova Aigul"
    api_client.force_authenticate(worker)
    body = api_client.get(f"/api/v1/families/{family.pk}/").data
    assert body["name"] == "Sadykova Aigul"
    assert [(a["last_name"], a["left_family_reason"]) for a in body["applicants"]] == [("Sadykova", ""),
                                                                                      ("Sadykov", "departure")]


def test_the_visit_kit_names_the_family_and_its_carers_without_the_one_who_left(api_client, worker, widowed):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.PLACED)
    placement = factories.PlacementFactory(case=case, child=case.child, family=widowed)
    factories.VisitFactory(placement=placement, planned_on=TODAY() + dt.timedelta(days=3))
    api_client.force_authenticate(worker)
    package = api_client.post("/api/v1/visit-kit/package/", {}, format="json").data
    family = package["visits"][0]["family"]
    assert (family["name"], family["carers"]) == ("Sadykova Aigul", ["Sadykova Aigul"])
