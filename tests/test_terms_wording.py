"""One term per concept in each catalogue, as tests/test_approval_wording.py does for approval.

- The carers' training certificate (the certificate of the school for prospective carers): Russian
  «свидетельство школы приёмных родителей», Kazakh «қабылдаушы ата-аналар мектебінің куәлігі» (the
  school is «Школа приёмных родителей» / «Қабылдаушы ата-аналар мектебі»). Retired: «свидетельство ШПР»,
  «свидетельство о подготовке», «свидетельство об обучении»; «Оқу куәлігі», «ҚАМ куәлігі», «АДМ куәлігі»,
  «дайындық туралы куәлік» (the abbreviations are not understood by every reader; the others read as
  any schooling). The psychological training certificate is another document and keeps its name.
- The carers' check: «проверка воспитателя» / «тәрбиешіні тексеру», the words of the model's fields and
  the alerts; retired: «проверка опекунов», «Қамқоршыларды ... тексеру» (the plural «воспитателей» /
  «тәрбиешілерді» and the home study's words: tests/test_terms_pages.py, on the compiled catalogues).
- An applicant in Kazakh: «өтініш беруші» (the model's and the history's word); «үміткер» only for a
  prospective family («үміткер отбасы»).
- A family in an alert's title: "Family № 75" / «Семья № 75» / «№ 75 отбасы», the older titles too
  (their stored keys, Notification.title_key, moved to the new texts: notifications migration 0014).
- No bracket inside a bracket: the carer check's reason goes inside the alert's and the refusal's
  brackets, so it says whom it concerns with a dash, not with brackets of its own.
- An applicant in Russian: «заявитель» (the model's word, as «өтініш беруші» in Kazakh); «кандидат» only
  for a prospective family as a whole («семья-кандидат», «Кандидаты в замещающие родители»).
- The family's carer: «воспитатель» / «тәрбиеші», the words of the carers' check; retired: «опекун» for a
  carer (it is a guardian, a legal form of care) and «қамқоршы» (a trustee: «қамқоршылық» is trusteeship).
- A family named by its number: "Family № 5" / «Семья № 5» / «№ 5 отбасы» in every label, the name of
  a family with no applicant left too (it was "Family 5").
- A failed carer check's alert is of its own kind ("carer check failed: the family's approval
  suspended"), not "approval suspended by a change in the family".
- The badge of an applicant who left reads as a label ("Died on 2 November 2026", «Умерла …»), not as the
  reason's name beside a date ("death 2 November 2026").
- The guardianship's conversion: its alert's name gives no age (the trusteeship rule's ``min_age`` may
  change), the reminder and the case page give the rule's.
Read from the .po files, every msgstr of every message (the pages: tests/test_terms_pages.py)."""

import re
from pathlib import Path

import pytest

from tests.test_approval_wording import messages

TRAINING_CERTIFICATE = re.compile(r"(?<!psychological )training certificate|school of adoptive parents certificate",
                                  re.IGNORECASE)
CARERS_CHECK = re.compile(r"carers?'?\s+(periodic\s+|next\s+)?check|carers last checked", re.IGNORECASE)
APPLICANT = re.compile(r"\bapplicants?\b", re.IGNORECASE)

TERMS = {
    "ru": {"certificate": re.compile(r"свидетельств\w* школы приёмных родителей", re.IGNORECASE),
           "check": re.compile(r"проверк\w* воспитател", re.IGNORECASE),
           "retired": re.compile(r"ШПР|свидетельств\w* (о подготовке|об обучении)|проверк\w* опекун", re.IGNORECASE)},
    "kk": {"certificate": re.compile(r"қабылдаушы ата-аналар мектеб\w* куәлі", re.IGNORECASE),
           "check": re.compile(r"тәрбиеші\w*\s+(\w+\s+){0,2}тексер", re.IGNORECASE),
           "retired": re.compile(r"\bоқу куәлі|\bҚАМ\b|\bАДМ\b|дайындық туралы куәлі|қамқоршы\w*\s+(\w+\s+){0,2}тексер",
                                 re.IGNORECASE)},
}


PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]")


