"""The machine API keeps to what its OpenAPI document says (docs/domain.md, "The machine API"):
the parameters' bounds and patterns, empty parameters, the rows' shape. tests/test_api_schema.py
sends generated requests; these tests pin each rule with a value worked out by hand."""

import datetime

import pytest
from django.test import Client

from enterprises.models import SafetyReport
from improvements.models import Suggestion
from tests.factories import make_enterprise, make_reports, month_range
from tests.test_api import NANXUN_A, Api, token_for

# A valid credit code of digits only (check character 9), so that a JSON number could pass for it.
DIGITS_ONLY = "913305030000000009"


@pytest.fixture
def reports(db):
    """A Nanxun enterprise with reports for every month of 2016."""
    nanxun = make_enterprise("nanxun", credit_code=NANXUN_A, score_start=datetime.date(2016, 1, 15))
    make_reports(nanxun, month_range(datetime.date(2016, 1, 1), 12), inspections=3, accidents=1)
    return nanxun


@pytest.fixture
def reader(reports):
    return Api(token_for("reader", ["nanxun"]))


@pytest.fixture
def writer(reports):
    return Api(token_for("writer", ["nanxun"], write=True))


@pytest.fixture
def document(db):
    return Client().get("/api/v1/openapi.json", headers={"Accept-Language": "en"}).json()


def parameters(document, path, method="get"):
    return {p["name"]: p for p in document["paths"][path][method]["parameters"]}


@pytest.mark.parametrize(
    ("page_size", "message"),
    [
        ("0", "page_size: Ensure this value is greater than or equal to 1."),
        ("5001", "page_size: Ensure this value is less than or equal to 5000."),
    ],
)
def test_a_page_size_outside_1_to_5000_is_a_400(reader, page_size, message):
    response = reader.get("/api/v1/safety-reports/", page_size=page_size)
    assert (response.status_code, response.json()) == (400, {"error": message})


def test_a_page_size_of_5000_is_served(reader):
    body = reader.get("/api/v1/safety-reports/", page_size="5000").json()
    assert (body["count"], len(body["results"]), body["next"]) == (12, 12, None)


@pytest.mark.parametrize(
    "empty", ["from", "to", "updated_since", "district", "credit_code", "page", "page_size"]
)
def test_an_empty_parameter_is_as_if_it_were_not_given(reader, empty):
    body = reader.get("/api/v1/safety-reports/", **{empty: ""}).json()
    # Every report of the client's district: 12 months of 2016, in one page.
    assert (body["count"], body["results"][0]["month"], body["results"][-1]["month"]) == (
        12,
        "2016-01",
        "2016-12",
    )


def test_an_empty_from_and_to_of_the_figures_are_the_default_period(reader):
    assert reader.get("/api/v1/figures/", **{"from": "", "to": ""}).content == (
        reader.get("/api/v1/figures/").content
    )


def test_a_credit_code_written_as_a_json_number_is_an_error_of_its_row(writer):
    make_enterprise("nanxun", credit_code=DIGITS_ONLY, score_start=datetime.date(2016, 1, 15))
    rows = [
        {"credit_code": DIGITS_ONLY, "month": "2017-01", "inspections": 5, "accidents": 0},
        {"credit_code": int(DIGITS_ONLY), "month": "2017-02", "inspections": 5, "accidents": 0},
    ]
    response = writer.post("/api/v1/imports/safety/", {"rows": rows})
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {
                    "row": 2,
                    "field": "credit_code",
                    "value": DIGITS_ONLY,
                    "message": "This field identifies the record: write it as a JSON string (in quotes), not a number.",
                }
            ],
            "more_errors": 0,
        },
    )
    assert not SafetyReport.objects.filter(month__year=2017).exists()


def test_a_reference_written_as_a_json_number_is_an_error_of_its_row(writer):
    row = {"credit_code": NANXUN_A, "reference": 17, "submitted_on": "2016-05-01", "text": "加装防护栏"}
    response = writer.post("/api/v1/imports/suggestions/", {"rows": [row]})
    assert (response.status_code, response.json()["errors"]) == (
        400,
        [
            {
                "row": 1,
                "field": "reference",
                "value": "17",
                "message": "This field identifies the record: write it as a JSON string (in quotes), not a number.",
            }
        ],
    )
    assert not Suggestion.objects.exists()


def test_the_document_states_the_bounds_patterns_and_empty_values_of_the_parameters(document):
    listed = parameters(document, "/api/v1/safety-reports/")
    assert (listed["page"]["schema"]["minimum"], "maximum" in listed["page"]["schema"]) == (1, False)
    assert (listed["page_size"]["schema"]["minimum"], listed["page_size"]["schema"]["maximum"]) == (1, 5000)
    for name in ("from", "to"):
        assert listed[name]["schema"]["pattern"] == r"^\d{4}-\d{2}$"
        assert "1990-01" in listed[name]["description"]
        assert "December of next year" in listed[name]["description"]
    # Every query parameter is optional, and empty means not given.
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    assert parameter.get("allowEmptyValue") is True, (path, method, parameter["name"])
                    assert parameter.get("required", False) is False, (path, method, parameter["name"])


def test_the_document_asks_for_at_least_one_row_with_codes_and_references_as_strings(document):
    rows = document["components"]["schemas"]["ImportRowsRequest"]["properties"]["rows"]
    assert rows["minItems"] == 1
    # The kinds' key columns: a credit code, a report's month, a reference.
    properties = rows["items"]["properties"]
    assert {key: value["type"] for key, value in properties.items()} == {
        "credit_code": "string",
        "month": "string",
        "reference": "string",
    }


def test_no_text_of_the_document_cites_a_file_outside_the_repository(document):
    assert "DOMAIN" + ".md" not in str(document)  # in two parts, so that this file does not cite it


def test_the_document_bounds_a_refused_writes_errors_by_the_import_limit(db, settings):
    settings.SCORE_IMPORT_MAX_ERRORS = 7
    document = Client().get("/api/v1/openapi.json", headers={"Accept-Language": "en"}).json()
    refused = document["components"]["schemas"]["ImportErrors"]
    assert refused["required"] == ["errors", "more_errors"]
    assert refused["properties"]["errors"]["maxItems"] == 7
    assert refused["properties"]["more_errors"]["type"] == "integer"
    assert refused["properties"]["more_errors"]["minimum"] == 0
