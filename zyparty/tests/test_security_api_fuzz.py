"""API fuzzing (SECURITY.md "API": fuzzing gives no 5xx; CONTRACT.md "REST API": validation errors are 400, never 500).

Schemathesis reads the OpenAPI schema the portal publishes at /api/schema/ and sends generated requests — path ids,
query filters, JSON bodies, valid and invalid by the schema — to the WSGI application in-process, as a county staff
member's API key. The check is ``not_a_server_error``: whatever the input, the answer is never a 5xx. Every operation
of every method is exercised with a few derandomized examples, so the run is fast and the same on every machine.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from organizations.apikeys import api_client_create
from organizations.models import ApiClient
from organizations.roles import Role
from zyparty.wsgi import application

pytestmark = pytest.mark.django_db

# Examples per operation: reads and creates take any input, so they get the most; an update or delete of a random
# id mostly meets "not found" or "If-Match required", so a few suffice. About a minute on two busy cores.
EXAMPLES = {"GET": 5, "POST": 5}
OTHER_METHODS = 2


def fuzz(method):
    return settings(max_examples=EXAMPLES.get(method, OTHER_METHODS), derandomize=True, deadline=None,
                    database=None, phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


@pytest.fixture
def wsgi_in_test_transaction():
    """The raw WSGI handler closes "old" connections at each request's start and end; inside the test's transaction
    that would close the test's own connection on PostgreSQL. Django's test client disconnects the same receivers."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def staff_key(world):
    """A writable key whose user is the county's staff member: the widest scope a business role has."""
    client, key = api_client_create(name="schemathesis", unit=world.county, read_only=False)
    ApiClient.objects.filter(pk=client.pk).update(user=world.users[Role.COUNTY_STAFF])
    return {"Authorization": f"Bearer {key}"}


def test_no_operation_answers_a_server_error(staff_key, wsgi_in_test_transaction):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_in_test_transaction, headers=staff_key)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50  # the whole API, not an empty schema
    failures = []

    for operation in operations:
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)

        @fuzz(operation.method.upper())
        @given(case=strategy)
        def exercise(case):
            response = case.call(headers=staff_key)
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except BaseExceptionGroup:  # schemathesis' FailureGroup; collected, so one run names every failure
                failures.append(f"{response.status_code} {case.method} {case.formatted_path} "
                                f"query={case.query} body={case.body!r}"[:600])

        exercise()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", ["trainings", "joint-meetings", "liaisons"])
@pytest.mark.parametrize("year", ["5.8233706837873816e+16", "0", "10000", "2025.5", "-3"])
def test_a_year_no_calendar_holds_is_a_clear_400(world, api, path, year):
    """Found by the fuzzer: ``year=5.8e16`` reached the database backend, which overflowed building the date range
    (500). Now the filter's form field refuses it, in the stable error shape (CONTRACT.md "Errors")."""
    from tests import matrix

    matrix.login(api, world.users[Role.COUNTY_STAFF])
    response = api.get(f"/api/v1/{path}/", {"year": year})
    assert response.status_code == 400 and "year" in response.json()
    assert api.get(f"/api/v1/{path}/", {"year": "2025"}).status_code == 200


@pytest.mark.parametrize("since", ["2025-01-01T00:00:00+17:30", "0180-06-09T10:02:42.2+17:30",
                                   "0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
@pytest.mark.parametrize("path", ["workers", "development-steps", "quota-results"])
def test_any_iso_offset_in_updated_since_is_answered(world, api, path, since):
    """Found by the fuzzer on PostgreSQL: an offset beyond ±15:59 (valid ISO 8601, valid in Python) was a 500 there.
    The instant is compared in UTC; one outside the calendar in UTC is its edge (everything, or nothing)."""
    from tests import matrix

    matrix.login(api, world.users[Role.COUNTY_STAFF])
    response = api.get(f"/api/v1/{path}/", {"updated_since": since})
    assert response.status_code == 200
    if path == "workers":
        assert response.json()["count"] == (0 if since.startswith("9999") else 3)
