"""Forms of the pages. They only parse what the user typed; the rules live in the services, whose
DomainError is put back on the form next to the field it names."""

import datetime as dt
from collections.abc import Callable, Iterator

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationalUnit, User
from cases.models import (
    DECISION_DATE_MISSING,
    DECISION_NUMBER_MISSING,
    CaseOutcome,
    EndReason,
    ReturnReason,
    Stage,
    decision_date_error,
)
from cases.services import decision_errors, placement_end_errors
from children.models import Child, ChildrensHome
from core.choices import CarerRelationship, FormOfCare
from core.dates import AHEAD_DATE, PAST_DATE
from core.exceptions import DomainError
from core.iin import validate_iin, validate_iin_matches
from core.names import alphabetical
from core.text import NOTES_MAX_LENGTH, REASON_MAX_LENGTH
from families.models import ApplicantLeaving, CarerCheckFailure, Family
from regions.models import Region
from visits.models import CHECKLIST_ITEMS, Visit
from web.templatetags.web_tags import person

# The empty choice of every select, as the pages write "none" ("—"), not Django's "---------".
PLACEHOLDER = "—"
BLANK = [("", PLACEHOLDER)]


def model_fields(model: type, fields: tuple | list) -> dict[str, forms.Field]:
    """forms.fields_for_model with the pages' placeholder as the empty choice of its selects (a
    model field's choices and a foreign key's queryset), in place of Django's "---------"."""
    result = forms.fields_for_model(model, fields=fields)
    for field in result.values():
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label == "---------":
                field.empty_label = PLACEHOLDER
        elif isinstance(field, forms.ChoiceField):
            field.choices = [(value, PLACEHOLDER if value == "" and label == "---------" else label)
                             for value, label in field.choices]
    return result


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class LongSelect(forms.Select):
    """A <select> of many options (a region's children's homes, up to ~300 at national scale),
    written in Python: Django's Select renders one template per option, which took 36 ms for 312
    homes, most of the register/edit-child form's and a good part of the case page's time (bench/
    bench_record_pages.py). Same markup as forms.Select for flat choices; grouped choices fall back
    to it. With ``label_field``, the choices of a ModelChoiceField are read as (id, that column)
    rows instead of model instances (6 ms for 311 homes, 0.7 ms so): for a model whose label (its
    __str__) is that column."""

    def __init__(self, attrs: dict | None = None, choices: object = (), label_field: str | None = None) -> None:
        super().__init__(attrs, choices)
        self.label_field = label_field

    def _choice_rows(self) -> list[tuple]:
        if self.label_field and isinstance(self.choices, forms.models.ModelChoiceIterator):
            field = self.choices.field
            empty = [] if field.empty_label is None else [("", field.empty_label)]
            return empty + list(self.choices.queryset.values_list("pk", self.label_field))
        return list(iter(self.choices))  # iter(): list() would ask a ModelChoiceIterator's len(), a COUNT query

    def render(self, name: str, value: object, attrs: dict | None = None, renderer: object = None) -> str:
        choices = self._choice_rows()
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        values = set(self.format_value(value))
        options, selected_one = [], False
        for option_value, label in choices:
            option = "" if option_value is None else str(option_value)
            # As ChoiceWidget.optgroups: only the first matching option is selected.
            selected = not selected_one and option in values
            selected_one = selected_one or selected
            mark = " selected" if selected else ""
            options.append(f'<option value="{conditional_escape(option)}"{mark}>{conditional_escape(label)}</option>')
        return format_html('<select name="{}"{}>\n{}\n</select>', name, flatatt(self.build_attrs(self.attrs, attrs)),
                           mark_safe("\n".join(options)))


def long_select(field: forms.Field, label_field: str | None = None) -> None:
    """Swap a choice field's widget for LongSelect, keeping its attributes and choices; for a
    ModelChoiceField whose labels are the column ``label_field`` (LongSelect), read as rows."""
    widget = LongSelect(attrs=field.widget.attrs, label_field=label_field)
    widget.is_required, widget.choices = field.widget.is_required, field.widget.choices
    field.widget = widget


class AlphabeticalChoiceIterator(forms.models.ModelChoiceIterator):
    """A ModelChoiceField's choices in the reader's alphabet by their labels (core.names.alphabetical),
    the empty choice first. Sorted as they are rendered, so in the language active then."""

    def __iter__(self) -> Iterator[tuple]:
        choices = super().__iter__()
        if self.field.empty_label is not None:
            yield next(choices)
        yield from sorted(choices, key=lambda choice: alphabetical(str(choice[1])))


