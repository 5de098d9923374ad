"""Every alert about a family leads to the family's page in the inbox (Notification.family, kept by
each writer: the papers and carers' check of the sweep, a family's document, a family chosen for
acquaintance, a change in the family), only for a reader who sees the family; the alerts written before
get their family from what they are about (notifications migration 0012)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.models import Stage
from documents.services import upload_document
from matching.services import choose_for_acquaintance
from notifications.models import Notification
from notifications.services import run_reminder_sweep
from tests import factories
from tests.migrating import latest, migrate

TODAY = timezone.localdate


def family_link(family):
    return f'<a href="{reverse("web:family", args=[family.pk])}">'


def inbox(client, user):
    client.force_login(user)
    return client.get(reverse("web:inbox")).content.decode()


@pytest.mark.django_db
def test_papers_and_the_carers_check_lead_to_the_family(client, supervisor, district, settings):
    settings.NOTIFICATION_EXPIRY_WARNING_DAYS = 30
    family = factories.FamilyFactory(responsible_unit=district, home_study_expires_on=TODAY() + dt.timedelta(days=10),
                                     carer_recheck_due_on=TODAY() + dt.timedelta(days=5))
    run_reminder_sweep(today=TODAY())
    notes = Notification.objects.filter(recipient=supervisor).order_by("kind")
    assert [(n.kind, n.family_id) for n in notes] == [("carer_recheck", family.pk), ("certificate_expiring", family.pk)]
    page = inbox(client, supervisor)
    assert page.count(family_link(family)) == 2


@pytest.mark.django_db
def test_a_familys_document_leads_to_the_family_and_a_cases_to_the_case(client, supervisor, worker, district, media_root):
    family = factories.FamilyFactory(responsible_unit=district)
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=district)
    for record in ({"family": family}, {"case": case}):
        upload_document(actor=supervisor if "family" in record else worker, doc_type="training_certificate",
                        document_date=TODAY() - dt.timedelta(days=30), expires_on=TODAY() + dt.timedelta(days=9),
                        file=SimpleUploadedFile("certificate.pdf", b"%PDF-1.4\n%%EOF\n"), **record)
    run_reminder_sweep(today=TODAY())
    assert family_link(family) in inbox(client, supervisor)
    page = inbox(client, worker)
    assert f'<a href="{reverse("web:case", args=[case.pk])}">' in page and reverse("web:family", args=[family.pk]) not in page


@pytest.mark.django_db
def test_a_family_chosen_for_acquaintance_leads_its_unit_to_the_family_not_to_the_case(client, worker):
    astana = factories.DistrictFactory(region=factories.region_by_code("astana"))
    astana_supervisor = factories.UserFactory(role="supervisor", unit=astana.parent)
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING,
                                 form_of_care="adoption")
    family = factories.FamilyFactory(form_of_care="adoption", responsible_unit=astana, region=astana.region)
    factories.ApplicantFactory(family=family)
    choose_for_acquaintance(case=case, family_id=family.pk, actor=worker)
    page = inbox(client, astana_supervisor)
    assert family_link(family) in page
    assert reverse("web:case", args=[case.pk]) not in page  # their case is not theirs to open
    assert case.child.last_name not in page


@pytest.mark.django_db
def test_a_family_the_reader_does_not_see_is_named_but_not_linked(client, supervisor):
    elsewhere = factories.FamilyFactory(responsible_unit=factories.DistrictFactory(region=factories.region_by_code("astana")))
    Notification.objects.create(recipient=supervisor, kind="certificate_expiring", subject_key=f"family:{elsewhere.pk}:x",
                                due_on=TODAY(), title="Family", family=elsewhere)
    page = inbox(client, supervisor)
    assert reverse("web:family", args=[elsewhere.pk]) not in page and "Family" in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_alerts_written_before_get_their_family_and_a_true_title():
    # Every other app as it is now: only the notifications go back before 0012.
    old = migrate([leaf for leaf in latest() if leaf[0] != "notifications"] + [("notifications", "0011_notification_body_text")])
    try:
        region = old.get_model("regions", "Region").objects.get(code="almaty")
        unit = old.get_model("accounts", "OrganisationalUnit").objects.filter(region=region, kind="district").first()
        if unit is None:
            unit = old.get_model("accounts", "OrganisationalUnit").objects.create(
                kind="district", region=region, code="district-m", name_en="District M", name_ru="Район М", name_kk="М ауданы",
                parent=old.get_model("accounts", "OrganisationalUnit").objects.get(kind="region", region=region))
        family = old.get_model("families", "Family").objects.create(
            region=region, responsible_unit=unit, form_of_care="adoption", applied_on=dt.date(2024, 1, 1))
        user = old.get_model("accounts", "User").objects.create(username="old-supervisor", role="supervisor", unit=unit)
        note = old.get_model("notifications", "Notification")
        day = dt.date(2026, 11, 2)
        suspended = note.objects.create(
            recipient=user, kind="family_suspended", subject_key=f"family:{family.pk}", due_on=day, title="t",
            title_key="Family %s: approval suspended by a change in the family; its placed children need a visit",
            title_args=[family.pk])
        papers = note.objects.create(recipient=user, kind="certificate_expiring", subject_key=f"family:{family.pk}:training",
                                     due_on=day, title="t")
        visit = note.objects.create(recipient=user, kind="visit_due", subject_key="visit:1:m1", due_on=day, title="t")
        migrate(latest())
        from django.utils import translation

        rows = Notification.objects.in_bulk([suspended.pk, papers.pk, visit.pk])
        assert [rows[pk].family_id for pk in (suspended.pk, papers.pk, visit.pk)] == [family.pk, family.pk, None]
        with translation.override("ru"):
            title = rows[suspended.pk].display_title
        assert title == f"Семья №\u00a0{family.pk}: одобрение приостановлено из-за изменений в семье 02.11.2026"
    finally:
        migrate(latest())
