"""Registering a prospective family with its one or two applicants (warning of likely duplicates), and its
approval: the social worker asks for it, a supervisor of the family's unit approves or refuses it; changes
in the family (an applicant's death, divorce or departure, a failed carer check) that suspend its approval
until a new home study; the carers' periodic check.

The consequences of a suspension for the children placed with the family (risk, visit, alert) are
the risk app's: risk.services.record_family_change calls these and then acts on them."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import OrganisationalUnit, User
from core.ages import age_on, applicant_age_errors
from core.dates import day_text
from core.exceptions import DomainError, raise_errors
from core.history import recorded_values
from families import reasons
from families.models import (
    Applicant,
    ApplicantLeaving,
    ApprovalDecision,
    ApprovalStatus,
    CarerCheckFailure,
    Family,
    SuspensionKind,
)
from registry.duplicates import DuplicateWarning, applicant_duplicates

FAMILY_FIELDS = (
    "region", "address", "form_of_care", "applied_on", "preferred_age_min", "preferred_age_max",
    "preferred_sex", "max_siblings", "max_health_needs", "home_study_issued_on", "home_study_expires_on",
    "training_certificate_number", "training_issued_on", "training_expires_on",
    "psychological_training_certificate_number", "psychological_training_issued_on", "approval_status", "approved_on",
    "approval_expires_on",
)
APPLICANT_FIELDS = ("last_name", "first_name", "patronymic", "birth_date", "sex", "iin")


def _prefixed(exc: ValidationError, prefix: str) -> ValidationError:
    return ValidationError({f"{prefix}.{field}": messages for field, messages in exc.message_dict.items()})


def _clean_errors(clean: Any) -> dict[str, list[str]]:
    """The field messages of a ``full_clean`` (``clean()``), none when it passes."""
    try:
        clean()
    except ValidationError as exc:
        return exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return {}


def _gather(errors: dict[str, list[str]], found: dict[str, Any], prefix: str = "") -> None:
    """Add ``found`` (field → message or messages) to ``errors``, under ``prefix.field`` when given;
    a field keeps its first message, so each shows one."""
    for field, messages in found.items():
        name = f"{prefix}.{field}" if prefix else field
        if name not in errors:
            errors[name] = list(messages) if isinstance(messages, list | tuple) else [messages]


def applicants_age_errors(applicants: list[Any], applied_on: dt.date | None) -> dict[str, str]:
    """The applicants' ages on the application date, each refusal beside its field: an applicant's
    ``applicants.<i>.birth_date`` (under 18, or born over APPLICANT_MAX_AGE years before), or the
    family's ``applied_on`` when it is before an applicant's birth (core.ages.applicant_age_errors,
    which cites the Code on Marriage and Family). ``applicants``: dicts or Applicant rows, in order.
    The services ask it on every write of a family's applicants or its application date; the page
    asks it before the applicants are saved, so it shows on the same submit as the other mistakes."""
    errors: dict[str, str] = {}
    for index, person in enumerate(applicants):
        birth_date = person.get("birth_date") if isinstance(person, dict) else person.birth_date
        for field, message in applicant_age_errors(birth_date, applied_on).items():
            errors.setdefault(field if field == "applied_on" else f"applicants.{index}.{field}", message)
    return errors


def applicant_age_refusal(family: Family) -> str:
    """Why ``family`` may be neither sent for approval nor approved for its applicants' ages, in the active
    language: an applicant still in the family was under 18 (or born over APPLICANT_MAX_AGE years before)
    on the application date, or the application is dated before their birth. The rule of registration
    (applicants_age_errors) asked again, for families registered before it or imported; "" when all fit.
    Reads the family's applicants (a prefetch of them when there is one)."""
    for applicant in family.current_applicants():
        for message in applicant_age_errors(applicant.birth_date, family.applied_on).values():
            return _("%(name)s (born on %(date)s): %(problem)s Correct the family's record: until then it cannot be "
                     "sent for approval or approved.") % {"name": applicant, "date": day_text(applicant.birth_date),
                                                          "problem": message}
    return ""


def applicant_ages(family: Family, on: dt.date) -> list[tuple[Applicant, int]]:
    """Each applicant still in ``family`` with their age in full years on ``on`` (the supervisors' list
    shows it beside the decision)."""
    return [(applicant, age_on(applicant.birth_date, on)) for applicant in family.current_applicants()]


