"""Input and output shapes of the cases and placements endpoints."""

import datetime as dt

from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from access.serializers import VisibleRelatedFieldsMixin
from cases.models import Case, CaseNote, CaseOutcome, EndReason, Placement, ReturnReason, Stage, StageChange
from children.models import ChildrensHome
from core.choices import CarerRelationship, FormOfCare
from core.dates import PAST_DATE
from core.serializers import DateTimeField, ModelSerializer
from core.text import NOTES_MAX_LENGTH, REASON_MAX_LENGTH
from families.models import Family


class ChildBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    last_name = serializers.CharField()
    first_name = serializers.CharField()
    birth_date = serializers.DateField()
    sex = serializers.CharField()


class StageChangeSerializer(ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = StageChange
        fields = ("from_stage", "to_stage", "reason", "actor", "changed_at")
        read_only_fields = fields


# Formatting of the hot read paths (case list and detail): the fields DRF would build for each request,
# built once. They read the current time zone when called, as DRF's own do.
_DATETIME = serializers.DateTimeField()
_DATE = serializers.DateField()


def _datetime(value: dt.datetime | None, zone: dt.tzinfo | None = None) -> str | None:
    """DRF's DateTimeField.to_representation for the project's ISO 8601 output: the aware value in
    the current time zone (``zone``, when the caller has looked it up), "+00:00" written "Z".
    Without DRF's per-value checks (a tenth of the detail's time in Python); any other case (a naive
    value, another DATETIME_FORMAT) is DRF's."""
    if value is None:
        return None
    if value.tzinfo is None or api_settings.DATETIME_FORMAT != ISO_8601:
        return _DATETIME.to_representation(value)
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value: object) -> str | None:
    return _DATE.to_representation(value) if value is not None else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


class CaseOutputSerializer(ModelSerializer):
    """A case with its child's name. The fields below declare the shape (and the OpenAPI schema);
    ``to_representation`` writes the same JSON by hand: DRF builds every field of a ModelSerializer
    again for each request and walks them per row, most of a 50-row page's time outside the
    database (bench/README.md, issue 20). tests/test_api_speed_paths.py checks both give the same."""

    child = ChildBriefSerializer(read_only=True)

    class Meta:
        model = Case
        fields = (
            "id", "child", "stage", "stage_entered_at", "form_of_care", "assigned_worker", "responsible_unit", "opened_on",
            "closed_on", "outcome", "decision_status", "decision_family", "decision_reviewed_by", "decision_reviewed_at",
            "decision_review_reason", "version",
        )
        read_only_fields = fields

    def to_representation(self, case: Case) -> dict:
        return self.representation(case, timezone.get_current_timezone())

    def representation(self, case: Case, zone: dt.tzinfo) -> dict:
        """``to_representation`` with the current time zone looked up by the caller."""
        child = case.child
        return {
            "id": case.pk,
            "child": {"id": child.pk, "last_name": _text(child.last_name), "first_name": _text(child.first_name),
                      "birth_date": _date(child.birth_date), "sex": _text(child.sex)},
            "stage": case.stage,
            "stage_entered_at": _datetime(case.stage_entered_at, zone),
            "form_of_care": case.form_of_care,
            "assigned_worker": case.assigned_worker_id,
            "responsible_unit": case.responsible_unit_id,
            "opened_on": _date(case.opened_on),
            "closed_on": _date(case.closed_on),
            "outcome": case.outcome,
            "decision_status": case.decision_status,
            "decision_family": case.decision_family_id,
            "decision_reviewed_by": case.decision_reviewed_by_id,
            "decision_reviewed_at": _datetime(case.decision_reviewed_at, zone),
            "decision_review_reason": _text(case.decision_review_reason),
            "version": case.version,
        }

    def field_by_field(self, case: Case) -> dict:
        """DRF's own representation from the declared fields (what ``to_representation`` must equal)."""
        return super().to_representation(case)


class SiblingSeparationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    reason = serializers.CharField()
    decided_by = serializers.IntegerField(source="decided_by_id")
    decided_at = DateTimeField()


