"""What a reader sees instead of internal codes, request lines or half-translated messages."""

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
