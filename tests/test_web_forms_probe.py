"""A probe of every page that takes a POST (web/urls.py): malformed input, by each role, never gets a
5xx or a half-written record, and a record the user may not see is never revealed.

For each address that accepts POST, as a social worker, a supervisor, an analyst and a worker of
another district, the probe posts an empty body and a body of junk, and (as the role whose work the
form is) a valid body with one field at a time made wrong: empty, 10,000 characters, a date that
does not exist or is out of range, a word for a number, a negative or huge number, the id of a record
of another unit and an id that does not exist. It asserts:

- no answer is 5xx;
- when the answer is a refusal (400, 403, 404, 405, an error message on a redirect, a page shown
  again), no row of any table changed (audit logs and sessions aside): every table's rows are
  hashed before and after each request;
- a refused field of a form says so beside that field (the form's error, written in the page);
- an address naming a record the user may not see answers 403 or 404, the same as an address of a
  record that does not exist; a form field naming one answers as for an id that does not exist;
- no answer names a child or an applicant the user may not see (their surnames are markers).

The records are built once for the module; every request runs in a savepoint rolled back after it,
so each one meets the same records. The GET pages are probed with bad query strings too."""

import copy
import dataclasses
import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.contrib import messages as django_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MISSING = 2_000_000_000  # an id no record has (within PostgreSQL's integer)
HUGE = "99999999999999999999"
LONG = "x" * 10_000

# Tables whose rows a refused request may write: what was read (audit), who is signed in, sign-in
# attempts, and the statistics' facts, derived from the records and brought up to date when read.
UNWATCHED_PREFIXES = ("audit_", "django_session", "axes_", "django_admin_log", "stats_")

# The surnames that mark each realm's people: a user outside the realm must never read them.
MARKERS = {"A": ("Ownchildova", "Ownfamova", "Workerova", "Colleagueova"),
           "B": ("Secretbekov", "Secretfamova", "Workerbekov", "Colleaguebekov"),
           "C": ("Farawayev", "Farfamova", "Workerayev", "Colleagueayev")}


# ---- the records ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Realm:
    """The records of one unit, as seen by its worker: a case at matching (with a consent), a placed
    case (with a planned visit), a closed case, a case waiting for the decision's approval, families
    (approved, and one waiting for approval), a child's sibling and a notification."""

    worker: Any
    colleague: Any
    case: Any
    consent: Any
    placed: Any
    placement: Any
    visit: Any
    closed: Any
    decision: Any
    family: Any
    other_family: Any
    waiting_family: Any
    applicant: Any
    sibling: Any
    notification: Any
    home: Any


def build_realm(district, tag: str) -> Realm:
    from cases.models import Stage
    from cases.services import transition_case
    from families.services import request_approval
    from notifications.models import Notification

    child_name, family_name, worker_name, colleague_name = MARKERS[tag]
    region = district.region
    worker = factories.UserFactory(role="social_worker", unit=district, last_name=worker_name)
    home = factories.ChildrensHomeFactory(region=region)

    def case(stage, **child):
        return factories.CaseFactory(assigned_worker=worker, responsible_unit=district, stage=stage,
                                     child__last_name=child_name, child__region=region, child__current_home=home, **child)

    def family(form_of_care="adoption", **kwargs):
        made = factories.FamilyFactory(region=region, responsible_unit=district, form_of_care=form_of_care, **kwargs)
        factories.ApplicantFactory(family=made, last_name=family_name)
        return made

    matching = case(Stage.MATCHING, form_of_care="adoption")
    consent = factories.ConsentFactory(case=matching, recorded_by=worker)
    fam = family()
    other = family("trusteeship")
    # A guardianship of a child of 15: it may become a trusteeship, end, or move to another family.
    placed = case(Stage.PLACED, form_of_care="guardianship", child__birth_date=dt.date(2011, 3, 4))
    placement = factories.PlacementFactory(case=placed, family=family("guardianship"))
    visit = factories.VisitFactory(placement=placement, planned_on=TODAY - dt.timedelta(days=3))
    closed = case(Stage.CLOSED, outcome="reunified", closed_on=TODAY - dt.timedelta(days=20))
    acquainted = case(Stage.ACQUAINTANCE, form_of_care="adoption")
    decision = transition_case(case=acquainted, to_stage=Stage.DECISION, actor=worker, family=fam)
    waiting = family(approval_status="under_assessment", approved_on=None, approval_expires_on=None)
    request_approval(family=waiting, actor=worker)
    sibling = factories.CaseFactory(assigned_worker=worker, responsible_unit=district, child__last_name=child_name,
                                    child__region=region, child__birth_date=dt.date(2014, 1, 9)).child
    note = Notification.objects.create(recipient=worker, kind="visit_due", subject_key=f"visit:{visit.pk}",
                                       due_on=TODAY, title=f"Visit of {child_name}")
    colleague = factories.UserFactory(role="social_worker", unit=district, last_name=colleague_name)
    return Realm(worker=worker, colleague=colleague, case=matching, consent=consent, placed=placed, placement=placement, visit=visit,
                 closed=closed, decision=decision, family=fam, other_family=other, waiting_family=waiting,
                 applicant=fam.applicants.get(), sibling=sibling, notification=note, home=home)


@dataclasses.dataclass
class World:
    A: Realm  # the worker's own district
    B: Realm  # another district of the same region: its worker is the "outsider"; the supervisor sees it
    C: Realm  # a district of another region: nobody of the region above sees it
    supervisor: Any
    analyst: Any
    administrator: Any
    units: dict

    def user(self, role: str):
        return {"worker": self.A.worker, "outsider": self.B.worker, "supervisor": self.supervisor,
                "analyst": self.analyst, "administrator": self.administrator}[role]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from accounts.models import OrganisationalUnit

    with django_db_blocker.unblock(), transaction.atomic():
        almaty = factories.region_by_code("almaty")
        district_a = factories.DistrictFactory(region=almaty)
        district_b = factories.DistrictFactory(region=almaty)
        district_c = factories.DistrictFactory(region=factories.region_by_code("astana"))
        built = World(
            A=build_realm(district_a, "A"), B=build_realm(district_b, "B"), C=build_realm(district_c, "C"),
            supervisor=factories.UserFactory(role="supervisor", unit=district_a.parent, last_name="Supervisorova"),
            analyst=factories.UserFactory(role="analyst", unit=OrganisationalUnit.objects.get(code="ministry")),
            administrator=factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry")),
            units={"A": district_a, "B": district_b, "C": district_c},
        )
        yield built
        transaction.set_rollback(True)