def regions_in_readers_alphabet(field: forms.ModelChoiceField) -> None:
    """Offer every region, by its name in the reader's language (the model orders them by their
    English names). Call it before long_select, which copies the widget's choices."""
    field.queryset = Region.objects.all()
    field.iterator = AlphabeticalChoiceIterator
    field.widget.choices = field.choices


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusals, each next to the field it names, or above the form."""
    for name, message in error.errors.items():
        form.add_error(name if name in form.fields else None, str(message))


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Name or IIN"), "type": "search"}))
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=BLANK + list(Stage.choices))
    risk = forms.ChoiceField(label=_("Risk"), required=False,
                             choices=[*BLANK, ("low", _("low")), ("medium", _("medium")), ("high", _("high"))])
    overdue = forms.BooleanField(label=_("Overdue visits only"), required=False)
    order = forms.ChoiceField(label=_("Order"), required=False,
                              choices=[("recent", _("latest stage change first")), ("visit", _("overdue and next visits first"))])
    # A supervisor's filters: one worker's caseload, open cases, cases whose worker left.
    worker = forms.ModelChoiceField(label=_("Social worker"), required=False, queryset=User.objects.none(), empty_label=PLACEHOLDER)
    open_only = forms.BooleanField(label=_("Open cases only"), required=False)
    needs_worker = forms.BooleanField(label=_("Needs a new worker"), required=False)

    def __init__(self, *args: object, workers: QuerySet[User] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if workers is None:
            for name in ("worker", "needs_worker"):
                del self.fields[name]
        else:
            self.fields["worker"].queryset = workers
            self.fields["worker"].label_from_instance = person


class RecordVisitForm(forms.Form):
    done_on = forms.DateField(validators=PAST_DATE, label=_("Date of the visit"), widget=DateInput())
    # An explicit yes or no, with no default: an unticked box read as "not seen" and set the risk of
    # return to high for a worker who had only forgotten to tick it.
    child_seen = forms.TypedChoiceField(
        label=_("Was the child seen in person?"), choices=[("true", _("Yes")), ("false", _("No"))],
        coerce=lambda value: value == "true", widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the child was seen in person.")},
    )
    seen_by = forms.CharField(label=_("Who saw the child"), required=False, max_length=200)
    child_condition = forms.ChoiceField(label=_("Child's condition"), choices=BLANK + list(Visit.Condition.choices), required=False)
    family_condition = forms.ChoiceField(label=_("Family's condition"), choices=BLANK + list(Visit.Condition.choices), required=False)
    concerns = forms.CharField(max_length=NOTES_MAX_LENGTH, label=_("Concerns"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # One yes/no box per checklist item; the keys are the service's own.
        for key, question in CHECKLIST_ITEMS.items():
            self.fields[f"check_{key}"] = forms.BooleanField(label=question, required=False)
        self.fields["done_on"].initial = timezone.localdate()

    def clean(self) -> dict:
        """The findings' mistakes (visits.services.visit_findings_errors) on the same submit as the date's."""
        from visits.services import visit_findings_errors

        data = super().clean()
        found = visit_findings_errors(child_seen=bool(data.get("child_seen")), seen_by=data.get("seen_by") or "",
                                      child_condition=data.get("child_condition") or "",
                                      family_condition=data.get("family_condition") or "", concerns=data.get("concerns") or "")
        if self.has_error("child_seen"):
            # Who saw the child, or why not, depends on the answer still missing: only the answer is asked.
            found = {name: message for name, message in found.items() if name not in ("seen_by", "concerns")}
        for name, message in found.items():
            if not self.has_error(name):
                self.add_error(name, message)
        return data

    def checklist(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"check_{key}")) for key in CHECKLIST_ITEMS}

    def checklist_fields(self) -> list[forms.BoundField]:
        return [self[f"check_{key}"] for key in CHECKLIST_ITEMS]


class MoveStageForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to stage"))
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    form_of_care = forms.ChoiceField(label=_("Form of care sought"), required=False,
                                     choices=BLANK + [c for c in FormOfCare.choices if c[0] != FormOfCare.GUEST_FAMILY])
    family = forms.ModelChoiceField(label=_("Family number (for the decision)"), required=False,
                                    queryset=Family.objects.all(), widget=forms.NumberInput())
    outcome = forms.ChoiceField(label=_("Outcome (when closing)"), required=False,
                                choices=BLANK + [c for c in CaseOutcome.choices if c[0] != CaseOutcome.PERMANENCY])
    # Recorded on the placement when the case moves to "placed".
    started_on = forms.DateField(validators=PAST_DATE, label=_("Placement starts on (when placing)"), required=False, widget=DateInput())
    decision_document_number = forms.CharField(label=_("Court decision or act number (when placing)"), required=False,
                                               max_length=60)
    decision_date = forms.DateField(validators=PAST_DATE, label=_("Date of the decision (when placing)"), required=False,
                                    widget=DateInput())
    # Kinship is not a form of care: whether the carer is a relative is recorded on the placement.
    carer_relationship = forms.ChoiceField(label=_("Carer's relationship to the child (when placing)"), required=False,
                                           choices=BLANK + list(CarerRelationship.choices))
    expected_version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args: object, allowed: list[str], user: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = BLANK + [(s, Stage(s).label) for s in Stage.values if s in allowed]
        # Only a family the user sees (their unit's, or chosen for acquaintance on the case): another
        # number answers "Select a valid choice" whether it exists or not.
        from access.selectors import families_visible_to

        self.fields["family"].queryset = families_visible_to(user) if user is not None else Family.objects.none()

    def clean(self) -> dict:
        data = super().clean()
        if data.get("to_stage") == Stage.PLACED:
            # Every missing answer at once, each beside its field (a placement rests on a decision).
            if not data.get("carer_relationship") and not self.has_error("carer_relationship"):
                self.add_error("carer_relationship", _("Say whether the carer is a relative of the child, and which."))
            # The decision is dated no later than the placement's first day (today when not given).
            starts_on = None if self.has_error("started_on") else data.get("started_on") or timezone.localdate()
            found = decision_errors(data.get("decision_document_number", ""), data.get("decision_date"), starts_on)
            for name, message in found.items():
                if not self.has_error(name):
                    self.add_error(name, message)
        return data


class EndPlacementForm(forms.Form):
    ended_on = forms.DateField(validators=PAST_DATE, label=_("Ended on"), widget=DateInput())
    # A move to another family is its own action (cases.services.move_child), not an end.
    end_reason = forms.ChoiceField(label=_("Why the placement ends"), required=False,
                                   choices=BLANK + [c for c in EndReason.choices if c[0] != EndReason.MOVED])
    return_reason = forms.ChoiceField(label=_("Reason for return"), choices=BLANK + list(ReturnReason.choices), required=False)
    home = forms.ModelChoiceField(label=_("Children's home the child returns to"), required=False,
                                  queryset=ChildrensHome.objects.none(),
                                  empty_label=_("the home before the placement"))
    notes = forms.CharField(max_length=NOTES_MAX_LENGTH, label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, region_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home"].queryset = ChildrensHome.objects.filter(region_id=region_id).order_by(
            ChildrensHome.name_in_language(), "id")
        long_select(self.fields["home"], label_field=ChildrensHome.name_in_language())  # ChildrensHome.__str__
        self.fields["ended_on"].initial = timezone.localdate()

    def clean(self) -> dict:
        """Why the placement ends (cases.services.placement_end_errors) on the same submit as the date's mistake."""
        data = super().clean()
        found = placement_end_errors(end_reason=data.get("end_reason") or "", return_reason=data.get("return_reason") or "")
        for name, message in found.items():
            if not self.has_error(name):
                self.add_error(name, message)
        return data


