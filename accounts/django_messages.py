"""Django's own form and sign-in texts that its Kazakh catalogue leaves untranslated. Without an
entry, Django falls back to LANGUAGE_CODE (ru), so a Kazakh page showed Russian text (the sign-in
error came out half Russian, half Kazakh). Marked here so that makemessages keeps them in this
project's catalogues, where the kk (and ru) translations live; LOCALE_PATHS come first. See also
accounts/password_messages.py. Nothing imports this module."""

from django.utils.translation import gettext_noop, ngettext_lazy

MESSAGES = [
    # django.contrib.auth.forms.AuthenticationForm.error_messages["invalid_login"]
    gettext_noop("Please enter a correct %(username)s and password. Note that both fields may be case-sensitive."),
    # django.forms.fields and django.core.validators
    gettext_noop("Enter a valid integer."),
    gettext_noop("Enter a complete value."),
    gettext_noop("Null characters are not allowed."),
    gettext_noop("Ensure this value is a multiple of step size %(limit_value)s."),
    # django.db.models (model validation, shown beside the form)
    gettext_noop("Value %(value)r is not a valid choice."),
    gettext_noop("%(model_name)s with this %(field_labels)s already exists."),
    gettext_noop("Constraint “%(name)s” is violated."),
    ngettext_lazy("Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
                  "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
                  "limit_value"),
    ngettext_lazy("Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
                  "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
                  "limit_value"),
    ngettext_lazy("Ensure that there are no more than %(max)s digit in total.",
                  "Ensure that there are no more than %(max)s digits in total.", "max"),
    ngettext_lazy("Ensure that there are no more than %(max)s decimal place.",
                  "Ensure that there are no more than %(max)s decimal places.", "max"),
    ngettext_lazy("Ensure that there are no more than %(max)s digit before the decimal point.",
                  "Ensure that there are no more than %(max)s digits before the decimal point.", "max"),
]