def family_field_errors(fields: dict[str, Any], *, on: dt.date, expiries: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Every refusal of a family's own fields at once, each beside its field: the family's rules
    between fields (Family.clean: the oldest age accepted not below the youngest, each expiry after
    its issue) and, for the certificate expiries named in ``expiries``, one already past on ``on``
    (expired_certificate_errors). The page's form asks it before the applicants are saved
    (web.forms.FamilyForm), so that one submit shows them beside the applicants' own mistakes."""
    errors: dict[str, list[str]] = {}
    _gather(errors, expired_certificate_errors({k: v for k, v in fields.items() if k in expiries or k.endswith("_issued_on")},
                                               on))
    family = Family(**{k: v for k, v in fields.items() if k in FAMILY_FIELDS and k != "region"})
    _gather(errors, _clean_errors(family.clean))
    return errors


@transaction.atomic
def create_family(
    *,
    actor: User | None,
    applicants: list[dict[str, Any]],
    responsible_unit: OrganisationalUnit | None = None,
    require_current_certificates: bool = False,
    **fields: Any,
) -> tuple[Family, list[DuplicateWarning]]:
    """Register a family (one person or a couple). Returns the family and the families already
    registered with an applicant who is likely the same person. With ``require_current_certificates``
    (the pages, where certificates are recorded as the family hands them in) a home study or
    training certificate already expired is refused beside its field; an import may carry history."""
    unknown = set(fields) - set(FAMILY_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}, field="non_field_errors")
    if not 1 <= len(applicants) <= 2:
        raise DomainError(_("A family is one applicant or a couple: give one or two applicants."), field="applicants")
    unit = responsible_unit or (actor.unit if actor is not None else None)
    if unit is None:
        raise DomainError(_("Name the unit responsible for the family."), field="responsible_unit")
    family = Family(responsible_unit=unit, **fields)
    # Every mistake at once, each beside its field: the certificates, the family's own rules, each applicant's.
    errors: dict[str, list[str]] = {}
    if require_current_certificates:
        _gather(errors, expired_certificate_errors(fields, timezone.localdate()))
    _gather(errors, _clean_errors(family.full_clean))
    people = []
    for position, data in enumerate(applicants, start=1):
        applicant = Applicant(position=position, **{k: v for k, v in data.items() if k in APPLICANT_FIELDS})
        _gather(errors, _clean_errors(lambda a=applicant: a.full_clean(exclude=["family"])), f"applicants.{position - 1}")
        people.append(applicant)
    _gather(errors, applicants_age_errors(people, family.applied_on))
    raise_errors({field: messages[0] for field, messages in errors.items()})
    if len(people) == 2 and people[0].iin == people[1].iin:
        raise DomainError(_("The two applicants cannot have the same IIN."), field="applicants")
    warnings: dict[int, DuplicateWarning] = {}
    for person in people:
        for warning in applicant_duplicates(last_name=person.last_name, first_name=person.first_name,
                                            patronymic=person.patronymic, birth_date=person.birth_date, iin=person.iin):
            warnings.setdefault(warning.id, warning)
    family._history_user = actor
    family.save()
    for person in people:
        person.family = family
        person._history_user = actor
        person.save()
    return family, list(warnings.values())


def _lock_family(family: Family, actor: User | None) -> Family:
    """The family row, locked; the actor must be one who may change it (checked under the lock)."""
    from access.selectors import families_editable_by

    locked = Family.objects.select_for_update().get(pk=family.pk)
    if actor is not None and not families_editable_by(actor).filter(pk=locked.pk).exists():
        raise DomainError(_("You may not change this family."), field="non_field_errors", code="permission_denied")
    return locked


def _check_date(on: dt.date, field: str) -> None:
    if on > timezone.localdate():
        raise DomainError(_("This date is in the future: record what has already happened."), field=field)


def _suspend(family: Family, *, on: dt.date, reason: dict[str, Any]) -> None:
    """Suspend the approval (the family drops out of matching and cannot be chosen in a decision: both
    require an approved family). ``reason``: the suspension's fields (families.reasons.applicant_left /
    carer_check_failed), the date being ``on``.

    What lifts it (_lift_suspension) follows from the reason kept and the failure recorded beside it:
    an applicant's leaving needs a new home study made after it; a failed carers' check is lifted by a
    check that passes (or that applicant's leaving), never by a home study alone (DOMAIN.md: such a
    carer is removed or barred), and it stands in ``carer_check_failure`` whatever the reason kept.
    So a leaving is kept as the reason over a failed check (the home study it needs is not lost when
    the check later passes), and a failed check never replaces a leaving still waiting for its home
    study. Between two changes of one kind the later stands: a change recorded late, dated before it,
    must not move the suspension back (a home study made between the two would then lift it, though
    made before the later change)."""
    family.approval_status = ApprovalStatus.SUSPENDED
    current = family.suspension_kind if family.suspended_on is not None else ""
    failed, new_failed = current == SuspensionKind.CARER_CHECK_FAILED, reason["suspension_kind"] == SuspensionKind.CARER_CHECK_FAILED
    if not current or (failed == new_failed and on >= family.suspended_on) or (failed and not new_failed):
        family.suspended_on = on
        for name, value in reason.items():
            setattr(family, name, value)
    # A request for approval still waiting is for the family as it was: it leaves the supervisors' list,
    # and may be made again once the suspension is lifted (approval_request_refusal).
    family.approval_requested_at = None


