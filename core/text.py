"""How long a text a user types may be, and how the pages show a long one.

Every free-text field has a maximum, the same in the model (a validator, so a service's
``full_clean`` refuses it), the page's form and the API's serializer (a ModelForm or ModelSerializer
takes it from the model field's ``max_length``). A visit's concerns once took 65,000 characters and
made the case page 135,000 px tall on a phone.
"""

from django.core.validators import MaxLengthValidator
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext as _

# A reason (a stage change, a refusal, a revocation, an emergency): a paragraph.
REASON_MAX_LENGTH = 2000
# Notes and a visit's concerns: a page of text.
NOTES_MAX_LENGTH = 4000
# The source of a policy (a law's name and article).
SOURCE_MAX_LENGTH = 500

# A text longer than this is shown clamped, with "Read all" to open the rest.
CLAMP_AFTER = 300


def max_length(limit: int) -> dict:
    """The keyword arguments of a model TextField limited to ``limit`` characters: ``max_length``
    for the forms and serializers built from it, and its validator for ``full_clean`` (Django does
    not check a TextField's ``max_length`` itself)."""
    return {"max_length": limit, "validators": [MaxLengthValidator(limit)]}


def long_text(text: str | None, *, limit: int = CLAMP_AFTER) -> SafeString:
    """``text`` escaped with its line breaks; a text longer than ``limit`` clamped to its beginning,
    the rest behind "Read all" (a <details>: no script needed, app.css "long-text")."""
    text = text or ""
    if len(text) <= limit:
        return linebreaksbr(text)
    return format_html(
        '<details class="long-text"><summary><span class="preview">{}</span> <span class="read-all">{}</span></summary>'
        '<div class="full">{}</div></details>',
        Truncator(text).chars(limit), _("Read all"), linebreaksbr(text))