# ---- one request, and what it did ----------------------------------------------------------------


def watched_tables() -> list[str]:
    return sorted(t for t in connection.introspection.table_names(include_views=False)
                  if not t.startswith(UNWATCHED_PREFIXES))


def tables_written() -> dict[str, int]:
    """How many rows this transaction has inserted, updated or deleted in each table so far (PostgreSQL's
    own counters: a request that changed a table's counter may have changed its rows)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables")
        return dict(cursor.fetchall())


def table_hashes(tables: list[str]) -> dict[str, str]:
    """Each table's rows, hashed in one statement: any row written, changed or deleted changes its table's hash."""
    columns = ", ".join(
        f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {connection.ops.quote_name(name)} t)"
        for name in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


@dataclasses.dataclass
class Outcome:
    status: int
    refused: bool  # nothing should have been written
    changed: list[str]  # the tables whose rows changed
    text: str
    forms: list[forms.BaseForm]
    error: str = ""  # the exception a view raised (a 500)
    location: str = ""


def forms_in(context: Any) -> list[forms.BaseForm]:
    """Every bound form of a template context (lists of forms and dicts holding forms included)."""
    found: list[forms.BaseForm] = []

    def walk(value: Any, depth: int) -> None:
        if isinstance(value, forms.BaseForm):
            if value.is_bound and value not in found:
                found.append(value)
        elif depth < 3 and isinstance(value, list | tuple):
            for item in value:
                walk(item, depth + 1)
        elif depth < 3 and isinstance(value, dict):
            for item in value.values():
                walk(item, depth + 1)

    if context is not None:
        for layer in (context if isinstance(context, list) else [context]):
            walk(layer.flatten() if hasattr(layer, "flatten") else dict(layer), 0)
    return found


class Prober:
    """Posts as one client, each request in a savepoint rolled back after it."""

    def __init__(self, tables: list[str], baseline: dict[str, str]) -> None:
        self.tables, self.baseline = tables, baseline
        self.clients: dict[str, Client] = {}

    def client(self, world: World, role: str) -> Client:
        if role not in self.clients:
            client = Client(raise_request_exception=True)
            if role != "anonymous":
                client.force_login(world.user(role))
            self.clients[role] = client
        return self.clients[role]

    def send(self, client: Client, method: str, url: str, data: Any = None, **kwargs: Any) -> Outcome:
        cookies = copy.deepcopy(client.cookies)  # a sign-in or sign-out answered is rolled back with its rows
        try:
            return self._send(client, method, url, data, **kwargs)
        finally:
            client.cookies = cookies

    def _send(self, client: Client, method: str, url: str, data: Any = None, **kwargs: Any) -> Outcome:
        counted = tables_written()
        with transaction.atomic():
            try:
                response = getattr(client, method)(url, data, **kwargs) if data is not None else getattr(client, method)(url, **kwargs)
            except Exception as exc:  # a 500: reported with its cause, the probe goes on
                transaction.set_rollback(True)
                return Outcome(500, True, [], "", [], error=f"{type(exc).__name__}: {str(exc)[:300]}")
            # Only the tables the request wrote to are hashed again (a write may be undone by a savepoint of its own).
            touched = [t for t, n in tables_written().items() if n != counted.get(t, 0) and t in self.baseline]
            after = table_hashes(touched) if touched else {}
            transaction.set_rollback(True)
        changed = [t for t in touched if after[t] != self.baseline[t]]
        queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
        complained = any(m.level >= django_messages.ERROR for m in queued)
        refused = response.status_code != 302 or complained or "/accounts/login/" in response.get("Location", "")
        text = response.content.decode(errors="replace") if not response.streaming else ""
        text += " ".join(str(m.message) for m in queued)
        return Outcome(response.status_code, refused, changed, text, forms_in(response.context),
                       location=response.get("Location", ""))


@pytest.fixture(scope="module")
def tables(world, django_db_blocker):
    with django_db_blocker.unblock():
        return watched_tables()


@pytest.fixture(scope="module")
def prober(world, tables, django_db_blocker):
    """One client per role, signed in once for the module (their sessions are rows of the module's
    transaction), and the hashes of every table before any probe."""
    made = Prober(tables, {})
    with django_db_blocker.unblock():
        for role in (*ROLES, "administrator", "anonymous"):
            made.client(world, role)  # signed in first: signing in writes the user's last_login
        made.baseline = table_hashes(tables)
    return made


# ---- the addresses that take a POST, their forms and their records -------------------------------

Args = Callable[[World, str], list]


@dataclasses.dataclass
class Endpoint:
    """An address that takes a POST: ``args(world, realm)`` its URL's arguments for the records of a
    realm ("A", "B", "C") or None for ids that do not exist; ``actor`` the role whose work it is;
    ``valid(world)`` a body the actor may post with success on realm A; ``fields``: each posted
    field's kind (what wrong values it is probed with)."""

    name: str
    args: Args | None = None
    actor: str = "worker"
    valid: Callable[[World], dict] | None = None
    fields: dict[str, str] = dataclasses.field(default_factory=dict)
    multipart: bool = False
    writes: bool = True  # whether the valid body writes a row (a password reset only sends a letter)

    def url(self, world: World, realm: str | None) -> str:
        return reverse(f"web:{self.name}", args=self.args(world, realm) if self.args else [])


def realm_or_missing(attribute: str) -> Args:
    def args(world: World, realm: str | None) -> list:
        return [MISSING if realm is None else getattr(getattr(world, realm), attribute).pk]
    return args


def nested(outer: str, inner: str) -> Args:
    def args(world: World, realm: str | None) -> list:
        if realm is None:
            return [MISSING, MISSING]
        r = getattr(world, realm)
        return [getattr(r, outer).pk, getattr(r, inner).pk]
    return args


def mixed(outer: str, inner: str) -> Args:
    """The worker's own outer record with the inner record of realm B (a consent, a visit, a placement of another case)."""
    def args(world: World, realm: str | None) -> list:
        return [getattr(world.A, outer).pk, MISSING if realm is None else getattr(getattr(world, realm), inner).pk]
    return args


def iso(day: dt.date) -> str:
    return day.isoformat()


