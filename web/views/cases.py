"""Case pages: the case list (a worker's own cases, a supervisor's unit), the case page with its stage,
placement and matching forms."""

import datetime as dt
import html
from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_POST

from access.selectors import cases_supervised_by, families_visible_to, unit_ids_for, visible_family_ids
from access.services import assign_case, reassign_case, reassign_cases, transfer_case
from accounts.models import User
from audit.services import log_access
from cases.models import Case, Placement, Stage
from cases.selectors import TimelineEntry, TimelineKey, case_timeline, timeline_key
from cases.services import (
    ALLOWED_TRANSITIONS,
    add_case_note,
    birthday,
    convert_to_trusteeship,
    end_placement,
    form_of_care_rule,
    move_child,
    moves_offered,
    open_next_case,
    place_child,
    transition_case,
)
from core.choices import FormOfCare
from core.dates import date_text, day_text
from core.exceptions import DomainError
from core.text import long_text
from documents.selectors import case_file_url
from matching.selectors import rank_families
from matching.services import choose_for_acquaintance
from risk.models import Band, Factor
from risk.selectors import forcing_factor_labels, forcing_factors, risk_as_seen
from visits.models import CHECKLIST_ITEMS
from web import selectors
from web.figures import refresh_on_commit
from web.forms import (
    BLANK,
    CaseFilterForm,
    CaseNoteForm,
    ConvertToTrusteeshipForm,
    EndPlacementForm,
    MoveFamilyForm,
    MoveStageForm,
    ReassignCaseForm,
    ReassignCasesForm,
    ReentryForm,
    TransferCaseForm,
    add_domain_error,
    offer_workers,
    worker_label,
)
from web.matching_html import candidate_rows
from web.sensitive import can_change, can_view_sensitive
from web.templatetags.web_tags import choice_label, person, risk_points, stage_reason
from web.views import common
from web.views.access import access_context
from web.views.common import forget_dashboard, paginate, query_without_page, roles_required
from web.views.consents import consents_context
from web.views.documents import documents_context

CASE_ROLES = ("social_worker", "supervisor")

# Names of matching.selectors' factors, as the matching page shows them.
MATCH_FACTOR_LABELS = {
    "form_of_care": gettext_lazy("form of care"),
    "age": gettext_lazy("age"),
    "sex": gettext_lazy("sex"),
    "siblings": gettext_lazy("siblings"),
    "health": gettext_lazy("health needs"),
    "region": gettext_lazy("region"),
    "waiting": gettext_lazy("waiting time"),
}


def case_or_404(user: User, pk: int) -> Case:
    case = selectors.visible_case_or_none(user=user, pk=pk)
    if case is None:
        raise Http404
    return case


def changeable_case_or_403(user: User, pk: int) -> Case:
    case = case_or_404(user, pk)
    if not can_change(user, case):
        raise PermissionDenied
    return case


def _case_list_context(request: HttpRequest, reassign_form: ReassignCasesForm | None = None, *,
                       whole_page: bool = True) -> dict:
    """The case list's page: without a search or "needs a new worker", read by
    selectors.case_list_page in one statement (with the header's unread notifications when
    ``whole_page``); otherwise by selectors.my_cases through the ORM. Both give the same rows."""
    supervising = request.user.is_supervisor
    workers = selectors.unit_workers(user=request.user) if supervising else None
    form = CaseFilterForm(request.GET or None, workers=workers)
    filters = form.cleaned_data if form.is_valid() else {}
    options = {"stage": filters.get("stage", ""), "risk": filters.get("risk", ""), "overdue": filters.get("overdue", False),
               "order": filters.get("order") or "recent", "worker": filters.get("worker"),
               "open_only": filters.get("open_only", False)}
    listed = None
    if not filters.get("q") and not filters.get("needs_worker"):
        listed = selectors.case_list_page(user=request.user, page=request.GET.get("page"), per_page=common.PAGE_SIZE,
                                          unread=whole_page, **options)
    if listed is not None:
        page = common.counted_page(listed.rows, total=listed.total, number=listed.number, per_page=common.PAGE_SIZE)
        unread = listed.unread
    else:
        cases = selectors.my_cases(user=request.user, q=filters.get("q", ""), needs_worker=filters.get("needs_worker", False),
                                   **options)
        page = paginate(request, cases)
        page.object_list = selectors.case_rows(page.object_list)
        unread = None
    if supervising and reassign_form is None:
        reassign_form = ReassignCasesForm(workers=workers)
    if supervising:
        # The unit's workers read once for the three worker fields (web.forms.offer_workers).
        people = list(workers)
        offer_workers(form.fields["worker"], people, person)
        offer_workers(reassign_form.fields["all_of_worker"], people, worker_label)
        offer_workers(reassign_form.fields["workers"], people, worker_label)
    # A supervisor sees the cases of the units they supervise, not cases of their own.
    heading = _("Cases of the unit") if request.user.is_supervisor else _("My cases")
    rows_html = case_rows_html(page.object_list, selectable=reassign_form is not None, show_worker=supervising)
    return {"form": form, "page": page, "rows_html": rows_html, "show_worker": supervising,
            "filter_fields": filter_fields_html(form, request),
            "query": query_without_page(request), "today": timezone.localdate(),
            "reassign_form": reassign_form, "filtered_worker": filters.get("worker"), "heading": heading,
            "unread_count": unread}


