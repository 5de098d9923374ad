"""Issue 14, items 3 and 4: a value derived from a sensitive field carries that field's sensitivity
(risk factors and the score they raise, the health filter), and the Django admin never shows a
sensitive field (change forms, lists, filters, search, history pages, medical reports' titles and
file names)."""

import datetime as dt

import pytest
from django.urls import reverse

from access.services import share_case
from emergency.services import open_emergency_access
from risk.models import RiskPolicy
from risk.services import recompute_risk
from tests import factories

pytestmark = pytest.mark.django_db

MARKER = "ZQ-SENSITIVE-14"


@pytest.fixture
def placed(worker, supervisor):
    """A placed child with an abuse history and a high SDQ score, a visit with concerns, and a
    medical report; a colleague holds a view-only share and a stranger has broken the glass."""
    from documents.models import Document

    child = factories.ChildFactory(
        abuse_or_neglect_history=True, sdq_total_difficulties=25, health_needs=2,
        health_notes=f"{MARKER} asthma", birth_family_notes=f"{MARKER} mother", abuse_history_notes=f"{MARKER} neglect",
    )
    case = factories.CaseFactory(child=child, assigned_worker=worker, responsible_unit=worker.unit, stage="placed")
    placement = factories.PlacementFactory(case=case, child=child, family=factories.FamilyFactory(responsible_unit=worker.unit))
    factories.VisitFactory(placement=placement, concerns=f"{MARKER} bruises")
    Document.objects.create(
        child=child, doc_type="medical_report", title=f"{MARKER} psychiatric report", original_name=f"{MARKER}.pdf",
        document_date=dt.date(2025, 1, 1), content_type="application/pdf", size=1, sha256="1" * 64, uploaded_by=worker,
        file="r.pdf",
    )
    recompute_risk(placement=placement, reason="assessment")
    colleague = factories.UserFactory(unit=worker.unit)
    share_case(case=case, user=colleague, actor=supervisor)
    stranger = factories.UserFactory(unit=factories.DistrictFactory(region=factories.region_by_code("astana")))
    open_emergency_access(case=case, actor=stranger, reason="the child ran away from the family tonight")
    admin_user = factories.UserFactory(role="administrator", unit=supervisor.unit.parent or supervisor.unit,
                                       is_staff=True, is_superuser=True)
    return {"placement": placement, "case": case, "child": child, "shared": colleague, "emergency": stranger,
            "administrator": admin_user}


SENSITIVE_FACTORS = {"abuse_or_neglect", "sdq_high", "sdq_raised"}


def test_the_worker_sees_every_factor(api_client, worker, placed):
    api_client.force_authenticate(worker)
    body = api_client.get(f"/api/v1/risk/placements/{placed['placement'].pk}/").json()
    assert {"abuse_or_neglect", "sdq_high"} <= {f["factor"] for f in body["factors"]}
    assert body["complete"] is True
    assert body["score"] == placed["placement"].risk.score


@pytest.mark.parametrize("role", ["shared", "emergency", "administrator"])
def test_without_view_sensitive_the_risk_leaves_out_factors_from_sensitive_fields(api_client, placed, role):
    """Given input of the issue: "history of abuse or neglect +10" must not reach a view-only share,
    an emergency access or the administrator, nor be recoverable from the score."""
    api_client.force_authenticate(placed[role])
    response = api_client.get(f"/api/v1/risk/placements/{placed['placement'].pk}/")
    assert response.status_code == 200
    body = response.json()
    shown = {f["factor"] for f in body["factors"]}
    assert not shown & SENSITIVE_FACTORS
    for assessment in body["history"]:
        assert not {f["factor"] for f in assessment["factors"]} & SENSITIVE_FACTORS
        assert assessment["score"] == sum(f["contribution"] for f in assessment["factors"])
    assert body["complete"] is False
    assert body["score"] == sum(f["contribution"] for f in body["factors"])
    policy = RiskPolicy.objects.get()
    expected_band = "high" if body["score"] >= policy.high_from else "medium" if body["score"] >= policy.medium_from else "low"
    assert body["band"] == expected_band
    text = response.content.decode()
    assert "abuse" not in text and "SDQ" not in text