def move_stage_valid(world: World) -> dict:
    return {"to_stage": "available", "reason": "the family withdrew", "expected_version": world.A.case.version}


def child_valid(world: World) -> dict:
    from tests.test_web_children import form_data

    return form_data(world.A.case.child.region, home=world.A.home, last_name="Newchildov")


def child_edit_valid(world: World) -> dict:
    child = world.A.case.child
    return {"last_name": child.last_name, "first_name": "Renamed", "patronymic": "", "birth_date": iso(child.birth_date),
            "sex": child.sex, "iin": child.iin, "legal_status": child.legal_status, "region": child.region_id,
            "current_home": child.current_home_id, "entered_care_on": iso(child.entered_care_on), "health_needs": 0,
            "sdq_total_difficulties": "", "health_notes": "", "birth_family_notes": "", "abuse_history_notes": "",
            "reason": "a typo"}


def family_valid(world: World) -> dict:
    from tests.test_web_families import form_data

    return form_data(world.A.family.region, couple=False, **{"a1-last_name": "Newfamov"})


def family_edit_valid(world: World) -> dict:
    from web.forms import APPLICANT_FORM_FIELDS, FAMILY_FORM_FIELDS

    family = world.A.family
    data = {}
    for name in FAMILY_FORM_FIELDS:
        value = getattr(family, f"{name}_id" if name == "region" else name)
        data[name] = iso(value) if isinstance(value, dt.date) else ("" if value is None else value)
    applicant = family.applicants.get()
    for name in APPLICANT_FORM_FIELDS:
        value = getattr(applicant, name)
        data[f"a1-{name}"] = iso(value) if isinstance(value, dt.date) else (value or "")
    data["address"] = "Almaty, Abai 2"
    data["reason"] = "moved"
    return data


DATE, INT, TEXT, CHOICE = "date", "int", "text", "choice"

