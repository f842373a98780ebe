import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from enterprises.credit_code import credit_code_error, normalise, validate_credit_code


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("typed", "verdict"),
    [
        ("91110000600037341L", None),  # docs/domain.md's example
        ("91330503375583185N", None),  # from the Nanxun sample file
        ("913305038854121916", None),  # a digit as check character
        ("91330523285269512N", None),
        (" 91330503375583185n ", None),  # lower case and spaces, as clerks type it
        ("913305033755831851", "The check character (the 18th) should be N, not 1."),
        ("91110000600037341M", "The check character (the 18th) should be L, not M."),
        ("9133050337558318", "A credit code has 18 characters; this one has 16."),
        ("91330503375583185NX", "A credit code has 18 characters; this one has 19."),
        ("", "A credit code has 18 characters; this one has 0."),
        ("91330503375583I85N", "A credit code may not contain I (letters I, O, S, V, Z are never used)."),
        ("9133O503375583S85N", "A credit code may not contain O S (letters I, O, S, V, Z are never used)."),
        ("91330503-75583185N", "A credit code may not contain - (letters I, O, S, V, Z are never used)."),
    ],
)
def test_credit_code_verdict(typed, verdict):
    assert credit_code_error(normalise(typed)) == verdict


def test_normalise_upper_cases_and_strips():
    assert normalise("  91330503375583185n\t") == "91330503375583185N"


def test_validator_raises_with_the_reason():
    with pytest.raises(ValidationError, match="should be N, not 1"):
        validate_credit_code("913305033755831851")


def test_verdict_in_chinese():
    with translation.override("zh-hans"):
        assert credit_code_error("913305033755831851") == "校验码（第18位）应为 N，而不是 1。"
