"""Cities and their districts: the places every figure is rolled up by and every official is
scoped to. The bottom layer: it imports no other app of the portal."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualName(models.Model):
    """A thing the portal names in both languages; `name` follows the active language."""

    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @property
    def name(self):
        language = get_language() or "zh-hans"
        return self.name_en if language.startswith("en") else self.name_zh


class City(BilingualName):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    division = models.CharField(_("division code"), max_length=6, unique=True)

    class Meta:
        # Tables keep the names they had in the enterprises app (moved without copying).
        db_table = "enterprises_city"
        ordering = ["division"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")


class District(BilingualName):
    """A district or county: the unit every figure is rolled up by and every official is scoped to."""

    city = models.ForeignKey(City, models.PROTECT, related_name="districts", verbose_name=_("city"))
    code = models.SlugField(_("code"), max_length=40, unique=True)
    division = models.CharField(_("division code"), max_length=6, unique=True)

    class Meta:
        db_table = "enterprises_district"
        # The order of docs/domain.md's table ("Districts"), which is the order of the division codes.
        ordering = ["city__division", "division"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    @property
    def short_names(self):
        """The Chinese name without its 区/县 suffix, as clerks often write it (南浔区 → 南浔)."""
        return self.name_zh[:-1] if self.name_zh[-1:] in ("区", "县", "市") else self.name_zh
