"""What a suggestions file and an improvement projects file hold (docs/domain.md, "Import files")."""

import re
from types import SimpleNamespace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scoping import Kind
from enterprises.imports import (
    CREDIT_CODE_HEADERS,
    date,
    enterprise,
    enterprises_in_file,
    owned_facts,
    owned_name,
    owners_of,
    show_date,
    show_enterprise,
    text_of,
)
from imports import values
from imports.engine import Column, ImportKind, Rule
from imports.history import history_value
from imports.values import CellError
from improvements.models import ImprovementProject, Suggestion
from training.models import Module

MODULE_RE = re.compile(r"^(?:m|模块)?\s*([1-5])$")

# The spellings of docs/domain.md ("Import files"), written out rather than read from the
# translation catalogue so that a re-worded label on screen never stops a file from importing.
SUGGESTION_STATUS = {
    "submitted": Suggestion.Status.SUBMITTED,
    "已提交": Suggestion.Status.SUBMITTED,
    "accepted": Suggestion.Status.ACCEPTED,
    "已采纳": Suggestion.Status.ACCEPTED,
    "implemented": Suggestion.Status.IMPLEMENTED,
    "已实施": Suggestion.Status.IMPLEMENTED,
    "rejected": Suggestion.Status.REJECTED,
    "未采纳": Suggestion.Status.REJECTED,
}
PROJECT_STATUS = {
    "planned": ImprovementProject.Status.PLANNED,
    "计划中": ImprovementProject.Status.PLANNED,
    "in_progress": ImprovementProject.Status.IN_PROGRESS,
    "in progress": ImprovementProject.Status.IN_PROGRESS,
    "进行中": ImprovementProject.Status.IN_PROGRESS,
    "completed": ImprovementProject.Status.COMPLETED,
    "已完成": ImprovementProject.Status.COMPLETED,
    "cancelled": ImprovementProject.Status.CANCELLED,
    "已取消": ImprovementProject.Status.CANCELLED,
}


def module(cell, lookups):
    """Module `1`–`5`, `M1`–`M5` or `模块1`–`模块5`."""
    match = MODULE_RE.match(values.folded(cell).casefold())
    if match is None:
        raise CellError(_("Expected a module 1 to 5 (also written M1 or 模块1)."))
    return lookups.modules[int(match.group(1))].pk


module.example = "1"
module.hint = gettext_lazy("A module, 1 to 5 (also written M1 or 模块1).")


def status_of(accepted):
    def parse(cell, lookups):
        return values.choice(cell, accepted)

    parse.accepted = accepted  # for the template's rules (imports.templates)
    parse.example = next(spelling for spelling in accepted if not spelling.isascii())
    return parse


def amount(cell, lookups):
    return values.amount(cell)


amount.example = "1234.50"
amount.hint = gettext_lazy("An amount of RMB, 0 or more, at most two decimals (1,234.50 is read too).")


def improvement_lookups(cells_of):
    found = enterprises_in_file(cells_of.get("enterprise_id", []))
    modules = {m.number: m for m in Module.objects.all()}
    return SimpleNamespace(
        enterprises=found,
        owners=owners_of(found),
        enterprise_names={e.pk: e.name for e in found.values()},
        modules=modules,
        module_by_pk={m.pk: m for m in modules.values()},
    )


def show_module(pk, lookups):
    return str(lookups.module_by_pk[pk])


def show_choice(choices):
    def show(value, lookups):
        return str(choices(value).label)

    return show


def improvement_history_shown(name, value, lookups):
    """The history keeps a module by its number."""
    if name == "module_id" and value is not None:
        return lookups.module_by_pk[value].number
    return history_value(value)


def module_column():
    return Column("module_id", gettext_lazy("module"), ("模块", "module"), module, show=show_module)


def enterprise_column():
    return Column(
        "enterprise_id",
        gettext_lazy("credit code"),
        CREDIT_CODE_HEADERS,
        enterprise,
        required=True,
        show=show_enterprise,
    )


