"""Texts with a count agree with it in kk, ru and en (ngettext / {% blocktranslate count %}): Russian's
three forms ("1 семья ожидает", "2 семьи ожидают", "5 семей ожидают"), Kazakh's noun that stays singular
after a number, English's singular for 1. Each place rendered with 1, 2 and 5."""

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from access import services as access_services
from core.dates import validate_not_too_far_ahead
from core.exceptions import DomainError
from matching.selectors import waiting_text
from tests import factories
from tests.pages import fetch

LANGUAGES = ("kk", "ru", "en")
COUNTS = (1, 2, 5)


def tile(html: str, label_start: str) -> tuple[str, str]:
    """The number and the label of the dashboard's tile whose label starts with ``label_start``."""
    for number, label in re.findall(r'<div class="n">(.*?)</div><div class="l">(.*?)</div>', html, re.S):
        if label.startswith(label_start):
            return re.sub(r"<[^>]+>", "", number).strip(), label
    raise AssertionError(f"no tile {label_start!r}")


FAMILIES_WAITING = {
    "en": {1: "family waiting for approval", 2: "families waiting for approval", 5: "families waiting for approval"},
    "ru": {1: "семья ожидает одобрения", 2: "семьи ожидают одобрения", 5: "семей ожидают одобрения"},
    "kk": {1: "отбасы мақұлдауды күтуде", 2: "отбасы мақұлдауды күтуде", 5: "отбасы мақұлдауды күтуде"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboards_families_waiting_agree_with_their_number(client, supervisor, worker, language):
    made = 0
    for count in COUNTS:
        for _ in range(count - made):
            factories.FamilyFactory(region=worker.unit.region, responsible_unit=worker.unit, approval_status="under_assessment",
                                    approval_requested_at=timezone.now())
        made = count
        html = fetch(client, language, "/unit/", user=supervisor)
        number, label = tile(html, FAMILIES_WAITING[language][count].split()[0])
        assert (number, label) == (str(count), FAMILIES_WAITING[language][count]), (language, count)


# The other tiles, decisions and lists: the catalogue's forms for 1, 2 and 5 (the pages and messages
# call ngettext / blocktranslate count with these message ids). ``ru`` the Russian text for 1, 2, 5;
# ``kk`` Kazakh's one text (the noun after a number stays singular).
PLURALS = [
    ("decision waiting for approval", "decisions waiting for approval", {},
     ("решение ожидает одобрения", "решения ожидают одобрения", "решений ожидают одобрения"), "шешім мақұлдауды күтуде"),
    ("overdue visit", "overdue visits", {},
     ("просроченное посещение", "просроченных посещения", "просроченных посещений"), "мерзімі өткен бару"),
    ("high-risk placement", "high-risk placements", {},
     ("устройство с высоким риском", "устройства с высоким риском", "устройств с высоким риском"), "қаупі жоғары орналастыру"),
    ("case that needs a new worker", "cases that need a new worker", {},
     ("дело требует нового работника", "дела требуют нового работника", "дел требуют нового работника"),
     "іске жаңа қызметкер қажет"),
    ("At most %(n)s case can be reassigned at once.", "At most %(n)s cases can be reassigned at once.", {},
     ("не более {} дела.", "не более {} дел.", "не более {} дел."), "ең көбі {} істі"),
    ("%(form)s takes at most %(max)s child; this family already has %(n)s.",
     "%(form)s takes at most %(max)s children; this family already has %(n)s.", {"form": "X", "n": 0},
     ("не более {} ребёнка;", "не более {} детей;", "не более {} детей;"), "ең көбі {} бала"),
    ("%(count)s sibling of this child would live apart from them. Place the siblings together or record a sibling "
     "separation decision with its reason first.",
     "%(count)s siblings of this child would live apart from them. Place the siblings together or record a sibling "
     "separation decision with its reason first.", {},
     ("{} брат или сестра ребёнка будет", "{} брата или сестры ребёнка будут", "{} братьев и сестёр ребёнка будут"),
     "Баланың {} бауыры"),
    ("JSON nested deeper than %(n)s level is not accepted.", "JSON nested deeper than %(n)s levels is not accepted.", {},
     ("глубже {} уровня", "глубже {} уровней", "глубже {} уровней"), "{} деңгейден"),
    ("Describe the emergency in at least %(n)s character: supervisors review every such access.",
     "Describe the emergency in at least %(n)s characters: supervisors review every such access.", {},
     ("не менее {} символа", "не менее {} символов", "не менее {} символов"), "кемінде {} таңбамен"),
    ("accepts %(max)s child together; the sibling group in care is %(n)s",
     "accepts %(max)s children together; the sibling group in care is %(n)s", {"n": 1},
     ("до {} ребёнка;", "до {} детей;", "до {} детей;"), "бірге {} баланы"),
    ("Nothing was imported: %(n)s row was rejected.", "Nothing was imported: %(n)s rows were rejected.", {},
     ("отклонена {} строка.", "отклонены {} строки.", "отклонено {} строк."), "{} жол қабылданбады"),
    ("This breakdown gives up to %(cells)s cell; at most %(max)s are published. Choose fewer breakdowns or filter.",
     "This breakdown gives up to %(cells)s cells; at most %(max)s are published. Choose fewer breakdowns or filter.",
     {"max": 9}, ("до {} ячейки;", "до {} ячеек;", "до {} ячеек;"), "{} ұяшыққа дейін"),
    ("The %(n)s oldest; there are more.", "The %(n)s oldest; there are more.", {},
     ("Показано {} самое давнее", "Показаны {} самых давних", "Показаны {} самых давних"), "Ең ескі {};"),
    ("The %(n)s highest score; there are more.", "The %(n)s highest scores; there are more.", {},
     ("{} устройство с наибольшей", "{} устройства с наибольшей", "{} устройств с наибольшей"), "Ең жоғары бағалы {};"),
    ("Prepare between 1 and %(max)s day ahead.", "Prepare between 1 and %(max)s days ahead.", {},
     ("до {} дня", "до {} дней", "до {} дней"), "{} күнге дейін"),
    ("%(n)s visit re-planned for open placements.", "%(n)s visits re-planned for open placements.", {},
     ("перепланировано {} посещение.", "перепланированы {} посещения.", "перепланировано {} посещений."), "{} бару"),
    ("Computed %(when)s; medium from %(medium)s point, high from %(high)s.",
     "Computed %(when)s; medium from %(medium)s points, high from %(high)s.", {"when": "t", "high": 9},
     ("от {} балла,", "от {} баллов,", "от {} баллов,"), "{} ұпайдан"),
    ("Returns flagged high at least %(days)s day before the return", "Returns flagged high at least %(days)s days before the return",
     {}, ("за {} день до", "за {} дня до", "за {} дней до"), "кемінде {} күн"),
    ("Calibration: return within %(days)s day, by band", "Calibration: return within %(days)s days, by band", {},
     ("в течение {} дня,", "в течение {} дней,", "в течение {} дней,"), "{} күн ішінде"),
    ("%(date)s is more than %(years)s year ahead: give a date until %(latest)s.",
     "%(date)s is more than %(years)s years ahead: give a date until %(latest)s.", {"date": "d", "latest": "l"},
     ("более чем на {} год вперёд", "более чем на {} года вперёд", "более чем на {} лет вперёд"), "{} жылдан астам"),
]


def counted(singular: str, plural: str, arguments: dict, count: int) -> str:
    text = ngettext(singular, plural, count)
    names = set(re.findall(r"%\((\w+)\)s", singular))
    values = {name: count for name in names if name not in arguments} | arguments
    return text % values if names else text


def counted_in_english(singular: str, plural: str, arguments: dict, count: int) -> str:
    text = singular if count == 1 else plural
    names = set(re.findall(r"%\((\w+)\)s", singular))
    return text % ({name: count for name in names} | arguments) if names else text


@pytest.mark.parametrize(("singular", "plural", "arguments", "russian", "kazakh"), PLURALS, ids=[p[0][:40] for p in PLURALS])
def test_each_counted_text_agrees_with_1_2_and_5(singular, plural, arguments, russian, kazakh):
    for count, expected in zip(COUNTS, russian, strict=True):
        with translation.override("ru"):
            assert expected.format(count) in counted(singular, plural, arguments, count), (singular, count)
        with translation.override("kk"):
            assert kazakh.format(count) in counted(singular, plural, arguments, count), (singular, count)
        with translation.override("en"):
            assert counted(singular, plural, arguments, count) == counted_in_english(singular, plural, arguments, count)


# ---- the same texts through the code that writes them ------------------------------------------------

WAITING = {"en": ("waiting 1 day since", "waiting 2 days since", "waiting 5 days since"),
           "ru": ("ждёт 1 день", "ждёт 2 дня", "ждёт 5 дней"),
           "kk": ("1 күн күтуде", "2 күн күтуде", "5 күн күтуде")}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_matching_reason_of_the_waiting_time(language):
    with translation.override(language):
        texts = [waiting_text(count) for count in COUNTS]
    for text, expected in zip(texts, WAITING[language], strict=True):
        assert expected in text


YEARS = {"en": ("more than 1 year ahead", "more than 2 years ahead", "more than 5 years ahead"),
         "ru": ("более чем на 1 год вперёд", "более чем на 2 года вперёд", "более чем на 5 лет вперёд"),
         "kk": ("1 жылдан астам", "2 жылдан астам", "5 жылдан астам")}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_date_too_far_ahead_says_its_years(settings, language):
    for count, expected in zip(COUNTS, YEARS[language], strict=True):
        settings.DATE_MAX_YEARS_AHEAD = count
        with translation.override(language), pytest.raises(ValidationError) as refused:
            validate_not_too_far_ahead(timezone.localdate() + dt.timedelta(days=366 * count + 400))
        assert expected in refused.value.messages[0], (language, count)


REASSIGN = {"en": ("At most 1 case can", "At most 2 cases can", "At most 5 cases can"),
            "ru": ("не более 1 дела.", "не более 2 дел.", "не более 5 дел."),
            "kk": ("ең көбі 1 істі", "ең көбі 2 істі", "ең көбі 5 істі")}


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_bulk_reassignment_limit_says_its_number(monkeypatch, supervisor, worker, language):
    for count, expected in zip(COUNTS, REASSIGN[language], strict=True):
        monkeypatch.setattr(access_services, "MAX_BULK_REASSIGN", count)
        with translation.override(language), pytest.raises(DomainError) as refused:
            access_services.reassign_cases(case_ids=list(range(1, count + 2)), workers=[worker], actor=supervisor)
        assert expected in str(refused.value.errors["cases"]), (language, count)


# The visit kit: the window's days agree with their number; the script's counts stand after a colon,
# which needs no plural form (the script has no plural rules of its own).
KIT_WINDOW = {
    ("ru", 1): "на ближайший 1 день", ("ru", 2): "на ближайшие 2 дня", ("ru", 5): "на ближайшие 5 дней",
    ("ru", 21): "на ближайший 21 день", ("kk", 1): "Алдағы 1 күндегі", ("kk", 5): "Алдағы 5 күндегі",
    ("en", 1): "of the next day on", ("en", 2): "of the next 2 days", ("en", 5): "of the next 5 days",
}


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "days"), sorted(KIT_WINDOW))
def test_the_visit_kits_window_agrees_with_its_days(client, worker, settings, language, days):
    settings.VISIT_KIT_DAYS = days
    client.force_login(worker)
    client.cookies["django_language"] = language
    html = client.get(reverse("web:visit-kit")).content.decode()
    assert KIT_WINDOW[language, days] in html
    strings = json.loads(html[html.index('id="kit-strings"'):].split(">", 1)[1].split("</script>", 1)[0])
    assert ": %(count)s;" in strings["prepared"]  # "Visits prepared: 1", «Подготовлено визитов: 1»
    if language == "en":
        assert strings["sent"] == "Sent. Recorded: %(recorded)s; kept as conflicts: %(conflicts)s."


@pytest.mark.parametrize(("score", "en", "ru"), [(21.0, "21 points", "21 балл"), (1, "1 point", "1 балл"),
                                                 (42.0, "42 points", "42 балла")])
def test_a_risk_score_given_as_a_float_is_written_as_a_whole_number_of_points(score, en, ru):
    """A score summed on the page arrived as a float: gettext warns (an error to come) and wrote "21.0"."""
    from web.templatetags.web_tags import risk_points

    with translation.override("en"):
        assert risk_points(score) == en
    with translation.override("ru"):
        assert risk_points(score) == ru
