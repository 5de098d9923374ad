"""Stage-change reasons in the reader's language: the services store the reasons they write
themselves in English (the message ids) and these functions show them translated, wherever a case's
history is read (the pages' timeline, web.templatetags.web_tags; the case-file PDF, documents.export)."""

import re

from django.utils.translation import gettext as _


def _english_labels(choices: type) -> dict[str, str]:
    from django.utils import translation

    with translation.override("en"):
        return {str(label): value for value, label in choices.choices}


def stage_reason(text: str) -> str:
    """A stage change's reason in the reader's language. The services store the reasons they write
    themselves in English (the message ids); a reason a user typed is shown as typed."""
    from cases.models import EndReason, ReturnReason

    if not text:
        return ""
    translated = _(text)
    if translated != text:
        return translated
    patterns = (
        (r"^Returned to institution \((?P<label>[^)]*)\)\.\s*(?P<notes>.*)$", ReturnReason,
         "Returned to institution (%(reason)s). %(notes)s"),
        (r"^Placement ended: (?P<label>.*?)\.\s*(?P<notes>.*)$", EndReason, "Placement ended: %(reason)s. %(notes)s"),
    )
    # Older demo data wrote "returned to institution: <code>"; show the code's label.
    legacy = re.match(r"^returned to institution: (?P<code>\w+)$", text)
    if legacy and legacy["code"] in ReturnReason.values:
        return (_("Returned to institution (%(reason)s). %(notes)s")
                % {"reason": ReturnReason(legacy["code"]).label, "notes": ""}).strip()
    chosen = re.match(r"^Family № (?P<n>\d+) chosen for acquaintance\.$", text)
    if chosen:
        return _("Family № %(n)s chosen for acquaintance.") % {"n": chosen["n"]}
    moved = re.match(r"^Moved to another family\.\s*(?P<notes>.*)$", text, re.S)
    if moved:
        return (_("Moved to another family. %(reason)s") % {"reason": moved["notes"]}).strip()
    for pattern, choices, message in patterns:
        match = re.match(pattern, text, re.S)
        if match and match["label"] in _english_labels(choices):
            label = dict(choices.choices)[_english_labels(choices)[match["label"]]]
            return (_(message) % {"reason": label, "notes": match["notes"]}).strip()
    return text