ENDPOINTS = [
    Endpoint("case-move", realm_or_missing("case"), valid=move_stage_valid, fields={
        "to_stage": CHOICE, "reason": TEXT, "form_of_care": CHOICE, "family": "id:family", "outcome": CHOICE,
        "started_on": DATE, "decision_document_number": TEXT, "decision_date": DATE, "carer_relationship": CHOICE,
        "expected_version": INT}),
    Endpoint("case-note", realm_or_missing("case"), valid=lambda w: {
        "note-kind": "contact", "note-written_on": iso(TODAY), "note-text": "seen at school"}, fields={
        "note-kind": CHOICE, "note-written_on": DATE, "note-text": TEXT, "note-sensitive": "bool"}),
    Endpoint("consent-record", realm_or_missing("case"), valid=lambda w: {
        "consent-kind": "child_view", "consent-given_by": "Arman", "consent-given_on": iso(TODAY), "consent-agrees": "1",
        "consent-scope": ""}, fields={
        "consent-kind": CHOICE, "consent-given_by": TEXT, "consent-given_on": DATE, "consent-agrees": CHOICE,
        "consent-scope": TEXT, "consent-region": "id:region"}),
    Endpoint("consent-revoke", nested("case", "consent"), valid=lambda w: {"revoke-reason": "withdrawn"}, fields={
        "revoke-reason": TEXT, "revoke-revoked_on": DATE}),
    Endpoint("consent-revoke", mixed("case", "consent")),
    Endpoint("case-share", realm_or_missing("case"), actor="supervisor", valid=lambda w: {
        "share-user": w.B.worker.pk, "share-expires_on": iso(TODAY + dt.timedelta(days=10)), "share-reason": "cover"}, fields={
        "share-user": "id:user", "share-expires_on": DATE, "share-include_sensitive": "bool", "share-reason": TEXT}),
    Endpoint("case-share-revoke", nested("case", "worker"), actor="supervisor"),
    Endpoint("emergency-access", actor="worker", valid=lambda w: {"case": w.B.case.pk, "reason": "the child is missing tonight"},
             fields={"case": INT, "reason": TEXT}),
    # Any family ranked for the case may be chosen, another unit's too (an anonymous profile until chosen):
    # its id is no secret here (matching.services.choose_for_acquaintance).
    Endpoint("case-acquaintance", realm_or_missing("case"), valid=lambda w: {"family": w.A.family.pk},
             fields={"family": "id:candidate"}),
    Endpoint("visit-record", nested("placed", "visit"), valid=lambda w: {
        "done_on": iso(TODAY), "child_seen": "true", "seen_by": "the worker", "child_condition": "good",
        "family_condition": "good"}, fields={
        "done_on": DATE, "child_seen": CHOICE, "seen_by": TEXT, "child_condition": CHOICE, "family_condition": CHOICE,
        "concerns": TEXT}),
    Endpoint("visit-record", mixed("placed", "visit")),
    Endpoint("visit-unscheduled", nested("placed", "placement"), valid=lambda w: {
        "kind": "urgent", "done_on": iso(TODAY), "child_seen": "true", "seen_by": "the worker", "child_condition": "good",
        "family_condition": "good"}, fields={"kind": CHOICE, "done_on": DATE, "child_seen": CHOICE, "concerns": TEXT}),
    Endpoint("visit-unscheduled", mixed("placed", "placement")),
    Endpoint("placement-end", nested("placed", "placement"), valid=lambda w: {
        "ended_on": iso(TODAY), "end_reason": "reunified"}, fields={
        "ended_on": DATE, "end_reason": CHOICE, "return_reason": CHOICE, "home": "id:home", "notes": TEXT}),
    Endpoint("placement-end", mixed("placed", "placement")),
    Endpoint("placement-convert", nested("placed", "placement"), valid=lambda w: {"on": iso(TODAY)}, fields={
        "on": DATE, "expected_version": INT}),
    Endpoint("placement-move", nested("placed", "placement"), valid=lambda w: {
        "family": w.A.other_family.pk, "moved_on": iso(TODAY), "decision_document_number": "П-1",
        "decision_date": iso(TODAY - dt.timedelta(days=1)), "carer_relationship": "none", "reason": "the carers asked",
        "form_of_care": "trusteeship"},
        fields={"family": "id:family", "moved_on": DATE, "form_of_care": CHOICE, "decision_document_number": TEXT,
                "decision_date": DATE, "carer_relationship": CHOICE, "reason": TEXT}),
    Endpoint("case-reentry", realm_or_missing("closed"), valid=lambda w: {"opened_on": iso(TODAY), "reason": "returned"},
             fields={"opened_on": DATE, "reason": TEXT}),
    Endpoint("child-new", valid=child_valid, fields={
        "last_name": TEXT, "birth_date": DATE, "sex": CHOICE, "iin": TEXT, "legal_status": CHOICE,
        "region": "id:region", "current_home": "id:home", "entered_care_on": DATE, "health_needs": INT,
        "sdq_total_difficulties": INT, "health_notes": TEXT, "duplicate_reason": TEXT, "confirm_new": "bool"}),
    Endpoint("child-edit", lambda w, r: [MISSING if r is None else getattr(w, r).case.child_id], valid=child_edit_valid,
             fields={"last_name": TEXT, "birth_date": DATE, "iin": TEXT, "region": "id:region", "current_home": "id:home",
                     "entered_care_on": DATE, "health_needs": INT, "sdq_total_difficulties": INT, "reason": TEXT}),
    Endpoint("child-sibling-add", lambda w, r: [MISSING if r is None else getattr(w, r).case.child_id],
             valid=lambda w: {"sibling": w.A.sibling.pk}, fields={"sibling": "id:child"}),
    Endpoint("child-sibling-leave", lambda w, r: [MISSING if r is None else getattr(w, r).case.child_id]),
    Endpoint("family-new", valid=family_valid, fields={
        "region": "id:region", "address": TEXT, "form_of_care": CHOICE, "applied_on": DATE,
        "preferred_age_max": INT, "max_siblings": INT, "home_study_issued_on": DATE,
        "home_study_expires_on": DATE, "training_certificate_number": TEXT, "training_expires_on": DATE,
        "a1-last_name": TEXT, "a1-birth_date": DATE, "a1-iin": TEXT, "a2-birth_date": DATE, "a2-iin": TEXT,
        "preferred_sex": CHOICE, "psychological_training_issued_on": DATE}),
    Endpoint("family-edit", realm_or_missing("family"), valid=family_edit_valid, fields={
        "address": TEXT, "applied_on": DATE, "preferred_age_max": INT, "home_study_expires_on": DATE,
        "a1-birth_date": DATE, "reason": TEXT}),
    Endpoint("family-change", realm_or_missing("family"), valid=lambda w: {
        "kind": "departure", "applicant": w.A.applicant.pk, "on": iso(TODAY)}, fields={
        "kind": CHOICE, "applicant": "id:applicant", "failure": CHOICE, "on": DATE}),
    Endpoint("family-carer-check", realm_or_missing("family"), valid=lambda w: {"on": iso(TODAY)}, fields={"on": DATE}),
    Endpoint("family-approval-decide", realm_or_missing("waiting_family"), actor="supervisor", valid=lambda w: {
        "approve": "1", "expires_on": iso(TODAY + dt.timedelta(days=200))}, fields={
        "approve": CHOICE, "reason": TEXT, "expires_on": DATE}),
    Endpoint("family-approval-request", realm_or_missing("other_family")),
    Endpoint("child-document-upload", lambda w, r: [MISSING if r is None else getattr(w, r).case.child_id],
             multipart=True, valid=lambda w: {
                 "doc-doc_type": "birth_certificate", "doc-document_date": iso(TODAY),
                 "doc-file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")}, fields={
                 "doc-doc_type": CHOICE, "doc-title": TEXT, "doc-number": TEXT, "doc-document_date": DATE,
                 "doc-expires_on": DATE, "doc-file": "file"}),
    Endpoint("family-document-upload", realm_or_missing("family"), multipart=True),
    Endpoint("case-document-upload", realm_or_missing("case"), multipart=True),
    Endpoint("notification-read", realm_or_missing("notification")),
    Endpoint("decision-review", realm_or_missing("decision"), actor="supervisor", valid=lambda w: {
        "approve": "1", "expected_version": w.A.decision.version}, fields={
        "approve": CHOICE, "reason": TEXT, "expected_version": INT}),
    Endpoint("cases-reassign", actor="supervisor", valid=lambda w: {
        "case": [w.A.case.pk], "workers": [w.A.colleague.pk], "reason": "leave"}, fields={
        "case": "id:case", "all_of_worker": "id:user", "workers": "id:user", "reason": TEXT}),
    Endpoint("case-reassign", realm_or_missing("case"), actor="supervisor",
             valid=lambda w: {"worker": w.A.colleague.pk}, fields={"worker": "id:user"}),
    Endpoint("case-transfer", realm_or_missing("case"), actor="supervisor", valid=lambda w: {
        "unit": w.units["B"].pk, "override_reason": "urgent move of the child"}, fields={
        "unit": "id:unit", "override_reason": TEXT}),
    Endpoint("user-create", actor="administrator", valid=lambda w: {
        "username": "newperson", "first_name": "New", "last_name": "Person", "email": "", "role": "social_worker",
        "unit": w.units["A"].pk, "password": ""}, fields={
        "username": TEXT, "first_name": TEXT, "email": TEXT, "role": CHOICE, "unit": "id:unit", "password": TEXT}),
    Endpoint("user", lambda w, r: [MISSING if r is None else getattr(w, r).worker.pk], actor="administrator", valid=lambda w: {
        "first_name": "Renamed", "last_name": "Person", "email": "", "role": "social_worker", "unit": w.units["A"].pk},
        fields={"first_name": TEXT, "email": TEXT, "role": CHOICE, "unit": "id:unit"}),
    Endpoint("user-action", lambda w, r: [MISSING if r is None else getattr(w, r).worker.pk, "deactivate"],
             actor="administrator"),
    Endpoint("password-change", actor="worker", valid=lambda w: {
        "old_password": "pass-for-tests-1", "new_password1": "a-new-long-pass-77", "new_password2": "a-new-long-pass-77"},
        fields={"old_password": TEXT, "new_password1": TEXT, "new_password2": TEXT}),
    Endpoint("password-reset", actor="anonymous", valid=lambda w: {"email": w.A.worker.email}, fields={"email": TEXT},
             writes=False),
]

# Addresses that take a POST but read nothing from it: the page answers as to a GET, or signs out.
NO_INPUT = {"logout", "login", "case-form", "password-reset-confirm"}
ENDPOINTS.append(Endpoint("login", actor="anonymous", valid=lambda w: {"username": w.A.worker.username,
                                                                       "password": "pass-for-tests-1"},
                          fields={"username": TEXT, "password": TEXT}))
