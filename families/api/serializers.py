"""Input and output shapes of the families endpoint."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import OrganisationalUnit
from children.api.serializers import DuplicateWarningSerializer
from core.dates import AHEAD_DATE, PAST_DATE
from core.serializers import ModelSerializer
from families.models import Applicant, ApprovalDecision, Family
from families.reasons import suspension_text
from families.services import approval_request_refusal_on
from regions.models import Region


class ApplicantOutputSerializer(ModelSerializer):
    class Meta:
        model = Applicant
        fields = ("id", "position", "last_name", "first_name", "patronymic", "birth_date", "sex", "iin",
                  "left_family_reason", "left_family_on")
        read_only_fields = fields


class ApprovalDecisionOutputSerializer(ModelSerializer):
    """A supervisor's approval or refusal of a family (families.models.ApprovalDecision)."""

    decided_by = serializers.IntegerField(source="decided_by_id", read_only=True,
                                          help_text="The supervisor who decided (a user id).")

    class Meta:
        model = ApprovalDecision
        fields = ("id", "approved", "reason", "decided_by", "decided_at", "approval_expires_on")
        read_only_fields = fields


class FamilyOutputSerializer(ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    applicants = ApplicantOutputSerializer(many=True, read_only=True)
    name = serializers.SerializerMethodField(
        help_text="The family's name as the pages give it: its current applicants' names (an applicant who died or left, "
                  "left_family_reason set, stays in applicants but not in the name); \"Family <id>\" when none is left.")
    suspension_reason = serializers.SerializerMethodField(
        help_text="Why the approval is suspended, in the language of the request (written from suspension_kind, "
                  "suspension_code and suspended_on; a reason of the kind \"other\" as written); \"\" for none.")

    class Meta:
        model = Family
        fields = (
            "id", "name", "applicants", "region", "responsible_unit", "address", "form_of_care", "applied_on",
            "preferred_age_min", "preferred_age_max", "preferred_sex", "max_siblings", "max_health_needs",
            "home_study_issued_on", "home_study_expires_on", "training_certificate_number", "training_issued_on",
            "training_expires_on", "psychological_training_certificate_number", "psychological_training_issued_on",
            "approval_status", "approval_status_label", "approved_on", "approval_expires_on", "approval_requested_at",
            "approval_request_refusal",
            "last_approval_decision", "suspended_on", "suspension_reason",
            "suspension_kind", "suspension_code", "suspension_applicant",
            "carer_check_failure", "carer_check_failed_on", "carer_check_failed_applicant",
            "carer_check_failed_applicant_name", "carer_checked_on", "carer_recheck_due_on",
            "created_at", "updated_at",
        )
        read_only_fields = fields

    approval_status_label = serializers.CharField(
        read_only=True,
        help_text="The approval status as the pages name it, in the language of the request (Family.approval_status_label): "
                  "the label of approval_status (\"applied\", \"under assessment\", \"approved\", \"suspended\", "
                  "\"rejected\", \"withdrawn\"), or \"awaiting approval\" while a request for approval waits for a "
                  "supervisor's decision (approval_requested_at set; approval_status stays \"under_assessment\").")
    approval_requested_at = serializers.DateTimeField(
        read_only=True, allow_null=True,
        help_text="When the approval was asked for, while the request waits for a supervisor's decision (POST "
                  "approve/ or refuse/); null when no request waits (none made, decided, or withdrawn by a suspension).")
    approval_request_refusal = serializers.SerializerMethodField(
        help_text="Why the family cannot be sent for approval today (POST approval-request/ would answer 400 with "
                  "this message), in the language of the request; \"\" when it can.")
    last_approval_decision = serializers.SerializerMethodField(
        help_text="The last supervisor's decision on the family's approval (a refusal with its reason); null for none.")

    def get_name(self, family: Family) -> str:
        return str(family)

    def get_suspension_reason(self, family: Family) -> str:
        return suspension_text(family)

    def get_approval_request_refusal(self, family: Family) -> str:
        return approval_request_refusal_on(family, timezone.localdate())

    @extend_schema_field(ApprovalDecisionOutputSerializer(allow_null=True))
    def get_last_approval_decision(self, family: Family) -> dict | None:
        # Prefetched for a page by families.selectors.family_api_list; a family read otherwise asks once.
        decisions = getattr(family, "last_approval_decisions", None)
        if decisions is None:
            decisions = list(family.approval_decisions.order_by("-decided_at", "-id")[:1])
        return ApprovalDecisionOutputSerializer(decisions[0]).data if decisions else None


class ApplicantInputSerializer(serializers.Serializer):
    last_name = serializers.CharField(max_length=100)
    first_name = serializers.CharField(max_length=100)
    patronymic = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField(validators=PAST_DATE)
    sex = serializers.ChoiceField(choices=Applicant._meta.get_field("sex").choices)
    iin = serializers.CharField(max_length=12)


class FamilyInputSerializer(serializers.Serializer):
    applicants = ApplicantInputSerializer(many=True, min_length=1, max_length=2)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    responsible_unit = serializers.PrimaryKeyRelatedField(queryset=OrganisationalUnit.objects.all(), required=False,
                                                          allow_null=True, default=None)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    form_of_care = serializers.ChoiceField(choices=Family._meta.get_field("form_of_care").choices)
    applied_on = serializers.DateField(validators=PAST_DATE)
    preferred_age_min = serializers.IntegerField(min_value=0, max_value=17, required=False, default=0)
    preferred_age_max = serializers.IntegerField(min_value=0, max_value=17, required=False, default=17)
    preferred_sex = serializers.ChoiceField(choices=Family.PreferredSex.choices, required=False, allow_blank=True, default="")
    max_siblings = serializers.IntegerField(min_value=1, required=False, default=1)
    max_health_needs = serializers.ChoiceField(choices=Family._meta.get_field("max_health_needs").choices, required=False,
                                               default=1)
    home_study_issued_on = serializers.DateField(validators=PAST_DATE, required=False, allow_null=True, default=None)
    home_study_expires_on = serializers.DateField(validators=AHEAD_DATE, required=False, allow_null=True, default=None)
    training_certificate_number = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    training_issued_on = serializers.DateField(validators=PAST_DATE, required=False, allow_null=True, default=None)
    training_expires_on = serializers.DateField(validators=AHEAD_DATE, required=False, allow_null=True, default=None)
    psychological_training_certificate_number = serializers.CharField(max_length=50, required=False, allow_blank=True,
                                                                      default="")
    psychological_training_issued_on = serializers.DateField(validators=PAST_DATE, required=False, allow_null=True, default=None)
    approval_status = serializers.ChoiceField(choices=Family._meta.get_field("approval_status").choices, required=False,
                                              default="applied")
    approved_on = serializers.DateField(validators=PAST_DATE, required=False, allow_null=True, default=None)
    approval_expires_on = serializers.DateField(validators=AHEAD_DATE, required=False, allow_null=True, default=None)


class FamilyCreatedSerializer(serializers.Serializer):
    family = FamilyOutputSerializer()
    duplicate_warnings = DuplicateWarningSerializer(many=True)
