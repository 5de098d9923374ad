"""Schema fuzzing: schemathesis reads /api/schema/ and sends generated requests (valid and invalid)
to every operation as each role. Any 5xx fails: bad input must get a clean 4xx, never a crash.

New endpoints are covered as soon as they appear in the schema. Bounded: a few examples per
operation and role, derandomized so a run is repeatable.
"""

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES_PER_OPERATION = 2
# Schema examples and random fuzzing only: the exhaustive "coverage" phase sends dozens of requests
# per operation, minutes per role on two cores.
FUZZ_CONFIG = SchemathesisConfig.from_dict({
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    "generation": {"max-examples": EXAMPLES_PER_OPERATION},
})


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Requests run inside the test's transaction, as with Django's test client: the WSGI handler
    must not close the connection between requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fixture_data(worker, supervisor, district):
    """A small world for the fuzzer to find: a case in each stage of life, a placement with a
    visit, a family, a children's home."""
    factories.CaseFactory(assigned_worker=worker, responsible_unit=district)
    visit = factories.VisitFactory(
        placement__case__assigned_worker=worker, placement__case__responsible_unit=district,
        placement__family__responsible_unit=district,
    )
    factories.ApplicantFactory(family=visit.placement.family)
    return visit


@pytest.fixture
def users_by_role(worker, supervisor, analyst, district):
    return {
        "social_worker": worker,
        "supervisor": supervisor,
        "analyst": analyst,
        "administrator": factories.UserFactory(role="administrator", unit=district.parent),
    }


@pytest.fixture
def api_schema(fixture_data, in_test_transaction, settings):
    settings.API_DOCS_REQUIRE_SIGN_IN = False  # the fuzzer reads the schema before it signs in
    return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=FUZZ_CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


def fuzz_as(role: str):
    """One test per role, so a failure names the role (schemathesis runs each operation as a subtest)."""

    @schema.parametrize()
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def test(case, users_by_role):
        _, token = AuthToken.objects.create(user=users_by_role[role])
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=[not_a_server_error])

    return test


test_no_server_error_as_social_worker = fuzz_as("social_worker")
test_no_server_error_as_supervisor = fuzz_as("supervisor")
test_no_server_error_as_analyst = fuzz_as("analyst")
test_no_server_error_as_administrator = fuzz_as("administrator")
