"""CSV and XLSX exports of a published table. Suppressed numbers are written as "x" with the
protection stated above the table (CSV, as # comment lines) or on an "About" sheet (XLSX)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from rest_framework.renderers import BaseRenderer

from core.dates import day_text
from core.spreadsheet import spreadsheet_row
from stats.release import FLOW_UNIT, STOCK_UNIT

SUPPRESSED = "x"


def table_columns(data: dict) -> list[str]:
    columns: list[str] = []
    for name in data["breakdown"]:
        columns.append(name)
        if data["rows"] and f"{name}_label" in data["rows"][0]:
            columns.append(f"{name}_label")
    return columns + [m["name"] for m in data["measures"]]


def table_lines(data: dict) -> list[list[object]]:
    columns = table_columns(data)
    measures = {m["name"] for m in data["measures"]}
    lines = []
    for row in [*data["rows"], *data["totals"]]:
        line = []
        for column in columns:
            value = row.get(column)
            if column in measures and column in row["suppressed"]:
                value = SUPPRESSED
            elif value is None and column in data["breakdown"]:
                value = _("Total")
            line.append("" if value is None else value)
        lines.append(line)
    return lines


def notes(data: dict) -> list[str]:
    """The lines above the table (CSV) or on the About sheet (XLSX), in the reader's language: the
    title and date, the definition, and the protection applied with its parameters."""
    lines = [
        # The date as the reader writes it, as the notes' numbers are; the table's own cells keep ISO dates.
        _("%(title)s (%(indicator)s), as of %(as_of)s") % {
            "title": data["title"], "indicator": data["indicator"], "as_of": day_text(dt.date.fromisoformat(data["as_of"]))},
        data["definition"],
    ]
    control = data["disclosure_control"]
    # The labels are gettext calls of their own, not inside f-strings, where makemessages cannot see them.
    if control.get("applied"):
        suppressed = _("suppressed")
        lines.append(_("Disclosure control") + f": k={control['k']}. {control['method']} ({SUPPRESSED} = {suppressed})")
        cell_key = control.get("cell_key")
        if cell_key:
            # Numbers in the notes as the reader writes them (7,8 % in Russian and Kazakh); the table's own cells stay 0.64.
            probabilities = ", ".join(
                f"{int(value):+d}: {number_format(float(p) * 100, 1)} %" for value, p in cell_key["perturbation_probabilities"].items()
            )
            parts = [
                _("Cell key method") + ": " + cell_key["method"],
                _("key range %(range)s; perturbation at most ±%(max)s, with probabilities %(probabilities)s "
                  "(variance %(variance)s)") % {
                    "range": cell_key["key_range"], "max": cell_key["max_perturbation"], "probabilities": probabilities,
                    "variance": number_format(cell_key["perturbation_variance"]),
                },
                _("record key") + ": " + cell_key["record_key"],
                _("cell key") + ": " + cell_key["cell_key"],
                _("empty cells") + ": " + cell_key["zero_cells"],
                _("totals") + ": " + cell_key["totals"],
                _("day sums") + ": " + cell_key["day_sums"],
            ]
            lines.append("; ".join(parts))
    privacy = data.get("differential_privacy")
    if privacy:
        # A release stores its mechanism in English (stats.privacy.MECHANISM); the reader gets it translated.
        lines.append(
            _("Differential privacy: epsilon=%(epsilon)s (%(per_count)s per count), %(mechanism)s, sensitivity "
              "%(sensitivity)s, scale %(scale)s, unit of privacy: %(unit)s") % {
                "epsilon": privacy["epsilon"], "per_count": privacy["epsilon_per_count_measure"],
                "mechanism": _(privacy["mechanism"]), "sensitivity": _mapping(privacy["sensitivity"]),
                "scale": _mapping(privacy["noise_scale"]), "unit": unit_of_privacy(privacy["unit_of_privacy"]),
            }
        )
    if data.get("year_from") is not None or data.get("year_to") is not None:
        lines.append(_("Years") + f": {data.get('year_from') or ''}–{data.get('year_to') or ''}")
    return lines


def unit_of_privacy(stored: str) -> str:
    """A release's unit of privacy, stored in English (stats.release.STOCK_UNIT, FLOW_UNIT), in the
    reader's language; a text of another form (an older release) as it was stored."""
    if stored == STOCK_UNIT:
        return _(STOCK_UNIT)
    flow = re.fullmatch(re.escape(FLOW_UNIT).replace(re.escape("%(n)s"), r"(\d+)"), stored)
    if flow:
        return _(FLOW_UNIT) % {"n": flow.group(1)}
    return stored


def _mapping(values: dict) -> str:
    """{"entries": 2, "returns": 2} as "entries 2, returns 2" (a Python dictionary is no reader's text)."""
    return ", ".join(f"{name} {value}" for name, value in values.items())


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        for line in notes(data):
            out.write(f"# {line}\n")
        # Every cell, header included, escaped against formula injection (core.spreadsheet).
        writer.writerow(spreadsheet_row(table_columns(data)))
        writer.writerows(spreadsheet_row(line) for line in table_lines(data))
        # A byte-order mark so that spreadsheet programs read Kazakh and Russian labels correctly.
        return ("\ufeff" + out.getvalue()).encode("utf-8")


class XLSXRenderer(BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = data["indicator"][:31]
        sheet.append(spreadsheet_row(table_columns(data)))
        for line in table_lines(data):
            sheet.append(spreadsheet_row(line))
        about = book.create_sheet(_("About")[:31])
        for line in notes(data):
            about.append(spreadsheet_row([line]))
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