class CaseDetailSerializer(CaseOutputSerializer):
    history = StageChangeSerializer(source="stage_changes", many=True, read_only=True)
    sibling_separation_decisions = SiblingSeparationOutputSerializer(many=True, read_only=True)

    class Meta(CaseOutputSerializer.Meta):
        fields = (*CaseOutputSerializer.Meta.fields, "history", "sibling_separation_decisions")
        read_only_fields = fields

    def to_representation(self, case: Case) -> dict:
        zone = timezone.get_current_timezone()
        data = self.representation(case, zone)
        rows = getattr(case, "detail_rows", None)  # cases.selectors.case_detail_rows, set by the API's detail
        if rows is not None:
            history, decisions = rows
            data["history"] = [
                {"from_stage": from_stage, "to_stage": to_stage, "reason": _text(reason), "actor": actor,
                 "changed_at": _datetime(changed_at, zone)}
                for from_stage, to_stage, reason, actor, changed_at in history
            ]
            data["sibling_separation_decisions"] = [
                {"id": pk, "case": case.pk, "reason": _text(reason), "decided_by": decided_by,
                 "decided_at": _datetime(decided_at, zone)}
                for pk, reason, decided_by, decided_at in decisions
            ]
            return data
        data["history"] = [
            {"from_stage": change.from_stage, "to_stage": change.to_stage, "reason": _text(change.reason),
             "actor": change.actor.username if change.actor_id is not None else None,
             "changed_at": _datetime(change.changed_at)}
            for change in case.stage_changes.all()
        ]
        data["sibling_separation_decisions"] = [
            {"id": decision.pk, "case": decision.case_id, "reason": _text(decision.reason),
             "decided_by": decision.decided_by_id, "decided_at": _datetime(decision.decided_at)}
            for decision in case.sibling_separation_decisions.all()
        ]
        return data


class TransitionInputSerializer(VisibleRelatedFieldsMixin, serializers.Serializer):
    # family: only a family the user sees (their unit's, or one chosen for acquaintance on the case).
    to_stage = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)
    form_of_care = serializers.ChoiceField(choices=FormOfCare.choices, required=False, allow_null=True, default=None)
    family = serializers.PrimaryKeyRelatedField(queryset=Family.objects.all(), required=False, allow_null=True, default=None)
    outcome = serializers.ChoiceField(choices=CaseOutcome.choices, required=False, allow_null=True, default=None)
    closed_on = serializers.DateField(validators=PAST_DATE, required=False, allow_null=True, default=None)
    carer_relationship = serializers.ChoiceField(
        choices=CarerRelationship.choices, required=False, default=CarerRelationship.NONE,
        help_text="When moving to placed: whether the carer is a relative of the child, and which.",
    )
    started_on = serializers.DateField(validators=PAST_DATE, required=False, allow_null=True, default=None,
                                       help_text="When moving to placed: the placement's first day (default today).")
    decision_document_number = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default="",
        help_text="When moving to placed (then needed): the number of the court decision or the guardianship "
                  "authority's act or contract the placement rests on.",
    )
    decision_date = serializers.DateField(validators=PAST_DATE, required=False, allow_null=True, default=None,
                                          help_text="When moving to placed (then needed): the date of that decision.")


class ApproveInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)


class SiblingSeparationInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class MatchFactorSerializer(serializers.Serializer):
    factor = serializers.CharField()
    points = serializers.FloatField()
    explanation = serializers.CharField()


class MatchSerializer(serializers.Serializer):
    """A ranked family: outside the user's visibility an anonymous profile (id, region, form of
    care, date of application; ``name`` null) until it is chosen for acquaintance on the case
    (matching.selectors.identified_family_ids, the same policy as the matching page)."""

    family = serializers.IntegerField(source="family.id")
    name = serializers.CharField(allow_null=True, help_text="the current applicants' names (Family.__str__: not one who "
                                                            "died or left); null for an anonymous profile")
    region = serializers.CharField(source="family.region.code")
    form_of_care = serializers.CharField(source="family.form_of_care")
    applied_on = serializers.DateField(source="family.applied_on")
    score = serializers.FloatField()
    factors = MatchFactorSerializer(many=True)


