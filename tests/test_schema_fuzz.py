"""Schema fuzzing: schemathesis reads /api/schema/ and sends generated requests (valid and invalid)
to every operation as each role. Any 5xx fails: bad input must get a clean 4xx, never a crash.

New endpoints are covered as soon as they appear in the schema. Two sizes:

- ``make test`` (the default): a few examples per operation and role, derandomized, 5xx only.
- ``make fuzz`` (OTBASY_FUZZ_FULL=1): OTBASY_FUZZ_EXAMPLES (30) examples per operation and role, the
  responses checked against the schema too (body, status code, content type), and a stateful run per
  role that chains operations by the links schemathesis infers (a case created, then read, changed,
  shared...).
"""

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FULL = os.environ.get("OTBASY_FUZZ_FULL") == "1"
EXAMPLES_PER_OPERATION = int(os.environ.get("OTBASY_FUZZ_EXAMPLES", "30")) if FULL else 2
CHECKS = [not_a_server_error]
if FULL:
    CHECKS += [response_schema_conformance, status_code_conformance, content_type_conformance]
# Schema examples and random fuzzing only: the exhaustive "coverage" phase sends dozens of requests
# per operation, minutes per role on two cores.
FUZZ_CONFIG = SchemathesisConfig.from_dict({
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": FULL}},
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
    def test(case, tokens_by_role):
        case.call_and_validate(headers={"Authorization": f"Token {tokens_by_role[role]}"}, checks=CHECKS)

    return test


@pytest.fixture
def tokens_by_role(users_by_role):
    return {role: AuthToken.objects.create(user=user)[1] for role, user in users_by_role.items()}


def stateful_as(role: str):
    """A stateful run as ``role``: sequences of calls linked by the ids one call returns (make fuzz only)."""

    @pytest.mark.skipif(not FULL, reason="stateful fuzzing runs in make fuzz (OTBASY_FUZZ_FULL=1)")
    def test(api_schema, tokens_by_role):
        base = api_schema.as_state_machine()
        token = tokens_by_role[role]

        class Machine(base):  # type: ignore[misc, valid-type]
            def get_call_kwargs(self, case):
                return {"headers": {"Authorization": f"Token {token}"}}

            def validate_response(self, response, case, additional_checks=None, **kwargs):
                case.validate_response(response, checks=CHECKS)

        Machine.run(settings=settings(max_examples=EXAMPLES_PER_OPERATION, stateful_step_count=6, deadline=None,
                                      derandomize=True, database=None, suppress_health_check=list(HealthCheck)))

    return test


test_no_server_error_as_social_worker = fuzz_as("social_worker")
test_no_server_error_as_supervisor = fuzz_as("supervisor")
test_no_server_error_as_analyst = fuzz_as("analyst")
test_no_server_error_as_administrator = fuzz_as("administrator")
test_stateful_as_social_worker = stateful_as("social_worker")
test_stateful_as_supervisor = stateful_as("supervisor")
test_stateful_as_analyst = stateful_as("analyst")
test_stateful_as_administrator = stateful_as("administrator")
