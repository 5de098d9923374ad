"""seed_demo and demo_setup on a small data set, on PostgreSQL (the COPY path)."""

import hashlib
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Q

from accounts.models import OrganisationalUnit, User
from cases.models import Case, Placement, Stage, StageChange
from children.models import Child, ChildrensHome
from core.ages import applicant_age_errors, child_age_errors
from core.iin import validate_iin, validate_iin_matches
from core.names import search_text
from demo import loader, services
from families.models import Applicant, Family
from regions.models import Region
from visits.models import Visit

pytestmark = pytest.mark.django_db

N = 300


def seed(children: int = N, seed_value: int = 7, *flags: str) -> str:
    out = StringIO()
    args = ["--children", str(children), "--seed", str(seed_value), "--no-progress", *flags]
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def digest() -> str:
    """A digest of the key columns of every seeded table, independent of ids."""
    parts = [
        Child.objects.order_by("id").values_list("last_name", "first_name", "birth_date", "sex", "iin", "legal_status", "entered_care_on"),
        Case.objects.order_by("id").values_list("stage", "opened_on", "closed_on", "outcome", "form_of_care"),
        Placement.objects.order_by("id").values_list("form_of_care", "started_on", "ended_on", "end_reason", "return_reason"),
        Visit.objects.order_by("id").values_list("kind", "planned_on", "done_on", "child_condition"),
        StageChange.objects.order_by("id").values_list("from_stage", "to_stage", "changed_at"),
        Family.objects.order_by("id").values_list("approval_status", "applied_on", "home_study_expires_on"),
        Applicant.objects.order_by("id").values_list("iin", "position"),
    ]
    h = hashlib.sha256()
    for rows in parts:
        for row in rows:
            h.update(repr(row).encode())
    return h.hexdigest()


def table_checksums() -> dict[str, str]:
    """An md5 of every column of every seeded table (ids included), for comparing two loads of one seed."""
    sums = {}
    with connection.cursor() as cursor:
        for model in services.SEEDED_MODELS:
            table = model._meta.db_table
            cursor.execute(f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY id)) FROM {table} t")
            sums[table] = cursor.fetchone()
    return sums


@pytest.fixture
def fixed_now(monkeypatch):
    """created_at of the rows loaded without a history is the time of the seed: fix it."""
    import datetime as dt

    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC))


def index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)",
            [[m._meta.db_table for m in services.SEEDED_MODELS]],
        )
        indexes = {r[0] for r in cursor.fetchall()}
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)",
            [[m._meta.db_table for m in services.SEEDED_MODELS]],
        )
        return indexes | {r[0] for r in cursor.fetchall()}


def test_seed_loads_children_with_their_cases_placements_and_visits():
    output = seed()
    assert Child.objects.count() == N
    assert Case.objects.count() == N
    assert N * 1.1 < Placement.objects.count() < N * 2.0
    assert Visit.objects.count() > N * 5
    assert StageChange.objects.count() > N
    assert Family.objects.count() > 0 and Applicant.objects.count() >= Family.objects.count()
    assert f"Seeded {N} children" in output
    assert "visits_visit" in output


def test_every_region_has_children_homes_and_district_authorities():
    seed()
    regions = Region.objects.count()
    assert regions == 20
    assert ChildrensHome.objects.values("region").distinct().count() == regions
    assert OrganisationalUnit.objects.filter(kind="district").values("region").distinct().count() == regions
    assert set(ChildrensHome.objects.values_list("home_type", flat=True)) == set(ChildrensHome.HomeType.values)
    assert User.objects.filter(role="social_worker").exists() and User.objects.filter(role="supervisor").count() >= regions


