"""The case workflow: stage moves with their guards, the supervisor's decision, placements and returns.

Every write here is one transaction that locks the case row first (``select_for_update``), so two
users acting on the same case at once are served one after the other; the second sees the first's
result and its guards refuse what no longer makes sense. The actor's right to change the case is
checked on the locked row (``lock_case``), not before: a supervisor's transfer committed a moment
earlier is seen. Rows are always locked in one order, case, then placement, then visit (and the
child after the case), so that two services never wait on each other. ``expected_version`` lets a
client that showed the user an older version of the case refuse to act on it.
"""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from access.selectors import require_change
from accounts.models import User
from cases.models import (
    DECISION_DATE_MISSING,
    DECISION_NUMBER_MISSING,
    Case,
    CaseNote,
    CaseOutcome,
    DecisionReview,
    DecisionStatus,
    EndReason,
    FormOfCareRule,
    Placement,
    SiblingSeparationDecision,
    Stage,
    StageChange,
    decision_date_error,
)
from children.models import Child, ChildrensHome
from core.ages import age_on
from core.choices import CarerRelationship, FormOfCare
from core.dates import day_text
from core.exceptions import DomainError, raise_errors
from families.models import ApprovalStatus, Family
from families.reasons import suspended_until_text

# Moves transition_case accepts, from each stage. Placing and ending a placement have their own
# services (place_child, end_placement) because they write a placement too.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.REGISTERED: frozenset({Stage.AVAILABLE, Stage.CLOSED}),
    Stage.AVAILABLE: frozenset({Stage.MATCHING, Stage.REGISTERED, Stage.CLOSED}),
    Stage.MATCHING: frozenset({Stage.ACQUAINTANCE, Stage.AVAILABLE, Stage.CLOSED}),
    Stage.ACQUAINTANCE: frozenset({Stage.DECISION, Stage.MATCHING, Stage.CLOSED}),
    Stage.DECISION: frozenset({Stage.PLACED, Stage.ACQUAINTANCE, Stage.MATCHING, Stage.CLOSED}),
    Stage.PLACED: frozenset(),
    Stage.CLOSED: frozenset(),
}

# A guest family is a step towards a placement, not a placement by itself.
PLACEMENT_FORMS_OF_CARE = frozenset(FormOfCare.values) - {FormOfCare.GUEST_FAMILY}

# How an ended placement closes the case (a return re-opens it instead).
OUTCOME_BY_END_REASON = {
    EndReason.PERMANENCY: CaseOutcome.PERMANENCY,
    EndReason.CAME_OF_AGE: CaseOutcome.CAME_OF_AGE,
    EndReason.REUNIFIED: CaseOutcome.REUNIFIED,
    EndReason.TRANSFERRED: CaseOutcome.TRANSFERRED,
    EndReason.DEATH: CaseOutcome.DEATH,
}


def lock_case(case_id: int, *, actor: User | None, expected_version: int | None = None) -> Case:
    """Lock the case row (always the first lock of a write: case, then placement, then visit), then
    check on the locked row that ``actor`` may still change it (access.selectors.require_change;
    ``actor`` None: the system). Raises DomainError: ``permission_denied`` (answered 403) or
    ``stale`` when ``expected_version`` is not the case's version."""
    locked = Case.objects.select_for_update().select_related("child").get(pk=case_id)
    require_change(actor, locked)
    if expected_version is not None and locked.version != expected_version:
        raise DomainError(
            _("This case was changed by someone else (now version %(now)s, you had %(had)s). Reload it and try again.")
            % {"now": locked.version, "had": expected_version},
            field="expected_version",
            code="stale",
        )
    return locked


def _lock_case(case: Case, expected_version: int | None, actor: User | None) -> Case:
    return lock_case(case.pk, actor=actor, expected_version=expected_version)


def _record_move(*, case: Case, to_stage: str, actor: User | None, reason: str, at: dt.datetime | None = None) -> StageChange:
    """Move the locked case to ``to_stage``, bump its version and write the history row."""
    at = at or timezone.now()
    from_stage = case.stage
    case.stage = to_stage
    case.stage_entered_at = at
    case.version += 1
    case.full_clean()
    case.save()
    change = StageChange(case=case, from_stage=from_stage, to_stage=to_stage, reason=reason, actor=actor, changed_at=at)
    change.full_clean()
    change.save()
    return change


def _reset_decision(case: Case) -> None:
    case.decision_status = DecisionStatus.NOT_REQUESTED
    case.decision_family = None
    case.decision_reviewed_by = None
    case.decision_reviewed_at = None
    case.decision_review_reason = ""


