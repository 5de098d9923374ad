"""What a reader sees instead of internal codes, request lines or half-translated messages."""

import pytest
from django.utils import translation

from web.templatetags.web_tags import stage_reason


def test_stage_reason_shows_return_reason_label_not_code() -> None:
    # The old demo wording ("returned to institution: <code>") and the services' own wording.
    for text in ("returned to institution: unrealistic_expectations",
                 "Returned to institution (carers' unrealistic expectations)."):
        with translation.override("ru"):
            shown = stage_reason(text)
        assert "unrealistic_expectations" not in shown
        assert shown.startswith("Возвращён в учреждение (")
        with translation.override("en"):
            assert stage_reason(text) == "Returned to institution (carers' unrealistic expectations)."


def test_demo_stage_reasons_are_shown_translated() -> None:
    from demo.generator import stage_reasons

    reasons = stage_reasons()[1:]
    assert reasons
    with translation.override("kk"):
        for text in reasons:
            shown = stage_reason(text)
            assert shown.startswith("Мекемеге қайтарылды (") and "_" not in shown, shown


@pytest.mark.django_db
def test_kazakh_sign_in_error_is_all_kazakh() -> None:
    from django.contrib.auth.forms import AuthenticationForm

    with translation.override("kk"):
        form = AuthenticationForm(data={"username": "nobody", "password": "wrong"})
        assert not form.is_valid()
        message = form.non_field_errors()[0]
    assert "құпиясөз қате" in message
    assert "Пожалуйста" not in message and "пароль" not in message


def test_django_messages_have_their_own_kazakh() -> None:
    """Each of Django's texts marked in accounts/django_messages.py reads differently in kk and ru
    (a missing kk entry falls back to Russian)."""
    from django.utils.translation import gettext

    from accounts.django_messages import MESSAGES

    def shown(message: object, lang: str) -> str:
        with translation.override(lang):
            if isinstance(message, str):
                return gettext(message)
            return message % {"limit_value": 5, "show_value": 7, "max": 5}  # type: ignore[operator]

    for message in MESSAGES:
        assert shown(message, "kk") != shown(message, "ru"), message


def test_history_reason_names_the_action_not_the_request_line() -> None:
    from web.templatetags.web_tags import history_reason

    with translation.override("kk"):
        assert history_reason("POST /families/2192/approval/request/") == "Мақұлдау сұралды"
        assert history_reason("POST /families/new/") == "Отбасын тіркеу"
        assert history_reason("PATCH /api/v1/families/3/") == "API арқылы"
        assert history_reason("POST /nowhere/") == ""
        assert history_reason("wider age range after training") == "wider age range after training"


def test_date_messages_and_the_dashboard_time_as_the_pages_write_them() -> None:
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django.utils import formats

    from core.dates import validate_not_future

    with translation.override("ru"), pytest.raises(ValidationError) as error:
        validate_not_future(dt.date(2999, 1, 15))
    assert "15.01.2999" in error.value.messages[0] and "2999-01-15" not in error.value.messages[0]
    for lang in ("kk", "ru", "en"):
        with translation.override(lang):
            assert formats.time_format(dt.time(7, 37), "TIME_FORMAT") == "07:37"


def test_stage_reasons_the_services_write_are_shown_in_the_readers_language() -> None:
    with translation.override("kk"):
        moved = stage_reason("Moved to another family. the carers fell ill")
        back = stage_reason("Back in care: a new case follows the closed one.")
    assert moved != "Moved to another family. the carers fell ill" and moved.endswith("the carers fell ill")
    assert back.startswith("Бала қайтадан")