def test_a_childrens_home_is_named_with_its_regions_name_not_its_code():
    seed()
    home = ChildrensHome.objects.select_related("region").order_by("id").first()
    assert home.name_ru.endswith(f"({home.region.name_ru})")
    # Named in the three languages, as the regions are.
    assert home.name_kk.endswith(f"({home.region.name_kk})") and home.name_en.endswith(f"({home.region.name_en})")
    codes = set(Region.objects.values_list("code", flat=True))
    assert not [h for h in ChildrensHome.objects.values_list("name_ru", flat=True) if h.rsplit("(", 1)[-1].rstrip(")") in codes]


def test_every_family_and_home_has_an_address_for_the_visits():
    # A home visit starts from the family's address (the visit kit prints it on each card).
    seed()
    assert not Family.objects.filter(address="").exists()
    assert not ChildrensHome.objects.filter(address="").exists()
    assert Family.objects.values("address").distinct().count() > Family.objects.count() // 2


def test_cases_are_at_every_stage_with_a_stage_history():
    seed()
    assert set(Case.objects.values_list("stage", flat=True)) == set(Stage.values)
    # Every case's history ends in its current stage.
    for case in Case.objects.all()[:100]:
        last = case.stage_changes.order_by("changed_at", "id").last()
        assert last.to_stage == case.stage
        assert case.stage_changes.order_by("changed_at", "id").first().from_stage == ""


def test_returns_record_their_reason_and_reopen_the_childs_path():
    seed()
    returned = Placement.objects.filter(end_reason="returned")
    assert returned.exists()
    assert not returned.filter(return_reason="").exists()
    assert 0.10 < returned.count() / Placement.objects.count() < 0.28
    # A return moves the case from "placed" back to "registered", keeping the history.
    back = StageChange.objects.filter(from_stage="placed", to_stage="registered")
    assert back.exists() and not back.filter(reason="").exists()
    # Some children are back in care after a return: an open case, no active placement, a home.
    reopened = Case.objects.filter(stage__in=["registered", "available", "matching"], placements__end_reason="returned").distinct()
    assert reopened.exists()
    child = reopened.first().child
    assert child.current_home is not None
    assert not child.placements.filter(ended_on__isnull=True).exists()


def test_every_end_reason_and_case_outcome_occurs_on_a_larger_seed():
    seed(2000, 3)
    assert set(Placement.objects.exclude(end_reason="").values_list("end_reason", flat=True)) == {
        "permanency", "came_of_age", "reunified", "transferred", "returned", "death"
    }
    assert set(Case.objects.exclude(outcome="").values_list("outcome", flat=True)) == {
        "permanency", "came_of_age", "reunified", "transferred", "death"
    }


def test_rows_agree_with_the_rules_the_constraints_state():
    seed()
    assert not Child.objects.annotate(active=Count("placements", filter=Q(placements__ended_on__isnull=True))).filter(active__gt=1).exists()
    assert not Visit.objects.filter(done_on__isnull=False, worker__isnull=True).exists()
    assert not Case.objects.filter(stage="closed", outcome="").exists()
    assert not Case.objects.exclude(stage="closed").exclude(outcome="").exists()
    assert Placement.objects.filter(ended_on__isnull=True).count() == Case.objects.filter(stage="placed").count()
    assert not Family.objects.filter(approval_status="approved", approval_expires_on__isnull=True).exists()
    assert set(Applicant.objects.values_list("position", flat=True)) == {1, 2}
    # Placements of children placed together share the family, dates and form of care.
    assert Placement.objects.filter(siblings_separated=False, child__sibling_group__isnull=False).exists()


