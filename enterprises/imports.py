"""What an enterprises file and a monthly safety reports file hold (docs/domain.md, "Import files")."""

import functools
from types import SimpleNamespace
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scoping import Facts, Kind
from common.live import LiveList
from common.months import add_months
from common.text import listed, text_rule_of
from districts.models import District
from enterprises.credit_code import credit_code_error, division_code
from enterprises.models import Enterprise, Exemption, SafetyReport, reported_counts
from imports import values
from imports.engine import Column, ImportKind, Rule, for_commit
from imports.history import history_value
from imports.values import CellError

CREDIT_CODE_HEADERS = ("统一社会信用代码", "信用代码", "credit_code", "uscc")


def credit_code(cell, lookups=None):
    """A valid credit code, upper-case, without the spaces clerks type around and inside it."""
    code = values.folded(cell).replace(" ", "").upper()
    error = credit_code_error(code)
    if error:
        raise CellError(str(error))
    return code


credit_code.example = "91330503375583185N"
credit_code.hint = gettext_lazy(
    "18 characters, 0-9 and A-Z, with a valid check character (GB 32100-2015); once per file."
)


def enterprise(cell, lookups):
    """The id of the enterprise in the portal with this credit code."""
    code = credit_code(cell)
    try:
        return lookups.enterprises[code][0]
    except KeyError:
        raise CellError(
            _("No enterprise with this credit code is in the portal; import it with the enterprises first.")
        ) from None


enterprise.example = "91330503375583185N"
enterprise.hint = gettext_lazy("The credit code of an enterprise already in the portal.")


def show_enterprise(pk, lookups):
    return lookups.enterprise_names[pk]


class EnterpriseFound(NamedTuple):
    pk: int
    name: str  # "name (code)", as the preview shows it
    score_start: object
    district_id: int
    credit_code: str


def enterprises_in_file(cells):
    """{credit code: EnterpriseFound} for the codes in the file: one query. When the plan is made
    for its commit, the enterprises are locked (imports.engine.for_commit): their district, which
    decides who may write their records, cannot change before the commit.

    Only valid codes are looked up: the others fail their own cell's parse, and one holding NUL
    would make PostgreSQL refuse the whole query."""
    codes = {values.folded(cell).replace(" ", "").upper() for cell in set(cells) if not values.is_empty(cell)}
    codes = {code for code in codes if credit_code_error(code) is None}
    found = for_commit(Enterprise.objects.filter(credit_code__in=codes))
    return {
        code: EnterpriseFound(pk, f"{name} ({code})", score_start, district_id, code)
        for code, pk, name, score_start, district_id in found.values_list(
            "credit_code", "pk", "name", "score_start", "district_id"
        )
    }


def owners_of(found):
    """{enterprise id: EnterpriseFound}: what the rule of rights and the history read of a row's
    enterprise."""
    return {enterprise.pk: enterprise for enterprise in found.values()}


def owned_facts(record_kind):
    """The Facts of a record that belongs to an enterprise (a report, a suggestion, a project)."""

    def facts(row, lookups):
        owner = lookups.owners[row["enterprise_id"]]
        return Facts(record_kind, owner.district_id, owner.pk, row.get("state"))

    return facts


@functools.lru_cache(maxsize=4096)
def month_text(month):
    """A report's month as the history names it ("2024-03"): kept, since a bulk write names 36,000
    reports of a few dozen months (strftime is most of the cost of naming one)."""
    return f"{month:%Y-%m}"


def owned_name(key_field, shown):
    def name(row, lookups):
        return lookups.owners[row["enterprise_id"]].credit_code, shown(row[key_field])

    return name


def enterprise_facts(row, lookups):
    return Facts(Kind.ENTERPRISE, row["district_id"], None)


def enterprise_name(row, lookups):
    return row["credit_code"], ""


