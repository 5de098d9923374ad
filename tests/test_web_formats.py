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
