"""Choosing a family for acquaintance with a child: the moment a family of another unit stops being
an anonymous profile to the case's worker, and its own unit is told who opened it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import OrganisationalUnit, User
from cases.models import Case, Stage
from cases.services import lock_case, transition_case
from core.exceptions import DomainError
from families.models import Family
from matching.models import Acquaintance
from matching.selectors import eligible_families
from notifications.models import Notification

# The stage change's reason when a family is chosen for acquaintance, kept untranslated in the
# history and written in each reader's language (web.templatetags.web_tags.stage_reason).
CHOSEN_REASON = gettext_noop("Family № %(n)s chosen for acquaintance.")
# The notification to the family's unit (_tell_the_familys_unit).
FAMILY_CHOSEN_TITLE = gettext_noop("Family № %(family)s was chosen for acquaintance by %(user)s (%(unit)s)")
FAMILY_CHOSEN_TEXT = gettext_noop(
    "Case № %(case)s of %(unit)s; the family's name and file are now open to those who work on that case.")


def supervisors_of_family(family: Family) -> list[User]:
    """The supervisors of the family's unit and, for a district, of its regional department."""
    unit = family.responsible_unit
    unit_ids = [unit.pk]
    if unit.kind == OrganisationalUnit.Kind.DISTRICT and unit.parent_id:
        unit_ids.append(unit.parent_id)
    return list(User.objects.filter(role=User.Role.SUPERVISOR, is_active=True, unit_id__in=unit_ids).order_by("pk"))


def _tell_the_familys_unit(acquaintance: Acquaintance) -> int:
    """One notification to each supervisor of the family's unit: which family, whose case (its
    number and unit, never the child), who opened the family's identity."""
    family, case, actor = acquaintance.family, acquaintance.case, acquaintance.chosen_by
    if family.responsible_unit_id == case.responsible_unit_id:
        return 0  # the family's own unit chose it: nobody outside learnt anything
    # Kept untranslated with their arguments (the unit by its id: its name in each reader's language),
    # written in each reader's language (notifications.titles); title and body as the chooser read them.
    unit = {"unit": case.responsible_unit_id}
    title_args = {"family": family.pk, "user": actor.get_full_name() or actor.username, "unit": unit}
    body_args = {"case": case.pk, "unit": unit}
    title = _(FAMILY_CHOSEN_TITLE) % {**title_args, "unit": case.responsible_unit}
    body = _(FAMILY_CHOSEN_TEXT) % {**body_args, "unit": case.responsible_unit}
    rows = [
        Notification(recipient=supervisor, kind=Notification.Kind.FAMILY_CHOSEN, subject_key=f"acquaintance:{acquaintance.pk}",
                     due_on=timezone.localdate(acquaintance.chosen_at), title=title[:200], body=body,
                     title_key=FAMILY_CHOSEN_TITLE, title_args=title_args, body_key=FAMILY_CHOSEN_TEXT, body_args=body_args,
                     family=family)
        for supervisor in supervisors_of_family(family)
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def choose_for_acquaintance(*, case: Case, family_id: int, actor: User, reason: str = "") -> Acquaintance:
    """Choose a ranked family for acquaintance on a case at the matching (or acquaintance) stage.
    A case at matching moves to acquaintance. The family must be among those ranked for the case
    (approved, documents in date, a compatible form of care); any other id, whether it exists or
    not, gets the same refusal. Raises DomainError (``permission_denied`` when the actor may not
    change the case, checked on the locked row)."""
    case = lock_case(case.pk, actor=actor)
    if case.stage not in (Stage.MATCHING, Stage.ACQUAINTANCE):
        raise DomainError(_("Families are chosen for acquaintance only for a case at matching or acquaintance."),
                          field="non_field_errors")
    family = eligible_families(case=case, on=timezone.localdate()).select_related("responsible_unit").filter(pk=family_id).first()
    if family is None:
        raise DomainError(_("No family with this number is among those ranked for this case."), field="family")
    acquaintance, created = Acquaintance.objects.get_or_create(case=case, family=family, defaults={"chosen_by": actor})
    if created:
        _tell_the_familys_unit(acquaintance)
    if case.stage == Stage.MATCHING:
        # The family goes with the case to acquaintance and is proposed for the decision (decision_family).
        transition_case(case=case, to_stage=Stage.ACQUAINTANCE, actor=actor, family=family,
                        # Stored as the message id, translated for each reader (web_tags.stage_reason).
                        reason=reason or CHOSEN_REASON % {"n": family.pk})
    return acquaintance