def about(language: str, concept: re.Pattern) -> list[tuple[str, str]]:
    """(msgid, msgstr) of the messages whose English names the concept (not in a placeholder's name)."""
    return [(msgid, s) for msgid, strs in messages(language) if concept.search(PLACEHOLDER.sub("", msgid))
            for s in strs]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_training_certificate_has_one_name(language):
    found = about(language, TRAINING_CERTIFICATE)
    assert len(found) >= 9  # the family's fields, the form, the page, the expiry, the filter
    assert [(msgid, s) for msgid, s in found if not TERMS[language]["certificate"].search(s)] == []


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_carers_check_has_one_name(language):
    found = about(language, CARERS_CHECK)
    assert len(found) >= 20  # the family's fields, the change form, the refusals, the alerts, the history
    assert [(msgid, s) for msgid, s in found if not TERMS[language]["check"].search(s)] == []


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_retired_words_are_nowhere_in_the_catalogue(language):
    retired = TERMS[language]["retired"]
    assert [(msgid, s) for msgid, strs in messages(language) for s in strs if retired.search(s)] == []


def test_an_applicant_is_one_word_in_kazakh():
    found = about("kk", APPLICANT)
    assert len(found) >= 30
    assert [(msgid, s) for msgid, s in found if not re.search(r"өтініш беруш", s, re.IGNORECASE)] == []
    candidate = [(msgid, s) for msgid, strs in messages("kk") for s in strs
                 if re.search(r"үміткер", s, re.IGNORECASE) and "prospective" not in msgid.lower()]
    assert candidate == []


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_every_alert_about_a_family_numbers_it_the_one_way(language):
    """The older alerts' titles ("Family № %s:", notifications migration 0014) are written like "Family №
    %(family)s:"; none starts with a bare "Family %s:"."""
    written = {"en": re.compile(r"^Family №\u00a0%s: "), "ru": re.compile(r"^Семья №\u00a0%s: "),
               "kk": re.compile(r"^№\u00a0%s отбасы: ")}[language]
    assert [msgid for msgid, _strs in messages(language) if msgid.startswith("Family %s:")] == []
    older = [(msgid, s) for msgid, strs in messages(language) if msgid.startswith("Family № %s:") for s in strs if s]
    # The carers' periodic check (due on, was due on) and papers' expiry (expire on, expired on).
    assert len(older) == 4
    assert [(msgid, s) for msgid, s in older if not written.search(s)] == []
    titled = [(msgid, s) for msgid, strs in messages(language) if re.match(r"Family (№ )?%(\(\w+\))?s: ", msgid)
              for s in strs if s]
    assert len(titled) >= 6
    assert [(msgid, s) for msgid, s in titled if "№" not in s] == []


def _nested(text: str) -> bool:
    depth = 0
    for char in PLACEHOLDER.sub("", text):  # a placeholder's brackets are not the reader's
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth > 1:
            return True
    return False


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_no_bracket_nests_in_a_message_or_in_what_goes_inside_one(language):
    """Nor in the carer check's reason, which the alert titles and refusals put inside their brackets
    ("approval suspended (%(reason)s)")."""
    catalogue = messages(language)
    assert [(msgid, s) for msgid, strs in catalogue for s in strs if _nested(s)] == []
    reasons = {"%(name)s: %(reason)s on %(date)s", "carer check failed: %(reason)s on %(date)s",
               "carer check failed for %(name)s: %(reason)s on %(date)s"}
    translated = [(msgid, s) for msgid, strs in catalogue if msgid in reasons for s in strs if s]
    assert len(translated) == (0 if language == "en" else 3)
    assert [(msgid, s) for msgid, s in translated if re.search(r"[()]", PLACEHOLDER.sub("", s))] == []


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_suspension_reason_reads_without_nested_brackets(language):
    from django.utils import translation

    from families.reasons import CARER_CHECK_FAILED_FOR
    from notifications.services import FAMILY_SUSPENDED_CHECK_FOR_TITLE

    with translation.override(language):
        reason = translation.gettext(CARER_CHECK_FAILED_FOR) % {"name": "Мамедова Камила", "reason": "судимость",
                                                                 "date": "2 ноября 2026"}
        title = translation.gettext(FAMILY_SUSPENDED_CHECK_FOR_TITLE) % {
            "family": 75, "applicant": "Мамедова Камила", "change": "судимость", "on": "2 ноября 2026"}
    assert "Мамедова Камила" in reason and "(" not in reason
    assert "Мамедова Камила" in title and not _nested(title) and title.count("(") == 1


