"""A moment stored in UTC is written on the day it was in Almaty (settings.TIME_ZONE, UTC+5): from 19:00
UTC its UTC day is the day before. Each test runs between 19:00 and 24:00 UTC, when the two differ:

- the family's history writes the approval request's date as the supervisors' list does (core.history);
- the records' names in the admin and the statistics refresh's report (core.dates.local);
- the demo's history, dated from a moment's day (demo.history)."""

import datetime as dt
import io

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import formats, translation

from audit.models import AccessLog
from core.dates import local
from core.history import display_value
from documents.models import DocumentDownload
from families.models import Family
from families.services import request_approval
from risk.models import RiskBacktest
from stats.models import FactsRefresh
from tests import factories
from web.models import UnitFigures

pytestmark = pytest.mark.django_db
LANGUAGES = ["kk", "ru", "en"]
# 30 November 21:30 UTC is 1 December 02:30 in Almaty.
EVENING_UTC = dt.datetime(2026, 11, 30, 21, 30, tzinfo=dt.UTC)
ALMATY_DAY = dt.date(2026, 12, 1)


def test_the_site_is_ahead_of_utc():
    assert settings.TIME_ZONE == "Asia/Almaty"
    assert local(EVENING_UTC).date() == ALMATY_DAY


def text_of(day: dt.date, language: str, format_name: str) -> str:
    with translation.override(language):
        return formats.date_format(day, format_name)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_familys_history_dates_the_approval_request_on_the_day_the_approvals_list_does(
        client, worker, supervisor, language):
    with time_machine.travel(EVENING_UTC, tick=False):
        family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region,
                                         approval_status="under_assessment", approved_on=None, approval_expires_on=None)
        factories.ApplicantFactory(family=family, position=1)
        request_approval(family=family, actor=worker)
        client.force_login(supervisor)
        listed = client.get(reverse("web:family-approvals"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        client.force_login(worker)
        page = client.get(reverse("web:family", args=[family.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert Family.objects.get(pk=family.pk).approval_requested_at.date() == dt.date(2026, 11, 30)  # stored in UTC
    row = listed[listed.index(f'<tr id="family-{family.pk}">'):]
    assert f'<td data-label="{_asked(language)}">{text_of(ALMATY_DAY, language, "SHORT_DATE_FORMAT")}</td>' in row
    history = page[page.index('id="history"'):]
    with translation.override(language):
        label = str(Family._meta.get_field("approval_requested_at").verbose_name)
    assert f"{label[0].upper()}{label[1:]}: — → {text_of(ALMATY_DAY, language, 'DATE_FORMAT')}</li>" in history


ASKED_ON = "Asked on"  # the approvals list's column


def _asked(language: str) -> str:
    with translation.override(language):
        return translation.gettext(ASKED_ON)


def test_a_history_value_that_is_a_moment_is_written_on_the_local_day():
    field = Family._meta.get_field("approval_requested_at")
    assert display_value(field, EVENING_UTC, {}) == formats.date_format(ALMATY_DAY, "DATE_FORMAT")
    # A date is a day already, whatever the zone.
    assert display_value(Family._meta.get_field("applied_on"), dt.date(2026, 11, 30), {}) == formats.date_format(
        dt.date(2026, 11, 30), "DATE_FORMAT")


def test_the_records_names_in_the_admin_are_in_local_time():
    assert str(AccessLog(user_id=1, kind="case", case_id=2, viewed_at=EVENING_UTC)).endswith("2026-12-01 02:30")
    assert str(DocumentDownload(user_id=1, document_id=2, downloaded_at=EVENING_UTC)) == "1 2 2026-12-01 02:30"
    assert str(UnitFigures(unit_id=3, computed_at=EVENING_UTC)) == "3 @ 2026-12-01 02:30"
    assert str(FactsRefresh(started_at=EVENING_UTC, finished_at=EVENING_UTC, cases=0, placements=0)) == "2026-12-01 02:30"
    backtest = RiskBacktest(from_date=dt.date(2026, 1, 1), to_date=dt.date(2026, 6, 30), created_at=EVENING_UTC)
    assert str(backtest).endswith("(2026-12-01)")


def test_the_statistics_refresh_reports_its_time_in_local_time(monkeypatch):
    from stats.management.commands import refresh_statistics

    done = FactsRefresh(started_at=EVENING_UTC - dt.timedelta(seconds=2), finished_at=EVENING_UTC, cases=4, placements=5)
    monkeypatch.setattr(refresh_statistics, "refresh_statistics", lambda: done)
    out = io.StringIO()
    call_command("refresh_statistics", stdout=out)
    assert out.getvalue().startswith("Statistics as of 2026-12-01 02:30:00: 4 cases, 5 placements")