def enterprise_history_shown(name, value, lookups):
    """The history keeps a district by its code."""
    if name == "district_id" and value is not None:
        return lookups.district_by_pk[value].code
    return history_value(value)


def district(cell, lookups):
    """A district named `南浔区`, `南浔`, `Nanxun` in any case, or `nanxun`."""
    try:
        return lookups.districts[values.folded(cell).casefold()].pk
    except KeyError:
        raise CellError(
            _("Unknown district; write one of: %(names)s.")
            % {"names": listed(d.name_zh for d in lookups.district_list)}
        ) from None


district.example = "南浔区"
district.hint = gettext_lazy("A district: its Chinese name (南浔区 or 南浔), its English name or its code.")


def district_spellings():
    district_list = list(District.objects.all())
    spellings = {}
    for d in district_list:
        for spelling in (d.name_zh, d.short_names, d.name_en, d.code):
            spellings[spelling.casefold()] = d
    return district_list, spellings


def enterprise_lookups(cells_of):
    district_list, spellings = district_spellings()
    return SimpleNamespace(
        districts=spellings,
        district_list=district_list,
        district_by_pk={d.pk: d for d in district_list},
    )


def left_before_start(row, lookups):
    start, left = row.get("score_start"), row.get("left_on")
    if start is not None and left is not None and left < start:
        yield (
            "left_on",
            _("The enterprise cannot leave (%(left)s) before its SCORE start date (%(start)s).")
            % {"left": left.isoformat(), "start": start.isoformat()},
        )


def more_women_than_employees(row, lookups):
    female, employees = row.get("female_employees"), row.get("employees")
    if female is not None and employees is not None and female > employees:
        yield (
            "female_employees",
            _("Female employees (%(female)d) cannot be more than the employees (%(all)d).")
            % {
                "female": female,
                "all": employees,
            },
        )


ENTERPRISE_RULES = (
    Rule(
        ("score_start", "left_on"),
        left_before_start,
        gettext_lazy("The date it left is not before its SCORE start date."),
    ),
    Rule(
        ("employees", "female_employees"),
        more_women_than_employees,
        gettext_lazy("Female employees are not more than the employees."),
    ),
)


def enterprise_warnings(row, lookups):
    # Enterprises move: a code registered in another division is worth a look, not a refusal.
    where = lookups.district_by_pk[row["district_id"]]
    registered = division_code(row["credit_code"])
    if registered != where.division:
        yield (
            "credit_code",
            _("The credit code was registered in division %(code)s, not in %(district)s (%(division)s).")
            % {"code": registered, "district": where.name, "division": where.division},
        )


def whole_number(cell, lookups):
    return values.whole_number(cell)


whole_number.example = 12
whole_number.hint = gettext_lazy("A whole number, 0 or more.")


def date(cell, lookups):
    return values.date(cell)


date.example = "2017-03-01"
date.hint = gettext_lazy("A date: 2017-03-01, 2017/3/1, 2017年3月1日 or an Excel date.")


def month(cell, lookups):
    return values.month(cell)


month.example = "2017-10"
month.hint = gettext_lazy("A month: 2017-10, 2017/10, 2017年10月, or any date of the month.")


def text_of(field_name, model):
    """Free text for `model`'s field: its length and its rule for text (one-line or multi-line)
    are the field's own."""
    field = model._meta.get_field(field_name)
    limit, multi_line = field.max_length, text_rule_of(field).multi_line

    def parse(cell, lookups):
        return values.text(cell, max_length=limit, multi_line=multi_line)

    parse.limit = limit  # for the template's rules (imports.templates)
    return parse


def reported_columns(model):
    """An import column for each reported value of `model`: its field's verbose name, its headers,
    a whole number, required unless the field may be empty."""
    return tuple(
        Column(field.attname, field.verbose_name, field.headers, whole_number, required=not field.null)
        for field in reported_counts(model)
    )


def show_date(value, lookups):
    return value.isoformat()


def show_month(value, lookups):
    return f"{value:%Y-%m}"


