"""The PDF of a child's case file (for a court, or for the person when grown up): the child, each
case with its stage timeline, placements, follow-up visits, consents and the list of documents.

Only a user who may see all of it gets it: every case of the child visible to them, and
``view_sensitive`` on each (its worker, its supervisors, a share that includes sensitive fields).
Cyrillic (Kazakh and Russian) needs a TTF font with those glyphs: DejaVu Sans by default
(Debian/Ubuntu package fonts-dejavu-core); without it the text is transliterated to Latin and set in
a core PDF font, so the export still works, less faithfully.
"""

import copy
import datetime as dt
import functools
import io
from pathlib import Path

from anyascii import anyascii
from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from fontTools import subset, ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from accounts.models import User
from cases.models import Case, Placement
from cases.wording import stage_reason
from children.models import Child
from documents.selectors import documents_of_child
from visits.models import Visit

# The scripts a case file is written in (Latin, Cyrillic with the Kazakh letters, Greek, punctuation,
# arrows, №, mathematical signs); a document using another glyph of the font is set with the whole
# font instead (build_case_file_pdf).
WORKING_SET = [(0x0000, 0x052F), (0x1E00, 0x1EFF), (0x2000, 0x22FF), (0x25A0, 0x25FF)]


@functools.lru_cache(maxsize=4)
def _working_font(path: str, style: str, mtime: float) -> tuple[TTFFont, bytes, frozenset[int]]:
    """The font cut down to WORKING_SET and parsed, once per process (``mtime`` in the key: a replaced
    file is read again): (the parsed font, its bytes, every code point of the whole font).

    fpdf2's ``add_font`` parses the whole TrueType file (cmap and widths of its ~6,000 glyphs) for every
    document, and ``output()`` subsets that whole file again: most of a case file's time with DejaVu
    Sans (bench/README.md). The cut-down font has the same glyphs and widths for these scripts, so
    the pages are laid out exactly as with the whole file."""
    whole = ttLib.TTFont(path, recalcTimestamp=False)
    every_code_point = frozenset(whole.getBestCmap())
    options = subset.Options(notdef_outline=True, recommended_glyphs=True, name_IDs=["*"], hinting=True, glyph_names=True,
                             layout_features=[], drop_tables=["FFTM", "GSUB", "GPOS", "GDEF", "MATH"])
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for c in every_code_point if any(lo <= c <= hi for lo, hi in WORKING_SET)])
    subsetter.subset(whole)
    buffer = io.BytesIO()
    whole.save(buffer)
    data = buffer.getvalue()
    # fontTools reads a file object as well as a path; fpdf2 needs the path only for text shaping,
    # which the case file does not use.
    template = TTFFont(FPDF(), io.BytesIO(data), f"casefile{style}", style)  # type: ignore[arg-type]
    return template, data, every_code_point


def _add_working_font(pdf: FPDF, style: str, path: Path) -> frozenset[int]:
    """``pdf.add_font("CaseFile", style, path)`` from the per-process cut-down font: a shallow copy
    sharing the read-only metrics, with this document's own glyph subset and fontTools object
    (``pdf.output()`` subsets the latter in place). Returns the code points of the whole font."""
    template, data, every_code_point = _working_font(str(path), style, path.stat().st_mtime)
    font = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font
    return every_code_point


