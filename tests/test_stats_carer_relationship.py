"""Statistics broken down by the carer's relationship to the child (issue 16: kinship is a fact
about the placement, and returns in Kazakhstan are mostly teenagers placed with relatives)."""

import datetime as dt

import pytest

from stats.services import refresh_statistics
from tests import factories
from tests.test_stats_indicators import cell, make_case, stats

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def admin_user(db):
    from accounts.models import OrganisationalUnit

    return factories.UserFactory(role="administrator", unit=OrganisationalUnit.objects.get(code="ministry"))


@pytest.fixture
def placements(db):
    def placed(name_born, relationship, started, ended=None, reason=""):
        case = make_case(region="almaty", sex="F", born=name_born, opened=D(2022, 1, 10))
        return factories.PlacementFactory(
            case=case, form_of_care="trusteeship", carer_relationship=relationship, started_on=started, ended_on=ended,
            end_reason=reason, return_reason="child_behaviour" if reason == "returned" else "",
        )

    placed(D(2008, 1, 1), "grandparent", D(2023, 1, 10), D(2023, 9, 1), "returned")
    placed(D(2008, 2, 2), "grandparent", D(2023, 2, 10))
    placed(D(2008, 3, 3), "none", D(2023, 3, 10))
    refresh_statistics()


def test_return_rate_by_the_carers_relationship(api_client, admin_user, placements):
    data = stats(api_client, admin_user, "return_rate", breakdown="carer_relationship")
    relatives = cell(data, carer_relationship="grandparent")
    assert (relatives["placements_12m"], relatives["returned_12m"], relatives["return_rate_12m"]) == (2, 1, 50.0)
    strangers = cell(data, carer_relationship="none")
    assert (strangers["placements_12m"], strangers["returned_12m"]) == (1, 0)
    assert cell(data, carer_relationship="aunt_uncle")["placements_12m"] == 0


def test_placements_started_filtered_by_the_carers_relationship(api_client, admin_user, placements):
    data = stats(api_client, admin_user, "placements_started", carer_relationship="grandparent")
    assert sum(row["placements"] for row in data["rows"]) == 2