ENTERPRISES = ImportKind(
    name="enterprises",
    label=gettext_lazy("enterprises"),
    model=Enterprise,
    key=("credit_code",),
    lookups=enterprise_lookups,
    record_kind=Kind.ENTERPRISE,
    facts=enterprise_facts,
    owner_field="district_id",
    record_name=enterprise_name,
    history_shown=enterprise_history_shown,
    rules=ENTERPRISE_RULES,
    warn_row=enterprise_warnings,
    columns=(
        Column("credit_code", gettext_lazy("credit code"), CREDIT_CODE_HEADERS, credit_code, required=True),
        Column(
            "name",
            gettext_lazy("enterprise name"),
            ("企业名称", "名称", "name"),
            text_of("name", Enterprise),
            required=True,
            example="湖州示例纺织有限公司",
        ),
        Column(
            "district_id",
            gettext_lazy("district"),
            ("所属区县", "区县", "district"),
            district,
            required=True,
            show=lambda pk, lookups: lookups.district_by_pk[pk].name,
        ),
        Column("sector", gettext_lazy("sector"), ("行业", "sector"), text_of("sector", Enterprise), empty=""),
        Column(
            "employees", gettext_lazy("employees"), ("职工人数", "employees"), whole_number, required=True
        ),
        Column(
            "female_employees",
            gettext_lazy("female employees"),
            ("女职工人数", "female_employees"),
            whole_number,
        ),
        Column(
            "score_start",
            gettext_lazy("SCORE start date"),
            ("SCORE开始日期", "开始日期", "score_start", "start_date"),
            date,
            required=True,
            show=show_date,
        ),
        Column("cohort", gettext_lazy("cohort"), ("批次", "cohort"), text_of("cohort", Enterprise), empty=""),
        Column(
            "address", gettext_lazy("address"), ("地址", "address"), text_of("address", Enterprise), empty=""
        ),
        Column(
            "contact",
            gettext_lazy("contact person"),
            ("联系人", "contact"),
            text_of("contact", Enterprise),
            empty="",
        ),
        Column("phone", gettext_lazy("phone"), ("联系电话", "phone"), text_of("phone", Enterprise), empty=""),
        Column("left_on", gettext_lazy("left on"), ("退出日期", "left_on"), date, show=show_date),
    ),
)


def approved_exemptions(found):
    """{enterprise id: [Exemption, …]}: the approved exemptions of the enterprises found, one query."""
    exempted = {}
    rows = Exemption.objects.filter(
        enterprise__in=[e.pk for e in found.values()], status=Exemption.Status.APPROVED
    ).order_by("first_month")
    for exemption in rows:
        exempted.setdefault(exemption.enterprise_id, []).append(exemption)
    return exempted


def safety_lookups(cells_of):
    found = enterprises_in_file(cells_of.get("enterprise_id", []))
    return SimpleNamespace(
        enterprises=found,
        owners=owners_of(found),
        enterprise_names={e.pk: e.name for e in found.values()},
        score_starts={e.pk: e.score_start for e in found.values()},
        exemptions=approved_exemptions(found),
        this_month=timezone.localdate().replace(day=1),
    )


def exempt_month_rule(row, lookups):
    """A month an approved exemption covers is not owed, and takes no report (docs/domain.md,
    "Exempt months"): the row is refused, naming the exemption."""
    month = row["month"]
    for exemption in lookups.exemptions.get(row["enterprise_id"], ()):
        if exemption.first_month <= month and (exemption.last_month is None or month <= exemption.last_month):
            names = {"month": f"{month:%Y-%m}", "first": f"{exemption.first_month:%Y-%m}"}
            if exemption.last_month is None:
                message = _(
                    "%(month)s is exempt for this enterprise (production halted, exempt from %(first)s until "
                    "production resumes): it takes no report. Ask the district to end the exemption first."
                )
            else:
                names["last"] = f"{exemption.last_month:%Y-%m}"
                message = _(
                    "%(month)s is exempt for this enterprise (production halted, exempt from %(first)s to "
                    "%(last)s): it takes no report."
                )
            yield "month", message % names
            return


