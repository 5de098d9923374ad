"""Issue 17 "Speed": each record page of the social worker (the case with its timeline, documents and
consents, the child and family forms, the visit forms, the document form, matching) runs a constant
number of queries, the same with one row of each kind as with several. Timings are in bench/bench_record_pages.py."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import CaseNote, DecisionReview, Stage
from documents.models import Document
from tests import factories

pytestmark = pytest.mark.django_db

# The most any of these pages may run (session, user, visibility and permission checks, the rows,
# the access-log row, the unread count); what matters most is that it does not grow with the rows.
CEILING = 40


def _add_rows(worker, case, placement, family, n: int) -> None:
    """n more rows of each kind the pages list."""
    today = timezone.localdate()
    start = CaseNote.objects.filter(case=case).count()  # distinct dates across calls
    for i in range(start, start + n):
        CaseNote.objects.create(case=case, kind="contact", written_on=today - dt.timedelta(days=i), text=f"note {i}",
                                sensitive=i % 2 == 0, author=worker)
        DecisionReview.objects.create(case=case, family=family, approved=True, actor=worker)
        factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=30 + i),
                               done_on=today - dt.timedelta(days=29 + i), worker=worker, concerns="none")
        factories.ConsentFactory(case=case, recorded_by=worker)
        factories.ChildFactory(sibling_group=case.child.sibling_group, region=case.child.region,
                               birth_date=dt.date(2013, 1, 1) + dt.timedelta(days=i))
        for key in ({"case": case}, {"child": case.child}, {"family": family}):
            Document.objects.create(**key, doc_type="other", document_date=today, file="documents/t.pdf",
                                    original_name="t.pdf", content_type="application/pdf", size=1, sha256="0" * 64,
                                    uploaded_by=worker)
        factories.ApplicantFactory(family=factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit,
                                                                  region=worker.unit.region))


def test_record_pages_run_a_constant_number_of_queries(client, worker, django_assert_max_num_queries):
    sibling_group = factories.SiblingGroupFactory()
    case = factories.CaseFactory(stage=Stage.PLACED, assigned_worker=worker, responsible_unit=worker.unit,
                                 child__sibling_group=sibling_group, child__region=worker.unit.region)
    family = factories.FamilyFactory(form_of_care="adoption", responsible_unit=worker.unit, region=worker.unit.region)
    factories.ApplicantFactory(family=family, position=1)
    factories.ApplicantFactory(family=family, position=2)  # two at most
    placement = factories.PlacementFactory(case=case, family=family)
    visit = factories.VisitFactory(placement=placement)
    matching_case = factories.CaseFactory(stage=Stage.MATCHING, assigned_worker=worker, responsible_unit=worker.unit,
                                          form_of_care="adoption", child__region=worker.unit.region)
    # The child and family pages have their own tests (test_web_children, test_web_families).
    urls = [
        f"/children/{case.child_id}/edit/", "/children/new/", f"/families/{family.pk}/edit/", "/families/new/",
        f"/cases/{case.pk}/", f"/cases/{case.pk}/documents/new/", f"/cases/{case.pk}/visits/{visit.pk}/record/",
        f"/cases/{case.pk}/placements/{placement.pk}/visits/new/", f"/cases/{matching_case.pk}/matching/",
    ]
    client.force_login(worker)

    def counts() -> dict[str, int]:
        found = {}
        for url in urls:
            with django_assert_max_num_queries(CEILING) as ctx:
                assert client.get(url).status_code == 200, url
            found[url] = len(ctx)
        return found

    _add_rows(worker, case, placement, family, 1)
    few = counts()
    _add_rows(worker, case, placement, family, 3)
    assert counts() == few
