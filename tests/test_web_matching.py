"""Matching carries its choice forward: the family chosen for acquaintance is kept on the case and
proposed for the decision; ties in the ranking are broken by a stated rule; one compact table."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Stage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(worker):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING,
                                 form_of_care="adoption")


def test_the_family_chosen_for_acquaintance_is_shown_and_prefilled_in_the_decision(client, worker, case):
    # A family of the worker's own unit: one of another unit is chosen on the matching page (anonymous until then).
    family = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit)
    factories.ApplicantFactory(family=family, last_name="Kassymova")
    client.force_login(worker)
    response = client.post(reverse("web:case-move", args=[case.pk]),
                           {"to_stage": "acquaintance", "family": family.pk, "expected_version": case.version, "reason": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.ACQUAINTANCE and case.decision_family == family
    page = client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert "Family chosen for acquaintance" in page
    assert f'name="family" value="{family.pk}"' in page and '<option value="decision" selected>' in page
    # The decision needs no family number typed: the chosen one is taken.
    response = client.post(reverse("web:case-move", args=[case.pk]),
                           {"to_stage": "decision", "family": "", "expected_version": case.version + 0, "reason": ""})
    case.refresh_from_db()
    assert case.stage == Stage.DECISION and case.decision_family == family and case.decision_status == "pending"


def test_a_family_that_cannot_take_the_child_is_refused_for_acquaintance(client, worker, case):
    expired = factories.FamilyFactory(form_of_care="adoption", approval_expires_on=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(worker)
    response = client.post(reverse("web:case-move", args=[case.pk]),
                           {"to_stage": "acquaintance", "family": expired.pk, "expected_version": case.version})
    assert response.status_code == 400
    assert response.context["move_form"].errors["family"]
    case.refresh_from_db()
    assert case.stage == Stage.MATCHING and case.decision_family is None


def test_going_back_to_matching_forgets_the_chosen_family(client, worker, case):
    from cases.services import transition_case

    family = factories.FamilyFactory(form_of_care="adoption")
    transition_case(case=case, to_stage="acquaintance", actor=worker, family=family)
    transition_case(case=case, to_stage="matching", actor=worker, reason="the meetings did not go well")
    case.refresh_from_db()
    assert case.decision_family is None


def test_ties_are_broken_by_the_earlier_application_then_the_lower_number(client, worker, case):
    today = timezone.localdate()
    # Past the waiting cap (730 days) the wait adds no more points: these three score the same.
    later = factories.FamilyFactory(form_of_care="adoption", applied_on=today - dt.timedelta(days=900))
    first_number = factories.FamilyFactory(form_of_care="adoption", applied_on=today - dt.timedelta(days=1000))
    second_number = factories.FamilyFactory(form_of_care="adoption", applied_on=today - dt.timedelta(days=1000))
    client.force_login(worker)
    response = client.get(reverse("web:case-matching", args=[case.pk]))
    assert "the family that applied earlier comes first" in response.content.decode()
    rows = response.context["rows"]
    assert len({row["candidate"].score for row in rows}) == 1
    assert [row["candidate"].family.pk for row in rows] == [first_number.pk, second_number.pk, later.pk]


def test_ten_families_fit_one_table_with_a_row_each(client, worker, case):
    for i in range(10):
        factories.FamilyFactory(form_of_care="adoption", applied_on=timezone.localdate() - dt.timedelta(days=20 + i))
    client.force_login(worker)
    html = client.get(reverse("web:case-matching", args=[case.pk])).content.decode()
    assert html.count("Choose for acquaintance") == 10
    assert html.count('<table class="compact matching stack">') == 1


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_rows_written_in_python_are_those_the_template_wrote(rf, worker, supervisor, case, language):
    """web.matching_html writes the ranked families' rows and reasons in Python: the page is the one
    the template wrote (kept as tests/fixtures/matching_template.html), for a named and an anonymous
    family, the family in the decision marked, with and without the forms (a share that may only
    view), with and without the health factor (a share without the sensitive fields)."""
    from pathlib import Path

    from django.template import engines
    from django.template.loader import render_to_string
    from django.utils import translation

    from access.services import share_case
    from web.views.cases import _matching_context

    own = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit, region=worker.unit.region)
    factories.ApplicantFactory(family=own, last_name="O'Neil <b>")
    foreign = factories.FamilyFactory(form_of_care="adoption", preferred_sex="F", applied_on=dt.date(2025, 1, 31),
                                      region=factories.region_by_code("astana"))
    factories.FamilyFactory(form_of_care="adoption", preferred_age_min=15, max_siblings=1)
    case.decision_family = foreign  # marked "chosen" in the table (as a case sent back from the decision)
    viewer = factories.UserFactory(unit=worker.unit)
    share_case(case=case, user=viewer, actor=supervisor)
    old = engines["django"].from_string((Path(__file__).parent / "fixtures" / "matching_template.html").read_text())
    with translation.override(language):
        for user in (worker, viewer):
            request = rf.get(reverse("web:case-matching", args=[case.pk]))
            request.user = user
            context = _matching_context(request, case)
            assert len(context["rows"]) == 3
            page = render_to_string("web/cases/matching.html", context, request)
            for row in context["rows"]:  # what the template's rows read
                points = {factor["factor"]: factor for factor in row["candidate"].factors}
                row["cells"] = [(label, points.get(name)) for name, label in context["factor_names"]]
            assert page == old.render(context, request)
            assert ' class="chosen"' in page and "O&#x27;Neil &lt;b&gt;" in page
            assert ('name="family"' in page) is (user == worker)  # a view-only share may not choose
            health = translation.gettext("health needs")
            assert (f'data-label="{health}">—</td>' in page) is (user == viewer)  # nor see the health factor


def test_the_choices_reason_is_kept_untranslated_and_written_in_each_readers_language(client, worker, case):
    from cases.models import StageChange

    family = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit)
    client.force_login(worker)
    client.cookies["django_language"] = "ru"
    response = client.post(reverse("web:case-acquaintance", args=[case.pk]), {"family": family.pk},
                           HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code in (200, 302)
    change = StageChange.objects.filter(case=case, to_stage=Stage.ACQUAINTANCE).get()
    assert change.reason == f"Family № {family.pk} chosen for acquaintance."
    for language, words in (("en", "chosen for acquaintance."), ("ru", "выбрана для знакомства")):
        client.cookies["django_language"] = language
        page = client.get(reverse("web:case", args=[case.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert f"№\u00a0{family.pk}" in page and words in page, language


def test_the_note_on_anonymous_profiles_is_said_once_above_the_table(client, worker, case):
    for i in range(3):
        factories.FamilyFactory(form_of_care="adoption", applied_on=timezone.localdate() - dt.timedelta(days=20 + i))
    client.force_login(worker)
    html = client.get(reverse("web:case-matching", args=[case.pk])).content.decode()
    assert html.count("Choosing an anonymous profile for acquaintance") == 1
    assert html.index("Choosing an anonymous profile") < html.index('<table class="compact matching stack">')


def test_choosing_a_family_of_the_cases_own_unit_does_not_say_its_unit_was_told(client, worker, case):
    own = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit)
    client.force_login(worker)
    page = client.post(reverse("web:case-acquaintance", args=[case.pk]), {"family": own.pk}, follow=True).content.decode()
    assert f"Family №\u00a0{own.pk} chosen for acquaintance." in page
    assert "its unit has been told" not in page


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_each_factors_reason_opens_on_its_own(client, worker, case, language):
    """Each factor's number is the summary of its own <details> holding that factor's reason: reached
    by a tap or the keyboard one by one, without script; the summary names the factor for a screen
    reader. The paragraph of all the reasons stays under the table."""
    import re

    from django.template.defaultfilters import floatformat
    from django.utils import translation
    from django.utils.html import conditional_escape

    from matching.selectors import rank_families
    from web.views.cases import MATCH_FACTOR_LABELS

    factories.ApplicantFactory(family=factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit))
    client.force_login(worker)
    client.cookies["django_language"] = language
    html = client.get(reverse("web:case-matching", args=[case.pk])).content.decode()
    with translation.override(language):
        factors = rank_families(case=case, limit=20, user=worker, sensitive=True)[0].factors
        intro = translation.gettext(
            "Highest score first. Equal scores: the family that applied earlier comes first, then the lower family number. "
            "Tap a number (or select it and press Enter) to see its reason; all the reasons are under the table, in "
            "“Why each family has its points”.")
        opened = re.findall(r'<details class="why"><summary><span class="sr-only">([^<]+): </span>([^<]+)</summary>'
                            r'<span class="reason">([^<]+)</span></details>', html)
        expected = [(str(MATCH_FACTOR_LABELS[f["factor"]]), floatformat(f["points"], 1), conditional_escape(f["explanation"]))
                    for f in factors]
    assert opened == expected and len(opened) >= 6
    assert 'id="why-points"' in html and "title=" not in html.split("<tbody>")[1].split("</tbody>")[0]
    assert intro in html and (language == "en") is intro.startswith("Highest")