def safety_rules(row, lookups):
    found, fixed = row.get("hazards_found"), row.get("hazards_fixed")
    if fixed is not None and found is None:
        yield "hazards_fixed", _("Hazards fixed needs the number of hazards found in the same row.")
    elif fixed is not None and fixed > found:
        yield (
            "hazards_fixed",
            _("Hazards fixed (%(fixed)d) cannot be more than hazards found (%(found)d).")
            % {
                "fixed": fixed,
                "found": found,
            },
        )
    yield from major_hazard_rules(row)


def major_hazard_rules(row):
    """Major hazards found ≤ hazards found; major hazards fixed ≤ major hazards found and ≤ hazards
    fixed (docs/domain.md, the safety table), each given in the same row."""
    found, fixed = row.get("hazards_found"), row.get("hazards_fixed")
    major, major_fixed = row.get("major_hazards_found"), row.get("major_hazards_fixed")
    if major is not None:
        if found is None:
            yield (
                "major_hazards_found",
                _("Major hazards found needs the number of hazards found in the same row."),
            )
        elif major > found:
            yield (
                "major_hazards_found",
                _("Major hazards found (%(major)d) cannot be more than hazards found (%(found)d).")
                % {"major": major, "found": found},
            )
    if major_fixed is None:
        return
    if major is None:
        yield (
            "major_hazards_fixed",
            _("Major hazards fixed needs the number of major hazards found in the same row."),
        )
    elif major_fixed > major:
        yield (
            "major_hazards_fixed",
            _("Major hazards fixed (%(fixed)d) cannot be more than major hazards found (%(major)d).")
            % {"fixed": major_fixed, "major": major},
        )
    if fixed is None:
        yield (
            "major_hazards_fixed",
            _("Major hazards fixed needs the number of hazards fixed in the same row."),
        )
    elif major_fixed > fixed:
        yield (
            "major_hazards_fixed",
            _("Major hazards fixed (%(major_fixed)d) cannot be more than hazards fixed (%(fixed)d).")
            % {"major_fixed": major_fixed, "fixed": fixed},
        )


# The stored values safety_stored_rules reads for a row that updates a report.
MAJOR_HAZARD_FIELDS = ("hazards_found", "hazards_fixed", "major_hazards_found", "major_hazards_fixed")


def _fixed_kept(row, stored):
    """A file with hazards found but no hazards fixed keeps the stored hazards fixed: found may not
    fall below it (the database would refuse the write; the row says why instead)."""
    if "hazards_found" not in row or "hazards_fixed" in row or stored.get("hazards_fixed") is None:
        return
    found, fixed = row["hazards_found"], stored["hazards_fixed"]
    if found is None or found < fixed:
        yield (
            "hazards_found",
            _(
                "Hazards found (%(found)s) cannot be fewer than the %(fixed)d hazards fixed already stored "
                "for this month; give the hazards fixed in the same row."
            )
            % {"found": "—" if found is None else found, "fixed": fixed},
        )


