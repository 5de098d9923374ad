"""Input and output shapes of the children and children's homes endpoints."""

from rest_framework import serializers

from access.serializers import SensitiveFieldsMixin, VisibleRelatedFieldsMixin
from accounts.models import OrganisationalUnit, User
from children.models import Child, ChildrensHome, SiblingGroup
from core.dates import PAST_DATE
from core.serializers import ModelSerializer
from core.text import NOTES_MAX_LENGTH
from regions.models import Region


class HomeOutputSerializer(ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # In the request's language (the Russian name where that language's is not recorded), as regions are.
    name = serializers.CharField(read_only=True)

    class Meta:
        model = ChildrensHome
        fields = ("id", "name", "name_kk", "name_ru", "name_en", "home_type", "region", "capacity", "address")


class ChildOutputSerializer(SensitiveFieldsMixin, ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    current_home_name = serializers.CharField(source="current_home.name", read_only=True, default=None)
    adoption_permitted = serializers.BooleanField(read_only=True)

    class Meta:
        model = Child
        fields = (
            "id", "last_name", "first_name", "patronymic", "birth_date", "sex", "iin", "legal_status", "adoption_permitted",
            "region", "current_home", "current_home_name", "sibling_group", "entered_care_on", "health_needs",
            "health_notes", "birth_family_notes", "abuse_or_neglect_history", "abuse_history_notes", "sdq_total_difficulties",
            "created_at", "updated_at",
        )
        read_only_fields = fields
        # Child.SENSITIVE_FIELDS are dropped unless the user has view_sensitive on one of the child's cases.
        sensitive_via = "child"


class DuplicateWarningSerializer(serializers.Serializer):
    """A likely duplicate (registry.duplicates.warnings_for): named only when the user sees it."""

    kind = serializers.ChoiceField(choices=["child", "family"])
    id = serializers.IntegerField(allow_null=True, help_text="null when the record is outside your visibility")
    reason = serializers.ChoiceField(choices=["same_iin", "same_birth_date_similar_name"])
    similarity = serializers.FloatField(allow_null=True)
    unit = serializers.CharField(help_text="the unit the record belongs to: ask its supervisor")
    message = serializers.CharField()


class ChildInputSerializer(VisibleRelatedFieldsMixin, serializers.Serializer):
    # sibling_group and assigned_worker accept only what the user sees (VisibleRelatedFieldsMixin).
    last_name = serializers.CharField(max_length=100)
    first_name = serializers.CharField(max_length=100)
    patronymic = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField(validators=PAST_DATE)
    sex = serializers.ChoiceField(choices=Child._meta.get_field("sex").choices)
    iin = serializers.CharField(max_length=12, required=False, allow_blank=True, allow_null=True, default=None)
    legal_status = serializers.ChoiceField(choices=Child._meta.get_field("legal_status").choices)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    current_home = serializers.PrimaryKeyRelatedField(queryset=ChildrensHome.objects.all(), required=False, allow_null=True)
    sibling_group = serializers.PrimaryKeyRelatedField(queryset=SiblingGroup.objects.all(), required=False, allow_null=True)
    entered_care_on = serializers.DateField(validators=PAST_DATE)
    health_needs = serializers.ChoiceField(choices=Child._meta.get_field("health_needs").choices, required=False, default=0)
    health_notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default="")
    birth_family_notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default="")
    abuse_or_neglect_history = serializers.BooleanField(required=False, default=False)
    abuse_history_notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default="")
    sdq_total_difficulties = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=40, default=None)
    responsible_unit = serializers.PrimaryKeyRelatedField(queryset=OrganisationalUnit.objects.all(), required=False,
                                                          allow_null=True, default=None)
    assigned_worker = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True,
                                                         default=None)


class ChildCreatedSerializer(serializers.Serializer):
    child = ChildOutputSerializer()
    case_id = serializers.IntegerField()
    duplicate_warnings = DuplicateWarningSerializer(many=True)