# The filter fields of a worker's case list, drawn once per language and query (filter_fields_html).
_FILTER_FIELDS: dict[tuple, str] = {}
_FILTER_FIELDS_KEPT = 256


def filter_fields_html(form: CaseFilterForm, request: HttpRequest) -> SafeString:
    """The case list's filter fields (web/cases/_case_filters.html). A worker's form has no choice
    that depends on anyone (the supervisor's has the unit's workers), so its fields are the same
    text for the same language and query: drawn once and remembered (the 256 latest), sparing
    Django's widget machinery on every page."""
    if "worker" in form.fields:
        return mark_safe(render_to_string("web/cases/_case_filters.html", {"form": form}, request))
    key = (translation.get_language(), form.is_bound, tuple((name, tuple(request.GET.getlist(name))) for name in form.fields))
    text = _FILTER_FIELDS.get(key)
    if text is None:
        text = render_to_string("web/cases/_case_filters.html", {"form": form}, request)
        if len(_FILTER_FIELDS) >= _FILTER_FIELDS_KEPT:
            _FILTER_FIELDS.clear()
        _FILTER_FIELDS[key] = text
    return mark_safe(text)


def case_rows_html(cases: Iterable[selectors.CaseRow], *, selectable: bool, show_worker: bool) -> SafeString:
    """The case list's rows (the table's body), written once in Python: the case's number and link,
    the child's name and birth date, the stage, the risk badge, the next visit and whether it is
    overdue, with ``show_worker`` the worker's name and whether they were deactivated, with
    ``selectable`` the reassignment box. The same markup the template's loop wrote
    (tests/fixtures/case_table_template.html): its look-ups, filters and tags for each of 50 rows
    were most of the page's time (bench/README.md, issue 20). Dates as every page writes them
    (core.dates.day_text)."""
    stages = {value: html.escape(str(label)) for value, label in Stage.choices}
    bands = {value: str(label) for value, label in Band.choices}
    not_assessed = str(gettext_lazy("not assessed"))
    overdue_badge = f' <span class="badge overdue">{escape(_("overdue"))}</span>'
    deactivated = f' <span class="badge overdue">{escape(_("deactivated"))}</span>'
    nothing = '<span class="muted">—</span>'
    select_label = _("Select case № %(n)s")
    # Each cell's column heading (the table's head, _case_table.html), shown before it when a phone
    # stacks the row as a card (app.css).
    label = {name: html.escape(str(text)) for name, text in (
        ("select", _("Select")), ("case", _("Case")), ("child", _("Child")), ("birth", _("Birth date")),
        ("stage", _("Stage")), ("risk", _("Risk of return")), ("visit", _("Next visit")), ("worker", _("Social worker")))}
    # One reverse() for the page: the case pages' address is this one with another number.
    head, _sentinel, tail = reverse("web:case", args=[0]).rpartition("/0/")
    head, tail = html.escape(head), html.escape(tail)
    day = day_text  # remembered per date (core.dates.date_text)
    parts = []
    for case in cases:
        # html.escape is django.utils.html.escape without its lazy-text wrapper: every value is text.
        url = f"{head}/{case.pk}/{tail}"
        band = case.risk_band
        if band:
            band_label = bands.get(band, not_assessed)
            score = "" if case.risk_score is None else f" · {html.escape(risk_points(case.risk_score))}"
            badge = (f'<span class="badge {html.escape(band)}" title="{html.escape(band_label)}">'
                     f"{html.escape(capfirst(band_label))}{score}</span>")
        else:
            badge = nothing
        select = (f'<td data-label="{label["select"]}"><input type="checkbox" name="case" value="{case.pk}" form="reassign-form" '
                  f'aria-label="{html.escape(select_label % {"n": case.pk})}"></td>') if selectable else ""
        worker = ""
        if show_worker:
            inactive = deactivated if case.worker is not None and not case.worker.is_active else ""
            worker = f'<td data-label="{label["worker"]}">{html.escape(person(case.worker))}{inactive}</td>'
        birth = html.escape(day(case.birth_date)) if case.birth_date else ""
        visit = html.escape(day(case.next_visit_on)) if case.next_visit_on else nothing
        parts.append(
            f'\n    <tr class="{"overdue" if case.has_overdue else ""}">\n      {select}\n'
            f'      <td data-label="{label["case"]}"><a href="{url}">№&nbsp;{case.pk}</a></td>\n'
            f'      <td data-label="{label["child"]}">'
            f'<a href="{url}">{html.escape(case.last_name)} {html.escape(case.first_name)}</a></td>\n'
            f'      <td data-label="{label["birth"]}">{birth}</td>\n'
            f'      <td data-label="{label["stage"]}">'
            f'<span class="badge stage">{stages.get(case.stage) or html.escape(case.stage)}</span></td>\n'
            f'      <td data-label="{label["risk"]}">{badge}</td>\n'
            f'      <td data-label="{label["visit"]}">{visit}\n'
            f"          {overdue_badge if case.has_overdue else ''}</td>\n"
            f"      {worker}\n    </tr>\n  "
        )
    if not parts:
        parts.append(f'\n    <tr><td colspan="8" class="muted">{escape(_("No cases match."))}</td></tr>\n  ')
    return mark_safe("".join(parts))  # every value above is escaped