SUGGESTIONS = ImportKind(
    name="suggestions",
    label=gettext_lazy("suggestions"),
    model=Suggestion,
    key=("enterprise_id", "reference"),
    lookups=improvement_lookups,
    record_kind=Kind.SUGGESTION,
    facts=owned_facts(Kind.SUGGESTION),
    owner_field="enterprise_id",
    record_name=owned_name("reference", str),
    history_shown=improvement_history_shown,
    entered_by_field="entered_by_enterprise",
    columns=(
        enterprise_column(),
        Column(
            "reference",
            gettext_lazy("reference"),
            ("编号", "reference"),
            text_of("reference", Suggestion),
            required=True,
            example="S-001",
        ),
        Column(
            "submitted_on",
            gettext_lazy("submitted on"),
            ("提交日期", "submitted_on"),
            date,
            required=True,
            show=show_date,
        ),
        module_column(),
        Column(
            "text",
            gettext_lazy("suggestion"),
            ("建议内容", "内容", "text"),
            text_of("text", Suggestion),
            required=True,
            example="在车间入口增设洗手池",
        ),
        Column(
            "submitted_by",
            gettext_lazy("submitted by"),
            ("提出人", "submitted_by"),
            text_of("submitted_by", Suggestion),
            empty="",
        ),
        Column(
            "status",
            gettext_lazy("status"),
            ("状态", "status"),
            status_of(SUGGESTION_STATUS),
            empty=Suggestion.Status.SUBMITTED,
            show=show_choice(Suggestion.Status),
        ),
    ),
)


def project_rules(row, lookups):
    completed_on, started_on = row.get("completed_on"), row.get("started_on")
    if row.get("status") == ImprovementProject.Status.COMPLETED and completed_on is None:
        # Without a completion-date column the status is what needs a second look.
        yield (
            "completed_on" if "completed_on" in row else "status",
            _("A completed project needs its completion date."),
        )
    elif completed_on is not None and started_on is not None and completed_on < started_on:
        yield (
            "completed_on",
            _("A project cannot be completed (%(completed)s) before it started (%(started)s).")
            % {
                "completed": completed_on.isoformat(),
                "started": started_on.isoformat(),
            },
        )


PROJECTS = ImportKind(
    name="projects",
    label=gettext_lazy("improvement projects"),
    model=ImprovementProject,
    key=("enterprise_id", "reference"),
    lookups=improvement_lookups,
    record_kind=Kind.PROJECT,
    facts=owned_facts(Kind.PROJECT),
    owner_field="enterprise_id",
    record_name=owned_name("reference", str),
    history_shown=improvement_history_shown,
    entered_by_field="entered_by_enterprise",
    rules=(
        Rule(
            ("status", "started_on", "completed_on"),
            project_rules,
            gettext_lazy("A completed project has its completion date, not before it started."),
        ),
    ),
    columns=(
        enterprise_column(),
        Column(
            "reference",
            gettext_lazy("reference"),
            ("编号", "reference"),
            text_of("reference", ImprovementProject),
            required=True,
            example="P-001",
        ),
        module_column(),
        Column(
            "title",
            gettext_lazy("title"),
            ("项目名称", "title"),
            text_of("title", ImprovementProject),
            required=True,
            example="车间照明改为 LED",
        ),
        Column(
            "status",
            gettext_lazy("status"),
            ("状态", "status"),
            status_of(PROJECT_STATUS),
            empty=ImprovementProject.Status.PLANNED,
            show=show_choice(ImprovementProject.Status),
        ),
        Column(
            "started_on",
            gettext_lazy("started on"),
            ("开始日期", "started_on"),
            date,
            required=True,
            show=show_date,
        ),
        Column(
            "completed_on", gettext_lazy("completed on"), ("完成日期", "completed_on"), date, show=show_date
        ),
        Column("cost", gettext_lazy("cost (RMB)"), ("投入金额", "cost"), amount),
        Column("savings", gettext_lazy("savings (RMB)"), ("节约金额", "savings"), amount),
    ),
)
