"""Opening a case in an emergency ("break the glass")."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from access.models import CaseUserObjectPermission
from access.selectors import cases_visible_to
from access.services import grant_case_permissions
from accounts.models import OrganisationalUnit, User
from cases.models import Case
from core.dates import date_text
from core.exceptions import DomainError
from documents.access_log import client_ip, log_record_access
from emergency.models import EmergencyAccess
from notifications.models import Notification

# An emergency lets the worker see and act on the case, never see its sensitive fields.
EMERGENCY_CODENAMES = ("view_case", "change_case")
NOTIFICATION_KIND = Notification.Kind.EMERGENCY_ACCESS
# The supervisors' notification, kept untranslated with its arguments and written in each reader's
# language (notifications.titles); ``title`` and ``body`` as the worker who opened the case read them.
TITLE = gettext_noop("Emergency access to case № %(case)s by %(user)s")
TEXT = gettext_noop("Reason given: %(reason)s\nAccess ends at %(until)s.")


def emergency_duration() -> dt.timedelta:
    return dt.timedelta(hours=settings.EMERGENCY_ACCESS_HOURS)


def supervisors_of(case: Case) -> list[User]:
    """The supervisors of the case's unit and, for a district, of its regional department."""
    unit = case.responsible_unit
    unit_ids = [unit.pk]
    if unit.kind == OrganisationalUnit.Kind.DISTRICT and unit.parent_id:
        unit_ids.append(unit.parent_id)
    return list(User.objects.filter(role=User.Role.SUPERVISOR, is_active=True, unit_id__in=unit_ids).order_by("pk"))


def _notify_supervisors(access: EmergencyAccess) -> int:
    case, user = access.case, access.user
    title_args = {"case": case.pk, "user": user.get_full_name() or user.username}
    title = _(TITLE) % title_args
    # The end as an ISO moment: each reader sees it in their language's format (notifications.titles).
    body_args = {"reason": access.reason, "until": access.expires_at.isoformat()}
    body = _(TEXT) % {"reason": access.reason, "until": date_text(timezone.localtime(access.expires_at), "SHORT_DATETIME_FORMAT")}
    rows = [
        Notification(
            recipient=supervisor, kind=NOTIFICATION_KIND, subject_key=f"emergency:{access.pk}",
            due_on=timezone.localdate(access.opened_at), title=title[:200], body=body, case=case,
            title_key=TITLE, title_args=title_args, body_key=TEXT, body_args=body_args,
        )
        for supervisor in supervisors_of(case)
    ]
    # The unique key (recipient, kind, subject, due date) makes a repeated call harmless.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def open_emergency_access(
    *, case: Case | int, actor: User, reason: str, now: dt.datetime | None = None, request: HttpRequest | None = None
) -> EmergencyAccess:
    """Give ``actor`` 24 hours (``EMERGENCY_ACCESS_HOURS``) of access to a case that is not theirs
    (``case``: the case or its number), notify the supervisors of the case's unit and write the access log.

    Whether a number is a case is answered only after the reason is accepted, that is only where an
    existing case would be opened, logged and its supervisors told: a short reason is refused alike for
    any number, so the form is no free oracle of which case numbers exist. DomainError (field "case"
    or "reason"; code "permission_denied" for a role that may not)."""
    now = now or timezone.now()
    reason = reason.strip()
    if not (actor.is_social_worker or actor.is_supervisor) or not actor.is_active:
        raise DomainError(_("Only social workers and supervisors may open a case in an emergency."), code="permission_denied")
    if len(reason) < settings.EMERGENCY_ACCESS_MIN_REASON_LENGTH:
        raise DomainError(
            ngettext("Describe the emergency in at least %(n)s character: supervisors review every such access.",
                     "Describe the emergency in at least %(n)s characters: supervisors review every such access.",
                     settings.EMERGENCY_ACCESS_MIN_REASON_LENGTH)
            % {"n": settings.EMERGENCY_ACCESS_MIN_REASON_LENGTH},
            field="reason",
        )
    case = Case.objects.select_for_update().select_related("responsible_unit").filter(
        pk=case.pk if isinstance(case, Case) else case).first()
    if case is None:
        raise DomainError(_("There is no case with this number."), field="case")
    earlier = EmergencyAccess.objects.filter(case=case, user=actor).active(now).first()
    if earlier is not None:
        raise DomainError(
            _("You already have emergency access to this case until %(until)s.")
            % {"until": date_text(timezone.localtime(earlier.expires_at), "SHORT_DATETIME_FORMAT")},
            field="case",
        )
    if cases_visible_to(actor).filter(pk=case.pk).exists():
        raise DomainError(_("You can already see this case; emergency access is for cases that are not yours."), field="case")
    access = EmergencyAccess(
        case=case, user=actor, reason=reason, opened_at=now, expires_at=now + emergency_duration(), ip_address=client_ip(request)
    )
    access.full_clean()
    access.save()
    # A grant of this user on this case that has expired would block the new one (unique per
    # user, permission and case): clear only expired rows, never a grant still in force.
    CaseUserObjectPermission.objects.filter(content_object=case, user=actor, expires_at__lte=now).delete()
    grant_case_permissions(case_ids=[case.pk], users=[actor], codenames=EMERGENCY_CODENAMES, expires_at=access.expires_at)
    _notify_supervisors(access)
    log_record_access(user=actor, request=request, case_id=case.pk, child_id=case.child_id, emergency=True)
    return access