@roles_required(*CASE_ROLES)
def my_cases(request: HttpRequest) -> HttpResponse:
    # HTMX asks only for the table when a filter changes.
    table_only = bool(request.headers.get("HX-Request"))
    context = _case_list_context(request, whole_page=not table_only)
    return render(request, "web/cases/_case_table.html" if table_only else "web/cases/case_list.html", context)


@roles_required("supervisor")
@require_POST
def reassign_cases_view(request: HttpRequest) -> HttpResponse:
    """Reassign the ticked cases, or every open case of one worker, to one or several colleagues
    (access.services.reassign_cases: one transaction, round-robin)."""
    workers = selectors.unit_workers(user=request.user)
    form = ReassignCasesForm(request.POST, workers=workers)
    if form.is_valid():
        data = form.cleaned_data
        ids = list(data["case"])
        if data["all_of_worker"] is not None:
            ids += list(cases_supervised_by(request.user).filter(assigned_worker=data["all_of_worker"])
                        .exclude(stage=Stage.CLOSED).values_list("pk", flat=True))
        try:
            moved = reassign_cases(case_ids=ids, workers=list(data["workers"]), actor=request.user, reason=data["reason"])
        except DomainError as error:
            if "cases" in error.errors and not ids:
                # The worker chosen has no open case: said beside that choice, not above the form.
                form.add_error("all_of_worker", str(error.errors.pop("cases")))
            add_domain_error(form, error)
        else:
            forget_dashboard(request.user)
            refresh_on_commit(list(cases_supervised_by(request.user).filter(pk__in=list(moved))
                                   .values_list("responsible_unit_id", flat=True).distinct()))
            messages.success(request, ngettext("%(n)s case reassigned.", "%(n)s cases reassigned.", len(moved)) % {"n": len(moved)})
            back = request.POST.get("next", "")
            return redirect(back if back.startswith("/") and not back.startswith("//") else reverse("web:my-cases"))
    return render(request, "web/cases/case_list.html", _case_list_context(request, reassign_form=form), status=400)


def _risk_factors(factors: list[dict], forcing: frozenset[str]) -> list[dict]:
    """The factors as the risk card lists them, each with its label and whether it sets the band
    to high by itself (``forces``)."""
    labels = dict(Factor.choices)
    return [{**f, "label": labels.get(f.get("factor"), f.get("factor")), "forces": f.get("factor") in forcing}
            for f in factors]


def timeline_items(entries: list[TimelineEntry], *, sensitive: bool) -> list[dict]:
    """The timeline's entries (cases.selectors.case_timeline) ready to print: ``{"at": datetime or
    date, "when": its date as the pages write it (with the time for stage changes and decisions),
    "kind", "kind_label", "title" (a stage change's "from → to"), "text": safe HTML (a stage change's reason translated, else the
    text with its line breaks; a visit's concerns only with ``sensitive``), "who": the author or
    None, "author": their name or "", "sensitive": a note marked sensitive}``. Formatted here, once
    per entry, each date once per language (core.dates.date_text): the template's filters and tags
    per entry were a good part of the case page's time (bench/bench_record_pages.py)."""
    kind_labels = {"stage": _("stage"), "decision": _("decision"), "visit": _("visit"), "note": _("note")}
    approved, rejected = _("Decision approved"), _("Decision rejected")
    items = []
    for entry in entries:
        record = entry.record
        if entry.kind == "stage":
            # "from → to", as the record's history writes a change (the first stage has no "from").
            title = (f"{choice_label(record, 'from_stage')} → {choice_label(record, 'to_stage')}" if record.from_stage
                     else choice_label(record, "to_stage"))
            text, who = long_text(stage_reason(record.reason)), record.actor
        elif entry.kind == "decision":
            title, text, who = approved if record.approved else rejected, long_text(record.reason), record.actor
        elif entry.kind == "visit":
            text = long_text(record.concerns) if sensitive and record.concerns else ""
            title, who = choice_label(record, "kind"), record.worker
        else:
            title, text, who = choice_label(record, "kind"), long_text(record.text), record.author
        with_time = isinstance(entry.at, dt.datetime)
        items.append({
            "at": entry.at, "kind": entry.kind, "kind_label": kind_labels[entry.kind], "title": title, "text": text,
            "when": date_text(entry.at, "DATETIME_FORMAT" if with_time else "DATE_FORMAT"),
            "who": who, "author": person(who) if who else "", "sensitive": entry.kind == "note" and record.sensitive,
        })
    return items


