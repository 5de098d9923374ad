"""The data migration of the 2025 forms of care on rows of the old shape (cases 0009, visits 0007):
"kinship" leaves the forms of care and becomes the carer's relationship on the placement."""

import datetime as dt

import pytest

from tests.migrating import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("cases", "0008_decision_review"),
    ("families", "0002_approval_request_and_decisions"),
    ("visits", "0005_visit_updated_idx"),
    ("audit", "0006_historicalfamily_approval_requested_at"),
    ("risk", "0004_safeguarding_findings"),
    ("children", "0001_initial"),
]


def test_kinship_rows_of_the_old_shape_are_migrated_to_a_form_of_care_and_a_relationship():
    old = migrate(BEFORE)
    region = old.get_model("regions", "Region").objects.get(code="almaty")
    unit = old.get_model("accounts", "OrganisationalUnit").objects.filter(region=region).first()
    child_model, case_model = old.get_model("children", "Child"), old.get_model("cases", "Case")
    family_model, placement_model = old.get_model("families", "Family"), old.get_model("cases", "Placement")

    def child(name, born):
        return child_model.objects.create(last_name=name, first_name="A", birth_date=born, sex="M", legal_status="orphan",
                                          region=region, entered_care_on=born + dt.timedelta(days=30))

    def family(form, relative):
        return family_model.objects.create(region=region, responsible_unit=unit, form_of_care=form, is_relative=relative,
                                           applied_on=dt.date(2020, 1, 1))

    def placed(kid, fam, form, started):
        case = case_model.objects.create(child=kid, stage="placed", responsible_unit=unit, form_of_care=form)
        return placement_model.objects.create(case=case, child=kid, family=fam, form_of_care=form, started_on=started)

    kin_family = family("kinship", True)
    young = placed(child("Young", dt.date(2015, 1, 1)), kin_family, "kinship", dt.date(2020, 6, 1))  # 5 at the start
    teen = placed(child("Teen", dt.date(2008, 1, 1)), family("kinship", False), "kinship", dt.date(2023, 6, 1))  # 15
    relative_guardian = placed(child("Grand", dt.date(2016, 1, 1)), family("guardianship", True), "guardianship",
                               dt.date(2021, 1, 1))
    stranger = placed(child("Stranger", dt.date(2014, 1, 1)), family("adoption", False), "adoption", dt.date(2019, 1, 1))
    seeking = case_model.objects.create(child=child("Waiting", dt.date(2009, 3, 3)), stage="available",
                                        responsible_unit=unit, form_of_care="kinship")

    new = migrate(latest())
    # Children written before search existed get their search_text from the migration's backfill.
    from core.names import search_text

    texts = dict(new.get_model("children", "Child").objects.values_list("last_name", "search_text"))
    assert len(texts) == 5
    assert all(text == search_text(last_name=name, first_name="A") != "" for name, text in texts.items())
    placement = new.get_model("cases", "Placement").objects
    rows = {p.pk: (p.form_of_care, p.carer_relationship) for p in placement.all()}
    assert rows[young.pk] == ("guardianship", "other_relative")
    assert rows[teen.pk] == ("trusteeship", "other_relative")
    assert rows[relative_guardian.pk] == ("guardianship", "other_relative")
    assert rows[stranger.pk] == ("adoption", "none")
    cases = new.get_model("cases", "Case").objects
    assert cases.get(pk=young.case_id).form_of_care == "guardianship"
    assert cases.get(pk=teen.case_id).form_of_care == "trusteeship"
    assert cases.get(pk=seeking.pk).form_of_care == "trusteeship"  # 17 today, no placement yet
    assert new.get_model("families", "Family").objects.get(pk=kin_family.pk).form_of_care == "guardianship"
    policies = new.get_model("visits", "VisitPolicy").objects
    assert not policies.filter(form_of_care="kinship").exists()
    assert policies.get(form_of_care="professional_foster").repeat_every_months == 3
    # One history row per changed placement, saying why.
    history = new.get_model("audit", "HistoricalPlacement").objects.filter(id__in=[young.pk, teen.pk, relative_guardian.pk])
    assert history.count() == 3
    assert all("kinship" in h.history_change_reason for h in history)
    assert not new.get_model("audit", "HistoricalPlacement").objects.filter(id=stranger.pk).exists()