NO_INPUT.discard("login")

# Whose records each role may see (the realms' surnames it may read).
SEES = {"worker": {"A"}, "outsider": {"B"}, "supervisor": {"A", "B"}, "analyst": set(), "administrator": {"A", "B", "C"},
        "anonymous": set()}
ROLES = ("worker", "supervisor", "analyst", "outsider")
# An administrator corrects records (never their sensitive fields) and reads only the rest: posting as one
# is probed too (it found the child's edit page drawing sensitive fields its form did not have).
POSTING_ROLES = (*ROLES, "administrator")


def leaked_markers(role: str, text: str, posted: object = "") -> list[str]:
    """The surnames out of the role's sight in ``text``, but for one the role posted itself (shown back in its field)."""
    return [m for realm, names in MARKERS.items() if realm not in SEES[role] for m in names if m in text and m not in str(posted)]


def describe(endpoint: Endpoint, role: str, what: str, outcome: Outcome) -> str:
    return f"{endpoint.name} as {role}, {what}: {outcome.status} {outcome.error}".strip()


def check_outcome(problems: list[str], endpoint: Endpoint, role: str, what: str, outcome: Outcome, posted: object = "") -> None:
    """What holds for every answer: no 5xx, nothing written by a refusal, no name of a record out of sight."""
    if outcome.status >= 500:
        problems.append(describe(endpoint, role, what, outcome))
        return
    if outcome.refused and outcome.changed:
        problems.append(f"{describe(endpoint, role, what, outcome)} refused but wrote {outcome.changed}")
    if leaked := leaked_markers(role, outcome.text, posted):
        problems.append(f"{describe(endpoint, role, what, outcome)} names {leaked}")


def urls_of(endpoint: Endpoint, world: World) -> list[tuple[str | None, str]]:
    """The endpoint's address for each realm's records and for ids that do not exist."""
    if endpoint.args is None:
        return [("A", endpoint.url(world, "A"))]
    return [(realm, endpoint.url(world, realm)) for realm in ("A", "B", "C", None)]


def endpoint_id(endpoint: Endpoint) -> str:
    return endpoint.name + ("-mixed" if endpoint.args is not None and endpoint.args.__qualname__.startswith("mixed") else "")


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=endpoint_id)
def test_each_role_posting_to_each_record(world, prober, endpoint):
    """Every role posts the actor's valid body to the address of each realm's record
    and of a record that does not exist: no 5xx, nothing written by a refusal, no name out of sight;
    a record the role may not see answers 403 or 404, as one that does not exist does."""
    problems: list[str] = []
    mixed_args = endpoint.args is not None and endpoint.args.__qualname__.startswith("mixed")
    for role in POSTING_ROLES:
        client = prober.client(world, role)
        answers: dict[str | None, set[int]] = {}
        for realm, url in urls_of(endpoint, world):
            # The valid body: the one that would succeed if a check were missing (the empty one is the field probe's).
            for body in [endpoint.valid(world) if endpoint.valid else {}]:
                outcome = prober.send(client, "post", url, body)
                what = f"records of {realm or 'nobody'}{', valid body' if body else ', empty body'}"
                check_outcome(problems, endpoint, role, what, outcome, body)
                answers.setdefault(realm, set()).add(outcome.status)
                out_of_sight = realm is None or (realm not in SEES[role] and endpoint.args is not None and not (
                    mixed_args and realm == "A" and "A" in SEES[role]))
                if out_of_sight and endpoint.args is not None and outcome.status not in (403, 404):
                    problems.append(f"{describe(endpoint, role, what, outcome)}: not 403/404 for a record out of sight")
        if endpoint.args is not None:
            for realm in ("A", "B", "C"):
                if realm not in SEES[role] and answers.get(realm) != answers.get(None):
                    problems.append(f"{endpoint.name} as {role}: records of {realm} answer {answers.get(realm)}, "
                                    f"ids that do not exist {answers.get(None)}")
    assert not problems, "\n".join(problems)


# ---- one field at a time made wrong --------------------------------------------------------------

FORMED = [e for e in ENDPOINTS if e.valid is not None and e.fields]
BAD_VALUES = {
    DATE: ["2026-02-30", "0001-01-01", "9999-12-31"],
    INT: ["abc", "-1", HUGE],
    CHOICE: ["nonsense"],
    TEXT: [],
    "bool": [],
    "file": [],  # FILE_VALUES
}
PDF = b"%PDF-1.4\n%%EOF\n"
# Files no record should take, or whose name must be cleaned: empty, not a document, names long or unstorable.
FILE_VALUES: dict[str, Callable[[], Any]] = {
    "an empty file": lambda: SimpleUploadedFile("a.pdf", b""),
    "a program": lambda: SimpleUploadedFile("a.pdf", b"MZ\x90\x00" + b"\x00" * 64),
    "a name of 10,000 characters": lambda: SimpleUploadedFile("x" * 10_000 + ".pdf", PDF),
    "a NUL in the name": lambda: SimpleUploadedFile("a\x00b.pdf", PDF),
    "a name of dots": lambda: SimpleUploadedFile("...", PDF),
}
ID_VALUES = ["abc", "-1", HUGE]  # and MISSING, beside the ids of records out of sight
# The records of each kind a form field may name, by realm (the ids a user out of the realm must not learn of).
PRIVATE_IDS: dict[str, Callable[[Realm], int]] = {
    "id:family": lambda r: r.family.pk, "id:case": lambda r: r.case.pk, "id:user": lambda r: r.worker.pk,
    "id:child": lambda r: r.sibling.pk, "id:applicant": lambda r: r.applicant.pk,
}
# Dates no form should take: a date that does not exist was refused already; these exist, but not for a record.
IMPOSSIBLE = {"0001-01-01", "9999-12-31"}


def digits_out(texts: list[str]) -> list[str]:
    return [re.sub(r"\d+", "#", t) for t in texts]


def field_errors(outcome: Outcome, field: str) -> list[str] | None:
    """The errors of the form that has the posted field ``field`` (None when no form of the page has
    it); for a field without a visible input (ticked case numbers), the form's errors above its fields too."""
    for form in outcome.forms:
        for name, bound in form.fields.items():
            if form.add_prefix(name) == field:
                above = [str(e) for e in form.non_field_errors()] if bound.widget.is_hidden else []
                return [str(e) for e in form.errors.get(name, [])] + above
    return None


