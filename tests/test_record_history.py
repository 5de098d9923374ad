"""A record's history on the family's and the child's page, and the case's timeline, as a newcomer
read them (the fresh look of 2026-11): every entry says what changed (the field, from → to), who and
when; none is a bare "Changed" or an empty "Applicant 1: Changed".

Written: a save of the same values writes no version (update_family, update_child), and the demo's
records, loaded by COPY without history, get the history a register would hold (demo.history).
Shown: a record's first version kept without its registration lists the values it recorded instead
of pretending to know what they were before; an applicant removed says so."""

import datetime as dt
import re
from html import unescape
from io import StringIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import Stage, StageChange
from children.models import Child
from families.models import Applicant, Family
from tests import factories
from tests.test_web_families import form_data

pytestmark = pytest.mark.django_db

ENTRY = re.compile(r'<ol class="timeline">(.*?)</ol>', re.S)


def history_entries_html(html: str) -> list[str]:
    """The top-level <li> of the history's list (each entry with its nested list of changes)."""
    section = html[html.index('id="history"'):]
    timeline = ENTRY.search(section)[1]
    entries, depth, start = [], 0, None
    for tag in re.finditer(r"<(/?)li\b[^>]*>", timeline):
        if not tag[1]:
            if depth == 0:
                start = tag.start()
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                entries.append(timeline[start:tag.end()])
    return entries


def says_what_changed(entry: str) -> bool:
    """An entry lists at least one change ("label: old → new") or the values it recorded."""
    return bool(re.search(r"<li>[^<]+: [^<]*</li>", entry))


@pytest.fixture
def registered_family(client, worker, region) -> Family:
    client.force_login(worker)
    assert client.post(reverse("web:family-new"), form_data(region)).status_code == 302
    return Family.objects.get(applicants__last_name="Қасымов")


def versions(family: Family) -> tuple[int, int]:
    return family.history.count(), Applicant.history.filter(family_id=family.pk).count()


def test_sending_the_family_form_back_unchanged_writes_no_version(client, registered_family, region):
    before = versions(registered_family)
    response = client.post(reverse("web:family-edit", args=[registered_family.pk]), form_data(region), follow=True)
    assert response.status_code == 200
    assert versions(registered_family) == before
    assert "Nothing was changed: the family&#x27;s record stays as it was." in response.content.decode()


def test_editing_the_family_writes_no_version_for_an_applicant_left_as_they_were(client, registered_family, region):
    family_versions, applicant_versions = versions(registered_family)
    client.post(reverse("web:family-edit", args=[registered_family.pk]), form_data(region, preferred_age_max=9))
    assert versions(registered_family) == (family_versions + 1, applicant_versions)
    client.post(reverse("web:family-edit", args=[registered_family.pk]),
                form_data(region, preferred_age_max=9, **{"a2-first_name": "Айгерім"}))
    assert versions(registered_family) == (family_versions + 1, applicant_versions + 1)