def _lift_suspension(family: Family) -> bool:
    """Lift the suspension once what it waits for is recorded (reasons.suspension_needs): no failed
    carers' check standing (cleared by a check that passes, or by the leaving of the applicant it
    concerns), and, for an applicant's leaving (or a reason written by hand), a home study issued on
    or after the suspension. The family goes back to under assessment, never straight to approved. The
    old approval was given to the family as it was before the change, so it no longer stands:
    approved_on / approval_expires_on are cleared (the ApprovalDecision rows keep its history) and the
    family must be sent for approval again (request_approval), a supervisor deciding (decide_approval).
    Returns True when it lifted."""
    if family.suspended_on is None or any(reasons.suspension_needs(family)):
        return False
    family.approval_status = ApprovalStatus.UNDER_ASSESSMENT
    family.approved_on = None
    family.approval_expires_on = None
    family.suspended_on = None
    for name, value in reasons.NO_REASON.items():
        setattr(family, name, value)
    return True


def _clear_carer_check_failure(family: Family) -> None:
    family.carer_check_failure = ""
    family.carer_check_failed_on = None
    family.carer_check_failed_applicant = None
    family.carer_check_failed_applicant_name = ""


@transaction.atomic
def record_applicant_leaving(*, applicant: Applicant, reason: str, on: dt.date, actor: User | None) -> Family:
    """Record that an applicant died, divorced or moved out (ApplicantLeaving) on ``on``; suspends the
    family's approval. Returns the family. Raises DomainError for an unknown reason, a future date,
    an applicant already recorded as gone, or an actor who may not change the family."""
    family = _lock_family(applicant.family, actor)
    applicant = Applicant.objects.select_for_update().get(pk=applicant.pk)
    if reason not in ApplicantLeaving.values:
        raise DomainError(_("Say how the applicant left the family: death, divorce or departure."), field="kind")
    _check_date(on, "on")
    if applicant.left_family_reason:
        raise DomainError(_("This applicant's leaving is already recorded (%(reason)s on %(date)s).")
                          % {"reason": applicant.get_left_family_reason_display(), "date": day_text(applicant.left_family_on)},
                          field="applicant")
    applicant.left_family_reason = reason
    applicant.left_family_on = on
    applicant.full_clean()
    applicant.save(update_fields=["left_family_reason", "left_family_on", "updated_at"])
    if family.carer_check_failure and family.carer_check_failed_applicant_id == applicant.pk:
        # The carer the failed check concerns has left: the bar goes with them (DOMAIN.md, carer checks);
        # the family without them waits for a new home study (the leaving's suspension).
        _clear_carer_check_failure(family)
    # Stored as data, written in each reader's language (families.reasons.suspension_text).
    _suspend(family, on=on, reason=reasons.applicant_left(applicant))
    family.full_clean()
    family.save()
    return family


def _check_carer_check_date(family: Family, checked_on: dt.date, *, passed: bool) -> None:
    """Refuse a check dated before the family applied (there was no family to check: a failure so dated
    would suspend the approval from before it existed), and a passing one dated before the failure it
    would clear or before the last check recorded. The family keeps one last check and one next due
    date, not a history of checks: an earlier check that passes, accepted, would move both back (and
    say it was recorded while changing nothing the page shows). ``family`` is the locked row."""
    if checked_on < family.applied_on:
        raise DomainError(_("A carer check cannot be dated before the family applied, on %(date)s.")
                          % {"date": day_text(family.applied_on)}, field="on")
    if not passed:
        return
    if family.carer_check_failure and family.carer_check_failed_on and checked_on < family.carer_check_failed_on:
        raise DomainError(_("A check that passes must be on or after the failed check of %(date)s.")
                          % {"date": day_text(family.carer_check_failed_on)}, field="on")
    if family.carer_checked_on and checked_on < family.carer_checked_on:
        raise DomainError(_("A check that passes must be on or after the last check recorded, of %(date)s.")
                          % {"date": day_text(family.carer_checked_on)}, field="on")