def check_field(problems: list[str], endpoint: Endpoint, role: str, field: str, value: str, outcome: Outcome) -> None:
    what = f"{field}={value[:20]!r}"
    check_outcome(problems, endpoint, role, what, outcome)
    # A field the page does not show (a placing's fields on a case not at the decision stage) can only
    # come from a forged request; its error has no place to be shown.
    if outcome.status == 400 and f'name="{field}"' in outcome.text:
        errors = field_errors(outcome, field)
        if errors is not None and not errors and value != "":
            shown = [f"{f.__class__.__name__}: {dict(f.errors)}" for f in outcome.forms if f.errors]
            problems.append(f"{describe(endpoint, role, what, outcome)}: no error beside {field} ({shown})")
        for error in errors or []:
            if html.escape(error) not in outcome.text and error not in outcome.text:
                problems.append(f"{describe(endpoint, role, what, outcome)}: the error {error!r} is not in the page")
    if not outcome.refused and (value in IMPOSSIBLE or value in ("-1", HUGE)):
        problems.append(f"{describe(endpoint, role, what, outcome)}: accepted")


@pytest.mark.parametrize("endpoint", FORMED, ids=endpoint_id)
def test_each_field_made_wrong(world, prober, endpoint):
    """The actor posts the valid body (it succeeds), an empty one, then the valid body with one field
    at a time empty, 10,000 characters long, or a wrong value of its kind; every field at once with a
    NUL. An id of a record out of the actor's sight answers as an id that does not exist."""
    problems: list[str] = []
    role, url = endpoint.actor, endpoint.url(world, "A")
    client = prober.client(world, role)
    outcome = prober.send(client, "post", url, endpoint.valid(world))
    assert outcome.status == 302 and not outcome.refused, f"the valid body is refused: {outcome.status} " + " | ".join(
        f"{dict(f.errors)}" for f in outcome.forms if f.errors) + outcome.error
    assert outcome.changed or not endpoint.writes, "the valid body wrote nothing: the probe would not see a half-written record"
    outcome = prober.send(client, "post", url, {})
    check_outcome(problems, endpoint, role, "empty body", outcome)
    if outcome.status in (200, 400) and not any(form.errors for form in outcome.forms):
        problems.append(f"{describe(endpoint, role, 'empty body', outcome)}: the form is shown again without an error")
    for field, kind in endpoint.fields.items():
        if kind == "file":
            for label, made in FILE_VALUES.items():
                check_field(problems, endpoint, role, field, label, prober.send(client, "post", url, {
                    **endpoint.valid(world), field: made()}))
        values = [""] + ([LONG] if kind == TEXT else []) + (ID_VALUES if kind.startswith("id:") else BAD_VALUES[kind])
        for value in values:
            body = endpoint.valid(world)
            body[field] = value
            check_field(problems, endpoint, role, field, value, prober.send(client, "post", url, body))
        if kind.startswith("id:"):
            missing = prober.send(client, "post", url, {**endpoint.valid(world), field: str(MISSING)})
            check_field(problems, endpoint, role, field, str(MISSING), missing)
        if kind in PRIVATE_IDS:
            for realm in ("B", "C"):
                if realm in SEES[role]:
                    continue
                foreign_id = PRIVATE_IDS[kind](getattr(world, realm))
                foreign = prober.send(client, "post", url, {**endpoint.valid(world), field: str(foreign_id)})
                check_outcome(problems, endpoint, role, f"{field}=<id of {realm}>", foreign)
                same = (foreign.status == missing.status and foreign.refused == missing.refused
                        and digits_out(field_errors(foreign, field) or []) == digits_out(field_errors(missing, field) or []))
                if not same:
                    problems.append(f"{endpoint.name}: {field} naming a record of {realm} answers {foreign.status} "
                                    f"{field_errors(foreign, field)}, an id that does not exist {missing.status} "
                                    f"{field_errors(missing, field)}")
    nul = {k: (v if hasattr(v, "read") else f"a\x00{v}") for k, v in endpoint.valid(world).items() if not isinstance(v, list)}
    outcome = prober.send(client, "post", url, nul)
    check_outcome(problems, endpoint, role, "NUL in every field", outcome)
    if outcome.status != 400:
        problems.append(f"{describe(endpoint, role, 'NUL in every field', outcome)}: not 400")
    raw = "&".join(f"{k}=%ED%A0%80" for k in endpoint.fields)
    outcome = prober.send(client, "post", url, raw, content_type="application/x-www-form-urlencoded")
    check_outcome(problems, endpoint, role, "an unpaired surrogate in every field", outcome)
    assert not problems, "\n".join(problems)


# ---- every address that takes a POST is probed -----------------------------------------------------


def web_patterns() -> list[URLPattern]:
    resolver = next(p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace == "web")
    return [p for p in resolver.url_patterns if isinstance(p, URLPattern)]


def dummy_url(pattern: URLPattern, number: int | str = MISSING) -> str:
    """The pattern's address with ids that do not exist (and "x" for a word)."""
    converters = pattern.pattern.converters
    kwargs = {name: number if type(conv).__name__ == "IntConverter" else "x" for name, conv in converters.items()}
    for name in pattern.default_args:
        kwargs.pop(name, None)
    return reverse(f"web:{pattern.name}", kwargs=kwargs)


def test_every_address_that_takes_a_post_is_probed(world, prober):
    """An address answering a POST with anything but 405 is in ENDPOINTS (probed with its fields), in
    NO_INPUT (it reads nothing from the body) or in READ_ON_POST (a page that answers a POST as a GET)."""
    probed = {e.name for e in ENDPOINTS} | NO_INPUT | READ_ON_POST
    administrator = prober.client(world, "administrator")
    answers = {p.name: prober.send(administrator, "post", dummy_url(p), {}).status for p in web_patterns()}
    taking = {name for name, status in answers.items() if status != 405}
    assert not taking - probed, f"not probed: {sorted(taking - probed)}"
    assert probed - {p.name for p in web_patterns()} == set()


# ---- the pages that read: a POST answered as a GET, and bad query strings -------------------------


def child_of(attribute: str = "case") -> Args:
    return lambda w, r: [MISSING if r is None else getattr(getattr(w, r), attribute).child_id]