@pytest.mark.parametrize(("language", "removed", "changed"), [
    ("en", "Applicant 2: Removed", "Oldest age accepted"),
    ("ru", "Заявитель 2: Удалён", None),
    ("kk", "2-өтініш беруші: Жойылды", None),
])
def test_every_entry_of_the_familys_history_says_what_changed(client, registered_family, region, language, removed, changed):
    client.post(reverse("web:family-edit", args=[registered_family.pk]), form_data(region, preferred_age_max=9))
    client.post(reverse("web:family-edit", args=[registered_family.pk]), form_data(region, preferred_age_max=9, couple=False))
    html = client.get(reverse("web:family", args=[registered_family.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    entries = history_entries_html(html)
    # Registered (family, 2 applicants), the age changed, the second applicant removed.
    assert len(entries) == 5
    assert sum(removed in e for e in entries) == 1
    assert all(says_what_changed(e) or removed in e for e in entries), entries
    assert any("6 → 9" in e for e in entries)
    if changed:
        assert any(changed in e and "6 → 9" in e for e in entries)


@pytest.mark.parametrize(("language", "first_kept"), [
    ("en", "The first version kept: what it held before was not recorded."),
    ("ru", "Первая сохранённая версия: прежние значения не записывались."),
    ("kk", "Сақталған алғашқы нұсқа: оған дейінгі мәндер жазылмаған."),
])
def test_a_record_loaded_without_history_shows_the_values_its_first_version_recorded(client, worker, language, first_kept):
    """A family loaded by COPY (no "registered" version) whose first version kept is an approval
    request: that entry lists the values it held, never an empty "Changed"."""
    family = factories.FamilyFactory(responsible_unit=worker.unit, approval_status="under_assessment", approved_on=None,
                                     approval_expires_on=None)
    factories.ApplicantFactory(family=family, position=1)
    family.history.all().delete()
    Applicant.history.filter(family_id=family.pk).delete()
    client.force_login(worker)
    client.post(reverse("web:family-approval-request", args=[family.pk]))
    html = client.get(reverse("web:family", args=[family.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    entries = history_entries_html(html)
    assert len(entries) == 1 and first_kept in entries[0] and says_what_changed(entries[0])
    with translation.override(language):
        unit = str(worker.unit)  # "department → district": its arrow is no change
    assert unit in entries[0]
    assert "None" not in entries[0] and " → " not in entries[0].replace(unit, "")  # no made-up "before"


def test_the_changes_of_an_entry_are_a_list_of_their_own_not_timeline_entries():
    """The double bullets: the timeline's dot was drawn on every <li> inside it, the changes' too."""
    from pathlib import Path

    css = (Path(__file__).resolve().parent.parent / "web/static/web/css/app.css").read_text()
    assert "ol.timeline > li::before" in css
    assert not re.search(r"ol\.timeline li(::before|\s*\{)", css)


def test_saving_a_childs_record_unchanged_writes_no_version(client, worker, region):
    from tests.test_web_children import form_data as child_form

    home = factories.ChildrensHomeFactory(region=region)
    own_child = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, child__sex="F",
                                      child__birth_date=dt.date(2015, 6, 1)).child
    client.force_login(worker)
    before = own_child.history.count()
    data = child_form(region, home, last_name=own_child.last_name, first_name=own_child.first_name, iin=own_child.iin,
                      birth_date=own_child.birth_date.isoformat(), sex=own_child.sex)
    client.post(reverse("web:child-edit", args=[own_child.pk]), data)  # the form's own values once
    settled = own_child.history.count()
    response = client.post(reverse("web:child-edit", args=[own_child.pk]), data, follow=True)
    assert response.status_code == 200 and own_child.history.count() == settled >= before
    assert "Nothing was changed: the child&#x27;s record stays as it was." in response.content.decode()


@pytest.mark.parametrize(("language", "title"), [
    ("en", "matching → acquaintance"),
    ("ru", "подбор семьи → знакомство"),
    ("kk", "отбасы іріктеу → танысу"),
])
def test_a_stage_change_on_the_case_timeline_says_from_which_stage_to_which(client, worker, language, title):
    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.ACQUAINTANCE)
    StageChange.objects.create(case=case, from_stage=Stage.MATCHING, to_stage=Stage.ACQUAINTANCE, actor=worker,
                               changed_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(worker)
    html = client.get(reverse("web:case", args=[case.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<li class="tl-stage"><strong>{title}</strong>' in html


def test_the_demo_gives_its_records_the_history_a_register_would_hold(client):
    """make run's demo: families registered, their certificates entered, approved by a supervisor;
    each record's last version equal to the record (a later edit shows "from → to" against it)."""
    from demo.services import demo_setup

    # The service, not the command: the command's default number of children is read once, when its
    # module is first imported (tests/test_seed.py sets it before that).
    setup = demo_setup(children=120, progress=False, stderr=StringIO())
    assert any(line.startswith("Record histories written") for line in setup.summary)
    families = Family.objects.all()
    assert families.exists()
    for family in families:
        kept = list(family.history.order_by("history_date", "history_id"))
        assert kept[0].history_type == "+" and kept[0].history_change_reason == "POST /families/new/"
        last = kept[-1]
        assert all(getattr(last, f.attname) == getattr(family, f.attname) for f in Family._meta.concrete_fields
                   if f.name not in ("created_at", "updated_at")), family.pk
        if family.approved_on:
            assert any(v.history_change_reason == f"POST /families/{family.pk}/approval/" and v.approval_status == "approved"
                       for v in kept)
    assert not Applicant.objects.exclude(pk__in=Applicant.history.values("id")).exists()
    assert not Child.objects.exclude(pk__in=Child.history.values("id")).exists()
    # Run again (make run every time): nothing more.
    rows = Family.history.count(), Applicant.history.count(), Child.history.count()
    again = demo_setup(children=120, progress=False, stderr=StringIO())
    assert not any(line.startswith("Record histories written") for line in again.summary)
    assert (Family.history.count(), Applicant.history.count(), Child.history.count()) == rows

    approved = families.filter(approved_on__isnull=False, approval_status="approved").first()
    supervisor = factories.UserFactory(role="supervisor", unit=approved.responsible_unit.parent or approved.responsible_unit)
    client.force_login(supervisor)
    for language, decided in (("en", "Approval decided"), ("ru", "Принято решение об одобрении"),
                              ("kk", "Мақұлдау туралы шешім қабылданды")):
        html = client.get(reverse("web:family", args=[approved.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        entries = history_entries_html(html)
        assert len(entries) >= 3 and all(says_what_changed(e) for e in entries), entries
        assert any(decided in e for e in entries)


@pytest.mark.parametrize(("language", "change", "passed"), [
    ("en", "Change in the family recorded", "Passed carer check recorded"),
    ("ru", "Записано изменение в семье", "Записана пройденная проверка воспитателя"),
    ("kk", "Отбасындағы өзгеріс тіркелді", "Тәрбиешіні тексерудің сәтті өткені тіркелді"),
])
def test_a_change_and_a_passed_check_recorded_on_the_familys_page_say_so_in_its_history(client, worker, language,
                                                                                      change, passed):
    """The entries written by the page's 'Record a change in the family' (POST /families/<id>/change/)
    and 'Record a carers' check that passed' (POST /families/<id>/carer-check/) name the action, as the
    edit form's and the approval's entries do (web_tags._ACTIONS); they had no line saying why."""
    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region, approval_status="approved",
                                     approved_on=timezone.localdate() - dt.timedelta(days=90))
    applicant = factories.ApplicantFactory(family=family, position=1)
    client.force_login(worker)
    failed_on = timezone.localdate() - dt.timedelta(days=3)
    client.post(reverse("web:family-change", args=[family.pk]), {
        "kind": "carer_check", "applicant": applicant.pk, "failure": "conviction", "on": failed_on.isoformat()})
    client.post(reverse("web:family-carer-check", args=[family.pk]), {"on": timezone.localdate().isoformat()})
    family.refresh_from_db()
    assert family.carer_check_failure == "" and family.carer_checked_on == timezone.localdate()
    client.cookies["django_language"] = language
    entries = [unescape(e) for e in history_entries_html(client.get(reverse("web:family", args=[family.pk])).content.decode())]
    assert sum(change in e for e in entries) == 1 and sum(passed in e for e in entries) == 1, entries


@pytest.mark.parametrize(("language", "label"), [
    ("en", "Responsible unit"), ("ru", "Ответственное подразделение"), ("kk", "Жауапты бөлімше")])
def test_the_familys_history_names_its_responsible_unit_not_its_id(client, worker, language, label,
                                                                  django_assert_max_num_queries):
    """The registration's values and a transfer show the responsible unit as the family's page writes it
    ('department → district', in the reader's language); they read 'Responsible unit: 28'."""
    from families.selectors import family_history

    family = factories.FamilyFactory(responsible_unit=worker.unit, region=worker.unit.region)
    other = factories.DistrictFactory(parent=worker.unit.parent)
    family.responsible_unit = other
    family.save()
    # The department's supervisor sees the family in either district.
    client.force_login(factories.UserFactory(role="supervisor", unit=worker.unit.parent))
    client.cookies["django_language"] = language
    html = unescape(client.get(reverse("web:family", args=[family.pk])).content.decode())
    with translation.override(language):
        before, after = str(worker.unit), str(other)
    assert f"<li>{label}: {before}</li>" in html  # the registration's values
    assert f"<li>{label}: {before} → {after}</li>" in html  # the change
    assert f"{label}: {worker.unit.pk}<" not in html and f"→ {other.pk}<" not in html
    family.refresh_from_db()
    with django_assert_max_num_queries(4):
        family_history(family)


@pytest.mark.parametrize(("language", "label", "recorded"), [
    ("en", "Brothers and sisters", "recorded"), ("ru", "Братья и сёстры", "записаны"), ("kk", "Бауырлары", "тіркелді")])
def test_the_childs_history_names_the_sibling_group_as_its_page_does_not_by_its_id(
        client, worker, language, label, recorded, django_assert_max_num_queries):
    """Joining a brother or sister read 'Sibling group: — → 12' in the child's history; it reads as the
    page's section: 'Brothers and sisters: — → recorded', and leaving the group '… recorded → —'. The
    history takes at most three queries (the versions, the homes' and the regions' names)."""
    from children.selectors import child_history
    from children.services import add_sibling, remove_from_sibling_group

    case = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit)
    brother = factories.CaseFactory(assigned_worker=worker, responsible_unit=worker.unit).child
    add_sibling(child=case.child, sibling=brother, actor=worker)
    child = Child.objects.get(pk=case.child.pk)
    group = child.sibling_group_id
    remove_from_sibling_group(child=child, actor=worker)
    client.force_login(worker)
    client.cookies["django_language"] = language
    html = unescape(client.get(reverse("web:child", args=[child.pk])).content.decode())
    assert f"<li>{label}: — → {recorded}</li>" in html and f"<li>{label}: {recorded} → —</li>" in html
    assert f"→ {group}<" not in html and f"{group} →" not in html
    child.refresh_from_db()
    with django_assert_max_num_queries(3):
        child_history(child, sensitive=True)