class ConvertToTrusteeshipForm(forms.Form):
    on = forms.DateField(validators=PAST_DATE, label=_("Converted on"), widget=DateInput())
    expected_version = forms.IntegerField(widget=forms.HiddenInput(), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class MoveFamilyForm(forms.Form):
    """A move of the placed child to another family inside the same case (cases.services.move_child)."""

    family = forms.ModelChoiceField(label=_("Number of the new family"), queryset=Family.objects.none(),
                                    widget=forms.NumberInput())
    moved_on = forms.DateField(validators=PAST_DATE, label=_("Moved on"), widget=DateInput())
    form_of_care = forms.ChoiceField(label=_("Form of care in the new family (if it changes)"), required=False,
                                     choices=BLANK + [c for c in FormOfCare.choices if c[0] != FormOfCare.GUEST_FAMILY])
    # The new placement rests on its own decision (cases.services.decision_errors).
    decision_document_number = forms.CharField(label=_("Court decision or act number"), max_length=60,
                                               error_messages={"required": DECISION_NUMBER_MISSING})
    decision_date = forms.DateField(validators=PAST_DATE, label=_("Date of the decision"), widget=DateInput(),
                                    error_messages={"required": DECISION_DATE_MISSING})
    carer_relationship = forms.ChoiceField(label=_("Carer's relationship to the child"),
                                           choices=BLANK + list(CarerRelationship.choices))
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, families: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["family"].queryset = families  # only families the user may see
        self.fields["moved_on"].initial = timezone.localdate()

    def clean(self) -> dict:
        """The new decision is dated no later than the move (cases.services.decision_errors), on the
        same submit as the other mistakes."""
        data = super().clean()
        if not self.has_error("decision_date") and not self.has_error("moved_on"):
            wrong = decision_date_error(data.get("decision_date"), data.get("moved_on"))
            if wrong:
                self.add_error("decision_date", wrong)
        return data


class ReentryForm(forms.Form):
    """The child is back in care after a closed case: a new case that follows it."""

    opened_on = forms.DateField(validators=PAST_DATE, label=_("Back in care on"), widget=DateInput())
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opened_on"].initial = timezone.localdate()


class DecisionReviewForm(forms.Form):
    errors_above = ("approve",)  # chosen with the submit buttons: no field to stand beside

    approve = forms.TypedChoiceField(choices=[("1", _("Approve")), ("0", _("Reject"))], coerce=lambda v: v == "1")
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    expected_version = forms.IntegerField(widget=forms.HiddenInput(), required=False)


def today() -> dt.date:
    return timezone.localdate()


def add_validation_error(form: forms.Form, error: ValidationError) -> None:
    """A model's full_clean() refusal, each message beside its field (or above the form)."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def add_model_errors(form: forms.Form, model: type, data: dict) -> None:
    """Ask the model's own checks (its fields' validators and its clean(): a birth before the entry
    into care, an IIN that disagrees with the birth date) of what the form parsed, as a ModelForm
    does: a form whose fields come from fields_for_model has none of the model's validators, so
    without this they showed only on a second submit, after the form's own mistakes were mended.
    Each message beside its field, a field that already has one left as it is; not the database's
    constraints nor uniqueness (the services ask those)."""
    names = {f.name for f in model._meta.concrete_fields}
    values = {name: value for name, value in data.items() if name in names and not form.has_error(name)}
    instance = model(**values)
    try:
        instance.full_clean(exclude=[name for name in names if name not in values], validate_unique=False,
                            validate_constraints=False)
    except ValidationError as exc:
        found = exc.message_dict if hasattr(exc, "error_dict") else {}
        for name, messages in found.items():
            if name in form.fields and not form.has_error(name):
                form.add_error(name, messages[0])


def clean_iin(iin: str | None) -> str | None:
    """An IIN typed on a form, its form and check digit checked (core.iin.validate_iin) beside the
    field on the same submit as the form's other mistakes (the model's validators are not the form's)."""
    if iin:
        validate_iin(iin)
    return iin