# Each page that reads, with the role whose page it is and the query strings of its own filters.
READ_PAGES = [
    (Endpoint("home"), "worker", []),
    (Endpoint("my-cases"), "worker", ["stage=nonsense", "risk=x", "order=nonsense", "overdue=abc", "q=" + "x" * 2000]),
    (Endpoint("my-cases", actor="supervisor"), "supervisor", [
        "worker=abc", f"worker={HUGE}", "worker=-1", "worker=WORKER_C", "needs_worker=1&q=Farawayev", "open_only=1&page=-1"]),
    (Endpoint("case", realm_or_missing("case")), "worker", []),
    (Endpoint("case-matching", realm_or_missing("case")), "worker", []),
    *[(Endpoint("case-form", lambda w, r, name=name: [MISSING if r is None else getattr(w, r).placed.pk, name]),
       "worker", []) for name in ("note", "end-placement", "move-family", "consent")],
    (Endpoint("case-form", lambda w, r: [MISSING if r is None else getattr(w, r).closed.pk, "reentry"]), "worker", []),
    (Endpoint("case-form", lambda w, r: [MISSING if r is None else getattr(w, r).case.pk, "share"]), "supervisor", []),
    (Endpoint("case-timeline", realm_or_missing("placed")), "worker", [
        "before=abc", "before=0001-01-01T00:00:00+14:00~note~1", "before=9999-12-31T23:59:59-14:00~stage~1",
        f"before=2026-01-01T00:00:00~visit~{HUGE}", "before=2026-01-01~nonsense~1", "before=2026-02-30T00:00:00~note~1",
        "before=0001-01-01T00:00:00~stage~-1"]),
    (Endpoint("children"), "worker", ["q=Secretbekov", "q=" + "1" * 12, "q=" + "x" * 2000]),
    (Endpoint("child", child_of()), "worker", []),
    (Endpoint("families"), "worker", ["q=Secretfamova", "q=" + "x" * 2000]),
    (Endpoint("family", realm_or_missing("family")), "worker", []),
    (Endpoint("document-download", realm_or_missing("case")), "worker", []),
    (Endpoint("inbox"), "worker", ["unread=abc", "unread=1&page=999999"]),
    (Endpoint("visit-conflicts"), "worker", []),
    (Endpoint("visit-kit"), "worker", []),
    (Endpoint("visit-kit-sw"), "worker", []),
    (Endpoint("visit-kit-manifest"), "worker", []),
    (Endpoint("dashboard"), "supervisor", []),
    (Endpoint("family-approvals"), "supervisor", []),
    (Endpoint("risk-backtest"), "supervisor", []),
    (Endpoint("statistics"), "analyst", [
        "indicator=nonsense", "indicator=return_rate&breakdown=nonsense", "indicator=return_rate&year_from=-5",
        f"indicator=return_rate&year_from={HUGE}", "indicator=return_rate&year_from=99999&year_to=100000",
        "indicator=return_rate&year_from=0&year_to=1", "indicator=return_rate&as_of=9999-12-31",
        "indicator=return_rate&as_of=0001-01-01", "indicator=return_rate&as_of=2026-02-30",
        "indicator=return_rate&region=nonsense", "indicator=return_rate&age_band=x&sex=x&form_of_care=x",
        "indicator=return_rate&breakdown=year&breakdown=year"]),
    (Endpoint("units"), "administrator", []),
    (Endpoint("users"), "administrator", ["unit=abc", f"unit={HUGE}", "role=nonsense", "q=" + "x" * 2000]),
    (Endpoint("emergency-access"), "worker", ["case=abc", f"case={HUGE}", "case=-1"]),
    (Endpoint("iin-check"), "worker", [
        "iin=abc", "iin=" + "9" * 12, f"iin={HUGE}&birth_date=2026-02-30&sex=x&child=abc",
        "iin=IIN_A&birth_date=9999-12-31&sex=nonsense", f"iin=IIN_A&child={HUGE}"]),
    (Endpoint("home-options"), "worker", ["region=abc", f"region={HUGE}", "region=-1"]),
    # The forms' own pages, opened (their POST is ENDPOINTS').
    (Endpoint("child-new"), "worker", []),
    (Endpoint("child-edit", child_of()), "worker", []),
    (Endpoint("child-edit", child_of()), "administrator", []),
    (Endpoint("family-edit", realm_or_missing("family")), "worker", []),
    (Endpoint("family-edit", realm_or_missing("family")), "administrator", []),
    (Endpoint("family-change", realm_or_missing("family")), "worker", []),
    (Endpoint("visit-record", nested("placed", "visit")), "worker", []),
    (Endpoint("visit-unscheduled", nested("placed", "placement")), "worker", []),
    (Endpoint("child-document-upload", child_of()), "worker", []),
    (Endpoint("family-document-upload", realm_or_missing("family")), "worker", []),
    (Endpoint("case-document-upload", realm_or_missing("case")), "worker", []),
    (Endpoint("password-change"), "worker", []),
    (Endpoint("password-reset"), "analyst", []),
    (Endpoint("user", lambda w, r: [MISSING if r is None else getattr(w, r).worker.pk]), "administrator", []),
    (Endpoint("family-new"), "worker", []),
    (Endpoint("user-create"), "administrator", ["unit=abc", f"unit={HUGE}"]),
]
READ_ON_POST = {e.name for e, _role, _queries in READ_PAGES} - {e.name for e in ENDPOINTS}
# Every page: junk where no filter is read, and a NUL (refused with 400); a list: its pager too.
COMMON_QUERIES = [f"page=abc&ordering=nonsense&sort=-x&id={HUGE}", "q=%00"]
LIST_QUERIES = ["page=999999", "page=-1", "page=0", f"page={HUGE}"]
LISTS = {"my-cases", "children", "families", "inbox", "visit-conflicts", "users"}


def fill_in(query: str, world: World) -> str:
    return (query.replace("WORKER_C", str(world.C.worker.pk))
            .replace("IIN_A", world.A.case.child.iin))


