"""Every operation of the API's own OpenAPI schema, fed generated input by schemathesis
through Django's WSGI app as an IT admin with an API token: no answer is a server error.
The directory is a real slapd (without one, the sync endpoints answer 503 by design)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from core.tokens import api_token_create
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema(db):
    # As Django's test client does: a request must not close the connection that holds the
    # test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(it_admin):
    # Something to find, so that the generated ids and numbers sometimes hit a row.
    SchoolFactory(name="Gymnasium am Park", number="165432")
    _token, key = api_token_create(user=it_admin, name="schemathesis")
    return key


# Each operation gets this many generated requests: the whole API in about a minute.
EXAMPLES_PER_OPERATION = 8


def test_no_operation_answers_generated_input_with_a_server_error(
    api_schema, admin_token, ldap_directory
):
    headers = {"Authorization": f"Bearer {admin_token}"}
    server_errors = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20  # the whole API, not an empty schema

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            check()
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            server_errors[operation.label] = str(exc)[:2000]

    assert not server_errors, "\n\n".join(f"{k}:\n{v}" for k, v in server_errors.items())