def timeline_html(items: list[dict]) -> str:
    """The timeline's entries (timeline_items) as the <li> elements of its list, in one pass: one
    template loop over ~80 entries with their tags and filters took a fifth of the case page."""
    sensitive = _("sensitive")
    return mark_safe("".join(
        format_html('<li class="tl-{}"><strong>{}</strong>\n  <span class="muted small">{}{} · {}</span>{}{}</li>\n',
                    item["kind"], item["title"], item["when"],
                    format_html(" · {}", item["author"]) if item["author"] else "", item["kind_label"],
                    format_html(' <span class="badge overdue">{}</span>', sensitive) if item["sensitive"] else "",
                    format_html('\n  <div class="small">{}</div>', item["text"]) if item["text"] else "")
        for item in items
    ))


def timeline_cursor(entry: TimelineEntry) -> str:
    """The ``before`` parameter of the page of entries after ``entry``: its key as text
    ("2026-03-09T23:59:59.999999~note~42"), read back by parse_timeline_cursor."""
    return f"{entry.key[0].isoformat()}~{entry.kind}~{entry.record.pk}"


def parse_timeline_cursor(text: str) -> TimelineKey | None:
    """The key timeline_cursor wrote, None for any other text."""
    try:
        moment, kind, pk = text.split("~")
        return timeline_key(kind, dt.datetime.fromisoformat(moment), int(pk))
    except (ValueError, KeyError):
        return None


def timeline_more_html(case: Case, entries: list[TimelineEntry], more: bool) -> str:
    """The last <li> of a page of the timeline when earlier entries follow: a link to the next page
    (the timeline's own page without script; with htmx, the next entries take its place)."""
    if not more:
        return ""
    url = f"{reverse('web:case-timeline', args=[case.pk])}?{urlencode({'before': timeline_cursor(entries[-1])})}"
    return format_html('<li class="tl-more"><a href="{}" hx-get="{}" hx-target="closest li" hx-swap="outerHTML">{}</a></li>\n',
                       url, url, _("Show earlier entries"))