def safety_stored_rules(row, stored):
    """A row that updates a report keeps the stored values of the columns its file lacks: it may
    not leave hazards found below the stored hazards fixed, nor hazards found or fixed below the
    stored major ones (nor empty). The row's own values are checked by safety_rules; only what the
    stored values add is reported here, on the row's column."""
    yield from _fixed_kept(row, stored)
    if "major_hazards_found" in row and "major_hazards_fixed" in row:
        return
    merged = {**stored, **row}
    major, major_fixed = merged["major_hazards_found"], merged["major_hazards_fixed"]
    found, fixed = merged["hazards_found"], merged["hazards_fixed"]
    if major is not None and "hazards_found" in row and (found is None or found < major):
        yield (
            "hazards_found",
            _(
                "Hazards found (%(found)s) cannot be fewer than the %(major)d major hazards found already "
                "stored for this month; give the major hazards in the same row."
            )
            % {"found": "—" if found is None else found, "major": major},
        )
    if major_fixed is not None and "hazards_fixed" in row and (fixed is None or fixed < major_fixed):
        yield (
            "hazards_fixed",
            _(
                "Hazards fixed (%(fixed)s) cannot be fewer than the %(major)d major hazards fixed already "
                "stored for this month; give the major hazards in the same row."
            )
            % {"fixed": "—" if fixed is None else fixed, "major": major_fixed},
        )
    if "major_hazards_found" in row and major_fixed is not None and (major is None or major < major_fixed):
        yield (
            "major_hazards_found",
            _(
                "Major hazards found (%(major)s) cannot be fewer than the %(fixed)d major hazards fixed "
                "already stored for this month; give the major hazards fixed in the same row."
            )
            % {"major": "—" if major is None else major, "fixed": major_fixed},
        )


# A report this long before the enterprise's SCORE start month is worth a second look: the baseline
# is the 12 months before the start, and a year typed wrong (2019 for 2025) lands far earlier.
EARLY_REPORT_MONTHS = 24


def safety_warnings(row, lookups):
    """Likely typos in the month, shown in the preview without stopping the import."""
    month = row["month"]
    if month > lookups.this_month:
        yield "month", _("This month has not come yet: check the year.")
    start = lookups.score_starts.get(row["enterprise_id"])
    if start is not None and month < add_months(start, -EARLY_REPORT_MONTHS):
        yield (
            "month",
            _(
                "This month is more than two years before the enterprise's SCORE start (%(start)s): check the year."
            )
            % {"start": f"{start:%Y-%m}"},
        )


SAFETY = ImportKind(
    name="safety",
    label=gettext_lazy("monthly safety reports"),
    model=SafetyReport,
    key=("enterprise_id", "month"),
    lookups=safety_lookups,
    record_kind=Kind.REPORT,
    facts=owned_facts(Kind.REPORT),
    owner_field="enterprise_id",
    record_name=owned_name("month", month_text),
    rules=(
        Rule(
            ("hazards_found", "hazards_fixed", "major_hazards_found", "major_hazards_fixed"),
            safety_rules,
            gettext_lazy(
                "Hazards fixed are given with the hazards found and are not more than them; major hazards "
                "found are not more than the hazards found, major hazards fixed not more than the major "
                "hazards found nor the hazards fixed."
            ),
        ),
        Rule(
            ("enterprise_id", "month"),
            exempt_month_rule,
            gettext_lazy("A month an approved exemption covers (production halted) takes no report."),
        ),
    ),
    warn_row=safety_warnings,
    check_stored=safety_stored_rules,
    stored_fields=MAJOR_HAZARD_FIELDS,
    # Submitted by every write; an approved report is locked (docs/domain.md, "Enterprises report
    # for themselves").
    state_field="state",
    # The reported values' columns follow their model fields, read whenever the engine reads them.
    columns=LiveList(
        lambda: (
            Column(
                "enterprise_id",
                gettext_lazy("credit code"),
                CREDIT_CODE_HEADERS,
                enterprise,
                required=True,
                show=show_enterprise,
            ),
            Column("month", gettext_lazy("month"), ("月份", "month"), month, required=True, show=show_month),
            *reported_columns(SafetyReport),
            # Why a value is far from the enterprise's usual (上报说明): the enterprise's form asks
            # for it (docs/domain.md, "Enterprises report for themselves"); a file may carry it too.
            Column(
                "explanation",
                gettext_lazy("explanation"),
                ("上报说明", "explanation"),
                text_of("explanation", SafetyReport),
                empty="",
                example="安全生产月专项检查",
            ),
        )
    ),
)
