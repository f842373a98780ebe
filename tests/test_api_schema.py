"""Schemathesis over the machine API's OpenAPI document, as /api/v1/openapi.json serves it:
generated requests (valid and not) for every operation, sent to the portal's WSGI app with a real
token, a reading client's and a writing client's (writes with ?dry_run=1); no answer may be a 5xx
or differ from the document's own description of the answer (a status it lists, its content
type, its body's schema), and a request the document calls invalid must be refused.

The requests go through every middleware, on the test's database (SQLite or PostgreSQL). A few
examples per operation and client keep it within about 40 s per database
(SCORE_SCHEMA_EXAMPLES raises it)."""

import datetime
import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_client_create
from tests.factories import make_enterprise, make_reports, month_range

EXAMPLES = int(os.environ.get("SCORE_SCHEMA_EXAMPLES", "") or 15)

app = get_wsgi_application()
# The document as the portal serves it (the same generator's output; the view needs no database).
schema = schemathesis.openapi.from_dict(json.loads(Client().get("/api/v1/openapi.json").content))


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


@pytest.fixture(params=["reader", "writer"])
def api_token(request, db, settings, test_connection_kept):
    settings.SCORE_API_RATE = 100_000  # the limit has its own tests; here every example gets through
    nanxun = make_enterprise(
        "nanxun", credit_code="91330503375583185N", score_start=datetime.date(2016, 1, 15)
    )
    make_reports(nanxun, month_range(datetime.date(2016, 1, 1), 12), inspections=3, accidents=1)
    client_name = f"schemathesis-{request.param}"
    writes = request.param == "writer"
    return api_client_create(name=client_name, district_codes=["nanxun", "anji"], may_write=writes)[1]


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
    if case.method == "POST":
        # Checked and counted, never written: the examples stay independent of one another.
        case.query = {**(case.query or {}), "dry_run": "1"}
    case.call_and_validate(
        app=app,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ],
    )