@roles_required(*CASE_ROLES)
def case_timeline_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The case's timeline after the entry named by ``?before=`` (timeline_cursor), a page of
    TIMELINE_PAGE entries: with htmx, the <li> elements that replace the case page's "show earlier
    entries" link (the next link last); without script, a page of its own. Without ``before`` (a link
    cut short, an address typed), the newest entries: the timeline's first page. The same entries as
    the case page would show, by the same rules (a sensitive note only with view_sensitive); 404 only
    for a case the user does not see (the 404 page says so), 400 for a ``before`` that is no cursor."""
    case = case_or_404(request.user, pk)
    before = None
    if cursor := request.GET.get("before", ""):
        before = parse_timeline_cursor(cursor)
        if before is None:
            return HttpResponseBadRequest(_("This link to earlier entries of the timeline is not valid: "
                                            "open the case page and follow its link again."))
    sensitive = can_view_sensitive(request.user, case)
    entries, more = case_timeline(case=case, sensitive=sensitive, before=before)
    # What it shows is the case's, as the case page's: in the access log as well.
    log_access(user=request.user, case_id=case.pk, child_id=case.child_id, request=request, saw_sensitive=sensitive)
    entries_html = mark_safe(timeline_html(timeline_items(entries, sensitive=sensitive))
                             + timeline_more_html(case, entries, more))
    if request.headers.get("HX-Request"):
        return HttpResponse(entries_html)
    return render(request, "web/cases/timeline.html", {"case": case, "child": case.child, "timeline_html": entries_html,
                                                      "earlier": before is not None})


def _case_context(request: HttpRequest, case: Case, **forms: object) -> dict:
    placements = selectors.case_placements(case)
    visits = selectors.placement_visits(placements)
    active = next((p for p in placements if p.ended_on is None), None)
    risk = getattr(active, "risk", None) if active else None
    allowed = moves_offered(case)
    sensitive = can_view_sensitive(request.user, case)
    # Without view_sensitive, the factors from sensitive fields and their points are left out.
    risk_seen = risk_as_seen(score=getattr(risk, "score", None), band=getattr(risk, "band", None),
                             factors=getattr(risk, "factors", None), sensitive=sensitive)
    editable = can_change(request.user, case)
    # The earliest visit still to do: not done and not superseded by a later one done (then missed).
    next_visit = next((v for v in visits.get(active.pk, []) if v.done_on is None and not v.superseded), None) if active else None
    today = timezone.localdate()
    # The newest entries of the timeline; the earlier ones on demand (case_timeline_page).
    entries, more_entries = case_timeline(case=case, sensitive=sensitive,
                                          visits=[v for p in placements for v in visits[p.pk]])
    # An open guardianship of a child who has reached the trusteeship rule's age (14 unless the rule
    # says otherwise) is due for conversion to a trusteeship.
    convert_from = convert_age = None
    if active and editable and active.form_of_care == FormOfCare.GUARDIANSHIP:
        rule = form_of_care_rule(FormOfCare.TRUSTEESHIP)
        convert_age = rule.min_age if rule and rule.min_age is not None else 14
        turns = birthday(case.child.birth_date, convert_age)
        convert_from = turns if turns <= today else None
    context = {
        "case": case,
        "child": case.child,
        "case_file_url": case_file_url(request.user, case.child),
        # The placements' and the decision's families, linked to their pages where the reader sees them.
        "visible_families": visible_family_ids(
            user=request.user, family_ids=[p.family_id for p in placements] + [case.decision_family_id]),
        "placements": [{"placement": p, "visits": visits[p.pk], "visit_rows": visit_rows_html(
            case, p, visits[p.pk], sensitive=sensitive, editable=editable, today=today)} for p in placements],
        "active": active,
        "risk": risk,
        "risk_seen": risk_seen,
        "risk_factors": _risk_factors(risk_seen.factors, forcing := forcing_factors() if active else frozenset()),
        "forcing_labels": forcing_factor_labels(forcing),
        "next_visit": next_visit,
        "sensitive": sensitive,
        "editable": editable,
        "today": timezone.localdate(),
        "checklist_items": CHECKLIST_ITEMS,
        "stage_changes": list(case.stage_changes.all()),
        "timeline": (timeline := timeline_items(entries, sensitive=sensitive)),
        "timeline_html": mark_safe(timeline_html(timeline) + timeline_more_html(case, entries, more_entries)),
        # The forms that open on demand (CASE_FORMS) are built here only when a POST refused them
        # (then shown open, with their errors); otherwise the page offers them by these flags.
        "note_form": forms.get("note_form"),
        "offer_note": editable,
        "move_form": forms.get("move_form") or (
            # ?family= comes from the matching page's "choose" link and fills in the family.
            MoveStageForm(allowed=allowed, user=request.user, initial={
                "expected_version": case.version,
                "family": request.GET.get("family") or case.decision_family_id,
                "to_stage": request.GET.get("to_stage") or (Stage.DECISION if case.stage == Stage.ACQUAINTANCE else None),
            })
            if allowed and editable else None
        ),
        "end_form": forms.get("end_form"),
        "move_family_form": forms.get("move_family_form"),
        "offer_placement_forms": bool(active and editable),
        "convert_from": convert_from,
        "convert_age": convert_age,
        "convert_form": forms.get("convert_form") or (
            ConvertToTrusteeshipForm(initial={"expected_version": case.version}) if convert_from else None

        ),
        # A closed case not yet followed by another: the child may come back into care.
        "reentry_form": forms.get("reentry_form"),
        "offer_reentry": editable and case.stage == Stage.CLOSED and not Case.objects.filter(follows=case).exists(),
        # may_add_document's rule for a case is can_change's (cases_editable_by).
        **documents_context(request.user, "case", case.pk, sensitive=sensitive, may_add=editable),
        **consents_context(request.user, case, editable=editable, **forms),
        **access_context(request.user, case, **forms),
    }
    if request.user.is_supervisor and case.responsible_unit_id in unit_ids_for(request.user) and case.stage != Stage.CLOSED:
        workers = selectors.unit_workers(user=request.user).filter(unit_id=case.responsible_unit_id)
        context["reassign_form"] = forms.get("reassign_form") or ReassignCaseForm(workers=workers.exclude(pk=case.assigned_worker_id))
        context["transfer_form"] = forms.get("transfer_form") or TransferCaseForm(exclude_unit=case.responsible_unit_id)
    return context


def visit_rows_html(case: Case, placement: Placement, visits: list, *, sensitive: bool, editable: bool,
                    today: dt.date) -> str:
    """The rows of a placement's visits table on the case page (<tr> elements), written in one pass
    as timeline_html: planned date (with "overdue" or "missed" for a visit not done in time), kind,
    done date, the child's and the family's condition, whether the child was seen and by whom ("—"
    before the visit is recorded), the concerns (with view_sensitive only), and the "Record" link for
    a visit still to do. Every value is the visit's own field: no query beyond placement_visits'."""
    if not visits:
        return format_html('<tr><td colspan="8" class="muted">{}</td></tr>', _("No visits planned."))
    missed, overdue, record = pgettext("visit", "missed"), _("overdue"), _("Record")
    yes, no = _("yes"), _("no")
    # Each cell carries its column's heading: on a phone the table is a card per visit ("stack").
    heads = [_("Planned on"), _("Kind"), _("Done on"), _("Child's condition"), _("Family's condition"), _("Child seen"), _("Concerns")]
    ended = placement.ended_on is not None
    rows = []
    for v in visits:
        late = not v.done_on and v.planned_on < today and not ended
        badge = ""
        if late:
            badge = format_html(' <span class="badge">{}</span>', missed) if v.superseded else format_html(
                ' <span class="badge overdue">{}</span>', overdue)
        link = ""
        if editable and not v.done_on and not ended:
            link = format_html('<a class="button secondary" href="{}">{}</a>', reverse("web:visit-record", args=[case.pk, v.pk]),
                               record)
        # The date and its badge in one inline box: on a phone the badge goes under the date when both do
        # not fit beside the label, rather than the two as flex items squeezing it ("просроче|но").
        seen = "—"
        if v.done_on:
            seen = format_html("{} ({})", yes, v.seen_by) if v.child_seen and v.seen_by else (yes if v.child_seen else no)
        rows.append(format_html(
            '<tr class="{}"><td data-label="{}"><span class="planned">{}{}</span></td><td data-label="{}">{}</td>'
            '<td data-label="{}">{}</td><td data-label="{}">{}</td><td data-label="{}">{}</td>'
            '<td data-label="{}" class="child-seen">{}</td>{}<td>{}</td></tr>\n',
            "overdue" if late and not v.superseded else "", heads[0], date_text(v.planned_on, "SHORT_DATE_FORMAT"), badge,
            heads[1], choice_label(v, "kind"), heads[2], date_text(v.done_on, "SHORT_DATE_FORMAT") if v.done_on else "—",
            heads[3], choice_label(v, "child_condition") or "—", heads[4], choice_label(v, "family_condition") or "—", heads[5], seen,
            format_html('<td class="small" data-label="{}">{}</td>', heads[6], long_text(v.concerns)) if sensitive else "",
            link))
    return mark_safe("".join(rows))


# The case page's forms that open on demand (web/cases/forms/_lazy.html): name -> (its template,
# the <details> summary). Rendering all of them on every opening of the page (28 fields, the region's
# children's homes) was most of its time at national scale (bench/bench_record_pages.py).
CASE_FORMS = {
    "note": ("web/cases/forms/_note.html", gettext_lazy("Write a note")),
    "reentry": ("web/cases/forms/_reentry.html", gettext_lazy("The child is back in care: open a new case")),
    "end-placement": ("web/cases/forms/_end_placement.html", gettext_lazy("End this placement")),
    "move-family": ("web/cases/forms/_move_family.html",
                    gettext_lazy("Move the child to another family (the case continues)")),
    "consent": ("web/cases/forms/_consent.html", gettext_lazy("Record a consent")),
    "share": ("web/cases/forms/_share.html", gettext_lazy("Share the case with a colleague")),
}


def _unbound_case_form(request: HttpRequest, case: Case, name: str) -> tuple[object, Placement | None]:
    """The empty form ``name`` of the case page and the placement it acts on, as the page offers it
    (the same conditions as _case_context): PermissionDenied if the user may not use it here."""
    from web.forms import ConsentForm, ShareCaseForm
    from web.views.access import colleagues_of

    if name == "share":
        if not cases_supervised_by(request.user).filter(pk=case.pk).exists():
            raise PermissionDenied
        return ShareCaseForm(colleagues=colleagues_of(request.user)), None
    if not can_change(request.user, case):
        raise PermissionDenied
    if name == "note":
        return CaseNoteForm(), None
    if name == "consent":
        return ConsentForm(), None
    if name == "reentry":
        if case.stage != Stage.CLOSED or Case.objects.filter(follows=case).exists():
            raise PermissionDenied
        return ReentryForm(), None
    active = case.placements.filter(ended_on__isnull=True).first()
    if active is None:
        raise PermissionDenied
    if name == "end-placement":
        return EndPlacementForm(region_id=case.child.region_id), active
    return MoveFamilyForm(families=families_visible_to(request.user)), active


@roles_required(*CASE_ROLES)
def case_form(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One of the case page's forms (CASE_FORMS), empty: the fragment htmx puts in its <details>
    when opened, or, without script, a page of its own. The form posts to its own view, which on a
    refusal shows the case page with the form open and its errors."""
    if name not in CASE_FORMS:
        raise Http404
    case = case_or_404(request.user, pk)
    form, placement = _unbound_case_form(request, case, name)
    template, summary = CASE_FORMS[name]
    context = {"case": case, "form": form, "placement": placement, "sensitive": can_view_sensitive(request.user, case),
               "template": template, "summary": summary, "id": name}
    return render(request, template if request.headers.get("HX-Request") else "web/cases/case_form.html", context)


