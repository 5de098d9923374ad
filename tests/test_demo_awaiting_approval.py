"""The demo (demo_setup, which ``manage.py quickstart`` runs) opens the supervisor's approvals list with
work: two families of the demo worker's district waiting for approval, made through the families'
services (registered, one with a carers' check passed, sent for approval), once however often it runs.
Set up at 21:30 UTC (02:30 the next day in Almaty), it also checks that the demo's history dates a
record from a moment's day in the site's zone (demo.history), not UTC's."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import formats, translation
from django.utils.html import escape

from accounts.models import User
from demo import services
from families.models import ApprovalStatus, Family

pytestmark = pytest.mark.django_db
EVENING_UTC = dt.datetime(2026, 11, 30, 21, 30, tzinfo=dt.UTC)
ALMATY_DAY = dt.date(2026, 12, 1)
NONE_WAITING = "No family is waiting for approval."  # the approvals list, empty


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setattr(services, "DEMO_CHILDREN", 300)
    with time_machine.travel(EVENING_UTC, tick=False):
        call_command("demo_setup", "--no-progress", stdout=StringIO(), stderr=StringIO())


def waiting() -> list[Family]:
    return list(Family.objects.filter(approval_requested_at__isnull=False).order_by("pk"))


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_demo_supervisor_finds_families_awaiting_approval(client, demo, language):
    worker, supervisor = User.objects.get(username="worker"), User.objects.get(username="supervisor")
    families = waiting()
    assert len(families) == len(services.DEMO_AWAITING_FAMILIES) == 2
    for family in families:
        assert family.responsible_unit_id == worker.unit_id and family.approval_status == ApprovalStatus.UNDER_ASSESSMENT
        # Made by the worker through the services: registered and sent, each in the family's history.
        assert family.history.filter(history_user=worker).count() >= 2
    assert [f.carer_checked_on is not None for f in families] == [True, False]
    client.force_login(supervisor)
    with time_machine.travel(EVENING_UTC, tick=False):
        html = client.get(reverse("web:family-approvals"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        day = formats.date_format(ALMATY_DAY, "SHORT_DATE_FORMAT")
        empty = translation.gettext(NONE_WAITING)
    assert empty not in html
    for family in families:
        row = html[html.index(f'<tr id="family-{family.pk}">'):]
        row = row[:row.index("</tr>")]
        # Each applicant named, with their age (an adult's: the demo's applicants are valid people).
        for applicant in family.current_applicants():
            assert escape(str(applicant)) in row
            assert applicant.birth_date <= ALMATY_DAY.replace(year=ALMATY_DAY.year - 18)
        assert f">{day}</td>" in row  # asked today, on Almaty's day


def test_the_demo_sends_them_once(demo):
    first = [f.pk for f in waiting()]
    with time_machine.travel(EVENING_UTC + dt.timedelta(minutes=5), tick=False):
        call_command("demo_setup", "--no-progress", stdout=StringIO(), stderr=StringIO())
    assert [f.pk for f in waiting()] == first


def test_the_demo_history_dates_a_record_on_the_local_day_of_its_creation():
    """A child loaded without a case (created_at its only date) is registered in the demo's history at
    09:30 on the day it was loaded, in Almaty: loaded at 21:30 UTC on 30 November, that is 1 December
    (the UTC cast gave 30 November, before the child existed)."""
    from demo.history import write_demo_history
    from tests import factories

    with time_machine.travel(EVENING_UTC, tick=False):
        child = factories.ChildFactory()
    child.history.all().delete()  # loaded by COPY: no history yet
    with time_machine.travel(EVENING_UTC + dt.timedelta(hours=12), tick=False):  # 14:30 in Almaty
        write_demo_history(today=ALMATY_DAY)
    registered = child.history.get(history_type="+").history_date
    assert registered == dt.datetime(2026, 12, 1, 4, 30, tzinfo=dt.UTC)  # 09:30 in Almaty


def test_the_demo_history_dates_nothing_after_the_moment_it_is_written():
    """Loaded at 02:30 in Almaty, a record "registered at 09:30" that day and a family "approved at 15:00"
    were in the future (the family's history read "Changed 1 December 2026 15:00" at 04:30)."""
    from demo.history import write_demo_history
    from families.models import Family
    from tests import factories

    with time_machine.travel(EVENING_UTC, tick=False):
        child = factories.ChildFactory()
        family = factories.FamilyFactory(applied_on=ALMATY_DAY, approved_on=ALMATY_DAY)
    child.history.all().delete()
    family.history.all().delete()
    family.applicants.model.history.model.objects.filter(family_id=family.pk).delete()
    written_at = EVENING_UTC + dt.timedelta(minutes=10)
    with time_machine.travel(written_at, tick=False):
        write_demo_history(today=ALMATY_DAY)
    moments = [*child.history.values_list("history_date", flat=True),
               *Family.history.filter(id=family.pk).values_list("history_date", flat=True)]
    assert moments and max(moments) <= written_at