def check_adoption_permitted(*, child: Child, form_of_care: str, field: str = "form_of_care") -> None:
    if form_of_care == FormOfCare.ADOPTION and not child.adoption_permitted:
        raise DomainError(
            _("Adoption is not open to this child: the legal status \"%(status)s\" permits only guardianship-type care.")
            % {"status": child.get_legal_status_display()},
            field=field,
        )


def birthday(birth_date: dt.date, years: int) -> dt.date:
    """The day a person born on ``birth_date`` turns ``years`` (born on 29 February: the 28th in a
    common year, as PostgreSQL's ``date + interval`` counts it in the visit and reminder SQL)."""
    return birth_date + relativedelta(years=years)


def form_of_care_rule(form_of_care: str) -> FormOfCareRule | None:
    """The policy row of a form of care (ages, capacity, training), or None when there is none."""
    return FormOfCareRule.objects.filter(form_of_care=form_of_care).first()


def check_age_for_form_of_care(*, child: Child, form_of_care: str, on: dt.date, field: str = "form_of_care") -> None:
    """Refuse a form of care the child's age on ``on`` does not allow (FormOfCareRule: guardianship
    only under 14, trusteeship from 14 to 18, no form of care from 18 on)."""
    rule = form_of_care_rule(form_of_care)
    age = age_on(child.birth_date, on)
    majority = int(settings.AGE_OF_MAJORITY)
    label = FormOfCare(form_of_care).label if form_of_care in FormOfCare.values else form_of_care
    if age >= majority:
        raise DomainError(
            _("The child is %(age)s on %(date)s: an adult is not placed in family care.")
            % {"age": age, "date": day_text(on)}, field=field, code="age",
        )
    if rule is None:
        return
    if rule.max_age is not None and age >= rule.max_age:
        raise DomainError(
            _("%(form)s is only for children under %(max)s; the child is %(age)s on %(date)s.")
            % {"form": label, "max": rule.max_age, "age": age, "date": day_text(on)}, field=field, code="age",
        )
    if rule.min_age is not None and age < rule.min_age:
        raise DomainError(
            _("%(form)s is for children from %(min)s; the child is %(age)s on %(date)s.")
            % {"form": label, "min": rule.min_age, "age": age, "date": day_text(on)}, field=field, code="age",
        )


def check_family_capacity(*, family: Family, child: Child, field: str = "family") -> None:
    """Refuse a child past the number of children the family's form of care allows (FormOfCareRule:
    a professional foster family 4, siblings of one group counted as one; a foster family 10),
    counting the children in the family's active placements and the new one."""
    rule = form_of_care_rule(family.form_of_care)
    if rule is None or rule.max_children is None:
        return
    placed = list(
        Placement.objects.filter(family=family, ended_on__isnull=True).exclude(child_id=child.pk)
        .values_list("child_id", "child__sibling_group_id")
    )

    def unit(child_id: int, group_id: int | None) -> tuple[str, int]:
        return ("group", group_id) if rule.siblings_count_as_one and group_id else ("child", child_id)

    units = {unit(child_id, group_id) for child_id, group_id in placed}
    if len(units | {unit(child.pk, child.sibling_group_id)}) > rule.max_children:
        if rule.siblings_count_as_one:
            message = ngettext(
                "%(form)s takes at most %(max)s child, siblings of one group counted as one; this family already has "
                "%(n)s. Only a brother or sister of a child already there can join.",
                "%(form)s takes at most %(max)s children, siblings of one group counted as one; this family already "
                "has %(n)s. Only a brother or sister of a child already there can join.", rule.max_children)
        else:
            message = ngettext("%(form)s takes at most %(max)s child; this family already has %(n)s.",
                               "%(form)s takes at most %(max)s children; this family already has %(n)s.", rule.max_children)
        raise DomainError(message % {"form": family.get_form_of_care_display(), "max": rule.max_children,
                                     "n": len(units)}, field=field, code="capacity")