@pytest.mark.parametrize("role", ["shared", "emergency"])
def test_the_case_page_hides_the_sensitive_risk_factors(client, placed, role):
    client.force_login(placed[role])
    page = client.get(reverse("web:case", args=[placed["case"].pk])).content.decode()
    assert "history of abuse or neglect" not in page.lower()
    assert "difficulties (SDQ)" not in page
    assert MARKER not in page
    assert "Factors computed from sensitive fields are hidden" in page


def test_the_case_page_shows_them_to_the_worker(client, worker, placed):
    client.force_login(worker)
    page = client.get(reverse("web:case", args=[placed["case"].pk])).content.decode()
    assert "history of abuse or neglect" in page.lower()


def test_filtering_children_by_health_needs_tells_a_share_nothing(api_client, worker, placed):
    for user, expected in ((worker, [placed["child"].pk]), (placed["shared"], [])):
        api_client.force_authenticate(user)
        response = api_client.get("/api/v1/children/?health_needs=2")
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == expected
    api_client.force_authenticate(placed["shared"])
    child = api_client.get(f"/api/v1/children/{placed['child'].pk}/").json()
    assert "health_needs" not in child and "sdq_total_difficulties" not in child


# --- Item 4: the admin ------------------------------------------------------------------------

def admin_pages(placed) -> list[str]:
    from audit.admin import HistoryAdmin  # noqa: F401  (registers the history models)
    from children.models import Child
    from documents.models import Document
    from visits.models import Visit

    child = placed["child"]
    visit = Visit.objects.get(placement=placed["placement"], concerns__startswith=MARKER)
    document = Document.objects.get(child=child)
    child_history = Child.history.filter(id=child.pk).first()
    visit_history = Visit.history.filter(id=visit.pk).first()
    pages = [
        reverse("admin:children_child_changelist"),
        reverse("admin:children_child_changelist") + "?health_needs__exact=2",
        reverse("admin:children_child_change", args=[child.pk]),
        reverse("admin:visits_visit_changelist"),
        reverse("admin:visits_visit_change", args=[visit.pk]),
        reverse("admin:documents_document_changelist"),
        reverse("admin:documents_document_change", args=[document.pk]),
        reverse("admin:audit_historicalchild_changelist"),
        reverse("admin:audit_historicalvisit_changelist"),
        reverse("admin:risk_placementrisk_changelist"),
        reverse("admin:risk_placementrisk_change", args=[placed["placement"].pk]),
        reverse("admin:risk_riskassessment_changelist"),
    ]
    if child_history is not None:
        pages.append(reverse("admin:audit_historicalchild_change", args=[child_history.history_id]))
    if visit_history is not None:
        pages.append(reverse("admin:audit_historicalvisit_change", args=[visit_history.history_id]))
    return pages


def test_the_admin_never_shows_a_sensitive_field(client, placed):
    client.force_login(placed["administrator"])
    for url in admin_pages(placed):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert MARKER not in page, url
        assert "abuse_or_neglect" not in page and "history of abuse or neglect" not in page.lower(), url
        for name in ("health_notes", "birth_family_notes", "abuse_history_notes", "sdq_total_difficulties", "concerns"):
            assert f'name="{name}"' not in page and f"field-{name}" not in page, (url, name)


@pytest.mark.parametrize("model", ["children_child", "visits_visit", "documents_document"])
def test_the_admin_search_finds_nothing_by_a_sensitive_field(client, placed, model):
    """A search term found only in sensitive fields (notes, concerns, a medical report's title or
    file name) finds no row: the search does not look there."""
    client.force_login(placed["administrator"])
    response = client.get(reverse(f"admin:{model}_changelist") + f"?q={MARKER}")
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_saving_a_child_in_the_admin_keeps_the_hidden_fields(client, placed):
    from children.models import Child

    client.force_login(placed["administrator"])
    url = reverse("admin:children_child_change", args=[placed["child"].pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["last_name"] = "Corrected"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    child = Child.objects.get(pk=placed["child"].pk)
    assert child.last_name == "Corrected"
    assert child.health_notes == f"{MARKER} asthma" and child.abuse_or_neglect_history is True