# ---- an applicant in Russian ------------------------------------------------------------------------

def test_an_applicant_is_one_word_in_russian():
    found = about("ru", APPLICANT)
    assert len(found) >= 30  # the model, the forms, the family's page, the changes, the refusals
    assert [(msgid, s) for msgid, s in found if not re.search(r"заявител", s, re.IGNORECASE)] == []
    candidate = [(msgid, s) for msgid, strs in messages("ru") for s in strs
                 if re.search(r"кандидат", s, re.IGNORECASE) and "prospective" not in msgid.lower()]
    assert candidate == []


# ---- the family's carer ------------------------------------------------------------------------------

CARER = re.compile(r"\bcarers?\b|carers'|carer's", re.IGNORECASE)
CARER_WORD = {"ru": re.compile(r"воспитател", re.IGNORECASE), "kk": re.compile(r"тәрбиеш", re.IGNORECASE)}
# A guardian / a trustee (the legal forms of care): only where the English says so.
CARER_RETIRED = {"ru": (re.compile(r"опекун", re.IGNORECASE), re.compile(r"\bguardians?\b", re.IGNORECASE)),
                 "kk": (re.compile(r"қамқоршы(?!лы)", re.IGNORECASE), re.compile(r"\btrustees?\b", re.IGNORECASE))}


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_carer_is_one_word(language):
    found = about(language, CARER)
    assert len(found) >= 40  # the checks, the risk factors, the visit's checklist, the carer's report, the kit
    assert [(msgid, s) for msgid, s in found if not CARER_WORD[language].search(s)] == []


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_carer_is_never_called_a_guardian_or_a_trustee(language):
    """«опекун» / «қамқоршы» name a person only where the English names a guardian / trustee: the forms of
    care themselves («опека», «қамқоршылық») are not touched."""
    retired, allowed = CARER_RETIRED[language]
    assert [(msgid, s) for msgid, strs in messages(language) for s in strs
            if retired.search(s) and not allowed.search(msgid)] == []
    forms = {"ru": "опека", "kk": "қамқоршылық"}[language]
    assert any(forms in s for msgid, strs in messages(language) if "guardianship" in msgid or "trusteeship" in msgid
               for s in strs)


# ---- a family by its number --------------------------------------------------------------------------

FAMILY_NUMBER = re.compile(r"\bfamil(y|ies)\s+(№\s+)?%(\(\w+\))?[sd]", re.IGNORECASE)
NOT_A_NUMBER = {"Last visit on %(date)s: child %(child)s, family %(family)s."}  # the family's condition
# The translations write "№" and the number with a no-break space, so a line never parts them.
NUMBERED = {"en": re.compile(r"[Ff]amily №\u00a0%"), "ru": re.compile(r"[Сс]ем\w+ №\u00a0%"),
            "kk": re.compile(r"№\u00a0%(\(\w+\))?s отбас")}


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_every_family_named_by_its_number_is_numbered_one_way(language):
    found = [(msgid, s) for msgid, strs in messages(language) if FAMILY_NUMBER.search(msgid)
             and msgid not in NOT_A_NUMBER for s in strs]
    assert len(found) >= 20
    assert [msgid for msgid, _s in found if "№" not in msgid] == []
    translated = [(msgid, s) for msgid, s in found if s]
    assert len(translated) >= 20  # English too: its catalogue writes the no-break space
    assert [(msgid, s) for msgid, s in translated if not NUMBERED[language].search(s)] == []


SOURCE = Path(__file__).resolve().parent.parent
UNNUMBERED = re.compile(r"[Ff]amily (%\(\w+\)s|%s|\{\{)")


