"""Issue 14: no date field takes year 9999 (or 2205 for 2025). Every date a user gives — API input
serializers, page forms, and the model fields the forms and the import are built from — has a bound
(core.dates): what already happened (a birth, a visit, a decision, a certificate issued, a note, a
consent) is not in the future and not before 1900; an expiry (a certificate, an approval, a document,
a share) is not more than DATE_MAX_YEARS_AHEAD years ahead. One parametrised test over every field,
and a census that fails when a new date field arrives without a bound."""

import datetime as dt
import importlib
import inspect

import pytest
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as DrfValidationError

from tests import factories

PAST, AHEAD = "past", "ahead"

# (module, class, field, kind). Serializers and forms: their declared fields; models: their fields.
FIELDS = [
    ("cases.api.serializers", "TransitionInputSerializer", "closed_on", PAST),
    ("cases.api.serializers", "TransitionInputSerializer", "started_on", PAST),
    ("cases.api.serializers", "TransitionInputSerializer", "decision_date", PAST),
    ("cases.api.serializers", "PlaceInputSerializer", "started_on", PAST),
    ("cases.api.serializers", "PlaceInputSerializer", "decision_date", PAST),
    ("cases.api.serializers", "ConvertToTrusteeshipInputSerializer", "on", PAST),
    ("cases.api.serializers", "MoveInputSerializer", "moved_on", PAST),
    ("cases.api.serializers", "MoveInputSerializer", "decision_date", PAST),
    ("cases.api.serializers", "ReentryInputSerializer", "opened_on", PAST),
    ("cases.api.serializers", "EndPlacementInputSerializer", "ended_on", PAST),
    ("cases.api.serializers", "CaseNoteInputSerializer", "written_on", PAST),
    ("risk.api", "FamilyEventInput", "occurred_on", PAST),
    ("risk.api", "FamilyChangeInput", "on", PAST),
    ("children.api.serializers", "ChildInputSerializer", "birth_date", PAST),
    ("children.api.serializers", "ChildInputSerializer", "entered_care_on", PAST),
    ("consents.api", "RecordConsentSerializer", "given_on", PAST),
    ("consents.api", "RevokeConsentSerializer", "revoked_on", PAST),
    ("documents.api.serializers", "DocumentUploadSerializer", "document_date", PAST),
    ("documents.api.serializers", "DocumentUploadSerializer", "expires_on", AHEAD),
    ("visits.api", "RecordVisitInput", "done_on", PAST),
    ("families.api.serializers", "ApplicantInputSerializer", "birth_date", PAST),
    ("families.api.serializers", "FamilyInputSerializer", "applied_on", PAST),
    ("families.api.serializers", "FamilyInputSerializer", "home_study_issued_on", PAST),
    ("families.api.serializers", "FamilyInputSerializer", "home_study_expires_on", AHEAD),
    ("families.api.serializers", "FamilyInputSerializer", "training_issued_on", PAST),
    ("families.api.serializers", "FamilyInputSerializer", "training_expires_on", AHEAD),
    ("families.api.serializers", "FamilyInputSerializer", "psychological_training_issued_on", PAST),
    ("families.api.serializers", "FamilyInputSerializer", "approved_on", PAST),
    ("families.api.serializers", "FamilyInputSerializer", "approval_expires_on", AHEAD),
    ("families.api.views", "CarerCheckInput", "checked_on", PAST),
    ("families.api.views", "HomeStudyInput", "issued_on", PAST),
    ("families.api.views", "HomeStudyInput", "expires_on", AHEAD),
    ("families.api.views", "FamilyApprovalInput", "expires_on", AHEAD),
    ("access.api", "ShareInput", "expires_at", AHEAD),
    ("visitkit.api", "VisitRecordInput", "done_on", PAST),
    ("web.forms", "RecordVisitForm", "done_on", PAST),
    ("web.forms", "MoveStageForm", "started_on", PAST),
    ("web.forms", "MoveStageForm", "decision_date", PAST),
    ("web.forms", "EndPlacementForm", "ended_on", PAST),
    ("web.forms", "ConvertToTrusteeshipForm", "on", PAST),
    ("web.forms", "MoveFamilyForm", "moved_on", PAST),
    ("web.forms", "MoveFamilyForm", "decision_date", PAST),
    ("web.forms", "ReentryForm", "opened_on", PAST),
    ("web.forms", "CaseNoteForm", "written_on", PAST),
    ("web.forms", "ConsentForm", "given_on", PAST),
    ("web.forms", "RevokeConsentForm", "revoked_on", PAST),
    ("web.forms", "ShareCaseForm", "expires_on", AHEAD),
    ("web.forms", "FamilyApprovalForm", "expires_on", AHEAD),
    ("web.forms", "FamilyChangeForm", "on", PAST),
    ("web.forms", "PassedCarerCheckForm", "on", PAST),
    ("web.views.statistics", "StatisticsForm", "as_of", PAST),
    # The model fields the child, family, applicant and document forms (and the import) are built from.
    ("children.models", "Child", "birth_date", PAST),
    ("children.models", "Child", "entered_care_on", PAST),
    ("families.models", "Applicant", "birth_date", PAST),
    ("families.models", "Applicant", "left_family_on", PAST),
    ("families.models", "Family", "applied_on", PAST),
    ("families.models", "Family", "home_study_issued_on", PAST),
    ("families.models", "Family", "home_study_expires_on", AHEAD),
    ("families.models", "Family", "training_issued_on", PAST),
    ("families.models", "Family", "training_expires_on", AHEAD),
    ("families.models", "Family", "psychological_training_issued_on", PAST),
    ("families.models", "Family", "approved_on", PAST),
    ("families.models", "Family", "approval_expires_on", AHEAD),
    ("families.models", "Family", "suspended_on", PAST),
    ("families.models", "Family", "carer_check_failed_on", PAST),
    ("families.models", "Family", "carer_checked_on", PAST),
    ("families.models", "Family", "carer_recheck_due_on", AHEAD),
    ("families.models", "ApprovalDecision", "approval_expires_on", AHEAD),
    ("documents.models", "Document", "document_date", PAST),
    ("documents.models", "Document", "expires_on", AHEAD),
]

