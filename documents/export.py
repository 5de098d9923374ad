"""The PDF of a child's case file (for a court, or for the person when grown up): the child, each
case with its stage timeline, placements, follow-up visits, consents and the list of documents.

Only a user who may see all of it gets it: every case of the child visible to them, and
``view_sensitive`` on each (its worker, its supervisors, a share that includes sensitive fields).
Cyrillic (Kazakh and Russian) needs a TTF font with those glyphs: DejaVu Sans by default
(Debian/Ubuntu package fonts-dejavu-core); without it the text is transliterated to Latin and set in
a core PDF font, so the export still works, less faithfully.
"""

import datetime as dt
from pathlib import Path

from anyascii import anyascii
from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from access.selectors import cases_visible_to, sensitive_case_ids
from accounts.models import User
from cases.models import Case, Placement
from children.models import Child
from documents.selectors import documents_of_child
from visits.models import Visit


def may_export_case_file(user: User, child: Child) -> bool:
    """True when the user sees every case of the child, sensitive fields included."""
    case_ids = list(Case.objects.filter(child=child).values_list("pk", flat=True))
    if not case_ids:
        return False
    visible = set(cases_visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True))
    return visible == set(case_ids) and sensitive_case_ids(user, case_ids) == set(case_ids)


class _CaseFilePDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.latin_only = True
        font_path = Path(settings.DOCUMENTS_PDF_FONT) if settings.DOCUMENTS_PDF_FONT else None
        bold_path = Path(settings.DOCUMENTS_PDF_FONT_BOLD) if settings.DOCUMENTS_PDF_FONT_BOLD else None
        self.family_name = "Helvetica"
        if font_path and font_path.is_file():
            self.add_font("CaseFile", "", str(font_path))
            self.add_font("CaseFile", "B", str(bold_path if bold_path and bold_path.is_file() else font_path))
            self.family_name = "CaseFile"
            self.latin_only = False
        self.set_auto_page_break(auto=True, margin=15)

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
        self.multi_cell(0, 7, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family_name, "", 10)

    def line_of(self, label: str, value: object) -> None:
        if value in (None, ""):
            return
        self.set_font(self.family_name, "", 10)
        self.multi_cell(0, 5.5, self.text_of(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")

    def bullet(self, text: str) -> None:
        self.set_font(self.family_name, "", 10)
        self.multi_cell(0, 5.5, self.text_of(f"• {text}" if not self.latin_only else f"- {text}"), new_x="LMARGIN", new_y="NEXT")


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
    child = Child.objects.select_related("region", "current_home").get(pk=child.pk)
    cases, documents = case_file_data(child)
    now = timezone.now()
    pdf = _CaseFilePDF(footer_text=_("Case file of %(name)s, produced %(at)s") % {"name": str(child), "at": _date(now)})
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
        pdf.heading(_("Case %(id)s") % {"id": case.pk})
        pdf.line_of(_("Stage"), case.get_stage_display())
        pdf.line_of(_("Opened on"), _date(case.opened_on))
        pdf.line_of(_("Closed on"), _date(case.closed_on))
        pdf.line_of(_("Outcome"), case.get_outcome_display())
        pdf.line_of(_("Form of care sought"), case.get_form_of_care_display())
        pdf.line_of(_("Responsible unit"), case.responsible_unit)
        pdf.line_of(_("Assigned social worker"), _person(case.assigned_worker))

        pdf.heading(_("Stage timeline"), size=11)
        for change in case.stage_changes.all():
            pdf.bullet(
                f"{_date(change.changed_at)}: {change.get_from_stage_display() or '—'} → {change.get_to_stage_display()}"
                + (f" ({change.reason})" if change.reason else "")
                + (f", {_person(change.actor)}" if change.actor else "")
            )

        pdf.heading(_("Placements"), size=11)
        placements = list(case.placements.all())
        if not placements:
            pdf.bullet(_("none"))
        for placement in placements:
            applicants = ", ".join(str(a) for a in placement.family.applicants.all()) or str(placement.family_id)
            ended = (
                _("ended %(date)s: %(reason)s") % {"date": _date(placement.ended_on), "reason": placement.get_end_reason_display()}
                if placement.ended_on
                else _("active")
            )
            pdf.bullet(
                f"{placement.get_form_of_care_display()} — {applicants}; {_('from')} {_date(placement.started_on)}; {ended}"
                + (f"; {_('reason for return')}: {placement.get_return_reason_display()}" if placement.return_reason else "")
                + (f"; {_('decision')} {placement.decision_document_number} {_date(placement.decision_date)}"
                   if placement.decision_document_number else "")
            )
            for visit in placement.visits.all():
                done = _("done %(date)s") % {"date": _date(visit.done_on)} if visit.done_on else _("not done")
                details = "; ".join(
                    part for part in (
                        visit.get_child_condition_display() and f"{_('child')}: {visit.get_child_condition_display()}",
                        visit.get_family_condition_display() and f"{_('family')}: {visit.get_family_condition_display()}",
                        visit.concerns,
                    ) if part
                )
                line = f"    {_('Visit')} {_date(visit.planned_on)} ({visit.get_kind_display()}), {done}"
                pdf.bullet(line + (f": {details}" if details else ""))

        consents = list(case.consents.all())
        if consents:
            pdf.heading(_("Consents"), size=11)
            for consent in consents:
                state = _("revoked %(date)s") % {"date": _date(consent.revoked_on)} if consent.revoked_on else _("in force")
                pdf.bullet(
                    f"{consent.get_kind_display()}: {consent.given_by}, {_date(consent.given_on)}, "
                    f"{_('agrees') if consent.agrees else _('does not agree')}; {state}" + (f"; {consent.scope}" if consent.scope else "")
                )

    pdf.heading(_("Documents"))
    if not documents:
        pdf.bullet(_("none"))
    for document in documents:
        attached = (
            _("child") if document.child_id else _("case %(id)s") % {"id": document.case_id} if document.case_id else _("family")
        )
        pdf.bullet(
            f"{_date(document.document_date)} — {document.get_doc_type_display()}"
            + (f" {document.number}" if document.number else "")
            + f": {document.title or document.original_name} ({attached})"
            + (f"; {_('expires')} {_date(document.expires_on)}" if document.expires_on else "")
            + f"; {_('uploaded by')} {_person(document.uploaded_by)} {_date(document.uploaded_at)}"
        )
    return bytes(pdf.output())