def check_family_can_take(*, family: Family, case: Case, on: dt.date, field: str = "family") -> None:
    """The family is approved (not suspended by a change in the family), its approval, home study and
    training are in date on ``on``, it seeks the case's form of care, its carer has the training that
    form requires, and it has room for the child (check_family_capacity)."""
    if family.approval_status != ApprovalStatus.APPROVED:
        if family.approval_status == ApprovalStatus.SUSPENDED and family.suspension_kind:
            raise DomainError(suspended_until_text(family, refusal=True), field=field)
        raise DomainError(
            _("The family is not approved (status: %(status)s).") % {"status": family.get_approval_status_display()},
            field=field,
        )
    labels = {
        "approval_expires_on": _("approval"),
        "home_study_expires_on": _("home study"),
        "training_expires_on": _("training certificate"),
    }
    expired = family.expired_documents(on)
    if expired:
        raise DomainError(
            _("The family's %(documents)s expired or is missing on %(date)s; renew it before placement.")
            % {"documents": ", ".join(str(labels[name]) for name in expired), "date": day_text(on)},
            field=field,
        )
    if case.form_of_care and family.form_of_care != case.form_of_care:
        raise DomainError(
            _("The family seeks %(family)s but the case needs %(case)s.")
            % {"family": family.get_form_of_care_display(), "case": case.get_form_of_care_display()},
            field=field,
        )
    rule = form_of_care_rule(family.form_of_care)
    if rule is not None and rule.requires_psychological_training and not family.psychological_training_issued_on:
        raise DomainError(
            _("A %(form)s needs the carer's psychological training certificate; record it on the family first.")
            % {"form": family.get_form_of_care_display()}, field=field,
        )
    check_family_capacity(family=family, child=case.child, field=field)


def siblings_apart(*, case: Case, family: Family) -> list[Child]:
    """Siblings still in care who would not live with this family: those placed elsewhere or not in
    a decision for the same family."""
    child = case.child
    if not child.sibling_group_id:
        return []
    siblings = list(
        Child.objects.filter(sibling_group_id=child.sibling_group_id)
        .exclude(pk=child.pk)
        .filter(cases__stage__in=[s for s in Stage.values if s != Stage.CLOSED])
        .distinct()
    )
    if not siblings:
        return []
    with_family = set(
        Placement.objects.filter(child__in=siblings, family=family, ended_on__isnull=True).values_list("child_id", flat=True)
    ) | set(
        Case.objects.filter(child__in=siblings, stage=Stage.DECISION, decision_family=family).values_list("child_id", flat=True)
    )
    return [s for s in siblings if s.pk not in with_family]


def _check_siblings(*, case: Case, family: Family) -> bool:
    """Refuse to separate siblings without a recorded decision; True when they are separated."""
    apart = siblings_apart(case=case, family=family)
    if not apart:
        return False
    if not case.sibling_separation_decisions.exists():
        raise DomainError(
            ngettext("%(count)s sibling of this child would live apart from them. Place the siblings together or "
                     "record a sibling separation decision with its reason first.",
                     "%(count)s siblings of this child would live apart from them. Place the siblings together or "
                     "record a sibling separation decision with its reason first.", len(apart)) % {"count": len(apart)},
            field="family",
        )
    return True


