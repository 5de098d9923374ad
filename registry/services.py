"""Import of an existing registry from CSV: every row validated like a form, then all accepted rows
written in one transaction (or none at all when a row is bad and ``partial`` is off).

A row that is possibly a person already registered, or one on an earlier line of the file (the
duplicate detection of the API and pages: same IIN, or same birth date and a similar name, see
registry.duplicates), is refused with the possible duplicates named, unless its ``new_record``
column says yes (the person is confirmed to be new). Every record written leaves a history row with
the importing user and the reason (simple-history's bulk helpers).

Columns (UTF-8, comma-separated, header row first; dates as YYYY-MM-DD) are listed in
docs/import.md and in CHILD_COLUMNS / FAMILY_COLUMNS below.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history

from accounts.models import OrganisationalUnit, User
from cases.models import Case, Stage, StageChange
from children.models import Child, ChildrensHome
from children.services import cross_field_errors, registration_age_errors
from core.history import history_kwargs
from families.models import Applicant, Family
from families.services import applicants_age_errors
from regions.models import Region
from registry.duplicates import NAME_SIMILARITY_THRESHOLD, NameParts, name_similarity

# column -> required?
CHILD_COLUMNS: dict[str, bool] = {
    "last_name": True, "first_name": True, "patronymic": False, "birth_date": True, "sex": True, "iin": False,
    "legal_status": True, "region": True, "home": False, "entered_care_on": True, "health_needs": False,
    "responsible_unit": True, "new_record": False,
}
APPLICANT_COLUMNS = ("last_name", "first_name", "patronymic", "birth_date", "sex", "iin")
FAMILY_COLUMNS: dict[str, bool] = {
    "region": True, "responsible_unit": True, "form_of_care": True, "applied_on": True,
    "address": False, "preferred_age_min": False, "preferred_age_max": False, "preferred_sex": False,
    "max_siblings": False, "max_health_needs": False, "home_study_issued_on": False, "home_study_expires_on": False,
    "training_certificate_number": False, "training_issued_on": False, "training_expires_on": False,
    "psychological_training_certificate_number": False, "psychological_training_issued_on": False,
    "approval_status": False, "approved_on": False, "approval_expires_on": False,
    **{f"applicant1_{c}": c != "patronymic" for c in APPLICANT_COLUMNS},
    **{f"applicant2_{c}": False for c in APPLICANT_COLUMNS},
    "new_record": False,
}
COLUMNS = {"children": CHILD_COLUMNS, "families": FAMILY_COLUMNS}
DATE_FIELDS = {"birth_date", "entered_care_on", "applied_on", "home_study_issued_on", "home_study_expires_on",
               "training_issued_on", "training_expires_on", "approved_on", "approval_expires_on",
               "psychological_training_issued_on"}
INT_FIELDS = {"health_needs", "preferred_age_min", "preferred_age_max", "max_siblings", "max_health_needs"}


class ImportFileError(Exception):
    """The file as a whole cannot be read (missing, wrong header, unknown kind)."""


@dataclass
class ImportReport:
    kind: str
    accepted: list[int] = field(default_factory=list)  # line numbers
    rejected: list[dict[str, Any]] = field(default_factory=list)  # {"line": n, "errors": {field: [messages]}}
    imported: int = 0
    # {"line": n, "duplicates": [{"kind": "child"|"family", "id": id, "reason": ..., "similarity": s}
    #  or {"line": m, "reason": ..., "similarity": s} for an earlier line of the file]}
    possible_duplicates: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "accepted_rows": len(self.accepted), "accepted_lines": self.accepted,
                "rejected_rows": len(self.rejected), "rejected": self.rejected, "imported": self.imported,
                "possible_duplicates": self.possible_duplicates}


@dataclass(frozen=True)
class _Person:
    """A person of one line, as the duplicate detection compares them."""

    line: int
    birth_date: dt.date | None
    iin: str | None
    name: NameParts


class _Duplicates:
    """Possible duplicates of the file's people: among earlier lines (kept in memory by birth date
    and IIN) and in the registry (one query per batch, by the batch's birth dates and IINs)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.by_birth_date: dict[dt.date, list[_Person]] = {}
        self.by_iin: dict[str, int] = {}

    @staticmethod
    def people(line: int, result: Any, kind: str) -> list[_Person]:
        records = [result[0]] if kind == "children" else result[1]
        return [_Person(line, r.birth_date, r.iin or None, NameParts.of(r.last_name, r.first_name, r.patronymic))
                for r in records]

    def in_file(self, people: list[_Person]) -> list[dict[str, Any]]:
        """Earlier lines with the same person; then remembers these people."""
        found: dict[int, dict[str, Any]] = {}
        for person in people:
            if person.iin and person.iin in self.by_iin:
                found[self.by_iin[person.iin]] = {"line": self.by_iin[person.iin], "reason": "same_iin", "similarity": 100.0}
            for other in self.by_birth_date.get(person.birth_date, []) if person.birth_date else []:
                score = name_similarity(person.name, other.name)
                if score >= NAME_SIMILARITY_THRESHOLD and other.line not in found:
                    found[other.line] = {"line": other.line, "reason": "same_birth_date_similar_name",
                                         "similarity": round(score, 1)}
        for person in people:
            if person.birth_date:
                self.by_birth_date.setdefault(person.birth_date, []).append(person)
            if person.iin:
                self.by_iin.setdefault(person.iin, person.line)
        return sorted(found.values(), key=lambda d: d["line"])

    def in_registry(self, batch: list[tuple[int, Any]]) -> dict[int, list[dict[str, Any]]]:
        """line -> the registered people who are possibly that line's person."""
        people = {line: self.people(line, result, self.kind) for line, result in batch}
        dates = {p.birth_date for ps in people.values() for p in ps if p.birth_date}
        iins = {p.iin for ps in people.values() for p in ps if p.iin}
        model, owner = (Child, "id") if self.kind == "children" else (Applicant, "family_id")
        condition = Q(birth_date__in=dates) | Q(iin__in=iins) if iins else Q(birth_date__in=dates)
        rows = list(model.objects.filter(condition).only(owner, "iin", "birth_date", "last_name", "first_name", "patronymic"))
        registered_by_date: dict[dt.date, list[Any]] = {}
        registered_by_iin: dict[str, Any] = {}
        for row in rows:
            registered_by_date.setdefault(row.birth_date, []).append(row)
            if row.iin:
                registered_by_iin[row.iin] = row
        kind = "child" if self.kind == "children" else "family"
        found: dict[int, list[dict[str, Any]]] = {}
        for line, persons in people.items():
            seen: dict[int, dict[str, Any]] = {}
            for person in persons:
                same = registered_by_iin.get(person.iin) if person.iin else None
                if same is not None:
                    seen[getattr(same, owner)] = {"kind": kind, "id": getattr(same, owner), "reason": "same_iin",
                                                  "similarity": 100.0}
                for row in registered_by_date.get(person.birth_date, []):
                    score = name_similarity(person.name, NameParts.of(row.last_name, row.first_name, row.patronymic))
                    if score >= NAME_SIMILARITY_THRESHOLD and getattr(row, owner) not in seen:
                        seen[getattr(row, owner)] = {"kind": kind, "id": getattr(row, owner),
                                                     "reason": "same_birth_date_similar_name", "similarity": round(score, 1)}
            if seen:
                found[line] = sorted(seen.values(), key=lambda d: d["id"])
        return found


def _duplicate_message(duplicates: list[dict[str, Any]]) -> str:
    names = [(_("line %(line)s of this file") % {"line": d["line"]}) if "line" in d
             else (_("child № %(n)s") if d["kind"] == "child" else _("family № %(n)s")) % {"n": d["id"]}
             for d in duplicates]
    return _("Possibly already registered: %(records)s. If this is a new person, put yes in the new_record column.") % {
        "records": ", ".join(names)}


def _parse(row: dict[str, str], columns: Iterable[str], errors: dict[str, list[str]], prefix: str = "") -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in columns:
        raw = (row.get(prefix + column) or "").strip()
        name = column
        if "\x00" in raw:
            errors.setdefault(prefix + column, []).append(_("The value contains a NUL character."))
            continue
        if name in DATE_FIELDS and raw:
            try:
                values[name] = dt.date.fromisoformat(raw)
            except ValueError:
                errors.setdefault(prefix + column, []).append(_("Enter a date as YYYY-MM-DD."))
        elif name in INT_FIELDS and raw:
            try:
                values[name] = int(raw)
            except ValueError:
                errors.setdefault(prefix + column, []).append(_("Enter a whole number."))
        elif name == "new_record":
            values[name] = raw.lower() in {"1", "true", "yes", "y"}
        elif raw or name in {"patronymic", "iin", "address", "preferred_sex", "training_certificate_number",
                             "psychological_training_certificate_number"}:
            values[name] = raw
    return values


def _messages(exc: ValidationError, prefix: str = "") -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {(prefix + k if k != NON_FIELD_ERRORS else "non_field_errors"): [str(m) for m in v]
                for k, v in exc.message_dict.items()}
    return {prefix + "non_field_errors": [str(m) for m in exc.messages]}


class _Lookups:
    """Codes in the file resolved once, not per row."""

    def __init__(self, actor: User | None) -> None:
        self.regions = dict(Region.objects.values_list("code", "id"))
        self.units = dict(OrganisationalUnit.objects.values_list("code", "id"))
        self.homes = set(ChildrensHome.objects.values_list("id", flat=True))
        self.allowed_units: set[int] | None = None
        if actor is not None and not actor.is_administrator:
            self.allowed_units = set(actor.unit.descendant_ids()) if actor.unit_id else set()

    def resolve(self, values: dict[str, Any], errors: dict[str, list[str]]) -> None:
        code = values.pop("region", None)
        if code is not None:
            if code in self.regions:
                values["region_id"] = self.regions[code]
            else:
                errors.setdefault("region", []).append(_("Unknown region code \"%(code)s\".") % {"code": code})
        code = values.pop("responsible_unit", None)
        if code is not None:
            unit_id = self.units.get(code)
            if unit_id is None:
                errors.setdefault("responsible_unit", []).append(_("Unknown unit code \"%(code)s\".") % {"code": code})
            elif self.allowed_units is not None and unit_id not in self.allowed_units:
                errors.setdefault("responsible_unit", []).append(_("You cannot register records for this unit."))
            else:
                values["responsible_unit_id"] = unit_id


def _collect(errors: dict[str, list[str]], step: Callable[[], None], prefix: str = "") -> None:
    try:
        step()
    except ValidationError as exc:
        for key, messages in _messages(exc, prefix).items():
            errors.setdefault(key, []).extend(messages)


def _validate_child(values: dict[str, Any], errors: dict[str, list[str]], seen_iins: set[str],
                    lookups: "_Lookups") -> tuple[Child, int] | None:
    """Checks that need no query: fields, the model's clean, the cross-field rules the database
    enforces. The IIN against the registry is checked per batch (one query), the remaining database
    constraints only if a batch fails to write (see _write_batch)."""
    unit_id = values.pop("responsible_unit_id", None)
    values.pop("new_record", None)
    home = values.pop("home", None)
    if home:
        if not home.isdigit() or int(home) not in lookups.homes:
            errors.setdefault("home", []).append(_("Unknown children's home id \"%(id)s\".") % {"id": home})
        else:
            values["current_home_id"] = int(home)
    values["iin"] = values.get("iin") or None
    child = Child(**values)
    # The foreign keys were resolved from the preloaded lookups: no existence query per row.
    exclude = {"region", "current_home", "sibling_group"}
    if "region_id" not in values and "region" not in errors:
        errors["region"] = [_("This field is required.")]
    _collect(errors, lambda: child.clean_fields(exclude=exclude))
    _collect(errors, child.clean)
    # Under 18 on the day of the import (children.services.create_child's rule): only what the field took.
    for key, message in {**cross_field_errors(child),
                         **({} if "birth_date" in errors else registration_age_errors(child, timezone.localdate()))}.items():
        errors.setdefault(key, []).append(message)
    if child.iin and child.iin in seen_iins:
        errors.setdefault("iin", []).append(_("This IIN appears on an earlier line of the file."))
    if errors:
        return None
    if child.iin:
        seen_iins.add(child.iin)
    return child, unit_id


def _validate_family(values: dict[str, Any], row: dict[str, str], errors: dict[str, list[str]],
                     seen_iins: set[str]) -> tuple[Family, list[Applicant]] | None:
    values.pop("new_record", None)
    family = Family(**values)
    exclude = {"region", "responsible_unit"}  # resolved from the preloaded lookups
    for key in exclude:
        if f"{key}_id" not in values and key not in errors:
            errors[key] = [_("This field is required.")]
    _collect(errors, lambda: family.clean_fields(exclude=exclude))
    _collect(errors, family.clean)
    # Database rules without a field validator, said in words (the constraints name only themselves).
    if isinstance(family.preferred_age_max, int) and family.preferred_age_max > 17:
        errors.setdefault("preferred_age_max", []).append(_("Children are under 18: the oldest age accepted is at most 17."))
    if isinstance(family.max_siblings, int) and family.max_siblings < 1:
        errors.setdefault("max_siblings", []).append(_("A family accepts at least one child."))
    applicants = []
    for position in (1, 2):
        prefix = f"applicant{position}_"
        if position == 2 and not any((row.get(prefix + c) or "").strip() for c in APPLICANT_COLUMNS):
            continue
        data = _parse(row, APPLICANT_COLUMNS, errors, prefix)
        applicant = Applicant(position=position, **data)
        _collect(errors, lambda applicant=applicant: applicant.clean_fields(exclude={"family"}), prefix)
        _collect(errors, applicant.clean, prefix)
        if applicant.iin and applicant.iin in seen_iins:
            errors.setdefault(prefix + "iin", []).append(_("This IIN appears earlier in the file."))
        applicants.append(applicant)
    # The applicants' ages on the application date (families.services.create_family's rule), each under its column.
    if "applied_on" not in errors:
        for key, message in applicants_age_errors(applicants, family.applied_on).items():
            if key != "applied_on":
                _applicants, index, name = key.split(".")
                key = f"applicant{int(index) + 1}_{name}"
            if key not in errors:
                errors[key] = [message]
    if errors:
        return None
    seen_iins.update(a.iin for a in applicants)
    return family, applicants


def read_rows(text: Iterable[str], kind: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs, after checking the header against the columns of ``kind``."""
    if kind not in COLUMNS:
        raise ImportFileError(_("Unknown kind \"%(kind)s\": use children or families.") % {"kind": kind})
    reader = csv.DictReader(text)
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportFileError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    reader.fieldnames = header
    columns = COLUMNS[kind]
    missing = [c for c, required in columns.items() if required and c not in header]
    unknown = [c for c in header if c not in columns]
    if not header or missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing columns: %(cols)s") % {"cols": ", ".join(missing)})
        if unknown:
            parts.append(_("unknown columns: %(cols)s") % {"cols": ", ".join(unknown)})
        raise ImportFileError(_("Wrong header for %(kind)s: %(problems)s.") % {
            "kind": kind, "problems": "; ".join(parts) or _("the file is empty")})
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(_("The file is not valid CSV near line %(line)s: %(error)s")
                                  % {"line": reader.line_num, "error": exc}) from exc
        if None in row:
            row.pop(None)  # extra cells beyond the header: ignored, the columns are named
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # blank line
        yield reader.line_num, row


BATCH_SIZE = 1000


def import_registry(
    *,
    text: Iterable[str],
    kind: str,
    partial: bool = False,
    actor: User | None = None,
    progress: Callable[[Iterator], Iterator] | None = None,
) -> ImportReport:
    """Validate every row; write the accepted ones when no row is bad or ``partial`` is on.

    Streams: rows are validated and written in batches inside one transaction, rolled back at the
    end if a row was rejected and ``partial`` is off, so memory stays flat whatever the file size."""
    rows = read_rows(text, kind)
    if progress is not None:
        rows = progress(rows)
    report = ImportReport(kind=kind)
    lookups = _Lookups(actor)
    seen_iins: set[str] = set()
    duplicates = _Duplicates(kind)
    confirmed: set[int] = set()  # lines whose new_record column confirms a new person
    columns = [c for c in COLUMNS[kind] if not c.startswith("applicant")]
    with transaction.atomic():
        batch: list[tuple[int, Any]] = []
        for line, row in rows:
            errors: dict[str, list[str]] = {}
            values = _parse(row, columns, errors)
            if values.get("new_record"):
                confirmed.add(line)
            lookups.resolve(values, errors)
            result = (_validate_child(values, errors, seen_iins, lookups) if kind == "children"
                      else _validate_family(values, row, errors, seen_iins))
            if result is None:
                report.rejected.append({"line": line, "errors": errors})
                continue
            earlier = duplicates.in_file(_Duplicates.people(line, result, kind))
            if earlier and line not in confirmed:
                report.possible_duplicates.append({"line": line, "duplicates": earlier})
                report.rejected.append({"line": line, "errors": {"new_record": [_duplicate_message(earlier)]}})
                continue
            batch.append((line, result))
            if len(batch) >= BATCH_SIZE:
                _write_batch(batch, kind, report, actor, write=partial or not report.rejected, duplicates=duplicates,
                             confirmed=confirmed)
                batch = []
        _write_batch(batch, kind, report, actor, write=partial or not report.rejected, duplicates=duplicates,
                     confirmed=confirmed)
        if report.rejected and not partial:
            transaction.set_rollback(True)  # all or nothing: the batches already written go too
            report.imported = 0
    report.accepted.sort()
    report.rejected.sort(key=lambda r: r["line"])
    report.possible_duplicates.sort(key=lambda r: r["line"])
    return report


def _write_batch(batch: list[tuple[int, Any]], kind: str, report: ImportReport, actor: User | None, *, write: bool,
                 duplicates: "_Duplicates", confirmed: set[int]) -> None:
    if not batch:
        return
    # Possible duplicates in the registry (one query for the batch): refused unless confirmed new.
    refused: set[int] = set()
    for line, found in duplicates.in_registry(batch).items():
        if kind == "children":
            found = [d for d in found if d["reason"] != "same_iin"]  # a child's IIN is unique: refused below
        if not found or line in confirmed:
            continue
        report.possible_duplicates.append({"line": line, "duplicates": found})
        report.rejected.append({"line": line, "errors": {"new_record": [_duplicate_message(found)]}})
        refused.add(line)
    batch = [(line, result) for line, result in batch if line not in refused]
    if kind == "children":
        # One query per batch for the IINs already in the registry.
        iins = [child.iin for _line, (child, _unit) in batch if child.iin]
        taken = set(Child.objects.filter(iin__in=iins).values_list("iin", flat=True)) if iins else set()
        for line, (child, _unit) in batch:
            if child.iin in taken:
                report.rejected.append({"line": line, "errors": {"iin": [_("A child with this IIN is already registered.")]}})
        batch = [(line, result) for line, result in batch if result[0].iin not in taken]
    if write and batch:
        try:
            with transaction.atomic():  # a savepoint: a failed batch is undone alone
                _write(batch, kind, actor)
        except IntegrityError:
            # A database rule not mirrored above: find the rows that break it, one by one.
            batch = _strict_recheck(batch, kind, report)
            if batch:
                _write(batch, kind, actor)
        report.imported += len(batch)
    report.accepted.extend(line for line, _result in batch)


def _strict_recheck(batch: list[tuple[int, Any]], kind: str, report: ImportReport) -> list[tuple[int, Any]]:
    kept = []
    for line, result in batch:
        errors: dict[str, list[str]] = {}
        instance = result[0]
        exclude = {"iin"} if kind == "children" else set()
        _collect(errors, lambda instance=instance, exclude=exclude: instance.validate_constraints(exclude=exclude))
        if kind == "families":
            for person in result[1]:
                _collect(errors, lambda person=person: person.validate_constraints(exclude={"family"}),
                         f"applicant{person.position}_")
        if errors:
            report.rejected.append({"line": line, "errors": errors})
        else:
            kept.append((line, result))
    return kept


def _write(batch: list[tuple[int, Any]], kind: str, actor: User | None) -> None:
    if kind == "children":
        _write_children([result for _line, result in batch], actor)
    else:
        _write_families([result for _line, result in batch], actor)


def _history(actor: User | None) -> dict[str, Any]:
    """Who and why of the history rows of an import (simple-history's bulk helpers)."""
    return history_kwargs(user=actor, reason=gettext_noop("Imported from the registry file."))


def _write_children(valid: list[tuple[Child, int]], actor: User | None) -> int:
    # With history: bulk_create sends no signal, so a plain bulk_create left no history row. Nor
    # does it call save(): the search column is filled here.
    for child, _unit in valid:
        child.refresh_search_text()
    children = bulk_create_with_history([child for child, _unit in valid], Child, batch_size=1000, **_history(actor))
    now = timezone.now()
    cases = bulk_create_with_history(
        [Case(child=child, responsible_unit_id=unit_id, stage=Stage.REGISTERED, stage_entered_at=now,
              opened_on=timezone.localdate()) for child, (_child, unit_id) in zip(children, valid, strict=True)],
        Case, batch_size=1000, **_history(actor),
    )
    StageChange.objects.bulk_create(
        [StageChange(case=case, from_stage="", to_stage=Stage.REGISTERED, actor=actor, changed_at=now,
                     reason=gettext_noop("Imported from the registry file.")) for case in cases],
        batch_size=1000,
    )
    return len(children)


def _write_families(valid: list[tuple[Family, list[Applicant]]], actor: User | None) -> int:
    families = bulk_create_with_history([family for family, _people in valid], Family, batch_size=1000, **_history(actor))
    applicants = []
    for family, (_family, people) in zip(families, valid, strict=True):
        for person in people:
            person.family = family
            person.refresh_search_text()  # bulk_create does not call save()
            applicants.append(person)
    bulk_create_with_history(applicants, Applicant, batch_size=1000, **_history(actor))
    return len(families)


def import_uploaded_file(*, data: bytes, kind: str, partial: bool, actor: User | None) -> ImportReport:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The file is not UTF-8 text.")) from exc
    return import_registry(text=io.StringIO(text, newline=""), kind=kind, partial=partial, actor=actor)
