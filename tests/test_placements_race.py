"""Two users placing the same child at the same moment: real concurrent transactions on PostgreSQL."""

import threading

import pytest
from django.db import connection, connections

from cases.models import Case, DecisionStatus, Placement, Stage
from cases.services import place_child
from core.exceptions import DomainError
from tests import factories
from tests.factories import placement_decision as decided


# serialized_rollback: the flush of a transactional test empties the regions loaded by migrations.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_only_one_of_two_concurrent_placements_succeeds():
    worker = factories.UserFactory(role="social_worker")
    other = factories.UserFactory(role="social_worker", unit=worker.unit)
    case = factories.CaseFactory(
        assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.DECISION, form_of_care="adoption",
        decision_family=factories.FamilyFactory(), decision_status=DecisionStatus.APPROVED,
    )
    barrier = threading.Barrier(2)
    results: list[str] = []

    def place(actor) -> None:
        try:
            stale = Case.objects.get(pk=case.pk)  # both read the case before either writes
            barrier.wait(timeout=10)
            place_child(**decided(), case=stale, actor=actor)
            results.append("placed")
        except DomainError as exc:
            results.append(f"refused: {exc.message}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=place, args=(user,)) for user in (worker, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(r.split(":")[0] for r in results) == ["placed", "refused"]
    assert Placement.objects.filter(case=case).count() == 1
    assert Case.objects.get(pk=case.pk).version == case.version + 1
    connection.close()


@pytest.mark.django_db
def test_stale_version_is_refused():
    worker = factories.UserFactory(role="social_worker")
    case = factories.CaseFactory(
        assigned_worker=worker, responsible_unit=worker.unit, stage=Stage.DECISION, form_of_care="adoption",
        decision_family=factories.FamilyFactory(), decision_status=DecisionStatus.APPROVED,
    )
    with pytest.raises(DomainError) as err:
        place_child(**decided(), case=case, actor=worker, expected_version=case.version + 1)
    assert err.value.field == "expected_version"
    assert not Placement.objects.exists()