def test_seeded_placements_follow_the_2025_rules_of_the_forms_of_care():
    import datetime as dt

    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    from cases.services import age_on

    seed(2000, 3)
    today = timezone.localdate()
    placements = list(Placement.objects.select_related("child", "family"))
    assert not [p for p in placements if p.form_of_care == "kinship" or p.family.form_of_care == "kinship"]
    # Guardianship only under 14 at the start; an open one of a child of 15 or more has been converted.
    assert all(age_on(p.child.birth_date, p.started_on) < 14 for p in placements if p.form_of_care == "guardianship")
    assert not [p for p in placements if p.form_of_care == "guardianship" and p.ended_on is None
                and age_on(p.child.birth_date, today) >= 15]
    assert all(age_on(p.child.birth_date, p.started_on) >= 14 or p.converted_to_trusteeship_on
               for p in placements if p.form_of_care == "trusteeship")
    assert {"none", "grandparent"} <= {p.carer_relationship for p in placements}
    # Professional foster families exist only since 1 July 2025, with trained carers and at most 4 children
    # at once (a sibling group counted once).
    professional = [p for p in placements if p.form_of_care == "professional_foster"]
    assert professional and all(p.started_on >= dt.date(2025, 7, 1) for p in professional)
    assert all(p.family.psychological_training_issued_on for p in professional)
    units: dict[int, set] = {}
    for p in professional:
        if p.ended_on is None:
            units.setdefault(p.family_id, set()).add(p.child.sibling_group_id or -p.child_id)
    assert all(len(u) <= 4 for u in units.values())
    # No visit still planned on or after a child's 18th birthday.
    assert not [v for v in Visit.objects.filter(done_on__isnull=True).select_related("placement__child")
                if v.planned_on >= v.placement.child.birth_date + relativedelta(years=18)]


def test_secondary_indexes_and_constraints_are_rebuilt_after_the_load():
    before = index_names()
    seed()
    assert index_names() == before


def test_every_iin_is_valid_and_agrees_with_birth_date_and_sex():
    seed()
    children = list(Child.objects.values_list("iin", "birth_date", "sex"))
    with_iin = [c for c in children if c[0]]
    assert 0.85 * N < len(with_iin) < N  # some found children have no IIN yet
    for iin, birth_date, sex in with_iin + list(Applicant.objects.values_list("iin", "birth_date", "sex")):
        validate_iin(iin)
        assert validate_iin_matches(iin, birth_date=birth_date, sex=sex) == {}
    # The COPY bypasses the models' save(): the loader writes search_text as save() would.
    for model in (Child, Applicant):
        for last, first, patronymic, iin, text in model.objects.values_list("last_name", "first_name", "patronymic", "iin",
                                                                            "search_text"):
            assert text == search_text(last_name=last, first_name=first, patronymic=patronymic, iin=iin)


def test_every_seeded_person_has_a_plausible_age():
    """core.ages's rules (the services' at registration): each child under 18 on the day their first case
    opened (the day of registration) and entered care after birth; each applicant 18 to 100 on the
    application date."""
    seed()
    first_case = {}
    for child_id, opened_on in Case.objects.order_by("opened_on").values_list("child_id", "opened_on"):
        first_case.setdefault(child_id, opened_on)
    for child_id, birth_date, entered_care_on in Child.objects.values_list("id", "birth_date", "entered_care_on"):
        assert child_age_errors(birth_date, first_case[child_id]) == {}
        assert birth_date <= entered_care_on
    for birth_date, applied_on in Applicant.objects.values_list("birth_date", "family__applied_on"):
        assert applicant_age_errors(birth_date, applied_on) == {}


def test_certificates_include_expired_and_soon_expiring_ones():
    seed(1000, 11)
    from django.utils import timezone

    today = timezone.localdate()
    expiries = list(Family.objects.exclude(home_study_expires_on=None).values_list("home_study_expires_on", flat=True))
    assert any(d < today for d in expiries)
    assert any(0 <= (d - today).days <= 60 for d in expiries)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    seed(N, 5)
    first = digest()
    seed(N, 5, "--flush")
    assert digest() == first
    seed(N, 6, "--flush")
    assert digest() != first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--children", "0"], "out of range"),
        (["--children", "-5"], "out of range"),
        (["--children", "abc"], "not a whole number"),
        (["--children", "1000000000"], "out of range"),
        (["--children", "10", "--seed", "-1"], "out of range"),
        ([], "--children"),
        (["--children", "10", "--append", "--flush"], "not allowed with"),
    ],
)
def test_bad_arguments_are_rejected_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", *args, "--no-progress", stdout=StringIO(), stderr=StringIO())
    assert not Child.objects.exists()


