"""What the indicators and their exports say to a reader, in each language: no parameter, setting
or function names in the definitions, and the cell key method described in the reader's language."""

import pytest
from django.utils import translation

from stats.indicators import INDICATORS

pytestmark = pytest.mark.django_db

RAW_NAMES = ("as_of", "STATS_", "percentile_cont", "'none'", "year_from", "year_to")


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_definitions_name_no_parameter_setting_or_function(language):
    with translation.override(language):
        for indicator in INDICATORS.values():
            definition = str(indicator.definition)
            assert not [raw for raw in RAW_NAMES if raw in definition], (indicator.name, definition)


def test_the_date_chosen_is_said_in_each_language():
    definition = INDICATORS["children_in_care"].definition
    with translation.override("en"):
        assert "Counted on the date chosen" in str(definition)
    with translation.override("ru"):
        assert "Считаются на выбранную дату" in str(definition)
    with translation.override("kk"):
        assert "таңдалған күнге есептеледі" in str(definition)


@pytest.mark.parametrize(("language", "words"), [
    ("ru", ["один случайный ключ на ребёнка", "пустые ячейки", "искажаются отдельно"]),
    ("kk", ["әр балаға бір кездейсоқ кілт", "бос ұяшықтар"]),
])
def test_the_csv_notes_describe_the_cell_key_method_in_the_readers_language(api_client, analyst, language, words):
    api_client.force_authenticate(analyst)
    csv_text = api_client.get("/api/v1/stats/entries/", {"format": "csv"},
                              HTTP_ACCEPT_LANGUAGE=language).content.decode("utf-8-sig")
    notes = "\n".join(line for line in csv_text.splitlines() if line.startswith("#"))
    for english in ("one random key per child", "sum of the record keys", "perturbed on their own", "multiplied by",
                    "cell key method (ABS", ", as of "):
        assert english not in notes, english
    for word in words:
        assert word in notes, word
    assert "−3: 7,8 %" in notes.replace("-3", "−3")  # a decimal comma, as the pages write numbers


def test_a_private_releases_csv_notes_are_in_the_readers_language(api_client, db):
    from accounts.models import OrganisationalUnit
    from tests import factories

    admin = factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry"))
    api_client.force_authenticate(admin)
    # One release (drawn in English), read in Russian: the stored mechanism and unit come back translated.
    api_client.get("/api/v1/stats/entries/", {"as_of": "2025-06-30", "epsilon": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    csv_text = api_client.get("/api/v1/stats/entries/", {"as_of": "2025-06-30", "epsilon": "1", "format": "csv"},
                              HTTP_ACCEPT_LANGUAGE="ru").content.decode("utf-8-sig")
    line = next(line for line in csv_text.splitlines() if line.startswith("# Дифференциальная приватность"))
    assert "дискретный механизм Лапласа" in line and "один ребёнок (учитывается не более" in line
    assert "{'" not in line and "discrete Laplace" not in line and "one child" not in line


@pytest.mark.parametrize(("language", "label"), [
    ("en", "calendar quarter of the event (2024-Q1 is January to March 2024)"),
    ("ru", "календарный квартал события (2024-Q1 — январь–март 2024 года)"),
    ("kk", "оқиғаның күнтізбелік тоқсаны (2024-Q1 — 2024 жылғы қаңтар–наурыз)"),
])
def test_the_quarter_breakdown_is_explained_by_an_example_in_the_readers_language(client, analyst, language, label):
    """The statistics page offered "(ЖЖЖЖ-Qn)" in Kazakh and "(ГГГГ-Qn)" in Russian: a date pattern in
    Cyrillic letters around a Latin Q and n. The label now shows a quarter as the tables write it and
    what it means."""
    from django.urls import reverse

    client.force_login(analyst)
    html = client.get(reverse("web:statistics"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert label in html
    # "-Qn" with its hyphen: the page's random CSRF token (letters and digits) may hold "Qn" or "YYYY".
    for pattern in ("-Qn", "ЖЖЖЖ", "ГГГГ", "YYYY-"):
        assert pattern not in html, pattern