def test_no_page_or_message_names_a_family_by_a_bare_number():
    """In the code and the templates: "Family %(id)s" (the name of a family with no applicant left, the
    dashboard's) and "family %(id)s" (an import's duplicates) were the last ones."""
    files = [path for pattern in ("*.py", "*.html", "*.txt") for path in SOURCE.glob(f"*/**/{pattern}")
             if path.relative_to(SOURCE).parts[0] not in {"tests", "bench", "locale", "node_modules"}
             and not path.relative_to(SOURCE).parts[0].startswith(".") and "migrations" not in path.parts]
    assert len(files) > 100
    found = [(str(path.relative_to(SOURCE)), line.strip()) for path in files
             for line in path.read_text(encoding="utf-8").splitlines()
             if UNNUMBERED.search(line) and not any(key in line for key in NOT_A_NUMBER)]
    assert found == []


# ---- the alerts' kinds -------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_failed_carer_check_is_an_alert_of_its_own_kind(language):
    from django.utils import translation

    from notifications.models import Notification

    kinds = Notification.Kind
    with translation.override(language):
        failed, changed = str(kinds.CARER_CHECK_FAILED.label), str(kinds.FAMILY_SUSPENDED.label)
    check = {"en": re.compile(r"carer check failed"), **CARER_WORD}[language]
    change = {"en": "change in the family", "ru": "изменени", "kk": "өзгеріс"}[language]
    assert check.search(failed) and change not in failed
    assert change in changed and not check.search(changed)
    assert len(set(kinds.labels)) == len(kinds.labels)  # no two kinds read alike


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_guardianships_conversion_names_no_age_of_its_own(language):
    """The age is the trusteeship rule's (cases.FormOfCareRule.min_age): the kind's name gives none, the
    reminder's title and the case page's line take it as an argument."""
    from django.utils import translation

    from cases.reminders import GUARDIANSHIP_CONVERSION_TITLE
    from notifications.models import Notification

    with translation.override(language):
        label = str(Notification.Kind.GUARDIANSHIP_CONVERSION.label)
        title = translation.gettext(GUARDIANSHIP_CONVERSION_TITLE) % (5, 15, "01.03.2027")
        line = translation.gettext("The child turned %(age)s on %(date)s: the guardianship is due to become a "
                                   "trusteeship.") % {"age": 15, "date": "1 March 2027"}
    assert not re.search(r"\d", label)
    assert "15" in title and "14" not in title and "15" in line and "14" not in line
    turned = [(msgid, s) for msgid, strs in messages(language) if re.search(r"turn(ed|s) ", msgid) for s in strs]
    assert [(msgid, s) for msgid, s in turned if re.search(r"\b14\b", msgid + s)] == []


# ---- the badge of an applicant who left ---------------------------------------------------------------

# (reason, sex) -> the Russian and Kazakh badge; Kazakh has no gender.
BADGES = {
    ("death", "M"): ("Умер %(date)s", "%(date)s қайтыс болды"),
    ("death", "F"): ("Умерла %(date)s", "%(date)s қайтыс болды"),
    ("divorce", "M"): ("Развёлся %(date)s", "%(date)s ажырасты"),
    ("divorce", "F"): ("Развелась %(date)s", "%(date)s ажырасты"),
    ("departure", "M"): ("Выбыл из семьи %(date)s", "%(date)s отбасынан шығып кетті"),
    ("departure", "F"): ("Выбыла из семьи %(date)s", "%(date)s отбасынан шығып кетті"),
}


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_badge_of_one_who_left_reads_as_a_label(language):
    """Each way of leaving, for a man and a woman: a label with the date in its place ("Died on %(date)s"),
    the Russian verb agreeing with the applicant's sex; and the reason's own name, which the alerts'
    titles put after a name, agrees with anyone («выбытие из семьи», was «выбыл из семьи»)."""
    from django.utils import translation

    from families.models import LEFT_FAMILY_BADGES

    assert set(LEFT_FAMILY_BADGES) == set(BADGES)
    with translation.override(language):
        badges = {key: str(badge) for key, badge in LEFT_FAMILY_BADGES.items()}
        departure = translation.gettext("moved out of the family")
    if language == "en":
        assert all(re.fullmatch(r"[A-Z][a-z ]+ on %\(date\)s", text) for text in badges.values())
    else:
        assert badges == {key: texts[language == "kk"] for key, texts in BADGES.items()}
    assert departure == {"en": "moved out of the family", "ru": "выбытие из семьи",
                         "kk": "отбасынан шығып кетті"}[language]
