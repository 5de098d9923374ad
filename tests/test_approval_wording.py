"""One word for a family's approval as carers (and a supervisor's approval of a decision) in each
catalogue: Russian «одобрение» (одобрить, одобрена, ...), Kazakh «мақұлдау» (мақұлдану, мақұлданды, ...).

The pages had mixed them with «утверждение» / «разрешение» and «бекіту» / «рұқсат», so a reader met two
names for the one status (a family "approved" on its page, "утверждение" requested in its history).
«Одобрение» / «мақұлдау» is what the guardianship authority's decision that a family may take a child
is called across the rest of the project; «утверждение» / «бекіту» read as ratifying a document, and
«разрешение» / «рұқсат» as a permission. Read from the .po files, every msgstr of every message."""

import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"

# The English concept: approval, approve, approved, approvals.
CONCEPT = re.compile(r"approv", re.IGNORECASE)
# "word": what every translation of an approval message says; "other": the words for the same concept
# it may not say; "elsewhere": those of them that mean approval in any message (a «разрешение» /
# «рұқсат» elsewhere is a plain permission: "the legal status permits only guardianship").
TERMS = {
    "ru": {"word": re.compile(r"одобр", re.IGNORECASE),
           "other": re.compile(r"утвер[жд]|разрешени", re.IGNORECASE),  # утверждение, утвердить, разрешение
           "elsewhere": re.compile(r"утвер[жд]", re.IGNORECASE)},
    "kk": {"word": re.compile(r"мақұлд", re.IGNORECASE),
           "other": re.compile(r"бекіт|рұқсат", re.IGNORECASE),
           # «бекіту» and its forms as approving («бекітілмеген іс», "a case not assigned to you", is
           # another sense).
           "elsewhere": re.compile(r"\bбекіт(у|уі|уін|уге|уді|удің|уден|іңіз|еді|ілді|ілсін)\b", re.IGNORECASE)},
}


def _unquote(line: str) -> str:
    return line[line.index('"') + 1:line.rindex('"')].replace('\\"', '"').replace("\\n", "\n")


def messages(language: str) -> list[tuple[str, list[str]]]:
    """(msgid, [msgstr, msgstr[1], ...]) of every message of the language's django.po (header and
    obsolete entries left out), continuation lines joined."""
    out: list[tuple[str, list[str]]] = []
    msgid, strs, current = None, [], None
    lines = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8").splitlines()
    for line in [*lines, ""]:
        if line.startswith("#"):
            continue
        if line.startswith("msgid "):
            msgid, strs, current = _unquote(line), [], "id"
        elif line.startswith("msgid_plural "):
            current = "plural"
        elif line.startswith("msgstr"):
            strs.append(_unquote(line))
            current = "str"
        elif line.startswith('"') and msgid is not None:
            if current == "id":
                msgid += _unquote(line)
            elif current == "str":
                strs[-1] += _unquote(line)
        elif not line.strip() and msgid is not None:
            if msgid:
                out.append((msgid, strs))
            msgid, strs, current = None, [], None
    return out


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_message_about_approval_uses_the_one_word(language):
    terms = TERMS[language]
    about_approval = [(msgid, strs) for msgid, strs in messages(language) if CONCEPT.search(msgid)]
    assert len(about_approval) > 40  # the family's approval, its requests and decisions, the decisions' approval
    wrong = [(msgid, s) for msgid, strs in about_approval for s in strs
             if not terms["word"].search(s) or terms["other"].search(s)]
    assert wrong == []


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_other_word_for_approval_is_nowhere_in_the_catalogue(language):
    """Also where the English says it otherwise ("sent to the supervisor", "the decision stands")."""
    other = TERMS[language]["elsewhere"]
    found = [(msgid, s) for msgid, strs in messages(language) for s in strs if other.search(s)]
    assert found == []


def test_the_parser_reads_a_known_message():
    ru = dict(messages("ru"))
    assert ru["Approval requested"] == ["Запрошено одобрение"]
    assert dict(messages("kk"))["Approval"] == ["Мақұлдау"]