@transaction.atomic
def transition_case(
    *,
    case: Case,
    to_stage: str,
    actor: User | None,
    reason: str = "",
    expected_version: int | None = None,
    form_of_care: str | None = None,
    family: Family | None = None,
    outcome: str | None = None,
    closed_on: dt.date | None = None,
    carer_relationship: str = CarerRelationship.NONE,
    started_on: dt.date | None = None,
    decision_document_number: str = "",
    decision_date: dt.date | None = None,
) -> Case:
    """Move a case to another stage, writing the stage history. ``form_of_care`` is chosen on the way
    to available (or later); ``family`` is the family chosen for acquaintance (kept in
    ``decision_family`` and proposed for the decision) or the family in the decision; ``outcome``
    closes the case. Moving to placed writes the placement (place_child) with ``started_on``, the
    decision's number and date, and ``carer_relationship``.
    Placing goes through place_child and ending a placement through end_placement."""
    case = _lock_case(case, expected_version, actor)
    if to_stage not in Stage.values:
        raise DomainError(_("Unknown stage \"%(stage)s\".") % {"stage": to_stage}, field="to_stage")
    if to_stage == case.stage:
        raise DomainError(_("The case is already at this stage."), field="to_stage")
    if case.stage == Stage.PLACED:
        raise DomainError(_("A placed case moves on only when its placement ends (end the placement)."), field="to_stage")
    if to_stage not in ALLOWED_TRANSITIONS[case.stage]:
        raise DomainError(
            _("A case cannot move from %(from)s to %(to)s.")
            % {"from": case.get_stage_display(), "to": Stage(to_stage).label},
            field="to_stage",
        )
    if to_stage == Stage.PLACED:
        # Delegated so that the placement row is written by its one service, under the same lock.
        place_child(case=case, family=family or case.decision_family, actor=actor, reason=reason,
                    carer_relationship=carer_relationship, started_on=started_on,
                    decision_document_number=decision_document_number, decision_date=decision_date)
        case.refresh_from_db()
        return case

    if form_of_care:
        if form_of_care not in PLACEMENT_FORMS_OF_CARE:
            raise DomainError(_("Choose a form of care that places the child in a family."), field="form_of_care")
        case.form_of_care = form_of_care
    if to_stage in (Stage.AVAILABLE, Stage.MATCHING, Stage.ACQUAINTANCE, Stage.DECISION):
        if not case.form_of_care:
            raise DomainError(_("Choose the form of care sought before the case becomes available."), field="form_of_care")
        check_adoption_permitted(child=case.child, form_of_care=case.form_of_care)
        check_age_for_form_of_care(child=case.child, form_of_care=case.form_of_care, on=timezone.localdate())

    if to_stage == Stage.ACQUAINTANCE and family is not None:
        # The family chosen on the matching page is carried to the decision (no retyping its number).
        check_family_can_take(family=family, case=case, on=timezone.localdate())
        case.decision_family = family
    elif to_stage == Stage.MATCHING and case.stage == Stage.ACQUAINTANCE:
        case.decision_family = None
    if to_stage == Stage.DECISION:
        family = family or case.decision_family
        if family is None:
            raise DomainError(_("Name the family the decision is about."), field="family")
        # Read under a lock: a change in the family recorded meanwhile (a suspension) is seen.
        family = Family.objects.select_for_update().get(pk=family.pk)
        check_family_can_take(family=family, case=case, on=timezone.localdate())
        case.decision_family = family
        case.decision_status = DecisionStatus.PENDING
        case.decision_reviewed_by = None
        case.decision_reviewed_at = None
        case.decision_review_reason = ""
    elif case.stage == Stage.DECISION:
        _reset_decision(case)

    if to_stage == Stage.CLOSED:
        if outcome not in CaseOutcome.values:
            raise DomainError(_("Say how the case ends: choose an outcome."), field="outcome")
        if outcome == CaseOutcome.PERMANENCY:
            raise DomainError(_("Permanency is reached through a placement; end the placement instead."), field="outcome")
        closed_on = closed_on or timezone.localdate()
        if closed_on > timezone.localdate() or closed_on < case.opened_on:
            raise DomainError(_("The closing date must fall between the case's opening and today."), field="closed_on")
        if outcome == CaseOutcome.CAME_OF_AGE:
            check_came_of_age(child=case.child, on=closed_on, field="outcome")
        case.outcome = outcome
        case.closed_on = closed_on
    elif case.stage == Stage.DECISION and not reason and to_stage in (Stage.ACQUAINTANCE, Stage.MATCHING):
        raise DomainError(_("Say why the case goes back from the decision."), field="reason")

    _record_move(case=case, to_stage=to_stage, actor=actor, reason=reason)
    return case


def check_came_of_age(*, child: Child, on: dt.date, field: str = "end_reason") -> None:
    """Refuse "came of age" before the 18th birthday, except within the last
    COMING_OF_AGE_EARLY_CLOSE_DAYS days before it (a setting)."""
    comes_of_age = birthday(child.birth_date, int(settings.AGE_OF_MAJORITY))
    earliest = comes_of_age - dt.timedelta(days=int(settings.COMING_OF_AGE_EARLY_CLOSE_DAYS))
    if on < earliest:
        raise DomainError(
            _("The child comes of age on %(birthday)s; \"came of age\" can be recorded from %(earliest)s.")
            % {"birthday": comes_of_age.isoformat(), "earliest": earliest.isoformat()}, field=field, code="age",
        )


def supervises(user: User, case: Case) -> bool:
    return bool(user.is_supervisor and user.unit_id and case.responsible_unit_id in user.unit.descendant_ids())


