"""Schemathesis over the machine API's OpenAPI document: generated requests (valid and not) for
every operation, sent to the portal's WSGI app with a writing client's token; no answer may be a
5xx or break the document's own description of the answer (status, content type, body schema).

The document comes from drf-spectacular's generator, as /api/v1/openapi.json serves it, and the
requests go through every middleware, on the test's database (SQLite or PostgreSQL). A few
examples per operation keep it within a minute (SCORE_SCHEMA_EXAMPLES raises it)."""

import datetime
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_client_create
from tests.factories import make_enterprise, make_reports, month_range

EXAMPLES = int(os.environ.get("SCORE_SCHEMA_EXAMPLES", "") or 25)

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
app = get_wsgi_application()


@pytest.fixture
def test_connection_kept():
    """As Django's test client does: a request's start and end do not close the test's database
    connection (which holds the test's transaction, and on PostgreSQL would be closed as "not in
    autocommit")."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(db, settings, test_connection_kept):
    settings.SCORE_API_RATE = 100_000  # the limit has its own tests; here every example gets through
    nanxun = make_enterprise(
        "nanxun", credit_code="91330503375583185N", score_start=datetime.date(2016, 1, 15)
    )
    make_reports(nanxun, month_range(datetime.date(2016, 1, 1), 12), inspections=3, accidents=1)
    return api_client_create(name="schemathesis", district_codes=["nanxun", "anji"], may_write=True)[1]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_answers_as_its_openapi_document_says(case, api_token):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {api_token}"}
    case.call_and_validate(
        app=app,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
