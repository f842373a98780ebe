"""The one rule for text entering the portal, whatever the path (import, form, admin, API):

- tab, line feed and carriage return are kept in multi-line text (a TextField, or a field given
  `TextRule(multi_line=True)`: an address) and become a space in one-line text (every other
  CharField: names, codes, phones, references, titles, places…);
- every other control character (C0, DEL, C1) and a lone surrogate is refused, with a message
  naming it: it is invisible on screen, yet an XLSX file (XML) cannot hold most of them, PostgreSQL
  cannot store NUL nor a surrogate, and a name holding one never matches the same name typed again.

Nothing else is touched: no case folding, no NFKC (a company's full-width brackets are its own).

The import engine applies the rule through `text_entered` (imports/values.py), the attendance grid
likewise (training/services.py). Forms and the admin get it from the model: `text_rule_install`
gives every CharField and TextField of the portal's models its TextRule validator (so ModelForms
and the admin show the refusal as the field's error) and turns tabs and line breaks of one-line
fields into spaces before a save. `text_cleaned` is the same rule for text already stored, where
nothing can be refused any more (the data migration that cleaned the tables uses it).
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

# C0 controls but tab, line feed and carriage return; DEL; C1 controls; lone surrogates (a str
# can hold one, UTF-8 cannot).
REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
LINE_BREAKS_AND_TABS = re.compile("\r\n|[\t\n\r]")
# Every control character, for text already stored: one-line text gets a space for each.
ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

REFUSED_MESSAGE = _(
    "Contains a control character (%(code)s) that cannot be stored; delete it "
    "(it may be invisible: type the text again)."
)


class TextRefused(ValueError):
    """Text holding a refused character; str() is the message for the user."""

    def __init__(self, character):
        self.code = f"U+{ord(character):04X}"
        super().__init__(REFUSED_MESSAGE % {"code": self.code})


def text_entered(value, *, multi_line):
    """`value` as the portal stores it: one-line text gets a space for each tab and line break
    (CR LF counting as one). Raises TextRefused for any other control character."""
    found = REFUSED.search(value)
    if found:
        raise TextRefused(found.group())
    return value if multi_line else LINE_BREAKS_AND_TABS.sub(" ", value)


def text_cleaned(value, *, multi_line):
    """Stored text brought under the rule: in one-line text every control character becomes a
    space; multi-line text keeps tab, line feed and carriage return and loses the others."""
    if multi_line:
        return REFUSED.sub("", value)
    return ANY_CONTROL.sub(" ", value)


@deconstructible
class TextRule:
    """The rule as a model field validator: refuses what text_entered refuses, with the same
    message. `multi_line` says whether the field keeps tabs and line breaks."""

    def __init__(self, *, multi_line=False):
        self.multi_line = multi_line

    def __call__(self, value):
        try:
            text_entered(str(value), multi_line=self.multi_line)
        except TextRefused as refused:
            raise ValidationError(
                REFUSED_MESSAGE, code="control_character", params={"code": refused.code}
            ) from None

    def __eq__(self, other):
        return isinstance(other, TextRule) and other.multi_line == self.multi_line


def text_rule_of(field):
    """The TextRule of a model field: the one it was given, else multi-line for a TextField and
    one-line for any other text field. Works on the historical models of migrations too."""
    for validator in field.validators:
        if isinstance(validator, TextRule):
            return validator
    return TextRule(multi_line=isinstance(field, models.TextField))


def _text_fields(model):
    return [f for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]


def text_rule_install(model_classes):
    """Put every CharField and TextField of `model_classes` under the rule: its TextRule among its
    validators (run by full_clean, hence by every ModelForm and the admin, and copied by API
    serializers), and tabs and line breaks of its one-line fields turned into spaces before a save.

    Appended to `field.validators` as Django itself appends MaxLengthValidator to a CharField: the
    fields' definitions, and so the migrations, stay as they are.
    """
    for model in model_classes:
        one_line = []
        for field in _text_fields(model):
            rule = text_rule_of(field)
            if rule not in field.validators:
                field.validators.append(rule)
            if not rule.multi_line:
                one_line.append(field.attname)
        if one_line:
            pre_save.connect(
                _one_line_saver(tuple(one_line)), sender=model, weak=False, dispatch_uid="text_rule"
            )


def _one_line_saver(attnames):
    def one_line_fields_joined(sender, instance, raw=False, **kwargs):
        if raw:  # a fixture is loaded as it was dumped
            return
        for attname in attnames:
            value = getattr(instance, attname)
            if isinstance(value, str):
                setattr(instance, attname, LINE_BREAKS_AND_TABS.sub(" ", value))

    return one_line_fields_joined


def phone_masked(phone):
    """A phone number with its middle hidden, as Chinese services show them: 138****5678 (the
    first three and last four characters kept); a number of eight characters or fewer keeps its
    last two. Empty stays empty."""
    if len(phone) <= 8:
        return "*" * max(len(phone) - 2, 0) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def listed(items):
    """`items` as a list in a sentence of the active language: `a, b, c` in English, `甲、乙、丙`
    in Chinese, whose lists take the enumeration comma (顿号), never ", "."""
    return pgettext("separator of a list in a sentence", ", ").join(str(item) for item in items)