@transaction.atomic
def approve_decision(*, case: Case, actor: User, approve: bool, reason: str = "", expected_version: int | None = None) -> Case:
    """The supervisor of the case's unit approves or rejects the decision; only then can it be placed.
    Writes a DecisionReview row (who, when, why) for the case's timeline; a rejection needs a reason."""
    # The right to approve is the supervisor's, checked here on the locked row.
    case = _lock_case(case, expected_version, None)
    if not supervises(actor, case):
        raise DomainError(_("Only a supervisor of the case's unit can approve or reject a decision."), field="non_field_errors",
                          code="not_supervisor")
    if case.stage != Stage.DECISION or case.decision_status != DecisionStatus.PENDING:
        raise DomainError(_("There is no decision waiting for approval on this case."), field="non_field_errors")
    if not approve and not reason.strip():
        raise DomainError(_("Say why the decision is rejected."), field="reason")
    case.decision_status = DecisionStatus.APPROVED if approve else DecisionStatus.REJECTED
    case.decision_reviewed_by = actor
    case.decision_reviewed_at = timezone.now()
    case.decision_review_reason = reason
    case.version += 1
    case.full_clean()
    case.save()
    # The case's timeline keeps every review, not only the last one on the case row.
    review = DecisionReview(case=case, family_id=case.decision_family_id, approved=approve, reason=reason.strip(), actor=actor,
                            reviewed_at=case.decision_reviewed_at)
    review.full_clean()
    review.save()
    return case


def moves_offered(case: Case) -> list[str]:
    """The stages a case's menu offers: ALLOWED_TRANSITIONS less the moves its guards refuse now
    (placing before the supervisor approved the decision, e.g. after a rejection). Stage values,
    in workflow order."""
    allowed = ALLOWED_TRANSITIONS.get(case.stage, frozenset())
    refused = set()
    if case.stage == Stage.DECISION and case.decision_status != DecisionStatus.APPROVED:
        refused.add(Stage.PLACED)
    return [s for s in Stage.values if s in allowed and s not in refused]


@transaction.atomic
def record_sibling_separation(*, case: Case, actor: User, reason: str) -> SiblingSeparationDecision:
    case = _lock_case(case, None, actor)
    if not case.child.sibling_group_id:
        raise DomainError(_("This child has no sibling group."), field="non_field_errors")
    decision = SiblingSeparationDecision(case=case, reason=reason.strip(), decided_by=actor)
    try:
        decision.full_clean()
    except ValidationError as exc:
        raise DomainError(_("Give the reason for placing the siblings apart."), field="reason") from exc
    decision.save()
    return decision


def decision_errors(number: str, date: dt.date | None, starts_on: dt.date | None = None) -> dict[str, str]:
    """A placement rests on an authority's decision (a court's for an adoption, a guardianship
    authority's act or contract otherwise): its number and date are recorded with every new
    placement, the date neither after ``starts_on`` (the placement's first day) nor in the future
    (Placement.clean refuses the same, whoever writes it). Field → message."""
    errors = {}
    if not (number or "").strip():
        errors["decision_document_number"] = str(DECISION_NUMBER_MISSING)
    if date is None:
        errors["decision_date"] = str(DECISION_DATE_MISSING)
    elif wrong := decision_date_error(date, starts_on):
        errors["decision_date"] = wrong
    return errors


