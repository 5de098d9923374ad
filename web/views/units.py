"""Unit pages: the supervisor's dashboard of the unit (and approving or rejecting a decision from it),
and the administrator's tree of units."""

import contextlib
import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, formats, timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access.selectors import visible_family_ids
from accounts.models import OrganisationalUnit, User
from cases.services import approve_decision
from core.exceptions import DomainError
from core.replica import on_replica
from web import selectors
from web.charts import bar_chart
from web.figures import LIST_LIMIT, figures_version, precomputed_figures, refresh_on_commit
from web.figures_html import draw_figures, shown
from web.forms import DecisionReviewForm, add_domain_error
from web.templatetags.web_tags import person
from web.views.common import DASHBOARD_CACHE_SECONDS, dashboard_cache_key, forget_dashboard, roles_required

# Families shown with papers expired lately: a reminder, not a register.
EXPIRED_LIMIT = 10


def _calibration(report: dict) -> list[dict]:
    """risk.selectors.calibration_report's report (the API's), per band: returns per 100 ended
    placements by the band at placement start, and by the band found at each visit."""
    from risk.models import Band

    visits = {r.band: r for r in report["at_visits"]}
    rows = []
    for r in report["at_placement_start"]:
        at_visits = visits.get(r.band)
        rows.append({
            "band": r.band, "label": Band(r.band).label, "ended": r.placements, "returned": r.returned,
            "rate": None if r.return_rate is None else r.return_rate * 100,
            "visits": at_visits.placements if at_visits else 0,
            "visit_rate": None if not at_visits or at_visits.return_rate is None else at_visits.return_rate * 100,
        })
    return rows


def live_figures(user: object, today: object) -> dict:
    """The region-wide aggregates and lists of the dashboard computed on the request (seconds for a
    regional supervisor at national scale): what web.figures precomputes per unit. Keys: ``today``,
    ``computed_at``, ``overdue`` (Visits), ``high`` (PlacementRisks), ``caseload`` (rows of
    web.selectors.caseload), ``by_month``, ``calibration`` (risk.selectors.calibration_report)."""
    from risk.selectors import calibration_report

    return {
        "today": today,
        "computed_at": timezone.now(),
        # One row more than shown says "there are more" without counting a whole region (an exact
        # count scans every overdue visit of the region's placements: seconds at national scale).
        "overdue": selectors.overdue_visits(user=user, today=today, limit=LIST_LIMIT + 1),
        "high": list(selectors.high_risk_placements(user=user)[: LIST_LIMIT + 1]),
        "caseload": selectors.caseload(user=user, today=today),
        "by_month": selectors.placements_and_returns_by_month(user=user, today=today),
        "calibration": calibration_report(user=user),
    }


def _figures(user: object, today: object) -> dict:
    """The dashboard's figures: from the rows of the supervisor's units precomputed by web.figures
    (a few rows and the listed visits and risks read), or, where a unit has no row for today yet
    (before the first refresh), computed live. Either is kept for DASHBOARD_CACHE_SECONDS per user,
    the precomputed ones as long as no unit's row was refreshed since (one small query checks), and
    dropped when the user reassigns, transfers or reviews (forget_dashboard). The lists and the
    caseload as web.figures_html.shown() gives them (plain values)."""
    version = figures_version(user=user, today=today)
    key = dashboard_cache_key(user)
    try:
        cached = caches["dashboard"].get(key)
    except Exception:
        cached = None
    if cached is not None and cached["today"] == today and cached.get("version") == version:
        return cached
    figures = precomputed_figures(user=user, today=today) if version is not None else None
    if figures is None:
        # Region-wide scans on the replica (docs/replica.md): these figures are cached for minutes
        # anyway, so its lag does not matter; the scope (units, grants) is read on the primary, and a
        # supervisor's own change drops the cache and pins them to the primary. The precomputed rows
        # are read on the primary: a unit's row rewritten after the supervisor's own change is
        # there at once.
        figures = on_replica(lambda alias: live_figures(user, today))
    # Only what the page shows, as plain values: the cache pickles no model instance.
    figures = shown(figures)
    with contextlib.suppress(Exception):
        caches["dashboard"].set(key, figures, DASHBOARD_CACHE_SECONDS)
    return figures