# Where input fields are declared: input serializers (by name) and every form.
SERIALIZER_MODULES = ["cases.api.serializers", "risk.api", "children.api.serializers", "consents.api",
                      "documents.api.serializers", "visits.api", "families.api.serializers", "families.api.views", "access.api",
                      "visitkit.api"]
FORM_MODULES = ["web.forms", "web.views.statistics", "web.views.accounts"]
MODEL_CLASSES = [("children.models", "Child"), ("families.models", "Applicant"), ("families.models", "Family"),
                 ("families.models", "ApprovalDecision"), ("documents.models", "Document")]
SYSTEM_WRITTEN = {("families.models", "ApprovalDecision", "decided_at"), ("families.models", "Family", "approval_requested_at"),
                  ("documents.models", "Document", "uploaded_at"),
                  # stamped by the visit kit's device when it saved the record, not typed
                  ("visitkit.api", "VisitRecordInput", "made_at")}


def _field(module: str, cls_name: str, name: str) -> object:
    cls = getattr(importlib.import_module(module), cls_name)
    if issubclass(cls, models.Model):
        return cls._meta.get_field(name)
    if issubclass(cls, forms.BaseForm):
        return cls.base_fields[name]
    return cls._declared_fields[name]


def _refuses(field: object, day: dt.date) -> bool:
    """Whether the field refuses this day, given as a user types it."""
    text = day.isoformat()
    try:
        if isinstance(field, models.Field):
            field.clean(text, None)
        elif isinstance(field, forms.Field):
            field.clean(text)
        else:
            field.run_validation(f"{text}T12:00:00+05:00" if isinstance(field, serializers.DateTimeField) else text)
    except (DjangoValidationError, DrfValidationError):
        return True
    return False


@pytest.mark.parametrize(("module", "cls_name", "name", "kind"), FIELDS,
                         ids=[f"{c}.{n}" for _m, c, n, _k in FIELDS])
def test_every_date_field_refuses_an_implausible_date(module, cls_name, name, kind, settings):
    field = _field(module, cls_name, name)
    today = timezone.localdate()
    far = today.replace(year=today.year + settings.DATE_MAX_YEARS_AHEAD + 1)
    refused = [dt.date(9999, 12, 31), dt.date(1899, 12, 31), far]
    accepted = [today, dt.date(2000, 2, 29)]
    if kind == PAST:
        refused.append(today + dt.timedelta(days=1))
    else:
        accepted.append(today.replace(year=today.year + 1, day=28))
    assert [d for d in refused if not _refuses(field, d)] == []
    assert [d for d in accepted if _refuses(field, d)] == []


def test_every_date_input_has_a_bound():
    """The census: a new date field in an input serializer, a form or one of these models must
    join FIELDS (and get a bound) for this test to pass."""
    listed = {(m, c, n) for m, c, n, _k in FIELDS}
    found = set()
    for module_name in SERIALIZER_MODULES + FORM_MODULES:
        module = importlib.import_module(module_name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module_name:
                continue
            if issubclass(cls, serializers.BaseSerializer) and any(w in cls_name for w in ("Input", "Upload", "Record", "Revoke")):
                declared = cls._declared_fields
            elif issubclass(cls, forms.BaseForm):
                declared = cls.base_fields
            else:
                continue
            found |= {(module_name, cls_name, n) for n, f in declared.items()
                      if isinstance(f, (serializers.DateField, serializers.DateTimeField, forms.DateField, forms.DateTimeField))}
    for module_name, cls_name in MODEL_CLASSES:
        model = getattr(importlib.import_module(module_name), cls_name)
        found |= {(module_name, cls_name, f.name) for f in model._meta.get_fields()
                  if isinstance(f, models.DateField) and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)}
    # Inherited forms (UnscheduledVisitForm from RecordVisitForm) share their parent's field.
    found = {(m, c, n) for m, c, n in found if not (c == "UnscheduledVisitForm" and n == "done_on")}
    assert found - SYSTEM_WRITTEN - listed == set()


def test_the_api_and_a_page_answer_a_year_9999_beside_the_field(client, api_client, worker):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    api_client.force_authenticate(worker)
    response = api_client.post(f"/api/v1/cases/{case.pk}/notes/", {"kind": "phone_call", "written_on": "9999-12-31", "text": "x"})
    assert response.status_code == 400
    assert "is not a plausible date" in str(response.json()["written_on"])
    client.force_login(worker)
    response = client.post(reverse("web:case-note", args=[case.pk]),
                           {"note-kind": "phone_call", "note-written_on": "9999-12-31", "note-text": "x"})
    assert response.status_code == 400
    assert "31.12.9999 is not a plausible date: give one between 01.01.1900 and 31.12.2100." in response.content.decode()
    assert not case.notes.exists()
