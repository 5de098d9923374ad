"""Forms of the pages. They only parse what the user typed; the rules live in the services, whose
DomainError is put back on the form next to the field it names."""

import datetime as dt

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationalUnit, User
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
    # A supervisor's filters: one worker's caseload, open cases, cases whose worker left.
    worker = forms.ModelChoiceField(label=_("Social worker"), required=False, queryset=User.objects.none(), empty_label="—")
    open_only = forms.BooleanField(label=_("Open cases only"), required=False)
    needs_worker = forms.BooleanField(label=_("Needs a new worker"), required=False)

    def __init__(self, *args: object, workers: QuerySet[User] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if workers is None:
            for name in ("worker", "needs_worker"):
                del self.fields[name]
        else:
            self.fields["worker"].queryset = workers
            self.fields["worker"].label_from_instance = lambda u: u.get_full_name() or u.username


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

    def __init__(self, *args: object, allowed: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = BLANK + [(s, Stage(s).label) for s in Stage.values if s in allowed]


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


# ---- a supervisor's work: caseloads, reassignment, transfer, family approval -------------------


def worker_label(user: User) -> str:
    """A worker as a supervisor picks them: the name and the district (a region has several)."""
    return f"{user.get_full_name() or user.username} ({user.unit.name})" if user.unit_id else user.get_full_name()


class WorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return worker_label(obj)


class WorkersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return worker_label(obj)


class CaseIdsField(forms.Field):
    """Case numbers ticked on a list. Which of them the user may act on is the service's check
    (access.services), not a choice list of every case."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: object) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            return [int(v) for v in values]
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(_("Case numbers are whole numbers.")) from exc


class ReassignCasesForm(forms.Form):
    """The cases ticked on the list (or every open case of one worker) and who takes them."""

    case = CaseIdsField(label=_("Cases"), required=False)
    all_of_worker = WorkerChoiceField(label=_("Every open case of"), required=False, queryset=User.objects.none(), empty_label="—")
    workers = WorkersChoiceField(
        label=_("Hand the cases to"), queryset=User.objects.none(), widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("Several colleagues take the cases in turn (round-robin), each within the case's own unit."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=100)

    def __init__(self, *args: object, workers: QuerySet[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workers"].queryset = workers.filter(is_active=True)
        self.fields["all_of_worker"].queryset = workers

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("case") and not data.get("all_of_worker"):
            raise forms.ValidationError(_("Tick the cases to reassign, or choose a worker whose every case moves."))
        return data


class ReassignCaseForm(forms.Form):
    worker = WorkerChoiceField(label=_("New social worker"), queryset=User.objects.none())

    def __init__(self, *args: object, workers: QuerySet[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers.filter(is_active=True)


class TransferCaseForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Receiving unit"), queryset=OrganisationalUnit.objects.none())
    override_reason = forms.CharField(
        label=_("Reason to transfer without the consent to share data"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when the child's data may not be shared with the receiving unit; it is recorded."),
    )

    def __init__(self, *args: object, exclude_unit: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            OrganisationalUnit.objects.exclude(kind=OrganisationalUnit.Kind.MINISTRY).exclude(pk=exclude_unit)
            .select_related("parent").order_by("region__name_en", "kind", "name_en", "id")
        )


class FamilyApprovalForm(forms.Form):
    approve = forms.TypedChoiceField(choices=[("1", _("Approve")), ("0", _("Refuse"))], coerce=lambda v: v == "1")
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    expires_on = forms.DateField(label=_("Approval expires on"), required=False, widget=DateInput())
