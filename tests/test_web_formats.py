"""One date format per language (Kazakh month names in lower case), the user's name written one way."""

import datetime as dt

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def child(worker):
    return factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit,
                                 child__birth_date=dt.date(2016, 3, 9)).child


@pytest.mark.parametrize(("language", "written"), [("kk", "9 наурыз 2016 ж."), ("ru", "9 марта 2016 г."), ("en", "9 March 2016")])
def test_the_birth_date_is_written_in_the_languages_one_format(client, worker, child, language, written):
    client.force_login(worker)
    client.cookies["django_language"] = language
    html = client.get(reverse("web:child", args=[child.pk])).content.decode()
    assert written in html
    if language == "kk":
        assert "Наурыз" not in html


def test_the_users_name_is_written_the_same_way_on_every_page(client, worker, child):
    worker.first_name, worker.last_name = "Айгүл", "Сейітова"
    worker.save()
    client.force_login(worker)
    case = child.cases.get()
    for url in (reverse("web:child", args=[child.pk]), reverse("web:case", args=[case.pk]), reverse("web:my-cases")):
        assert "Айгүл Сейітова" in client.get(url).content.decode()


def test_date_text_writes_what_date_format_writes_in_every_language_and_zone() -> None:
    """core.dates.date_text remembers each text per language, format, value and time zone: the same
    text as Django's date_format, however the calls are mixed."""
    import zoneinfo

    from django.utils import translation
    from django.utils.formats import date_format

    from core.dates import date_text

    instant = dt.datetime(2026, 3, 9, 20, 30, tzinfo=dt.UTC)
    values = [dt.date(2026, 3, 9), dt.date(2025, 12, 31), instant, instant.astimezone(zoneinfo.ZoneInfo("Asia/Almaty")),
              dt.datetime(2026, 3, 9, 20, 30)]
    for _round in range(2):
        for language in ("en", "ru", "kk"):
            with translation.override(language):
                for value in values:
                    for name in ("DATE_FORMAT", "SHORT_DATE_FORMAT", "DATETIME_FORMAT"):
                        if name == "DATETIME_FORMAT" and type(value) is dt.date:
                            continue
                        assert date_text(value, name) == date_format(value, name), (language, value, name)
    # Two zones of one instant are equal datetimes, yet written each in its own zone.
    with translation.override("en"):
        assert date_text(values[2], "DATETIME_FORMAT") != date_text(values[3], "DATETIME_FORMAT")