@transaction.atomic
def place_child(
    *,
    case: Case,
    family: Family | None = None,
    actor: User | None,
    started_on: dt.date | None = None,
    decision_document_number: str = "",
    decision_date: dt.date | None = None,
    reason: str = "",
    expected_version: int | None = None,
    carer_relationship: str = CarerRelationship.NONE,
) -> Placement:
    """Open the placement of the case's child with the approved family: the child leaves the
    children's home (or comes straight from identification, without one), the case moves to placed
    and follow-up visits are scheduled. ``carer_relationship`` says whether the carer is a relative
    (CarerRelationship). Refused, with the reason, when the child's age on ``started_on`` does not
    allow the form of care or the family has no room (FormOfCareRule)."""
    from visits.services import schedule_visits_for_placement

    case = _lock_case(case, expected_version, actor)
    started_on = started_on or timezone.localdate()
    if case.stage != Stage.DECISION:
        raise DomainError(
            _("Only a case at the decision stage can be placed (this one is %(stage)s).") % {"stage": case.get_stage_display()},
            field="non_field_errors",
        )
    if case.decision_status != DecisionStatus.APPROVED:
        raise DomainError(_("The decision needs a supervisor's approval before placement."), field="non_field_errors")
    family = family or case.decision_family
    # Each mistake in what was typed at once, beside its field; the family's own checks follow.
    errors: dict[str, str] = {}
    if family is None or family.pk != case.decision_family_id:
        errors["family"] = _("The placement must be with the family the supervisor approved.")
    if started_on > timezone.localdate():
        errors["started_on"] = _("A placement cannot start in the future.")
    elif started_on < case.child.entered_care_on:
        errors["started_on"] = (_("A placement cannot start before the child entered care (%(date)s).")
                                % {"date": day_text(case.child.entered_care_on)})
    elif started_on < case.child.birth_date:
        errors["started_on"] = _("A placement cannot start before the child's birth date.")
    if case.form_of_care not in PLACEMENT_FORMS_OF_CARE:
        errors["form_of_care"] = _("A guest family is not a placement; choose a form of family care.")
    if carer_relationship not in CarerRelationship.values:
        errors["carer_relationship"] = _("Choose the carer's relationship to the child.")
    errors.update(decision_errors(decision_document_number, decision_date, started_on))
    raise_errors(errors)
    family = Family.objects.select_for_update().get(pk=family.pk)
    check_family_can_take(family=family, case=case, on=started_on)
    check_adoption_permitted(child=case.child, form_of_care=case.form_of_care)
    check_age_for_form_of_care(child=case.child, form_of_care=case.form_of_care, on=started_on)
    separated = _check_siblings(case=case, family=family)

    child = Child.objects.select_for_update().get(pk=case.child_id)
    placement = Placement(
        case=case,
        child=child,
        family=family,
        form_of_care=case.form_of_care,
        carer_relationship=carer_relationship,
        started_on=started_on,
        decision_document_number=decision_document_number,
        decision_date=decision_date,
        siblings_separated=separated,
        home_before_id=child.current_home_id,
    )
    placement.full_clean()
    placement.save()
    child.current_home = None
    child.full_clean()
    child.save(update_fields=["current_home", "updated_at"])
    case.child = child
    _record_move(case=case, to_stage=Stage.PLACED, actor=actor, reason=reason or gettext_noop("Placed with the family."))
    schedule_visits_for_placement(placement=placement, actor=actor)
    return placement


def placement_end_errors(*, end_reason: str, return_reason: str) -> dict[str, str]:
    """The mistakes in why a placement ends, field → message, all at once (the page's form asks them
    too, web.forms.EndPlacementForm, so that they show on the same submit as the date's)."""
    errors = {}
    if end_reason not in EndReason.values:
        errors["end_reason"] = _("Choose why the placement ends.")
    elif end_reason == EndReason.MOVED:
        errors["end_reason"] = _("A move to another family is recorded as a move (with the new family), not as an end.")
    returned = end_reason == EndReason.RETURNED
    if returned and not return_reason:
        errors["return_reason"] = _("Say why the child was returned to an institution.")
    if not returned and return_reason:
        errors["return_reason"] = _("A reason for return is given only when the child was returned.")
    return errors


@transaction.atomic
def end_placement(
    *,
    placement: Placement,
    ended_on: dt.date,
    end_reason: str,
    return_reason: str = "",
    notes: str = "",
    actor: User | None,
    home: ChildrensHome | None = None,
) -> Placement:
    """End a placement. A return to an institution (secondary orphanhood) gives the child a home again
    (``home`` or the one before the placement) and re-opens the case at available, history kept;
    other end reasons close the case with the matching outcome."""
    from visits.services import cancel_pending_visits

    case = _lock_case(placement.case, None, actor)
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if placement.ended_on is not None:
        raise DomainError(_("This placement has already ended."), field="non_field_errors")
    # Each mistake at once, beside its field.
    errors = placement_end_errors(end_reason=end_reason, return_reason=return_reason)
    if ended_on < placement.started_on:
        errors["ended_on"] = _("A placement cannot end before it started.")
    elif ended_on > timezone.localdate():
        errors["ended_on"] = _("A placement cannot end in the future.")
    raise_errors(errors)
    if end_reason == EndReason.CAME_OF_AGE:
        check_came_of_age(child=case.child, on=ended_on)
    returned = end_reason == EndReason.RETURNED

    placement.ended_on = ended_on
    placement.end_reason = end_reason
    placement.return_reason = return_reason
    placement.end_notes = notes
    placement.full_clean()
    placement.save()
    cancel_pending_visits(placement=placement, actor=actor)

    if returned:
        child = Child.objects.select_for_update().get(pk=placement.child_id)
        home_id = home.pk if home is not None else placement.home_before_id
        if home_id is None:
            raise DomainError(_("Name the children's home the child returns to."), field="home")
        child.current_home_id = home_id
        child.full_clean()
        child.save(update_fields=["current_home", "updated_at"])
        _reset_decision(case)
        # Stage-history reasons are stored in English and translated when shown (web_tags.stage_reason).
        with translation.override("en"):
            reason = (_("Returned to institution (%(reason)s). %(notes)s")
                      % {"reason": placement.get_return_reason_display(), "notes": notes}).strip()
        _record_move(case=case, to_stage=Stage.AVAILABLE, actor=actor, reason=reason)
    else:
        case.outcome = OUTCOME_BY_END_REASON[end_reason]
        case.closed_on = ended_on
        with translation.override("en"):
            reason = (_("Placement ended: %(reason)s. %(notes)s")
                      % {"reason": placement.get_end_reason_display(), "notes": notes}).strip()
        _record_move(case=case, to_stage=Stage.CLOSED, actor=actor, reason=reason)
    return placement