def test_refuses_a_database_that_already_holds_children():
    seed()
    with pytest.raises(CommandError, match=r"--append.*--flush"):
        seed(50)
    assert Child.objects.count() == N


def test_append_adds_children_after_the_existing_ones():
    seed()
    seed(100, 8, "--append")
    assert Child.objects.count() == N + 100
    assert Case.objects.count() == N + 100
    iins = list(Child.objects.exclude(iin=None).values_list("iin", flat=True))
    assert len(iins) == len(set(iins))


def test_flush_replaces_the_seeded_data():
    seed()
    seed(120, 9, "--flush")
    assert Child.objects.count() == 120
    assert not Visit.objects.exclude(placement__child__in=Child.objects.all()).exists()


def fail_at_the_cases(monkeypatch) -> None:
    """Make the seed's encoding of cases_case fail ("disk full"), text or binary: homes, children and
    families are already copied by then."""
    real_encode, real_binary = loader.encode_table, loader.encode_table_binary

    def fail_if_cases(table):
        if table.name == "cases_case":
            raise RuntimeError("disk full")

    def encode_or_fail(table):
        fail_if_cases(table)
        return real_encode(table)

    def binary_or_fail(table, types):
        fail_if_cases(table)
        return real_binary(table, types)

    monkeypatch.setattr(loader, "encode_table", encode_or_fail)
    monkeypatch.setattr(loader, "encode_table_binary", binary_or_fail)


def test_a_failed_seed_leaves_no_rows_and_the_indexes_in_place(monkeypatch):
    before = index_names()
    fail_at_the_cases(monkeypatch)
    with pytest.raises(RuntimeError, match="disk full"):
        seed()
    assert not Child.objects.exists()
    assert not ChildrensHome.objects.exists()
    assert not Family.objects.exists()
    assert index_names() == before


def test_demo_setup_seeds_once_and_creates_one_user_per_role(monkeypatch):
    monkeypatch.setattr(services, "DEMO_CHILDREN", N)
    out = StringIO()
    call_command("demo_setup", "--no-progress", stdout=out, stderr=StringIO())
    assert Child.objects.count() == N
    text = out.getvalue()
    for username, password, role, _ in services.DEMO_USERS:
        assert f"{username}" in text and password in text and role in text
        user = authenticate(username=username, password=password)
        assert user is not None and user.role == role
    assert User.objects.get(username="admin").is_superuser
    worker = User.objects.get(username="worker")
    # Names as Kazakhstan writes them, shown as they are on the kk, ru and en pages.
    assert worker.get_full_name() == "Айгерим Серикова"
    assert {u.username: (u.first_name, u.last_name) for u in User.objects.filter(username__in=services.DEMO_NAMES)} == services.DEMO_NAMES
    supervisor = User.objects.get(username="supervisor")
    assert supervisor.unit == worker.unit.parent
    assert User.objects.get(username="analyst").unit.kind == "ministry"
    assert Case.objects.filter(assigned_worker=worker).exclude(stage="closed").exists()
    # The quick start's supervisor opens the dashboard on figures precomputed for today, with data.
    from django.utils import timezone

    from web.figures import precomputed_figures

    figures = precomputed_figures(user=supervisor, today=timezone.localdate())
    assert figures is not None and sum(r["open_cases"] for r in figures["caseload"]) > 0