class _CaseFilePDF(FPDF):
    def __init__(self, footer_text: str, *, whole_fonts: bool = False) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.latin_only = True
        # Code points the whole fonts have but the cut-down ones lack: the document needs the whole fonts.
        self.only_in_whole_fonts = False
        font_path = Path(settings.DOCUMENTS_PDF_FONT) if settings.DOCUMENTS_PDF_FONT else None
        bold_path = Path(settings.DOCUMENTS_PDF_FONT_BOLD) if settings.DOCUMENTS_PDF_FONT_BOLD else None
        self.family_name = "Helvetica"
        self.whole_code_points: frozenset[int] = frozenset()
        if font_path and font_path.is_file():
            bold = bold_path if bold_path and bold_path.is_file() else font_path
            if whole_fonts:
                self.add_font("CaseFile", "", str(font_path))
                self.add_font("CaseFile", "B", str(bold))
            else:
                self.whole_code_points = _add_working_font(self, "", font_path) | _add_working_font(self, "B", bold)
            self.family_name = "CaseFile"
            self.latin_only = False
        self.set_auto_page_break(auto=True, margin=15)

    def lacks_glyphs_of_whole_font(self) -> bool:
        """Whether the text used a character that only the whole font file has."""
        return any(c in self.whole_code_points for font in self.fonts.values() for c in getattr(font, "missing_glyphs", ()))

    def text_of(self, value: object) -> str:
        text = "" if value is None else str(value)
        if self.latin_only:
            # The core fonts know Latin-1 only: transliterate rather than fail.
            return anyascii(text).encode("latin-1", "replace").decode("latin-1")
        return text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family_name, "", 8)
        self.cell(0, 8, self.text_of(f"{self.footer_text} — {self.page_no()}/{{nb}}"), align="C")

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(2)
        self.set_font(self.family_name, "B", size)
        self.paragraph(7, self.text_of(text))
        self.set_font(self.family_name, "", 10)

    def line_of(self, label: str, value: object) -> None:
        if value in (None, ""):
            return
        self.set_font(self.family_name, "", 10)
        self.paragraph(5.5, self.text_of(f"{label}: {value}"))

    def bullet(self, text: str) -> None:
        self.set_font(self.family_name, "", 10)
        self.paragraph(5.5, self.text_of(f"• {text}" if not self.latin_only else f"- {text}"))

    def paragraph(self, height: float, text: str) -> None:
        """The text across the page, wrapped. Most lines of a case file fit on one line: those are set
        as one cell, measured once; fpdf2's line breaker measures the line again for every character
        added (quadratic in its length: most of the time of a case file with many visits)."""
        if "\n" not in text and self.get_string_width(text) <= self.epw - 2 * self.c_margin:
            self.cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
        else:
            self.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")
    return value.strftime("%d.%m.%Y")


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user else ""


def case_file_data(child: Child) -> tuple[list[Case], list]:
    """The cases (with timeline, placements, visits) and documents of a child, in a fixed number of queries."""
    from consents.models import Consent

    cases = list(
        Case.objects.filter(child=child)
        .select_related("responsible_unit", "assigned_worker")
        .prefetch_related(
            "stage_changes__actor",
            Prefetch(
                "placements",
                queryset=Placement.objects.select_related("family").prefetch_related(
                    "family__applicants", Prefetch("visits", queryset=Visit.objects.select_related("worker").order_by("planned_on", "id"))
                ).order_by("started_on", "id"),
            ),
            Prefetch("consents", queryset=Consent.objects.order_by("given_on", "id")),
        )
        .order_by("opened_on", "id")
    )
    documents = list(documents_of_child(child.pk).select_related("uploaded_by"))
    return cases, documents


def build_case_file_pdf(*, child: Child, generated_by: User) -> bytes:
    """The case file of ``child`` as PDF bytes (A4). Set with the per-process cut-down fonts; a child
    whose records use a character only the whole font file has is set again with the whole font."""
    child = Child.objects.select_related("region", "current_home").get(pk=child.pk)
    cases, documents = case_file_data(child)
    now = timezone.now()
    pdf = _case_file_pdf(child, cases, documents, generated_by, now, whole_fonts=False)
    data = bytes(pdf.output())
    if pdf.lacks_glyphs_of_whole_font():
        data = bytes(_case_file_pdf(child, cases, documents, generated_by, now, whole_fonts=True).output())
    return data