def _decision_rows(cases: list, forms: dict, csrf_token: str, visible_families: set[int] = frozenset()) -> list[dict]:
    """The decisions waiting as the dashboard's table shows them: ``{"case", "form", "html"}``,
    ``html`` the row written in Python for a case without a bound form (what the template's row
    wrote, byte for byte: fifty rows of tags, filters and translations were a good part of every
    dashboard's time, bench/README.md); the row of the decision just refused (its form's errors
    and what was typed) is left to the template (``html`` None). The decision's family is a link to
    its page when it is among ``visible_families`` (the reader sees it)."""
    reason_label, approve_label, reject_label = _("Reason (required to reject)"), _("Approve"), _("Reject")
    # Each cell's column heading (the table's head), shown before it when a phone stacks the row as a card.
    heads = {name: str(text) for name, text in (  # format_html escapes them
        ("case", _("Case")), ("child", _("Child")), ("care", _("Form of care")), ("family", _("Family")),
        ("worker", _("Social worker")), ("since", _("Waiting since")), ("decision", _("Your decision")))}
    csrf = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token)
    case_head, _s, case_tail = reverse("web:case", args=[0]).rpartition("/0/")
    review_head, _s, review_tail = reverse("web:decision-review", args=[0]).rpartition("/0/")
    family_head, _s, family_tail = reverse("web:family", args=[0]).rpartition("/0/")
    short = formats.get_format("SHORT_DATE_FORMAT")
    rows = []
    for case in cases:
        form = forms.get(case.pk)
        html = None if form else format_html(
            '\n      <tr id="decision-{pk}">\n        <td data-label="{h_case}"><a href="{url}">№&nbsp;{pk}</a></td>\n'
            '        <td data-label="{h_child}">{child}</td>\n        <td data-label="{h_care}">{care}</td>\n'
            '        <td data-label="{h_family}">{family}</td>\n        <td data-label="{h_worker}">{worker}</td>\n'
            '        <td data-label="{h_since}">{since}</td>\n        <td data-label="{h_decision}">\n'
            '          <form method="post" action="{action}" novalidate>{csrf}\n            \n'
            '            <input type="hidden" name="expected_version" value="{version}" id="id_expected_version">\n'
            '            <div class="form-row">\n              <label for="reason-{pk}">{reason_label}</label>\n'
            '              <textarea name="reason" rows="1" id="reason-{pk}"></textarea>\n              \n'
            '            </div>\n            <div class="actions">\n'
            '              <button type="submit" name="approve" value="1" data-confirm="{approve}">{approve_label}</button>\n'
            '              <button type="submit" name="approve" value="0" class="danger" data-confirm="{reject}">'
            '{reject_label}</button>\n            </div>\n          </form>\n        </td>\n      </tr>\n    ',
            h_case=heads["case"], h_child=heads["child"], h_care=heads["care"], h_family=heads["family"],
            h_worker=heads["worker"], h_since=heads["since"], h_decision=heads["decision"],
            pk=case.pk, url=f"{case_head}/{case.pk}/{case_tail}", child=str(case.child),
            care=case.get_form_of_care_display(),
            # {% blocktranslate %} wrote the translations as they are, only their numbers escaped.
            family=format_html('<a href="{}/{}/{}">{}</a>', family_head, case.decision_family_id, family_tail,
                               mark_safe(_("Family № %(n)s") % {"n": case.decision_family_id}))
            if case.decision_family_id in visible_families else mark_safe(_("Family № %(n)s") % {"n": case.decision_family_id}),
            worker=person(case.assigned_worker),
            since=dateformat.format(timezone.localtime(case.stage_entered_at), short) if case.stage_entered_at else "",
            action=f"{review_head}/{case.pk}/{review_tail}", csrf=csrf, version=case.version,
            reason_label=reason_label,
            approve=mark_safe(_("Approve the decision on case № %(n)s?") % {"n": case.pk}), approve_label=approve_label,
            reject=mark_safe(_("Reject the decision on case № %(n)s?") % {"n": case.pk}), reject_label=reject_label,
        )
        rows.append({"case": case, "form": form, "html": html})
    return rows


