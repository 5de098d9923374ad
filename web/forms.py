"""Forms of the pages. They only parse what the user typed; the rules live in the services, whose
DomainError is put back on the form next to the field it names."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseOutcome, EndReason, ReturnReason, Stage
from children.models import ChildrensHome
from core.choices import FormOfCare
from core.exceptions import DomainError
from families.models import Family
from visits.models import CHECKLIST_ITEMS, Visit

BLANK = [("", "—")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Name or IIN"), "type": "search"}))
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=BLANK + list(Stage.choices))
    risk = forms.ChoiceField(label=_("Risk"), required=False,
                             choices=[("", "—"), ("low", _("low")), ("medium", _("medium")), ("high", _("high"))])
    overdue = forms.BooleanField(label=_("Overdue visits only"), required=False)
    order = forms.ChoiceField(label=_("Order"), required=False,
                              choices=[("recent", _("latest stage change first")), ("visit", _("overdue and next visits first"))])


class RecordVisitForm(forms.Form):
    done_on = forms.DateField(label=_("Date of the visit"), widget=DateInput())
    child_seen = forms.BooleanField(label=_("The child was seen in person"), required=False)
    seen_by = forms.CharField(label=_("Who saw the child"), required=False, max_length=200)
    child_condition = forms.ChoiceField(label=_("Child's condition"), choices=BLANK + list(Visit.Condition.choices), required=False)
    family_condition = forms.ChoiceField(label=_("Family's condition"), choices=BLANK + list(Visit.Condition.choices), required=False)
    concerns = forms.CharField(label=_("Concerns"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # One yes/no box per checklist item; the keys are the service's own.
        for key, question in CHECKLIST_ITEMS.items():
            self.fields[f"check_{key}"] = forms.BooleanField(label=question, required=False)
        self.fields["done_on"].initial = timezone.localdate()

    def checklist(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"check_{key}")) for key in CHECKLIST_ITEMS}

    def checklist_fields(self) -> list[forms.BoundField]:
        return [self[f"check_{key}"] for key in CHECKLIST_ITEMS]


class MoveStageForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to stage"))
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    form_of_care = forms.ChoiceField(label=_("Form of care sought"), required=False,
                                     choices=BLANK + [c for c in FormOfCare.choices if c[0] != FormOfCare.GUEST_FAMILY])
    family = forms.ModelChoiceField(label=_("Family number (for the decision)"), required=False,
                                    queryset=Family.objects.all(), widget=forms.NumberInput())
    outcome = forms.ChoiceField(label=_("Outcome (when closing)"), required=False,
                                choices=BLANK + [c for c in CaseOutcome.choices if c[0] != CaseOutcome.PERMANENCY])
    # Recorded on the placement when the case moves to "placed".
    started_on = forms.DateField(label=_("Placement starts on (when placing)"), required=False, widget=DateInput())
    decision_document_number = forms.CharField(label=_("Court decision or act number (when placing)"), required=False,
                                               max_length=60)
    decision_date = forms.DateField(label=_("Date of the decision (when placing)"), required=False, widget=DateInput())
    expected_version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args: object, allowed: list[str], user: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = BLANK + [(s, Stage(s).label) for s in Stage.values if s in allowed]
        # Only a family the user sees (their unit's, or chosen for acquaintance on the case): another
        # number answers "Select a valid choice" whether it exists or not.
        from access.selectors import families_visible_to

        self.fields["family"].queryset = families_visible_to(user) if user is not None else Family.objects.none()


class EndPlacementForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DateInput())
    end_reason = forms.ChoiceField(label=_("Why the placement ends"), choices=BLANK + list(EndReason.choices), required=False)
    return_reason = forms.ChoiceField(label=_("Reason for return"), choices=BLANK + list(ReturnReason.choices), required=False)
    home = forms.ModelChoiceField(label=_("Children's home the child returns to"), required=False,
                                  queryset=ChildrensHome.objects.none(),
                                  empty_label=_("the home before the placement"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, region_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home"].queryset = ChildrensHome.objects.filter(region_id=region_id).order_by("name")
        self.fields["ended_on"].initial = timezone.localdate()


class DecisionReviewForm(forms.Form):
    approve = forms.TypedChoiceField(choices=[("1", _("Approve")), ("0", _("Reject"))], coerce=lambda v: v == "1")
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    expected_version = forms.IntegerField(widget=forms.HiddenInput(), required=False)


def today() -> dt.date:
    return timezone.localdate()