@transaction.atomic
def record_carer_check(*, family: Family, checked_on: dt.date, failure: str = "", actor: User | None,
                       applicant: Applicant | None = None) -> Family:
    """Record the carers' check of ``checked_on`` (rule in force since 4 February 2026). One that
    passes sets the next one CARER_RECHECK_INTERVAL_DAYS later and, after a failure, clears it and
    lifts the suspension it caused (``lifted`` on the returned family says whether it did). A failure (CarerCheckFailure: conviction,
    registration with a psychiatric or narcological service, prosecution) is recorded on the
    family with the ``applicant`` it concerns and suspends its approval. A conviction, a registration
    or a prosecution is one person's (DOMAIN.md, carer checks): the applicant, one of the family's
    still in it, is named in the suspension's reason and on the family's page. The page asks for it
    (web.forms.FamilyChangeForm); the API may leave it out, as before it was kept (then the failure
    names no one). A failure leaves the dates of the last check passed and the next one due as they
    were. A check dated before the family applied, or a passing one dated before the failure or the
    last check recorded, is refused (_check_carer_check_date). Returns the family. Raises DomainError
    naming the field ("kind", "applicant", "on")."""
    family = _lock_family(family, actor)
    family.lifted = False
    if failure and failure not in CarerCheckFailure.values:
        raise DomainError(_("Unknown result of the carer check."), field="kind")
    if failure and applicant is not None:
        applicant = Applicant.objects.filter(pk=applicant.pk, family=family, left_family_reason="").first()
        if applicant is None:
            raise DomainError(_("Name the applicant of this family the carer check failed for."), field="applicant")
    _check_date(checked_on, "on")
    _check_carer_check_date(family, checked_on, passed=not failure)
    if failure:
        # A failed check is not a check passed: the last passed check and the next one due stay as they
        # were (the page shows the failure instead while it stands).
        family.carer_check_failure = failure
        family.carer_check_failed_on = checked_on
        family.carer_check_failed_applicant = applicant
        family.carer_check_failed_applicant_name = str(applicant)[:201] if applicant else ""
        _suspend(family, on=checked_on, reason=reasons.carer_check_failed(failure, applicant))
    else:
        family.carer_checked_on = checked_on
        family.carer_recheck_due_on = checked_on + dt.timedelta(days=int(settings.CARER_RECHECK_INTERVAL_DAYS))
        if family.carer_check_failed_on is not None:
            # A check passed after the failure, or recorded after it for the same day (a check done
            # again, or the failure entered in error: the page offers no later date than today; an
            # earlier one is refused above), clears it and lifts the suspension it caused (_lift_suspension: under assessment, to be
            # sent for approval again); a leaving's suspension still waits for its home study.
            _clear_carer_check_failure(family)
            family.lifted = _lift_suspension(family)
    family.full_clean()
    family.save()
    return family


@transaction.atomic
def record_home_study(*, family: Family, issued_on: dt.date, expires_on: dt.date, actor: User | None) -> Family:
    """Record a new home study. One issued on or after a suspension by an applicant's leaving lifts it
    (unless a failed carers' check stands: a home study never lifts that): the family is under
    assessment and must be sent for approval again, a supervisor deciding (_lift_suspension; never
    approved again by the home study alone)."""
    family = _lock_family(family, actor)
    _check_date(issued_on, "issued_on")
    if expires_on <= issued_on:
        raise DomainError(_("The expiry date must come after the issue date."), field="expires_on")
    family.home_study_issued_on = issued_on
    family.home_study_expires_on = expires_on
    _lift_suspension(family)
    family.full_clean()
    family.save()
    return family
# Fields of a family the pages edit; the approval (status and dates) changes only through the
# approval request and the supervisor's decision.
EDITABLE_FAMILY_FIELDS = tuple(f for f in FAMILY_FIELDS if f not in ("approval_status", "approved_on", "approval_expires_on"))
CERTIFICATE_EXPIRIES = ("home_study_expires_on", "training_expires_on")
CERTIFICATE_ISSUES = ("home_study_issued_on", "training_issued_on")


def expired_certificate_errors(fields: dict[str, Any], on: dt.date) -> dict[str, str]:
    """A home study or training certificate recorded with an expiry already past: each beside its
    own field (an expired certificate cannot support an approval; the family brings a new one). An
    expiry on or before its issue date (in ``fields``) is not called expired: Family.clean says it
    comes before the issue date."""
    messages = {
        "home_study_expires_on": _("This home study expired on %(date)s; record the current one."),
        "training_expires_on": _("This training certificate expired on %(date)s; record the current one."),
    }
    return {name: messages[name] % {"date": formats.date_format(fields[name], "DATE_FORMAT")}
            for name, issued in zip(CERTIFICATE_EXPIRIES, CERTIFICATE_ISSUES, strict=True)
            if fields.get(name) and fields[name] < on and not (fields.get(issued) and fields[name] <= fields[issued])}