def render_case_page(request: HttpRequest, case: Case, status: int = 200, **forms: object) -> HttpResponse:
    """The case page again, with the forms given (a refused form shows its errors beside its fields)."""
    return render(request, "web/cases/case_detail.html", _case_context(request, case, **forms), status=status)


@roles_required(*CASE_ROLES)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request.user, pk)
    context = _case_context(request, case)
    # Every opening of a case's page is in the access log, as for the API's detail.
    log_access(user=request.user, case_id=case.pk, child_id=case.child_id, request=request, saw_sensitive=context["sensitive"])
    return render(request, "web/cases/case_detail.html", context)


@roles_required(*CASE_ROLES)
@require_POST
def move_stage(request: HttpRequest, pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    # Validated against every move of the stage, so that a move the guards refuse gets the service's
    # own message; the menu shown again offers only the moves the guards accept now.
    form = MoveStageForm(request.POST, allowed=sorted(ALLOWED_TRANSITIONS.get(case.stage, ())), user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["to_stage"] == Stage.PLACED:
                # Placing writes the placement with its decision's number and date.
                place_child(
                    case=case, family=data["family"], actor=request.user, started_on=data["started_on"],
                    decision_document_number=data["decision_document_number"], decision_date=data["decision_date"],
                    reason=data["reason"], expected_version=data["expected_version"],
                    carer_relationship=data["carer_relationship"],
                )
            else:
                transition_case(
                    case=case, to_stage=data["to_stage"], actor=request.user, reason=data["reason"],
                    expected_version=data["expected_version"], form_of_care=data["form_of_care"] or None,
                    family=data["family"], outcome=data["outcome"] or None,
                )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The case moved to the new stage."))
            return redirect("web:case", pk=case.pk)
    form.fields["to_stage"].choices = BLANK + [(s, Stage(s).label) for s in moves_offered(case)]
    return render(request, "web/cases/case_detail.html", _case_context(request, case, move_form=form), status=400)



@roles_required(*CASE_ROLES)
@require_POST
def end_placement_view(request: HttpRequest, pk: int, placement_pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    placement = get_object_or_404(case.placements.all(), pk=placement_pk)
    form = EndPlacementForm(request.POST, region_id=case.child.region_id)
    if form.is_valid():
        data = form.cleaned_data
        try:
            end_placement(
                placement=placement, ended_on=data["ended_on"], end_reason=data["end_reason"],
                return_reason=data["return_reason"], notes=data["notes"], actor=request.user, home=data["home"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The placement has ended."))
            return redirect("web:case", pk=case.pk)
    return render(request, "web/cases/case_detail.html", _case_context(request, case, end_form=form), status=400)


@roles_required(*CASE_ROLES)
@require_POST
def convert_to_trusteeship_view(request: HttpRequest, pk: int, placement_pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    placement = get_object_or_404(case.placements.all(), pk=placement_pk)
    form = ConvertToTrusteeshipForm(request.POST)
    if form.is_valid():
        try:
            convert_to_trusteeship(placement=placement, actor=request.user, on=form.cleaned_data["on"],
                                   expected_version=form.cleaned_data["expected_version"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The guardianship is now a trusteeship; the placement goes on."))
            return redirect("web:case", pk=case.pk)
    return render(request, "web/cases/case_detail.html", _case_context(request, case, convert_form=form), status=400)


@roles_required(*CASE_ROLES)
@require_POST
def move_family_view(request: HttpRequest, pk: int, placement_pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    placement = get_object_or_404(case.placements.all(), pk=placement_pk)
    form = MoveFamilyForm(request.POST, families=families_visible_to(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            move_child(placement=placement, actor=request.user, **data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The child moved to the new family; the case continues."))
            return redirect("web:case", pk=case.pk)
    return render(request, "web/cases/case_detail.html", _case_context(request, case, move_family_form=form), status=400)


@roles_required(*CASE_ROLES)
@require_POST
def reentry_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    form = ReentryForm(request.POST)
    if form.is_valid():
        try:
            new = open_next_case(child=case.child, actor=request.user, responsible_unit=case.responsible_unit,
                                 **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("A new case is open; it follows the closed one."))
            return redirect("web:case", pk=new.pk)
    return render(request, "web/cases/case_detail.html", _case_context(request, case, reentry_form=form), status=400)


@roles_required(*CASE_ROLES)
def matching(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranked families. A family outside the user's visibility is an anonymous profile (number,
    region, form of care, date) until chosen for acquaintance: matching.selectors' one policy,
    the same as the API's matches."""
    case = selectors.visible_case_with_child_or_none(user=request.user, pk=pk)
    if case is None:
        raise Http404
    return render(request, "web/cases/matching.html", _matching_context(request, case))


def _matching_context(request: HttpRequest, case: Case) -> dict:
    candidates, error = [], None
    if case.stage in (Stage.MATCHING, Stage.ACQUAINTANCE):
        try:
            if case.stage == Stage.MATCHING:
                candidates = rank_families(case=case, limit=20, user=request.user,
                                           sensitive=can_view_sensitive(request.user, case))
        except DomainError as exc:
            error = exc.message
        for candidate in candidates:
            for factor in candidate.factors:
                factor["label"] = MATCH_FACTOR_LABELS.get(factor["factor"], factor["factor"])
    # A case past matching (a family just chosen, say) is no error: a neutral note of where it is.
    stage_note = None
    if case.stage != Stage.MATCHING:
        stage_note = _("This case is at the stage “%(stage)s”; families are ranked only at the matching stage.") % {
            "stage": case.get_stage_display()}
    chosen = list(case.acquaintances.select_related("family", "chosen_by").prefetch_related("family__applicants"))
    # One compact table: a column per factor, so ten families compare on one screen. Its rows are
    # written in Python (web.matching_html), one CSRF token for the page's forms.
    factor_names = [(name, MATCH_FACTOR_LABELS[name]) for name in MATCH_FACTOR_LABELS]
    editable = can_change(request.user, case)
    csrf_token = get_token(request)
    rows = candidate_rows(case=case, candidates=candidates, factor_names=factor_names, editable=editable,
                          csrf_token=csrf_token)
    return {
        "case": case, "candidates": candidates, "rows": rows, "factor_names": factor_names, "error": error,
        "stage_note": stage_note, "chosen": chosen, "editable": editable, "csrf_token": csrf_token,
    }


@roles_required(*CASE_ROLES)
@require_POST
def choose_for_acquaintance_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    try:
        family_id = int(request.POST.get("family", ""))
    except ValueError:
        family_id = 0
    try:
        acquaintance = choose_for_acquaintance(case=case, family_id=family_id, actor=request.user)
    except DomainError as error:
        if error.code == "permission_denied":
            raise PermissionDenied from error
        messages.error(request, str(error.message))
        return redirect("web:case-matching", pk=case.pk)
    if acquaintance.family.responsible_unit_id == case.responsible_unit_id:
        # A family of the case's own unit: nobody outside is told (matching.services._tell_the_familys_unit).
        messages.success(request, _("Family № %(n)s chosen for acquaintance.") % {"n": acquaintance.family_id})
    else:
        messages.success(request, _("Family № %(n)s is chosen for acquaintance; its unit has been told.")
                         % {"n": acquaintance.family_id})
    return redirect("web:case-matching", pk=case.pk)


@roles_required(*CASE_ROLES)
@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = changeable_case_or_403(request.user, pk)
    form = CaseNoteForm(request.POST)
    if form.is_valid():
        try:
            add_case_note(case=case, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The note is written."))
            return redirect(reverse("web:case", args=[case.pk]) + "#timeline")
    return render(request, "web/cases/case_detail.html", _case_context(request, case, note_form=form), status=400)
def _supervised_case_or_404(user: User, pk: int) -> Case:
    case = case_or_404(user, pk)
    if case.responsible_unit_id not in unit_ids_for(user):
        raise PermissionDenied
    return case


@roles_required("supervisor")
@require_POST
def reassign_case_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Give one case to another social worker of its unit (or assign an unassigned one)."""
    case = _supervised_case_or_404(request.user, pk)
    workers = selectors.unit_workers(user=request.user).filter(unit_id=case.responsible_unit_id)
    form = ReassignCaseForm(request.POST, workers=workers)
    if form.is_valid():
        service = assign_case if case.assigned_worker_id is None else reassign_case
        try:
            service(case=case, worker=form.cleaned_data["worker"], actor=request.user)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            forget_dashboard(request.user)
            refresh_on_commit([case.responsible_unit_id])
            messages.success(request, _("The case is now with %(name)s.") % {"name": person(form.cleaned_data["worker"])})
            return redirect("web:case", pk=case.pk)
    return render(request, "web/cases/case_detail.html", _case_context(request, case, reassign_form=form), status=400)


@roles_required("supervisor")
@require_POST
def transfer_case_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Transfer a case to another unit: with the consent to share in force, or the supervisor's
    recorded override reason (consents.services.ensure_transfer_allowed)."""
    case = _supervised_case_or_404(request.user, pk)
    form = TransferCaseForm(request.POST, exclude_unit=case.responsible_unit_id)
    from_unit = case.responsible_unit_id
    if form.is_valid():
        try:
            transfer_case(case=case, unit=form.cleaned_data["unit"], actor=request.user,
                          override_reason=form.cleaned_data["override_reason"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            forget_dashboard(request.user)
            refresh_on_commit([from_unit, form.cleaned_data["unit"].pk])
            messages.success(request, _("The case was transferred to %(unit)s.") % {"unit": form.cleaned_data["unit"]})
            # The case may now be out of this supervisor's sight.
            if selectors.visible_case_or_none(user=request.user, pk=case.pk) is None:
                return redirect("web:my-cases")
            return redirect("web:case", pk=case.pk)
    return render(request, "web/cases/case_detail.html", _case_context(request, case, transfer_form=form), status=400)
