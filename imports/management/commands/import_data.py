import gc
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role
from accounts.scoping import user_role
from common.text import listed
from imports.kinds import KINDS
from imports.services import ImportConflict, import_file, problems_listed


class Command(BaseCommand):
    # The system checks load every URLconf and view (and the libraries behind them): a tenth of a
    # large import's time, for nothing an import uses.
    requires_system_checks = []
    help = "Import a district file (.xlsx, .xls or .csv): preview with --dry-run, else commit all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="the portal account the import is made for: its author in the history, its rights "
            "checked on every row (without it: the command line, which may write everything)",
        )
        parser.add_argument(
            "--override-locks",
            action="store_true",
            help="change approved (locked) reports too, which stay approved; needs --reason and a "
            "programme admin as --by",
        )
        parser.add_argument(
            "--reason", metavar="TEXT", help="why the locks are overridden (kept in each change's history)"
        )
        parser.add_argument(
            "--language",
            default="zh-hans",
            choices=["zh-hans", "en"],
            help="language of the messages (default: Simplified Chinese)",
        )

    def handle(
        self, *args, kind, file, dry_run, language, by=None, override_locks=False, reason=None, **options
    ):
        translation.activate(language)
        user = None
        if by is not None:
            user = User.objects.select_related("profile").filter(username=by).first()
            if user is None:
                raise CommandError(_("There is no account %(name)s (--by).") % {"name": by})
        reason = _override_reason(override_locks, reason, user)
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as error:
            # The system's own reason (strerror) is English whatever the language asked for.
            if isinstance(error, FileNotFoundError):
                message = _("There is no file %(file)s.")
            elif isinstance(error, IsADirectoryError):
                message = _("%(file)s is a folder, not a file.")
            elif isinstance(error, PermissionError):
                message = _("Cannot read %(file)s: permission denied.")
            else:
                message = _("Cannot read %(file)s.")
            raise CommandError(message % {"file": file}) from None
        # The cyclic garbage collector paused for the import: a file's rows are lists, dicts and
        # strings without cycles, which the collector would walk again each time their number grows
        # by a quarter (about a tenth of the CPU of a 36,000-row import, measured). Resumed after,
        # since tests and other callers run the command in a longer-lived process.
        collecting = gc.isenabled()
        gc.disable()
        try:
            batch, plan = import_file(
                kind=kind,
                file_name=path.name,
                content=content,
                user=user,
                dry_run=dry_run,
                override_reason=reason,
            )
        except ImportConflict as conflict:
            raise CommandError(str(conflict)) from None
        finally:
            if collecting:
                gc.enable()
        if not plan.ok:
            self._print_problems(plan.errors, self.stderr)
            raise CommandError(
                ngettext(
                    "%(count)d error: nothing was imported.",
                    "%(count)d errors: nothing was imported.",
                    len(plan.errors),
                )
                % {"count": len(plan.errors)}
            )
        if plan.warnings:
            self._print_problems(plan.warnings, self.stdout, warning=True)
        if plan.ignored:
            self.stdout.write(_("Columns ignored: %(columns)s") % {"columns": listed(plan.ignored)})
        counts = plan.counts()
        summary = _("%(rows)d rows: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.") % counts
        if plan.overridden:
            summary += " " + ngettext(
                "%(count)d approved report changed over its lock (it stays approved).",
                "%(count)d approved reports changed over their locks (they stay approved).",
                plan.overridden,
            ) % {"count": plan.overridden}
        if dry_run:
            self.stdout.write(_("Dry run, nothing written. %(summary)s") % {"summary": summary})
        elif batch is None:
            self.stdout.write(
                _("Nothing to write: the portal already holds these rows. %(summary)s") % {"summary": summary}
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Imported (import #%(id)d). %(summary)s") % {"id": batch.pk, "summary": summary}
                )
            )

    def _print_problems(self, problems, stream, warning=False):
        listed_problems, more = problems_listed(problems)
        for problem in listed_problems:
            if problem.row is None:
                stream.write(problem.message)
                continue
            template = (
                _("Warning: row %(row)d, column %(column)s, value %(value)s: %(message)s")
                if warning
                else _("Row %(row)d, column %(column)s, value %(value)s: %(message)s")
            )
            stream.write(
                template
                % {
                    "row": problem.row,
                    "column": problem.column,
                    "value": repr(problem.value) if problem.value else "''",
                    "message": problem.message,
                }
            )
        if more:
            stream.write(_("… and %(count)d more.") % {"count": more})


def _override_reason(override_locks, reason, user):
    """The reason for overriding the locks of this import ("" when they hold), or CommandError: an
    override needs a written reason and a programme admin to answer for it (docs/domain.md,
    "Enterprises report for themselves")."""
    reason = (reason or "").strip()
    if not override_locks:
        if reason:
            raise CommandError(_("--reason goes with --override-locks."))
        return ""
    if not reason:
        raise CommandError(_("--override-locks needs a written reason (--reason TEXT)."))
    if user is None or user_role(user) != Role.PROGRAMME_ADMIN:
        raise CommandError(_("--override-locks needs a programme admin's account as --by."))
    return reason
