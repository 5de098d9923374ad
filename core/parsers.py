"""The API's parsers: DRF's, refusing input that cannot be stored (see core.input) with 400."""

from typing import Any

from django.http import QueryDict
from django.utils.translation import ngettext
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from core.input import MAX_JSON_DEPTH, depth_of, unstorable_paths, unstorable_text_message


def refuse_unstorable(data: Any) -> None:
    """Raise ValidationError (400, a message per field) if any string in ``data`` has a NUL or a lone surrogate."""
    if isinstance(data, QueryDict):  # a form: one message per field, whichever of its values is bad
        paths = sorted({path.split(".")[0] for path in unstorable_paths({key: data.getlist(key) for key in data})})
    else:
        paths = sorted(set(unstorable_paths(data)))
    if paths:
        raise ValidationError({path: [unstorable_text_message()] for path in paths})


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = depth_of(data) > MAX_JSON_DEPTH
        if too_deep:
            raise ParseError(ngettext("JSON nested deeper than %(n)s level is not accepted.",
                                      "JSON nested deeper than %(n)s levels is not accepted.", MAX_JSON_DEPTH) % {"n": MAX_JSON_DEPTH})
        refuse_unstorable(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        refuse_unstorable(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        result = super().parse(stream, media_type, parser_context)
        refuse_unstorable(result.data)
        return result