@transaction.atomic
def convert_to_trusteeship(
    *, placement: Placement, actor: User | None, on: dt.date | None = None, expected_version: int | None = None,
) -> Placement:
    """Record that an open guardianship became a trusteeship when the child turned 14 (the
    trusteeship rule's ``min_age``), without ending the placement: the placement and the case now
    read trusteeship and ``converted_to_trusteeship_on`` keeps the day.
    Visits go on under the trusteeship policy. Refused before the 14th birthday or for another form."""
    case = _lock_case(placement.case, expected_version, actor)
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    on = on or timezone.localdate()
    if placement.ended_on is not None:
        raise DomainError(_("This placement has ended."), field="non_field_errors")
    if placement.form_of_care != FormOfCare.GUARDIANSHIP:
        raise DomainError(_("Only a guardianship converts to a trusteeship (this placement is %(form)s).")
                          % {"form": placement.get_form_of_care_display()}, field="non_field_errors")
    if on > timezone.localdate() or on < placement.started_on:
        raise DomainError(_("The conversion date must fall between the placement's start and today."), field="on")
    rule = form_of_care_rule(FormOfCare.TRUSTEESHIP)
    conversion_age = rule.min_age if rule is not None and rule.min_age is not None else 14
    turns = birthday(case.child.birth_date, conversion_age)
    if on < turns:
        raise DomainError(_("The child turns %(age)s on %(date)s; the guardianship converts to a trusteeship from then.")
                          % {"age": conversion_age, "date": day_text(turns)}, field="on", code="age")
    placement.form_of_care = FormOfCare.TRUSTEESHIP
    placement.converted_to_trusteeship_on = on
    placement.full_clean()
    placement.save(update_fields=["form_of_care", "converted_to_trusteeship_on", "updated_at"])
    case.form_of_care = FormOfCare.TRUSTEESHIP
    case.version += 1
    case.full_clean()
    case.save(update_fields=["form_of_care", "version", "updated_at"])
    # No stage change (the stage stays "placed"): the placement's and the case's history rows say who.
    return placement


@transaction.atomic
def move_child(
    *,
    placement: Placement,
    family: Family,
    moved_on: dt.date,
    actor: User | None,
    form_of_care: str | None = None,
    reason: str = "",
    decision_document_number: str = "",
    decision_date: dt.date | None = None,
    carer_relationship: str = CarerRelationship.NONE,
) -> Placement:
    """Move a placed child from one family to another without closing the case: the current
    placement ends on ``moved_on`` (end reason ``moved``) and a new one starts that day with
    ``family`` under ``form_of_care`` (default: the case's form of care). The case stays placed;
    visits of the old placement are cancelled and the new one's scheduled. A placement move in
    CFSR's placement-stability measure (docs/statistics.md). Raises DomainError when the placement
    is not active, the date is outside it or in the future, or the family cannot take the child."""
    from visits.services import cancel_pending_visits, schedule_visits_for_placement

    case = _lock_case(placement.case, None, actor)
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if placement.ended_on is not None or case.stage != Stage.PLACED:
        raise DomainError(_("Only a child in an active placement can be moved to another family."), field="non_field_errors")
    if moved_on < placement.started_on:
        raise DomainError(_("A move cannot be dated before the current placement started."), field="moved_on")
    if moved_on > timezone.localdate():
        raise DomainError(_("A move cannot be dated in the future."), field="moved_on")
    if family.pk == placement.family_id:
        raise DomainError(_("The child already lives with this family; choose another family."), field="family")
    if form_of_care:
        if form_of_care not in PLACEMENT_FORMS_OF_CARE:
            raise DomainError(_("Choose a form of care that places the child in a family."), field="form_of_care")
        case.form_of_care = form_of_care
    errors: dict[str, str] = {}
    if carer_relationship not in CarerRelationship.values:
        errors["carer_relationship"] = _("Choose the carer's relationship to the child.")
    errors.update(decision_errors(decision_document_number, decision_date, moved_on))
    raise_errors(errors)
    family = Family.objects.select_for_update().get(pk=family.pk)
    check_family_can_take(family=family, case=case, on=moved_on)
    check_adoption_permitted(child=case.child, form_of_care=case.form_of_care)
    check_age_for_form_of_care(child=case.child, form_of_care=case.form_of_care, on=moved_on)
    separated = _check_siblings(case=case, family=family)

    placement.ended_on = moved_on
    placement.end_reason = EndReason.MOVED
    placement.end_notes = reason
    placement.full_clean()
    placement.save()
    cancel_pending_visits(placement=placement)
    child = Child.objects.select_for_update().get(pk=case.child_id)
    new = Placement(
        case=case, child=child, family=family, form_of_care=case.form_of_care, carer_relationship=carer_relationship,
        started_on=moved_on, decision_document_number=decision_document_number, decision_date=decision_date,
        siblings_separated=separated, home_before_id=placement.home_before_id,
    )
    new.full_clean()
    new.save()
    case.decision_family = family
    case.version += 1
    case.full_clean()
    case.save()
    StageChange.objects.create(
        case=case, from_stage=Stage.PLACED, to_stage=Stage.PLACED, actor=actor,
        # In English, translated when shown (web_tags.stage_reason); the typed reason as typed.
        reason=(gettext_noop("Moved to another family. %(reason)s") % {"reason": reason}).strip(),
    )
    schedule_visits_for_placement(placement=new)
    return new


