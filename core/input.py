"""Input that cannot be stored or answered is refused with 400, whatever the endpoint.

PostgreSQL text cannot hold NUL (U+0000), and a lone UTF-16 surrogate (U+D800–U+DFFF, which JSON's
"\\ud800" escape produces) can be neither stored nor encoded into a UTF-8 answer; both used to reach
the database or the renderer and end in a 500. JSON nested without bound exhausts Python's
recursion. These checks run where input enters: the API's parsers (JSON, forms, multipart) and a
middleware for query strings and the pages' forms.
"""

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

# Deeper than any request of this API (an applicant inside a family is 3 levels).
MAX_JSON_DEPTH = 32


def is_storable_text(text: str) -> bool:
    """False when ``text`` has a NUL or a lone surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_text_message() -> str:
    return _("This text has a character that cannot be stored (a NUL or an unpaired surrogate); remove it.")


def _printable_path(path: tuple[Any, ...]) -> str:
    parts = [str(p) if is_storable_text(str(p)) else "?" for p in path]
    return ".".join(parts) or "non_field_errors"


def unstorable_paths(data: Any) -> Iterator[str]:
    """The paths ("field", "applicants.0.last_name") of every string key or value in ``data`` that
    has a NUL or a lone surrogate. Iterative, so that depth never recurses."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not is_storable_text(value):
                yield _printable_path(path)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and not is_storable_text(key):
                    yield _printable_path(path) if path else "non_field_errors"
                stack.append(((*path, key), item))
        elif isinstance(value, list | tuple):
            stack.extend(((*path, index), item) for index, item in enumerate(value))


def depth_of(data: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """How deeply lists and objects nest in ``data``, counted up to ``limit + 1``."""
    deepest = 0
    stack: list[tuple[int, Any]] = [(1, data)]
    while stack:
        depth, value = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((depth + 1, item) for item in (value.values() if isinstance(value, dict) else value))
    return deepest
