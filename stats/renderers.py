"""CSV and XLSX exports of a published table. Suppressed numbers are written as "x" with the
protection stated above the table (CSV, as # comment lines) or on an "About" sheet (XLSX)."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from rest_framework.renderers import BaseRenderer

from core.spreadsheet import spreadsheet_row

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
    lines = [f"{data['title']} ({data['indicator']}), as of {data['as_of']}", data["definition"]]
    control = data["disclosure_control"]
    if control.get("applied"):
        lines.append(f"{_('Disclosure control')}: k={control['k']}. {control['method']} ({SUPPRESSED} = {_('suppressed')})")
        cell_key = control.get("cell_key")
        if cell_key:
            probabilities = ", ".join(
                f"{int(value):+d}: {float(p) * 100:.1f} %" for value, p in cell_key["perturbation_probabilities"].items()
            )
            lines.append(
                f"{_('Cell key method')}: {cell_key['method']}; "
                + _("key range %(range)s; perturbation at most ±%(max)s, with probabilities %(probabilities)s "
                    "(variance %(variance)s)") % {
                    "range": cell_key["key_range"], "max": cell_key["max_perturbation"], "probabilities": probabilities,
                    "variance": cell_key["perturbation_variance"],
                }
                + f"; {cell_key['record_key']}; {cell_key['cell_key']}; "
                f"{_('totals')}: {cell_key['totals']}; {_('day sums')}: {cell_key['day_sums']}"
            )
    privacy = data.get("differential_privacy")
    if privacy:
        lines.append(
            f"{_('Differential privacy')}: epsilon={privacy['epsilon']} "
            f"({privacy['epsilon_per_count_measure']} per count), {privacy['mechanism']}, sensitivity {privacy['sensitivity']}, "
            f"scale {privacy['noise_scale']}, unit of privacy: {privacy['unit_of_privacy']}"
        )
    if data.get("year_from") is not None or data.get("year_to") is not None:
        lines.append(f"{_('Years')}: {data.get('year_from') or ''}–{data.get('year_to') or ''}")
    return lines


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