def test_demo_setup_run_twice_reuses_the_data_and_the_users(monkeypatch):
    monkeypatch.setattr(services, "DEMO_CHILDREN", N)
    call_command("demo_setup", "--no-progress", stdout=StringIO(), stderr=StringIO())
    cases_of_worker = set(Case.objects.filter(assigned_worker__username="worker").values_list("id", flat=True))
    users = User.objects.count()
    # A demo set up before the users had names (the old placeholder) gets them; a name changed by hand stays.
    User.objects.filter(username="worker").update(first_name="Social Worker", last_name="Demo")
    User.objects.filter(username="analyst").update(first_name="Ержан", last_name="Касымов")
    out = StringIO()
    call_command("demo_setup", "--no-progress", stdout=out, stderr=StringIO())
    assert User.objects.get(username="worker").get_full_name() == "Айгерим Серикова"
    assert User.objects.get(username="analyst").get_full_name() == "Ержан Касымов"
    assert "reusing" in out.getvalue()
    assert Child.objects.count() == N
    assert User.objects.count() == users
    assert set(Case.objects.filter(assigned_worker__username="worker").values_list("id", flat=True)) == cases_of_worker
    assert authenticate(username="worker", password="otbasy-worker") is not None


def test_binary_copy_loads_exactly_the_rows_of_the_text_copy(monkeypatch, fixed_now):
    monkeypatch.setattr(loader, "BINARY", False)
    seed()
    text = table_checksums()
    seed(N, 7, "--flush")
    monkeypatch.setattr(loader, "BINARY", True)
    seed(N, 7, "--flush")
    assert table_checksums() == text
    assert text["visits_visit"][0] > N * 5


def test_binary_copy_is_used_for_every_seeded_table():
    # Every column the generator writes has a binary form: a new column kind or type would
    # quietly fall back to text (and the national seed would slow down).
    from demo import generator

    with connection.cursor() as cursor:
        types = loader.column_types(cursor, [m._meta.db_table for m in services.SEEDED_MODELS])
    structure = services.ensure_structure(n_children=N)
    for table in generator.iter_tables(
        n_children=N, seed=1, today=__import__("datetime").date(2026, 11, 30), structure=structure,
        ids=services._next_ids(), now_ts="2026-11-30 09:00:00+00",
    ):
        assert loader.encode_table_binary(table, types[table.name]) is not None, table.name


def test_every_placement_rests_on_a_decision_and_a_case_at_acquaintance_has_its_family_chosen():
    """As the real flow leaves them (matching.services.choose_for_acquaintance, then the decision): each
    placement with its decision's number and date (cases.services.place_child asks for them); a case at
    acquaintance or decision with the family chosen on the matching page (decision_family, and its
    Acquaintance row), one the move to the decision accepts (check_family_can_take)."""
    from django.utils import timezone

    from cases.services import check_family_can_take
    from matching.models import Acquaintance

    seed(children=1000)
    assert not Placement.objects.filter(Q(decision_document_number="") | Q(decision_date__isnull=True)).exists()
    waiting = list(Case.objects.filter(stage__in=[Stage.ACQUAINTANCE, Stage.DECISION]).select_related("decision_family", "child"))
    assert any(case.stage == Stage.ACQUAINTANCE for case in waiting)
    for case in waiting:
        family = case.decision_family
        assert family is not None, case.pk
        if family.form_of_care != case.form_of_care:
            # Brothers and sisters share the family chosen for the first one's form: one of 14 or older is
            # under trusteeship where a younger one is under guardianship.
            assert case.child.sibling_group_id and {family.form_of_care, case.form_of_care} == {"guardianship", "trusteeship"}
            continue
        check_family_can_take(family=family, case=case, on=timezone.localdate())
    assert Acquaintance.objects.filter(case__stage=Stage.ACQUAINTANCE).count() == sum(c.stage == Stage.ACQUAINTANCE for c in waiting)
    for acquaintance in Acquaintance.objects.select_related("case"):
        assert acquaintance.family_id == acquaintance.case.decision_family_id
        assert acquaintance.chosen_by_id == acquaintance.case.assigned_worker_id