@pytest.mark.parametrize(("endpoint", "role", "queries"), READ_PAGES, ids=[e.name + "-" + r for e, r, _q in READ_PAGES])
def test_each_page_with_bad_query_strings(world, prober, endpoint, role, queries):
    """Each page that reads, with its filters wrong (a page that is not a number or past the last,
    an order that does not exist, dates and ids out of range): no 5xx, a page or a 400, nothing
    written, no name out of sight; a POST to it is answered as a GET, by every role."""
    problems: list[str] = []
    client = prober.client(world, role)
    for _realm, url in urls_of(endpoint, world)[:1]:
        for query in COMMON_QUERIES + (LIST_QUERIES if endpoint.name in LISTS else []) + queries:
            outcome = prober.send(client, "get", f"{url}?{fill_in(query, world)}")
            check_outcome(problems, endpoint, role, f"?{query[:60]}", outcome, posted=query)
            if outcome.status not in (200, 302, 400, 404) and not (query == "q=%00" and outcome.status == 400):
                problems.append(f"{describe(endpoint, role, '?' + query[:60], outcome)}: not a page nor a clear refusal")
    # A POST to a page that reads is answered as a GET (a form's own POST is the role test's).
    for other in ROLES if endpoint.name in READ_ON_POST else ():
        for realm, url in urls_of(endpoint, world):
            outcome = prober.send(prober.client(world, other), "post", url, {"page": "abc", "q": LONG})
            check_outcome(problems, endpoint, other, f"POST to records of {realm or 'nobody'}", outcome, posted=LONG)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ["worker", "supervisor", "administrator"])
def test_every_address_with_ids_beyond_any_column(world, prober, role):
    """Each address with an id past PostgreSQL's bigint (the URL's <int:> takes any digits), read and
    posted: 404 (or the role's 403, or 405 for the other method), never 5xx."""
    problems: list[str] = []
    client = prober.client(world, role)
    for pattern in web_patterns():
        if not any(type(c).__name__ == "IntConverter" for c in pattern.pattern.converters.values()):
            continue
        for method in ("get", "post"):
            outcome = prober.send(client, method, dummy_url(pattern, HUGE), {} if method == "post" else None)
            if outcome.status not in (403, 404, 405):
                problems.append(f"{method.upper()} {pattern.name} as {role}: {outcome.status} {outcome.error}")
    assert not problems, "\n".join(problems)


# ---- the faults the probe found, each on its own -----------------------------------------------------


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_case_moved_meanwhile_says_so_above_the_move_form(client, worker, language):
    """The move was refused as stale (the case changed since the page was read), an error of the hidden
    ``expected_version``: it used to be on no visible field, and the page came back without a word."""
    from django.utils import translation

    from cases.models import Stage

    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.MATCHING)
    client.force_login(worker)
    client.cookies["django_language"] = language
    response = client.post(reverse("web:case-move", args=[case.pk]),
                           {"to_stage": "available", "expected_version": case.version - 1}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    with translation.override(language):
        message = translation.gettext(
            "This case was changed by someone else (now version %(now)s, you had %(had)s). Reload it and try again."
        ) % {"now": case.version, "had": case.version - 1}
    page = response.content.decode()
    assert f'<div class="nonfield" role="alert"><div>{html.escape(message)}</div></div>' in page
    case.refresh_from_db()
    assert case.stage == Stage.MATCHING


def test_a_decision_reviewed_after_a_change_says_so_on_the_dashboard(client, worker, supervisor):
    from cases.models import Stage
    from cases.services import transition_case

    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE,
                                 form_of_care="adoption")
    case = transition_case(case=case, to_stage=Stage.DECISION, actor=worker, family=factories.FamilyFactory())
    client.force_login(supervisor)
    response = client.post(reverse("web:decision-review", args=[case.pk]), {"approve": "1", "expected_version": case.version - 1})
    assert response.status_code == 400
    assert f"(now version {case.version}, you had {case.version - 1})" in response.content.decode()
    # The answer is chosen with the buttons: a forged one is said above the form too.
    response = client.post(reverse("web:decision-review", args=[case.pk]), {"approve": "maybe", "expected_version": case.version})
    assert response.status_code == 400
    assert "Select a valid choice. maybe is not one of the available choices." in response.content.decode()


@pytest.mark.parametrize("page", ["99999999999999999999", "9" * 4000])
def test_a_page_number_past_any_list_shows_the_last_page(client, worker, page):
    """?page= past PostgreSQL's bigint used to end in a 500 (the OFFSET overflowed): it is past the
    last page, which is shown, as for any page past the last."""
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    client.force_login(worker)
    response = client.get(reverse("web:my-cases"), {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number == 1
    assert f'href="/cases/{case.pk}/"' in response.content.decode()


@pytest.fixture
def someone_elses_case(db):
    return factories.CaseFactory(child__last_name="Tokenova", child__health_needs=2)


@pytest.mark.parametrize("who", ["administrator", "emergency"])
def test_the_child_edit_page_without_the_sensitive_fields(client, worker, someone_elses_case, who):
    """An administrator (who corrects records, never their sensitive fields) and a worker with emergency
    access (change, without view_sensitive) edit a child with a form that leaves the sensitive fields
    out; the page drew two of them anyway (health needs, the SDQ score), and was a 500."""
    from accounts.models import OrganisationalUnit
    from emergency.services import open_emergency_access

    child = someone_elses_case.child
    if who == "administrator":
        user = factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry"))
    else:
        user = worker
        open_emergency_access(case=someone_elses_case, actor=worker, reason="the child ran away tonight")
    client.force_login(user)
    response = client.get(reverse("web:child-edit", args=[child.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The sensitive fields are not shown: you have no permission to see them." in page
    assert 'name="health_needs"' not in page and 'name="sdq_total_difficulties"' not in page
    data = {name: response.context["form"][name].value() or "" for name in response.context["form"].fields}
    data.update(first_name="Aruzhan", reason="a typo in the first name")
    response = client.post(reverse("web:child-edit", args=[child.pk]), data)
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.first_name == "Aruzhan" and child.health_needs == 2


@pytest.mark.parametrize(("name", "field"), [("web:family-new", "a1-last_name"), ("web:child-new", "last_name"),
                                             ("web:emergency-access", "case")])
def test_an_empty_post_says_what_is_required(client, worker, name, field):
    """A POST with nothing in it binds the form: each required field says so. It used to be an unbound
    form (``request.POST or None``): shown again without a word, and on the family's registration a 500
    (the applicants' ages read the forms' cleaned data)."""
    client.force_login(worker)
    response = client.post(reverse(name), {})
    assert response.status_code == 400
    errors = {form.add_prefix(name): [str(m) for m in messages]
              for form in forms_in(response.context) for name, messages in form.errors.items()}
    assert errors[field] == ["This field is required."]
    assert "This field is required." in response.content.decode()