def _dashboard_context(request: HttpRequest, forms: dict | None = None) -> dict:
    user = request.user
    today = timezone.localdate()
    # One token for the page's forms (what the csrf context processor would give the template).
    csrf_token = get_token(request)
    figures = _figures(user, today)
    waiting = selectors.first_decisions_waiting(user=user, limit=LIST_LIMIT)
    needing = list(selectors.cases_needing_a_worker(user=user)[: LIST_LIMIT + 1])
    forms = forms or {}
    # Papers expiring within the warning window; apart and short, those expired lately (papers
    # expired for years are the family file's business, not the dashboard's: they made it 148 rows).
    expiring, expiring_more = selectors.families_with_certificates_between(
        user=user, start=today, end=today + dt.timedelta(days=settings.NOTIFICATION_EXPIRY_WARNING_DAYS),
        today=today, limit=LIST_LIMIT)
    expired, expired_more = selectors.families_with_certificates_between(
        user=user, start=today - dt.timedelta(days=settings.EXPIRED_CERTIFICATES_RECENT_DAYS),
        end=today - dt.timedelta(days=1), today=today, limit=EXPIRED_LIMIT)
    by_month, calibration = figures["by_month"], _calibration(figures["calibration"])
    # The families the page names (decisions, papers), linked where the supervisor sees them: one query.
    visible_families = visible_family_ids(
        user=user, family_ids=[c.decision_family_id for c in waiting] + [r["family"].pk for r in expiring + expired])
    return {
        "today": today,
        "computed_at": figures["computed_at"],
        "figures_version": figures.get("version") or figures["computed_at"],
        "overdue": figures["overdue"][:LIST_LIMIT],
        "overdue_more": len(figures["overdue"]) > LIST_LIMIT,
        "high": figures["high"][:LIST_LIMIT],
        "high_more": len(figures["high"]) > LIST_LIMIT,
        # A form only for the decision just refused (its errors and what was typed): the other rows
        # are drawn from the case alone (fifty unbound forms were ~9 ms of a warm dashboard).
        "waiting": _decision_rows(waiting, forms, csrf_token, visible_families),
        "visible_families": visible_families,
        "csrf_token": csrf_token,
        "needing": needing[:LIST_LIMIT],
        "needing_more": len(needing) > LIST_LIMIT,
        "families_waiting": selectors.families_waiting_for_approval(user=user).count(),
        "expiring": expiring,
        "expiring_more": expiring_more,
        "expiry_days": settings.NOTIFICATION_EXPIRY_WARNING_DAYS,
        "expired": expired,
        "expired_more": expired_more,
        "expired_days": settings.EXPIRED_CERTIFICATES_RECENT_DAYS,
        "caseload": figures["caseload"],
        "by_month": by_month,
        "month_chart": bar_chart(
            [(formats.date_format(r["month"], "m.y"), [r["placements"], r["returns"]]) for r in by_month],
            [_("placements started"), _("returns to institution")], whole=True,
        ),
        "calibration": calibration,
        "calibration_chart": bar_chart(
            [(str(r["label"]), [r["rate"]]) for r in calibration], [_("returned per 100 ended placements")], width=360,
            mark_suppressed=False, unit="%",
        ),
    }


# The parts of the dashboard drawn from the cached figures (web.figures_html.draw_figures' arguments).
FIGURE_PARTS = ("overdue", "overdue_more", "high", "high_more", "caseload", "calibration", "calibration_chart",
                "by_month", "month_chart")


def _figures_html(user: object, context: dict) -> str:
    """The figures' part of the page as HTML, drawn once per cached set of figures and language and
    kept beside them (drawing its five tables and two charts was most of a warm dashboard's time at
    national scale, and with a template still ~95 ms of a cold one: bench/README.md). Keyed by the
    figures' version (the latest unit row's time, or the live figures' time), so new figures are
    drawn anew."""
    key = f"{dashboard_cache_key(user)}:html:{translation.get_language()}:{context['figures_version'].isoformat()}"
    try:
        html = caches["dashboard"].get(key)
    except Exception:
        html = None
    if html is None:
        html = draw_figures(**{name: context[name] for name in FIGURE_PARTS})
        with contextlib.suppress(Exception):
            caches["dashboard"].set(key, html, DASHBOARD_CACHE_SECONDS)
    return mark_safe(html)  # escaped by draw_figures


@roles_required("supervisor")
def dashboard(request: HttpRequest) -> HttpResponse:
    context = _dashboard_context(request)
    context["figures_html"] = _figures_html(request.user, context)
    return render(request, "web/units/dashboard.html", context)


@roles_required("supervisor")
@require_POST
def review_decision(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.decisions_waiting(user=request.user).filter(pk=pk).first()
    if case is None:
        raise Http404
    form = DecisionReviewForm(request.POST)
    if form.is_valid():
        try:
            approve_decision(case=case, actor=request.user, approve=form.cleaned_data["approve"],
                             reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["expected_version"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            forget_dashboard(request.user)
            refresh_on_commit([case.responsible_unit_id])
            if form.cleaned_data["approve"]:
                messages.success(request, _("Decision on case № %(n)s approved.") % {"n": case.pk})
            else:
                messages.success(request, _("Decision on case № %(n)s rejected.") % {"n": case.pk})
            return redirect("web:dashboard")
    context = _dashboard_context(request, {case.pk: form})
    context["figures_html"] = _figures_html(request.user, context)
    return render(request, "web/units/dashboard.html", context, status=400)


@roles_required()
def unit_tree(request: HttpRequest) -> HttpResponse:
    """The administrator's start page: the units as a tree (ministry → regional departments →
    district authorities) with how many people work in each, and links to their users."""
    units = list(OrganisationalUnit.objects.select_related("region").order_by("name_en", "id"))
    counts = {
        row["unit_id"]: row
        for row in User.objects.values("unit_id").annotate(active=Count("id", filter=Q(is_active=True)), total=Count("id")).order_by()
    }
    children: dict[int | None, list[OrganisationalUnit]] = {}
    for unit in units:
        unit.people = counts.get(unit.pk, {"active": 0, "total": 0})
        children.setdefault(unit.parent_id, []).append(unit)
    tree = [{"unit": root, "children": [{"unit": department, "children": children.get(department.pk, [])}
                                        for department in children.get(root.pk, [])]}
            for root in children.get(None, [])]
    return render(request, "web/units/tree.html", {"tree": tree, "unit_count": len(units)})