# ---- children ------------------------------------------------------------------------------------

CHILD_FORM_FIELDS = (
    "last_name", "first_name", "patronymic", "birth_date", "sex", "iin", "legal_status", "region", "current_home",
    "entered_care_on", "health_needs", "sdq_total_difficulties",
    "health_notes", "birth_family_notes", "abuse_or_neglect_history", "abuse_history_notes",
)


class ChildForm(forms.Form):
    """A child's record as the registration and edit pages show it. The sensitive fields are left
    out for a user who may not see them. The IIN is checked as typed (htmx, web:iin-check) and again
    here against the birth date and sex, each disagreement beside its own field."""

    def __init__(self, *args: object, sensitive: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        names = [f for f in CHILD_FORM_FIELDS if sensitive or f not in Child.SENSITIVE_FIELDS]
        self.fields.update(model_fields(Child, names))
        for name in ("birth_date", "entered_care_on"):
            self.fields[name].widget = DateInput()
        regions_in_readers_alphabet(self.fields["region"])
        self.fields["iin"].widget.attrs.update({"inputmode": "numeric", "maxlength": 12, "autocomplete": "off"})
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3
        # The children's home picker: the homes of the chosen region, by name (htmx reloads them
        # when the region changes: web:home-options).
        region = self.data.get(self.add_prefix("region")) or self.initial.get("region")
        region_id = getattr(region, "pk", region)
        self.fields["current_home"].queryset = (
            ChildrensHome.objects.filter(region_id=region_id).order_by(ChildrensHome.name_in_language(), "id")
            if str(region_id or "").isdigit()
            else ChildrensHome.objects.none()
        )
        self.fields["current_home"].empty_label = _("— not in a children's home —")
        long_select(self.fields["current_home"], label_field=ChildrensHome.name_in_language())  # ChildrensHome.__str__
        long_select(self.fields["region"])

    def clean_iin(self) -> str:
        return clean_iin(self.cleaned_data.get("iin"))

    def clean(self) -> dict:
        data = super().clean()
        iin = data.get("iin")
        if iin and not self.has_error("iin"):
            for name, message in validate_iin_matches(iin, birth_date=data.get("birth_date"), sex=data.get("sex")).items():
                if not self.has_error(name):
                    self.add_error(name, message)
        add_model_errors(self, Child, data)
        return data


class ChildRegisterForm(ChildForm):
    """Registration adds the answer to the duplicate warning: confirm that the child is new, and why."""

    confirm_new = forms.BooleanField(label=_("This is a different child: register a new record"), required=False)
    duplicate_reason = forms.CharField(label=_("Why this is not the same child"), required=False, max_length=100)

    def clean(self) -> dict:
        from children.services import registration_age_errors

        data = super().clean()
        if data.get("confirm_new") and not (data.get("duplicate_reason") or "").strip():
            self.add_error("duplicate_reason", _("Say why this is a different child."))
        # Under 18 today (the service's rule), on the same submit as the record's other mistakes.
        if not self.has_error("birth_date"):
            for name, message in registration_age_errors(Child(birth_date=data.get("birth_date")), today()).items():
                self.add_error(name, message)
        return data


class ChildEditForm(ChildForm):
    reason = forms.CharField(label=_("Why the record changes"), required=False, max_length=100,
                             help_text=_("Kept in the history with your name and the time."))


class AddSiblingForm(forms.Form):
    sibling = forms.CharField(label=_("Child number or IIN of the brother or sister"), max_length=12)


# ---- families ------------------------------------------------------------------------------------

FAMILY_FORM_FIELDS = (
    "region", "address", "form_of_care", "applied_on", "preferred_age_min", "preferred_age_max",
    "preferred_sex", "max_siblings", "max_health_needs", "home_study_issued_on", "home_study_expires_on",
    "training_certificate_number", "training_issued_on", "training_expires_on",
    "psychological_training_certificate_number", "psychological_training_issued_on",
)
APPLICANT_FORM_FIELDS = ("last_name", "first_name", "patronymic", "birth_date", "sex", "iin")


class FamilyForm(forms.Form):
    """A family's own record (preferences and certificates); its applicants are ApplicantForms."""

    reason = forms.CharField(label=_("Why the record changes"), required=False, max_length=100)

    def __init__(self, *args: object, editing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        fields = model_fields(Family, FAMILY_FORM_FIELDS)
        self.fields = {**fields, **({"reason": self.fields["reason"]} if editing else {})}
        for name in ("applied_on", "home_study_issued_on", "home_study_expires_on", "training_issued_on", "training_expires_on",
                     "psychological_training_issued_on"):
            self.fields[name].widget = DateInput()
        regions_in_readers_alphabet(self.fields["region"])
        long_select(self.fields["region"])
        self.fields["applied_on"].initial = timezone.localdate()
        self.editing = editing

    def clean(self) -> dict:
        """The family's rules between fields and its expired certificates, each beside its field, asked
        here so that they show on the same submit as the applicants' mistakes (families.services)."""
        from families.services import CERTIFICATE_EXPIRIES, family_field_errors

        data = super().clean()
        # Editing, only an expiry the user changed is checked (the record may keep an old one, as the service does).
        expiries = tuple(n for n in CERTIFICATE_EXPIRIES if not self.editing or n in self.changed_data)
        for name, messages in family_field_errors(data, on=timezone.localdate(), expiries=expiries).items():
            if name in self.fields and not self.has_error(name):
                self.add_error(name, messages[0])
        add_model_errors(self, Family, data)
        return data


class ApplicantForm(forms.Form):
    """One applicant; the second one of a couple is optional (``optional``: blank means none)."""

    def __init__(self, *args: object, optional: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        from families.models import Applicant

        self.optional = optional
        self.fields.update(model_fields(Applicant, APPLICANT_FORM_FIELDS))
        self.fields["birth_date"].widget = DateInput()
        self.fields["iin"].widget.attrs.update({"inputmode": "numeric", "maxlength": 12, "autocomplete": "off"})
        if optional:
            for field in self.fields.values():
                field.required = False

    def is_blank(self) -> bool:
        return self.optional and not any((self.data.get(self.add_prefix(n)) or "").strip() for n in APPLICANT_FORM_FIELDS)

    def full_clean(self) -> None:
        if self.is_bound and self.is_blank():
            self._errors, self.cleaned_data = forms.utils.ErrorDict(), {}
            return
        if self.optional and self.is_bound:
            for name in ("last_name", "first_name", "birth_date", "sex", "iin"):
                self.fields[name].required = True
        super().full_clean()

    def clean_iin(self) -> str:
        return clean_iin(self.cleaned_data.get("iin"))

    def clean(self) -> dict:
        from families.models import Applicant

        data = super().clean()
        iin = data.get("iin")
        if iin and not self.has_error("iin"):
            for name, message in validate_iin_matches(iin, birth_date=data.get("birth_date"), sex=data.get("sex")).items():
                if not self.has_error(name):
                    self.add_error(name, message)
        add_model_errors(self, Applicant, data)
        return data


def applicant_forms(data: object = None, initial: list[dict] | None = None, count: int = 2) -> list[ApplicantForm]:
    """The forms of a family's applicants: ``count`` places (two; fewer on the record of a family an
    applicant left: families.services.update_family), the second optional."""
    initial = initial or []
    return [ApplicantForm(data, prefix=f"a{i}", optional=i == 2, initial=initial[i - 1] if len(initial) >= i else None)
            for i in range(1, count + 1)]


def add_family_error(family_form: forms.Form, people: list[ApplicantForm], field: str | None, message: object) -> None:
    """Put a families.services refusal beside its field: ``applicants.<i>.<name>`` on applicant i+1."""
    if field and field.startswith("applicants."):
        parts = field.split(".")
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(people) and parts[2] in people[int(parts[1])].fields:
            people[int(parts[1])].add_error(parts[2], message)
            return
        family_form.add_error(None, message)
        return
    family_form.add_error(field if field in family_form.fields else None, message)


# ---- documents -----------------------------------------------------------------------------------


class DocumentForm(forms.Form):
    """A document for a child's, family's or case's file. The file's size and type are checked by
    documents.services (by its content, as for the API); the refusal shows beside the file field."""

    prefix = "doc"  # several forms share the case page: ids stay unique

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        from documents.models import Document

        self.fields.update(model_fields(Document, ("doc_type", "title", "number", "document_date", "expires_on")))
        self.fields["document_date"].widget = DateInput()
        self.fields["expires_on"].widget = DateInput()
        self.fields["document_date"].initial = timezone.localdate()
        self.fields["file"] = forms.FileField(label=_("File (PDF, PNG, JPEG or DOCX)"), allow_empty_file=True)

    def clean(self) -> dict:
        """The dates' and the file's mistakes (documents.services: document_date_errors, check_file) on the
        same submit as the others'."""
        from documents.services import check_file, document_date_errors

        data = super().clean()
        errors = document_date_errors(data.get("document_date"), data.get("expires_on"))
        if data.get("file") is not None:
            try:
                check_file(data["file"])
            except DomainError as exc:
                errors.update(exc.errors)
        for name, message in errors.items():
            if name in self.fields and not self.has_error(name):
                self.add_error(name, message)
        return data


# ---- case notes ----------------------------------------------------------------------------------


class CaseNoteForm(forms.Form):
    prefix = "note"  # several forms share the case page: ids stay unique
    kind = forms.ChoiceField(label=_("Kind"))
    written_on = forms.DateField(validators=PAST_DATE, label=_("Date"), widget=DateInput())
    text = forms.CharField(max_length=NOTES_MAX_LENGTH, label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    sensitive = forms.BooleanField(label=_("Sensitive: only for those who may see the case's sensitive fields"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        from cases.models import CaseNote

        self.fields["kind"].choices = BLANK + list(CaseNote.Kind.choices)
        self.fields["written_on"].initial = timezone.localdate()


# ---- consents, shares, emergency access ----------------------------------------------------------


class ConsentForm(forms.Form):
    prefix = "consent"  # several forms share the case page: ids stay unique
    kind = forms.ChoiceField(label=_("Kind"))
    given_by = forms.CharField(label=_("Given by (name)"), max_length=200)
    given_on = forms.DateField(validators=PAST_DATE, label=_("Given on"), widget=DateInput())
    agrees = forms.TypedChoiceField(label=_("Answer"), choices=[("1", _("agrees")), ("0", _("refuses"))],
                                    coerce=lambda v: v == "1", initial="1")
    scope = forms.CharField(max_length=REASON_MAX_LENGTH, label=_("Scope"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    region = forms.ModelChoiceField(label=_("Region covered (consent to share data only)"), required=False,
                                    queryset=Region.objects.all(), empty_label=_("any region"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        from consents.models import ConsentKind

        self.fields["kind"].choices = BLANK + list(ConsentKind.choices)
        self.fields["given_on"].initial = timezone.localdate()
        regions_in_readers_alphabet(self.fields["region"])


class RevokeConsentForm(forms.Form):
    prefix = "revoke"  # several forms share the case page: ids stay unique
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, label=_("Why the consent is revoked"), widget=forms.Textarea(attrs={"rows": 2}))
    revoked_on = forms.DateField(validators=PAST_DATE, label=_("Revoked on"), widget=DateInput(), required=False)


class ShareCaseForm(forms.Form):
    prefix = "share"  # several forms share the case page: ids stay unique
    user = forms.ModelChoiceField(label=_("Colleague"), queryset=None, empty_label=PLACEHOLDER)
    expires_on = forms.DateField(validators=AHEAD_DATE, label=_("Until (inclusive; empty: until revoked)"), required=False,
                                 widget=DateInput())
    include_sensitive = forms.BooleanField(label=_("Include the sensitive fields"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args: object, colleagues: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = colleagues
        self.fields["user"].label_from_instance = lambda u: f"{person(u)} · {u.get_role_display()}"

    def clean_expires_on(self) -> dt.date | None:
        value = self.cleaned_data.get("expires_on")
        if value is not None and value < timezone.localdate():
            raise ValidationError(_("The expiry must be today or later."))
        return value


class EmergencyAccessForm(forms.Form):
    # Below 1 or beyond a bigint no case can have the number: said as such (emergency.services's
    # answer to a number no case has), not as a limit the reader has no use for.
    case = forms.IntegerField(label=_("Case number"), min_value=1, max_value=2**63 - 1,
                              error_messages={"min_value": _("There is no case with this number."),
                                              "max_value": _("There is no case with this number.")})
    reason = forms.CharField(label=_("The emergency (at least 10 characters; your supervisors are told)"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}))


class UnscheduledVisitForm(RecordVisitForm):
    """A visit outside the schedule: urgent or extra; the rest as for a planned visit."""

    kind = forms.ChoiceField(label=_("Kind of visit"), choices=[("urgent", _("urgent visit (unscheduled)")),
                                                                  ("unscheduled", _("extra visit (unscheduled)"))])

# ---- a supervisor's work: caseloads, reassignment, transfer, family approval -------------------


def offer_workers(field: forms.ModelChoiceField, workers: list[User], label: Callable[[User], str]) -> None:
    """Give a worker field its options from ``workers`` already read (the unit's workers, in the
    queryset's order; with a ModelMultipleChoiceField, the active ones as its queryset has them),
    labelled by ``label``: the same options its queryset would give, without reading it again (the
    case list's three worker fields read the region's workers three times). Validation still reads
    the field's queryset."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        workers = [worker for worker in workers if worker.is_active]
    empty = [] if field.empty_label is None else [("", field.empty_label)]
    field.choices = empty + [(worker.pk, label(worker)) for worker in workers]


def worker_label(user: User) -> str:
    """A worker as a supervisor picks them: the name and the district (a region has several)."""
    return f"{person(user)} ({user.unit.name})" if user.unit_id else person(user)


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
    all_of_worker = WorkerChoiceField(label=_("Every open case of"), required=False, queryset=User.objects.none(), empty_label=PLACEHOLDER)
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
        if not data.get("case") and not data.get("all_of_worker") and not self.has_error("all_of_worker"):
            # Beside the form's own field of the two (the ticks are the list's rows, below the form).
            self.add_error("all_of_worker", _("Tick the cases to reassign, or choose a worker whose every case moves."))
        return data


class ReassignCaseForm(forms.Form):
    worker = WorkerChoiceField(label=_("New social worker"), queryset=User.objects.none(), empty_label=PLACEHOLDER)

    def __init__(self, *args: object, workers: QuerySet[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers.filter(is_active=True)


class TransferCaseForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Receiving unit"), queryset=OrganisationalUnit.objects.none(),
                                  empty_label=PLACEHOLDER)
    override_reason = forms.CharField(max_length=REASON_MAX_LENGTH,
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
    errors_above = ("approve",)  # chosen with the submit buttons: no field to stand beside

    approve = forms.TypedChoiceField(choices=[("1", _("Approve")), ("0", _("Refuse"))], coerce=lambda v: v == "1")
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    expires_on = forms.DateField(validators=AHEAD_DATE, label=_("Approval expires on"), required=False, widget=DateInput())


class PassedCarerCheckForm(forms.Form):
    """A carers' check that passed (families.services.record_carer_check): it clears a failed check
    recorded before it."""

    on = forms.DateField(validators=PAST_DATE, label=_("Date of the check that passed"), widget=DateInput())

    def __init__(self, *args: object, **kwargs: object) -> None:
        # Its own ids beside the change form's on the family's page (id_passed_on, not the change's id_on).
        kwargs.setdefault("auto_id", "id_passed_%s")
        super().__init__(*args, **kwargs)
        self.fields["on"].widget.attrs["max"] = timezone.localdate().isoformat()


CARER_CHECK_FAILED = "carer_check"


class FamilyChangeForm(forms.Form):
    """A change in the family (risk.services.record_family_change): an applicant's death, divorce or
    departure, naming one of the family's current applicants, or a failed carer check with its reason
    and the applicant it concerns (may be left out when the family has one).
    ``service_kind`` is the service's ``kind``: the leaving's, or the failure's."""

    kind = forms.ChoiceField(label=_("What changed"),
                             choices=[
                                 *BLANK,
                                 (ApplicantLeaving.DEATH, _("An applicant died")),
                                 (ApplicantLeaving.DIVORCE, _("Divorce or separation: an applicant left")),
                                 (ApplicantLeaving.DEPARTURE, _("An applicant moved out of the family")),
                                 (CARER_CHECK_FAILED, _("The carer check failed")),
                             ])
    applicant = forms.TypedChoiceField(label=_("Applicant concerned"), required=False, coerce=int, empty_value=None,
                                       help_text=_("The applicant who left, or the one the failed carer check concerns."))
    failure = forms.ChoiceField(label=_("Why the carer check failed"), required=False,
                                choices=BLANK + list(CarerCheckFailure.choices),
                                help_text=_("For a failed carer check."))
    on = forms.DateField(validators=PAST_DATE, label=_("Date of the change"), widget=DateInput())

    def __init__(self, *args: object, applicants: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Only this family's applicants still in it: another number is "Select a valid choice".
        self.current = {a.pk: a for a in applicants if not a.left_family_reason}
        self.fields["applicant"].choices = BLANK + [(a.pk, f"{a.last_name} {a.first_name} {a.patronymic}".strip())
                                                    for a in self.current.values()]
        self.fields["on"].initial = timezone.localdate()

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if kind in ApplicantLeaving.values and not data.get("applicant"):
            self.add_error("applicant", _("Name the applicant of this family who left."))
        if kind == CARER_CHECK_FAILED and not data.get("failure"):
            self.add_error("failure", _("Say why the carer check failed."))
        # A conviction, a registration or a prosecution is one person's (DOMAIN.md): whose, when the family
        # is a couple (one applicant: that one, chosen_applicant).
        if kind == CARER_CHECK_FAILED and not data.get("applicant") and len(self.current) != 1:
            self.add_error("applicant", _("Name the applicant of this family the carer check failed for."))
        return data

    @property
    def service_kind(self) -> str:
        kind = self.cleaned_data["kind"]
        return self.cleaned_data["failure"] if kind == CARER_CHECK_FAILED else kind

    @property
    def chosen_applicant(self) -> object:
        """The applicant who left, or whom the failed check concerns (left out: the only one still in the family)."""
        chosen = self.current.get(self.cleaned_data["applicant"])
        if chosen is None and self.cleaned_data["kind"] == CARER_CHECK_FAILED and len(self.current) == 1:
            return next(iter(self.current.values()))
        return chosen
