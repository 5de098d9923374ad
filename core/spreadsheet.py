"""Cells of every CSV and XLSX export pass through ``spreadsheet_safe``.

A spreadsheet program runs a cell that starts with = + - @ (and, in some, a tab or carriage return
before them) as a formula: text that came from a user or a registry file could then fetch a URL or
run a command on the analyst's machine (CSV/formula injection, OWASP). Such text is written with a
leading apostrophe, which spreadsheets show as text. Numbers are left as numbers.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """``value`` unchanged unless it is a string that a spreadsheet would read as a formula; then the
    same string after an apostrophe ("'=1+1")."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_row(values: list[object]) -> list[object]:
    return [spreadsheet_safe(value) for value in values]
