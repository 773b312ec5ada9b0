"""Every operation of the API's own OpenAPI schema, fed generated input by schemathesis
through Django's WSGI app as an IT admin with an API token: no answer is a server error.

Each operation (one test each) runs three of schemathesis's phases: the schema's
examples; the coverage phase, which sends every boundary the schema defines and one step
past it (an offset of `maximum + 1`, a negative id, a missing or mistyped field, a
multipart Content-Type without its boundary, an unsupported media type, an undeclared
method); and generated requests, valid ones and invalid ones (negative mode: wrong
types, integers far out of range, bodies the schema does not allow). Bodies that are not
even JSON or multipart are sent to every operation in tests/security/test_client_errors.py.
The directory is a real slapd (without one, the sync endpoints answer 503 by design)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from core.tokens import api_token_create
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db

# Generated requests per operation, on top of the examples and the coverage cases: the
# whole API in about half a minute.
EXAMPLES_PER_OPERATION = 15


@pytest.fixture
def admin_token(it_admin):
    # Something to find, so that the generated ids and numbers sometimes hit a row.
    SchoolFactory(name="Gymnasium am Park", number="165432")
    _token, key = api_token_create(user=it_admin, name="schemathesis")
    return key


@pytest.fixture(autouse=True)
def _requests_keep_the_test_connection():
    # As Django's test client does: a request must not close the connection that holds the
    # test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded once, at collection, from the app itself; one test per operation. (Not through a
# fixture with schemathesis.pytest.from_fixture: that breaks on pytest 9.2's node ids.)
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES_PER_OPERATION,
)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_generated_input_with_a_server_error(
    case, admin_token, ldap_directory
):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"}, checks=[not_a_server_error]
    )


def test_every_operation_of_the_api_is_tested():
    assert len(list(schema.get_all_operations())) > 50