class AcquaintanceInputSerializer(serializers.Serializer):
    family = serializers.IntegerField(help_text="a family ranked for the case (GET .../matches/)")
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")


class AcquaintanceOutputSerializer(serializers.Serializer):
    case = serializers.IntegerField(source="case_id")
    family = serializers.IntegerField(source="family_id")
    name = serializers.CharField(source="family.__str__")
    chosen_by = serializers.IntegerField(source="chosen_by_id")
    chosen_at = serializers.DateTimeField()


class MatchPageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    results = MatchSerializer(many=True)


class PlacementOutputSerializer(ModelSerializer):
    class Meta:
        model = Placement
        fields = (
            "id", "case", "child", "family", "form_of_care", "carer_relationship", "converted_to_trusteeship_on",
            "started_on", "ended_on", "end_reason", "return_reason", "end_notes", "decision_document_number",
            "decision_date", "siblings_separated", "home_before",
        )
        read_only_fields = fields


class PlaceInputSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    started_on = serializers.DateField(validators=PAST_DATE, required=False, allow_null=True, default=None)
    # A placement rests on an authority's decision: its number and date are needed.
    decision_document_number = serializers.CharField(max_length=60)
    decision_date = serializers.DateField(validators=PAST_DATE)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)
    carer_relationship = serializers.ChoiceField(
        choices=CarerRelationship.choices, required=False, default=CarerRelationship.NONE,
        help_text="Whether the carer is a relative of the child, and which (default: not a relative).",
    )

    def __init__(self, *args, cases=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if cases is not None:
            self.fields["case"].queryset = cases  # only cases the user may see can be placed


class ConvertToTrusteeshipInputSerializer(serializers.Serializer):
    on = serializers.DateField(validators=PAST_DATE, required=False, allow_null=True, default=None,
                               help_text="The day of the conversion (default today); from the 14th birthday on.")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)


class MoveInputSerializer(serializers.Serializer):
    """A move of a placed child to another family inside the same case (cases.services.move_child)."""

    family = serializers.PrimaryKeyRelatedField(queryset=Family.objects.none())
    moved_on = serializers.DateField(validators=PAST_DATE)
    form_of_care = serializers.ChoiceField(choices=FormOfCare.choices, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")
    # The new placement rests on its own decision: its number and date are needed.
    decision_document_number = serializers.CharField(max_length=60)
    decision_date = serializers.DateField(validators=PAST_DATE)
    carer_relationship = serializers.ChoiceField(
        choices=CarerRelationship.choices, required=False, default=CarerRelationship.NONE,
        help_text="Whether the new carer is a relative of the child, and which (default: not a relative).",
    )

    def __init__(self, *args, families=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if families is not None:
            self.fields["family"].queryset = families  # only families the user may see


class ReentryInputSerializer(serializers.Serializer):
    """A child back in care after this closed case: a new case that follows it (cases.services.open_next_case)."""

    opened_on = serializers.DateField(validators=PAST_DATE, required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")


class EndPlacementInputSerializer(serializers.Serializer):
    ended_on = serializers.DateField(validators=PAST_DATE)
    end_reason = serializers.ChoiceField(choices=[c for c in EndReason.choices if c[0] != EndReason.MOVED])
    return_reason = serializers.ChoiceField(choices=ReturnReason.choices, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default="")
    home = serializers.PrimaryKeyRelatedField(queryset=ChildrensHome.objects.all(), required=False, allow_null=True,
                                              default=None)


class CaseNoteSerializer(ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = CaseNote
        fields = ("id", "case", "kind", "written_on", "text", "sensitive", "author", "created_at")
        read_only_fields = fields


class CaseNoteInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CaseNote.Kind.choices)
    written_on = serializers.DateField(validators=PAST_DATE)
    text = serializers.CharField(max_length=NOTES_MAX_LENGTH)
    sensitive = serializers.BooleanField(required=False, default=False)
