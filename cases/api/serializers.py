"""Input and output shapes of the cases and placements endpoints."""

from rest_framework import serializers

from cases.models import Case, CaseNote, CaseOutcome, EndReason, Placement, ReturnReason, Stage, StageChange
from children.models import ChildrensHome
from core.choices import FormOfCare
from families.models import Family


class ChildBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    last_name = serializers.CharField()
    first_name = serializers.CharField()
    birth_date = serializers.DateField()
    sex = serializers.CharField()


class StageChangeSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = StageChange
        fields = ("from_stage", "to_stage", "reason", "actor", "changed_at")
        read_only_fields = fields


class CaseOutputSerializer(serializers.ModelSerializer):
    child = ChildBriefSerializer(read_only=True)

    class Meta:
        model = Case
        fields = (
            "id", "child", "stage", "stage_entered_at", "form_of_care", "assigned_worker", "responsible_unit", "opened_on",
            "closed_on", "outcome", "decision_status", "decision_family", "decision_reviewed_by", "decision_reviewed_at",
            "decision_review_reason", "version",
        )
        read_only_fields = fields


class SiblingSeparationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    reason = serializers.CharField()
    decided_by = serializers.IntegerField(source="decided_by_id")
    decided_at = serializers.DateTimeField()


class CaseDetailSerializer(CaseOutputSerializer):
    history = StageChangeSerializer(source="stage_changes", many=True, read_only=True)
    sibling_separation_decisions = SiblingSeparationOutputSerializer(many=True, read_only=True)

    class Meta(CaseOutputSerializer.Meta):
        fields = (*CaseOutputSerializer.Meta.fields, "history", "sibling_separation_decisions")
        read_only_fields = fields


class TransitionInputSerializer(serializers.Serializer):
    to_stage = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)
    form_of_care = serializers.ChoiceField(choices=FormOfCare.choices, required=False, allow_null=True, default=None)
    family = serializers.PrimaryKeyRelatedField(queryset=Family.objects.all(), required=False, allow_null=True, default=None)
    outcome = serializers.ChoiceField(choices=CaseOutcome.choices, required=False, allow_null=True, default=None)
    closed_on = serializers.DateField(required=False, allow_null=True, default=None)


class ApproveInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)


class SiblingSeparationInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class MatchFactorSerializer(serializers.Serializer):
    factor = serializers.CharField()
    points = serializers.FloatField()
    explanation = serializers.CharField()


class MatchSerializer(serializers.Serializer):
    family = serializers.IntegerField(source="family.id")
    region = serializers.CharField(source="family.region.code")
    form_of_care = serializers.CharField(source="family.form_of_care")
    applied_on = serializers.DateField(source="family.applied_on")
    score = serializers.FloatField()
    factors = MatchFactorSerializer(many=True)


class MatchPageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    results = MatchSerializer(many=True)


class PlacementOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Placement
        fields = (
            "id", "case", "child", "family", "form_of_care", "started_on", "ended_on", "end_reason", "return_reason",
            "end_notes", "decision_document_number", "decision_date", "siblings_separated", "home_before",
        )
        read_only_fields = fields


class PlaceInputSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    started_on = serializers.DateField(required=False, allow_null=True, default=None)
    decision_document_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    decision_date = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)

    def __init__(self, *args, cases=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if cases is not None:
            self.fields["case"].queryset = cases  # only cases the user may see can be placed


class MoveInputSerializer(serializers.Serializer):
    """A move of a placed child to another family inside the same case (cases.services.move_child)."""

    family = serializers.PrimaryKeyRelatedField(queryset=Family.objects.none())
    moved_on = serializers.DateField()
    form_of_care = serializers.ChoiceField(choices=FormOfCare.choices, required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    decision_document_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    decision_date = serializers.DateField(required=False, allow_null=True, default=None)

    def __init__(self, *args, families=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if families is not None:
            self.fields["family"].queryset = families  # only families the user may see


class ReentryInputSerializer(serializers.Serializer):
    """A child back in care after this closed case: a new case that follows it (cases.services.open_next_case)."""

    opened_on = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class EndPlacementInputSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
    end_reason = serializers.ChoiceField(choices=[c for c in EndReason.choices if c[0] != EndReason.MOVED])
    return_reason = serializers.ChoiceField(choices=ReturnReason.choices, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    home = serializers.PrimaryKeyRelatedField(queryset=ChildrensHome.objects.all(), required=False, allow_null=True,
                                              default=None)


class CaseNoteSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = CaseNote
        fields = ("id", "case", "kind", "written_on", "text", "sensitive", "author", "created_at")
        read_only_fields = fields


class CaseNoteInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CaseNote.Kind.choices)
    written_on = serializers.DateField()
    text = serializers.CharField()
    sensitive = serializers.BooleanField(required=False, default=False)
