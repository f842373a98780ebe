"""The unified social credit code (统一社会信用代码, GB 32100-2015) that identifies an enterprise."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def normalise(code):
    """Clerks type codes in lower case and with stray spaces; the portal keeps them upper-case."""
    return (code or "").strip().upper()


def check_character(first17):
    """The 18th character that GB 32100-2015 computes from the first 17."""
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_error(code):
    """Why `code` (already normalised) is not a valid credit code, or None when it is."""
    if len(code) != LENGTH:
        return _("A credit code has 18 characters; this one has %(count)d.") % {"count": len(code)}
    bad = sorted({char for char in code if char not in ALPHABET})
    if bad:
        return _("A credit code may not contain %(chars)s (letters I, O, S, V, Z are never used).") % {
            "chars": " ".join(bad)
        }
    expected = check_character(code[:17])
    if code[17] != expected:
        return _("The check character (the 18th) should be %(expected)s, not %(actual)s.") % {
            "expected": expected,
            "actual": code[17],
        }
    return None


def validate_credit_code(value):
    error = credit_code_error(normalise(value))
    if error:
        raise ValidationError(error, code="invalid_credit_code")


def division_code(code):
    """Characters 3–8: the administrative division where the enterprise registered."""
    return code[2:8]


class CreditCodeConverter:
    """`<credit_code:…>` in a URL: 18 ASCII letters and digits, in either case (the page
    upper-cases them). Anything else cannot name an enterprise, and is a 404 from the URLconf
    before it reaches the database (PostgreSQL refuses to compare text holding a NUL)."""

    regex = f"[0-9A-Za-z]{{{LENGTH}}}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value