def _check_applicants(applicants: list[dict[str, Any]], family: Family, departed: list[Applicant],
                      staying: int) -> list[Applicant]:
    """The new data of the ``staying`` applicants still in the family, checked; ``departed``: those
    who died or left, kept in the record (each holds a place of the two, and its IIN:
    applicant_iin_unique_in_family). Raises DomainError naming the field."""
    if departed and not staying:
        if applicants:  # no one is left to edit: a new person is a new family, not this one's record
            raise DomainError(_("Every applicant of this family has left it; register a new applicant as a family of "
                                "their own."), field="applicants")
        return []
    if not 1 <= len(applicants) <= 2 - len(departed):
        raise DomainError(_("A family is one applicant or a couple: give one or two applicants.") if not departed else
                          _("A family is one applicant or a couple, counting the applicant who left it (kept in its "
                            "record): give one applicant."), field="applicants")
    gone_iins = {a.iin: a for a in departed}
    people = []
    for position, data in enumerate(applicants, start=1):
        applicant = Applicant(family=family, position=position, **{k: v for k, v in data.items() if k in APPLICANT_FIELDS})
        try:
            applicant.full_clean(exclude=["family"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise _prefixed(exc, f"applicants.{position - 1}") from exc
        if applicant.iin in gone_iins:
            raise DomainError(_("This IIN is of %(name)s, who left the family (kept in its record).")
                              % {"name": gone_iins[applicant.iin]}, field=f"applicants.{position - 1}.iin")
        people.append(applicant)
    if len(people) == 2 and people[0].iin == people[1].iin:
        raise DomainError(_("The two applicants cannot have the same IIN."), field="applicants")
    return people


@transaction.atomic
def update_family(
    *, family: Family, actor: User, applicants: list[dict[str, Any]] | None = None, reason: str = "", **changes: Any
) -> Family:
    """Change a family's record and its applicants under the family's row lock. Only a user of the
    family's unit (or a unit above it) or an administrator may (``access.selectors.families_editable_by``).
    ``changes`` maps ``EDITABLE_FAMILY_FIELDS`` to new values; ``applicants`` (one or two dicts of
    ``APPLICANT_FIELDS``, in order) replaces the data of the applicants still in the family (one fewer
    given drops the last: a couple became one); an applicant who died or left (Applicant.left_family_reason)
    is kept as recorded, neither edited nor dropped, and still holds a place of the two; a certificate whose expiry
    changes to a date already past is refused. Every version is kept in the audit history with the
    actor and ``reason`` (100 characters). A new home study issued on or after a suspension lifts it
    (_lift_suspension: under assessment, to be sent for approval); a newly entered one issued before
    the suspension is refused beside home_study_issued_on (it cannot lift it). The family and each
    applicant are saved only when their values change (``changed`` on the returned family says whether
    anything was), so the history holds no version with nothing in it. Raises DomainError /
    ValidationError naming the field."""
    from access.selectors import families_editable_by

    unknown = set(changes) - set(EDITABLE_FAMILY_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}, field="non_field_errors")
    locked = Family.objects.select_for_update().get(pk=family.pk)
    if not families_editable_by(actor).filter(pk=locked.pk).exists():
        raise DomainError(_("You may not change this family's record."), field="non_field_errors", code="permission_denied")
    changed_expiries = {k: v for k, v in changes.items() if k in CERTIFICATE_EXPIRIES and v != getattr(locked, k)}
    issue_dates = {k: changes.get(k, getattr(locked, k)) for k in CERTIFICATE_ISSUES}
    errors: dict[str, list[str]] = {}
    _gather(errors, expired_certificate_errors({**issue_dates, **changed_expiries}, timezone.localdate()))
    study_before = locked.home_study_issued_on
    before = recorded_values(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    # Only a home study newly entered is one: the record's other fields saved with the study it already
    # had (issued, say, the very day of the change) lift nothing.
    new_study = changes.get("home_study_issued_on", study_before)
    if new_study != study_before:
        if (locked.suspended_on is not None and new_study is not None and new_study < locked.suspended_on
                and locked.suspension_kind != SuspensionKind.CARER_CHECK_FAILED):
            _gather(errors, {"home_study_issued_on": _(
                "This home study was issued before the change of %(date)s: a home study made after the change is needed "
                "to lift the suspension.") % {"date": day_text(locked.suspended_on)}})
        else:
            _lift_suspension(locked)  # a new home study entered on the family's record is one (record_home_study)
    _gather(errors, _clean_errors(locked.full_clean))
    rows = list(locked.applicants.select_for_update().order_by("position"))
    departed = [a for a in rows if not a.in_family]
    people = None
    if applicants is not None:
        try:
            people = _check_applicants(applicants, locked, departed, staying=len(rows) - len(departed))
        except DomainError as exc:
            _gather(errors, exc.errors)
        except ValidationError as exc:
            _gather(errors, exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    # The applicants' ages on the (new) application date: those given, or those still in the family as recorded.
    if applicants is None or people is not None:
        _gather(errors, applicants_age_errors(people if people is not None else [a for a in rows if a.in_family],
                                              locked.applied_on))
    raise_errors({field: messages[0] for field, messages in errors.items()})
    locked._history_user = actor
    locked._change_reason = reason[:100] or None
    # Saved (and a version kept) only when something changed: the form sent back as it was writes nothing.
    locked.changed = recorded_values(locked) != before
    if locked.changed:
        locked.save()
    if people is not None:
        # The i-th given is the i-th still in the family; a new one takes the place no one holds.
        current = [a for a in rows if a.in_family]
        free = sorted({1, 2} - {a.position for a in rows})
        for person in people:
            row = current.pop(0) if current else Applicant(family=locked, position=free.pop(0))
            row_before = recorded_values(row) if row.pk is not None else None
            for name in APPLICANT_FIELDS:
                setattr(row, name, getattr(person, name))
            if recorded_values(row) == row_before:
                continue  # this applicant's data did not change: no version for them
            locked.changed = True
            row._history_user = actor
            row._change_reason = reason[:100] or None
            row.save()
        for gone in current:  # a couple became one applicant
            gone._history_user = actor
            gone.delete()
            locked.changed = True
    return locked
def _supervises_family(user: User, family: Family) -> bool:
    from access.selectors import unit_ids_for  # the units looked up once per request (kept on the user)

    return bool(user.is_supervisor and user.unit_id and family.responsible_unit_id in unit_ids_for(user))


# An approval request or decision changes none of the family's foreign keys, on the row it read under
# its lock: full_clean does not look each one up again (the database's foreign keys hold them); every
# field it changes, clean() and every constraint are checked (CheckConstraintsInOneQuery: one query).
FAMILY_FOREIGN_KEYS = tuple(f.name for f in Family._meta.concrete_fields if f.is_relation)


def _clean_locked(family: Family) -> None:
    family.full_clean(exclude=FAMILY_FOREIGN_KEYS, validate_constraints=False)
    family.validate_constraints()


def _missing_certificates(family: Family, on: dt.date) -> list[str]:
    labels = {"home_study_expires_on": _("home study"), "training_expires_on": _("training certificate")}
    return [str(labels[name]) for name in family.expired_documents(on) if name in labels]


def and_list(items: list[str]) -> str:
    """``items`` joined as a sentence lists them, in the active language: "a, b and c" (ru «и», kk «және»)."""
    if len(items) < 2:
        return "".join(items)
    # Translators: joins the last two items of a list ("home study and training certificate").
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def approval_certificates_refusal(family: Family, on: dt.date) -> str:
    """Why ``family``'s certificates do not allow asking for its approval on ``on`` (its home study or
    training certificate missing or expired; an approval rests on both), in the active language; ""
    when they do. request_approval refuses with it; the family's page says it instead of offering
    the request."""
    missing = _missing_certificates(family, on)
    if not missing:
        return ""
    return _("Record a valid %(documents)s before asking for approval.") % {"documents": and_list(missing)}


def approval_not_in_force(family: Family, on: dt.date, *, short: bool = False) -> str:
    """Why ``family``'s approval, approved and in date on ``on``, is not in force, in the active
    language: its home study or training certificate is missing or expired (an approval rests on both;
    matching and placement refuse the family: matching.selectors.eligible_families,
    cases.services.check_family_can_take). The stored status stays "approved" (DOMAIN.md lapses an
    approval by its own expiry only); the pages say it beside the approval. "" when in force, or not
    approved, or expired itself (the pages say "expired"). ``short``: the list's badge."""
    if (family.approval_status != ApprovalStatus.APPROVED or family.approval_expires_on is None
            or family.approval_expires_on < on):
        return ""
    missing = _missing_certificates(family, on)
    if not missing:
        return ""
    if short:
        return _("not in force: %(documents)s missing or expired") % {"documents": and_list(missing)}
    return _("Not in force while the family's %(documents)s is missing or expired: the family cannot be matched or "
             "placed with until a valid one is recorded.") % {"documents": and_list(missing)}


def carer_check_approval_refusal(family: Family) -> str:
    """Why ``family`` may not be approved for its carers' check, in the active language: a failed check
    stands (conviction, psychiatric or narcological registration, prosecution: such a carer is removed
    or barred; DOMAIN.md, rule of 4 February 2026). "" when none stands. decide_approval refuses with
    it; the supervisors' list says it beside the decision (web.views.families._approvals_context)."""
    if not family.carer_check_failure:
        return ""
    failure = family.get_carer_check_failure_display()
    if family.carer_check_failed_applicant_name:
        failure = f"{family.carer_check_failed_applicant_name}: {failure}"
    return _("A failed carers' check stands (%(failure)s, %(date)s): such a carer is removed or barred, so the family "
             "cannot be approved. A carers' check that passes must be recorded first.") % {
        "failure": failure, "date": day_text(family.carer_check_failed_on)}


def carer_check_approval_warning(family: Family) -> str:
    """What a supervisor should know of ``family``'s carers' check before approving it, in the active
    language: none recorded yet. DOMAIN.md does not make a carers' check a condition of the approval
    (the home study, with its criminal record checks, and the training certificate are: the certificates
    apart, only a failed check bars it: carer_check_approval_refusal), so this is a warning, shown before
    the click, never a refusal. "" when a check is recorded (or a failed one stands: that refuses)."""
    if family.carer_check_failure or family.carer_checked_on is not None:
        return ""
    return _("No carers' check is recorded for this family: check the carers before approving it.")


def approval_expiry_limit(family: Family) -> tuple[dt.date, str] | None:
    """The last day ``family``'s approval may run to, and the certificate it rests on: the earlier of its
    home study's and its training certificate's expiry (an approval rests on both, and lapses with the
    first to expire: matching and placement read the earliest of the three dates). None when neither
    has an expiry (decide_approval then refuses the family for its missing certificates)."""
    limits = [(day, str(label)) for day, label in ((family.home_study_expires_on, _("home study")),
                                                    (family.training_expires_on, _("training certificate")))
              if day is not None]
    return min(limits, key=lambda limit: limit[0]) if limits else None


def default_approval_expiry(family: Family, on: dt.date) -> dt.date:
    """The expiry an approval given on ``on`` gets when the supervisor names none, and the one the page
    offers: FAMILY_APPROVAL_VALID_DAYS from ``on``, or the expiry of the certificate that lapses first
    when that is earlier (approval_expiry_limit)."""
    usual = on + dt.timedelta(days=settings.FAMILY_APPROVAL_VALID_DAYS)
    limit = approval_expiry_limit(family)
    return min(usual, limit[0]) if limit else usual


REQUESTABLE_STATUSES = (ApprovalStatus.APPLIED, ApprovalStatus.UNDER_ASSESSMENT, ApprovalStatus.SUSPENDED)


def approval_request_refusal(family: Family) -> str:
    """Why ``family`` cannot be sent for approval, in the active language; "" when it can, its
    certificates apart (checked on the day by request_approval). The family's page offers the request
    only when this is "" (web.views.families.family_context), so it never offers what the service refuses.

    A family suspended by a change in the family (``suspended_on`` set) waits for what lifts the
    suspension to under assessment (_lift_suspension, reasons.suspension_needs): after an applicant's
    death, divorce or departure a new home study; after a failed carer check (conviction, psychiatric or
    narcological registration, prosecution: such a carer is removed or barred; DOMAIN.md, rule of
    4 February 2026) a carer check that passes (record_carer_check clears the failure) or the leaving
    of the applicant it concerns, never a home study alone. A status "suspended" with no change
    recorded (imported) may be sent; so may no family while a failed check is recorded, nor one with an
    applicant under 18 on the application date (applicant_age_refusal: registered before the rule)."""
    if family.approval_requested_at is not None:
        return _("The family is already waiting for approval.")
    if family.suspended_on is not None:
        reason = reasons.suspension_text(family) or family.get_approval_status_display()
        study, check = reasons.suspension_needs(family)
        if check and study:
            return _("The family's approval is suspended (%(reason)s) until a new home study and a carers' check that "
                     "passes: record both (the home study made after the change); they lift the suspension, and the "
                     "family must then be sent for approval again for a supervisor to decide.") % {"reason": reason}
        if check:
            return _("The family's approval is suspended (%(reason)s) until a carers' check that passes: record it "
                     "(or the leaving of the applicant concerned, if they left); it lifts the suspension, and the "
                     "family must then be sent for approval again for a supervisor to decide.") % {"reason": reason}
        return _("The family's approval is suspended (%(reason)s) until a new home study: record a home study made "
                 "after the change; it lifts the suspension, and the family must then be sent for approval "
                 "again for a supervisor to decide.") % {"reason": reason}
    if family.carer_check_failure:
        return _("A failed carer check is recorded on the family (%(failure)s, %(date)s): such a carer is removed or "
                 "barred. Record a carer check that passes, or the applicant's leaving if they left; only then may "
                 "the family be sent for approval.") % {
            "failure": (f"{family.carer_check_failed_applicant_name}: {family.get_carer_check_failure_display()}"
                        if family.carer_check_failed_applicant_name else family.get_carer_check_failure_display()),
            "date": day_text(family.carer_check_failed_on)}
    if family.approval_status not in REQUESTABLE_STATUSES:
        return _("A family with the status \"%(status)s\" cannot be sent for approval.") % {
            "status": family.get_approval_status_display()}
    return applicant_age_refusal(family)


def approval_request_refusal_on(family: Family, on: dt.date) -> str:
    """Why request_approval refuses ``family`` on ``on`` (approval_request_refusal, then its
    certificates: approval_certificates_refusal), in the active language; "" when it would send it.
    The API's family shows it (``approval_request_refusal``) so an integration knows before it asks."""
    return approval_request_refusal(family) or approval_certificates_refusal(family, on)


@transaction.atomic
def request_approval(*, family: Family, actor: User) -> Family:
    """The social worker asks the supervisors of the family's unit to approve its registration.

    Raises DomainError when the family is already approved or waiting, when its approval is
    suspended by a change in the family (approval_request_refusal), or when its home study or
    training certificate is missing or expired (an approval rests on both; Kazakhstan's rules).
    """
    from access.selectors import family_rights

    family = Family.objects.select_for_update().get(pk=family.pk)
    # Who sees the family, on the locked row: a family of the actor's unit (or one below it) without a query.
    if not (actor.is_social_worker or actor.is_supervisor) or not family_rights(
            actor, family_id=family.pk, responsible_unit_id=family.responsible_unit_id).visible:
        raise DomainError(_("Only a social worker or supervisor who sees the family may ask for its approval."),
                          field="non_field_errors", code="permission_denied")
    refusal = approval_request_refusal_on(family, timezone.localdate())
    if refusal:
        raise DomainError(refusal, field="non_field_errors")
    family.approval_status = ApprovalStatus.UNDER_ASSESSMENT
    family.approval_requested_at = timezone.now()
    _clean_locked(family)
    family.save(update_fields=["approval_status", "approval_requested_at", "updated_at"])
    return family


def approval_request_gone(family: Family) -> str:
    """Why ``family`` is no longer waiting for a decision, in the active language: the request was
    withdrawn by a suspension (a change in the family: _suspend), decided by someone (the last
    ApprovalDecision, who and when), or else not made. One query (the last decision) unless suspended."""
    if family.suspended_on is not None:
        return _("Family № %(n)s: the request for approval was withdrawn: the family's approval is suspended "
                 "(%(reason)s).") % {"n": family.pk, "reason": reasons.suspension_text(family)}
    last = family.approval_decisions.select_related("decided_by").order_by("-decided_at", "-id").first()
    if last is not None:
        text = (_("Family № %(n)s was already approved by %(who)s on %(date)s.") if last.approved
                else _("Family № %(n)s was already refused by %(who)s on %(date)s."))
        who = last.decided_by.get_full_name() or last.decided_by.username  # as the pages write a user (web_tags.person)
        return text % {"n": family.pk, "who": who, "date": day_text(timezone.localtime(last.decided_at).date())}
    return _("Family № %(n)s is no longer waiting for approval.") % {"n": family.pk}


def check_approval_decidable(*, family: Family, actor: User) -> None:
    """Raise the DomainError decide_approval refuses with before it reads the decision: ``actor`` is
    not a supervisor of the family's unit or a unit above it (code "permission_denied"), or the family
    is not waiting for a decision (code "stale", approval_request_gone's text: withdrawn by a
    suspension, or decided meanwhile). decide_approval calls it on the locked row; the page and the
    API call it first, to answer 403 or say why before reading the supervisor's input."""
    if not _supervises_family(actor, family):
        raise DomainError(_("Only a supervisor of the family's unit can approve or refuse it."), field="non_field_errors",
                          code="permission_denied")
    if family.approval_requested_at is None:
        raise DomainError(approval_request_gone(family), field="non_field_errors", code="stale")


@transaction.atomic
def decide_approval(
    *, family: Family, actor: User, approve: bool, reason: str = "", expires_on: dt.date | None = None
) -> ApprovalDecision:
    """A supervisor of the family's unit (or a unit above it) approves or refuses a family waiting
    for approval. An approval lasts ``expires_on`` or default_approval_expiry (FAMILY_APPROVAL_VALID_DAYS,
    cut to the certificate that expires first), never beyond that certificate (approval_expiry_limit), and
    is refused while a failed carers' check stands (carer_check_approval_refusal); a refusal needs a
    reason. Writes one ApprovalDecision row (who, when, why) and the family's new status in the same
    transaction, under the family's row lock (the checks read the locked row: a decision or a suspension
    committed a moment before is seen). Raises DomainError naming the field at fault:
    check_approval_decidable's (code "permission_denied" or "stale"), else a rule of the decision."""
    family = Family.objects.select_for_update().get(pk=family.pk)
    check_approval_decidable(family=family, actor=actor)
    reason = reason.strip()
    today = timezone.localdate()
    now = timezone.now()
    if approve:
        if family.suspended_on is not None:  # asked for before a change suspended it (written before _suspend withdrew it)
            raise DomainError(reasons.suspended_until_text(family, refusal=True), field="non_field_errors")
        missing = _missing_certificates(family, today)
        if missing:
            raise DomainError(_("The family's %(documents)s is missing or expired; it cannot be approved.")
                              % {"documents": and_list(missing)}, field="non_field_errors")
        refusal = carer_check_approval_refusal(family) or applicant_age_refusal(family)
        if refusal:
            raise DomainError(refusal, field="non_field_errors")
        expires_on = expires_on or default_approval_expiry(family, today)
        if expires_on <= today:
            raise DomainError(_("The approval must expire after today."), field="expires_on")
        limit = approval_expiry_limit(family)
        if limit and expires_on > limit[0]:
            raise DomainError(_("The approval cannot outlast the family's %(document)s, which expires on %(date)s: "
                                "choose that day or an earlier one.") % {"document": limit[1], "date": day_text(limit[0])},
                              field="expires_on")
        family.approval_status = ApprovalStatus.APPROVED
        family.approved_on = today
        family.approval_expires_on = expires_on
    else:
        if not reason:
            raise DomainError(_("Say why the family is refused."), field="reason")
        # A family suspended meanwhile stays suspended until its new home study (only a suspended family
        # has a suspension's date: family_suspended_on_only_when_suspended); the request is closed all the same.
        if family.suspended_on is None:
            family.approval_status = ApprovalStatus.REJECTED
        expires_on = None
    family.approval_requested_at = None
    _clean_locked(family)
    family.save()
    decision = ApprovalDecision(family=family, approved=approve, reason=reason, decided_by=actor, decided_at=now,
                                approval_expires_on=expires_on)
    # Its family is the row just locked and saved, its supervisor the actor: neither looked up again.
    decision.full_clean(exclude=["family", "decided_by"])
    decision.save()
    return decision