@transaction.atomic
def open_next_case(
    *,
    child: Child,
    actor: User | None,
    responsible_unit=None,
    opened_on: dt.date | None = None,
    reason: str = "",
) -> Case:
    """Open a new case for a child whose earlier case is closed (the child came back into care),
    linked to the case it follows: the link is what CFSR's re-entry measure counts. Raises
    DomainError when the child still has an open case or the date is in the future or before the
    previous case closed."""
    child = Child.objects.select_for_update().get(pk=child.pk)
    if Case.objects.filter(child=child).exclude(stage=Stage.CLOSED).exists():
        raise DomainError(_("This child already has an open case."), field="non_field_errors")
    previous = Case.objects.filter(child=child, stage=Stage.CLOSED).order_by("-closed_on", "-id").first()
    opened_on = opened_on or timezone.localdate()
    if opened_on > timezone.localdate():
        raise DomainError(_("A case cannot be opened in the future."), field="opened_on")
    if previous is not None and opened_on < previous.closed_on:
        raise DomainError(_("The new case cannot open before the previous one closed (%(date)s).")
                          % {"date": day_text(previous.closed_on)}, field="opened_on")
    unit = responsible_unit or (previous.responsible_unit if previous else None) or (actor.unit if actor else None)
    if unit is None:
        raise DomainError(_("Name the unit responsible for the child's case."), field="responsible_unit")
    case = Case(child=child, responsible_unit=unit, stage=Stage.REGISTERED, opened_on=opened_on, follows=previous,
                assigned_worker=actor if actor is not None and actor.is_social_worker else None)
    case.full_clean()
    case.save()
    StageChange.objects.create(case=case, from_stage="", to_stage=Stage.REGISTERED, actor=actor,
                               reason=reason or gettext_noop("Back in care: a new case follows the closed one."),
                               changed_at=case.stage_entered_at)
    return case


@transaction.atomic
def add_case_note(*, case: Case, actor: User, kind: str, written_on: dt.date, text: str, sensitive: bool = False) -> CaseNote:
    """Write a dated note on a case (``CaseNote.Kind``), under the case's row lock. Only a user who
    may change the case may (its worker, its supervisors, a change grant such as an emergency
    access); the date may not be in the future. Raises DomainError naming the field."""
    from access.selectors import cases_editable_by

    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not cases_editable_by(actor).filter(pk=locked.pk).exists():
        raise DomainError(_("You may not write notes on this case."), field="non_field_errors", code="permission_denied")
    if written_on > timezone.localdate():
        raise DomainError(_("A note cannot be dated in the future."), field="written_on")
    if not (text or "").strip():
        raise DomainError(_("Write the note."), field="text")
    note = CaseNote(case=locked, kind=kind, written_on=written_on, text=text.strip(), sensitive=sensitive, author=actor)
    note.full_clean()
    note.save()
    return note