def _case_file_pdf(child: Child, cases: list[Case], documents: list, generated_by: User, now: dt.datetime, *,
                   whole_fonts: bool) -> "_CaseFilePDF":
    pdf = _CaseFilePDF(footer_text=_("Case file of %(name)s, produced %(at)s") % {"name": str(child), "at": _date(now)},
                       whole_fonts=whole_fonts)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_title(pdf.text_of(_("Case file: %(name)s") % {"name": child}))

    pdf.heading(_("Case file of a child"), size=16)
    pdf.line_of(_("Produced on"), _date(now))
    pdf.line_of(_("Produced by"), _person(generated_by))

    pdf.heading(_("Child"))
    pdf.line_of(_("Name"), " ".join(p for p in (child.last_name, child.first_name, child.patronymic) if p))
    pdf.line_of(_("Birth date"), _date(child.birth_date))
    pdf.line_of(_("Sex"), child.get_sex_display())
    pdf.line_of(_("IIN"), child.iin or _("none yet"))
    pdf.line_of(_("Legal status"), child.get_legal_status_display())
    pdf.line_of(_("Region of registration"), child.region)
    pdf.line_of(_("Current children's home"), child.current_home)
    pdf.line_of(_("Entered care on"), _date(child.entered_care_on))
    pdf.line_of(_("Health needs"), child.get_health_needs_display())
    pdf.line_of(_("Health and disability notes"), child.health_notes)
    pdf.line_of(_("Birth family"), child.birth_family_notes)
    pdf.line_of(_("History of abuse or neglect"), _("yes") if child.abuse_or_neglect_history else _("no"))
    pdf.line_of(_("Abuse or neglect history"), child.abuse_history_notes)

    for case in cases:
        pdf.heading(_("Case № %(n)s") % {"n": case.pk})  # as the pages number a case
        pdf.line_of(_("Stage"), case.get_stage_display())
        pdf.line_of(_("Opened on"), _date(case.opened_on))
        pdf.line_of(_("Closed on"), _date(case.closed_on))
        pdf.line_of(_("Outcome"), case.get_outcome_display())
        pdf.line_of(_("Form of care sought"), case.get_form_of_care_display())
        pdf.line_of(_("Responsible unit"), case.responsible_unit)
        pdf.line_of(_("Assigned social worker"), _person(case.assigned_worker))

        pdf.heading(_("Stage timeline"), size=11)
        for change in case.stage_changes.all():
            # Worded as the case page's timeline words it (cases.wording.stage_reason).
            reason = stage_reason(change.reason)
            pdf.bullet(
                f"{_date(change.changed_at)}: {change.get_from_stage_display() or '—'} → {change.get_to_stage_display()}"
                + (f", {_person(change.actor)}" if change.actor else "")
                # After a full stop rather than in brackets: the reason has brackets of its own.
                + (f". {reason}" if reason else "")
            )

        pdf.heading(_("Placements"), size=11)
        placements = list(case.placements.all())
        if not placements:
            pdf.bullet(_("none"))
        for placement in placements:
            # The family as named everywhere (Family.__str__): its current applicants, not one who died or left.
            ended = (
                _("ended %(date)s: %(reason)s") % {"date": _date(placement.ended_on), "reason": placement.get_end_reason_display()}
                if placement.ended_on
                else _("active")
            )
            parts = [_("%(form_of_care)s — %(family)s; from %(date)s; %(state)s") % {
                "form_of_care": placement.get_form_of_care_display(), "family": str(placement.family),
                "date": _date(placement.started_on), "state": ended,
            }]
            if placement.return_reason:
                parts.append(_("reason for return: %(reason)s") % {"reason": placement.get_return_reason_display()})
            if placement.decision_document_number:
                parts.append(_("decision %(number)s of %(date)s") % {
                    "number": placement.decision_document_number, "date": _date(placement.decision_date)})
            pdf.bullet("; ".join(parts))
            for visit in placement.visits.all():
                done = _("done %(date)s") % {"date": _date(visit.done_on)} if visit.done_on else _("not done")
                details = "; ".join(
                    part for part in (
                        visit.get_child_condition_display()
                        and _("child: %(condition)s") % {"condition": visit.get_child_condition_display()},
                        visit.get_family_condition_display()
                        and _("family: %(condition)s") % {"condition": visit.get_family_condition_display()},
                        visit.concerns,
                    ) if part
                )
                line = "    " + _("Visit %(date)s — %(kind)s, %(state)s") % {
                    "date": _date(visit.planned_on), "kind": visit.get_kind_display(), "state": done}
                pdf.bullet(line + (f": {details}" if details else ""))

        consents = list(case.consents.all())
        if consents:
            pdf.heading(_("Consents"), size=11)
            for consent in consents:
                state = _("revoked %(date)s") % {"date": _date(consent.revoked_on)} if consent.revoked_on else _("in force")
                answer = _("agrees") if consent.agrees else _("does not agree")
                pdf.bullet(
                    _("%(kind)s: %(given_by)s, %(date)s, %(answer)s; %(state)s") % {
                        "kind": consent.get_kind_display(), "given_by": consent.given_by, "date": _date(consent.given_on),
                        "answer": answer, "state": state,
                    } + (f"; {consent.scope}" if consent.scope else "")
                )

    pdf.heading(_("Documents"))
    if not documents:
        pdf.bullet(_("none"))
    for document in documents:
        attached = (
            _("child") if document.child_id else _("case № %(n)s") % {"n": document.case_id} if document.case_id else _("family")
        )
        expires = _("expires %(date)s") % {"date": _date(document.expires_on)} if document.expires_on else ""
        uploaded = _("uploaded by %(name)s %(date)s") % {"name": _person(document.uploaded_by), "date": _date(document.uploaded_at)}
        pdf.bullet(
            f"{_date(document.document_date)} — {document.get_doc_type_display()}"
            + (f" {document.number}" if document.number else "")
            + f": {document.title or document.original_name} ({attached})"
            + (f"; {expires}" if expires else "")
            + f"; {uploaded}"
        )
    return pdf
