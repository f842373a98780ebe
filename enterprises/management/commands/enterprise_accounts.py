"""enterprise_accounts DISTRICT --out FILE.xlsx: an account for every enterprise of the district that
has none, and a workbook of every account, to hand the enterprises their logins.

Idempotent: an enterprise with an account already gets no new one, and its accounts are listed
without a password (the portal keeps none; a lost one is reset on /accounts/enterprise-accounts/).
The workbook holds the new accounts' first passwords in clear: hand them over and delete it; each
account must change its password at its first login anyway.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Profile, Role
from accounts.services import enterprise_account_create
from common.spreadsheets import spreadsheet, title_block
from common.text import listed
from districts.models import District
from enterprises.models import Enterprise

# Chinese over English in one cell, as the import templates write their headers (docs/imports.md).
HEADERS = [
    "统一社会信用代码\nCredit code",
    "企业名称\nEnterprise name",
    "用户名\nUsername",
    "初始密码\nInitial password",
]


class Command(BaseCommand):
    help = (
        "Make an account for every enterprise of a district that has none, and write every account of "
        "the district's enterprises to an XLSX (the new ones with their first password, which must be "
        "changed at the first login)."
    )

    def add_arguments(self, parser):
        parser.add_argument("district", help="district code, e.g. nanxun")
        parser.add_argument(
            "--out", required=True, metavar="FILE.xlsx", help="the workbook to write (not an existing file)"
        )
        parser.add_argument(
            "--language",
            default="zh-hans",
            choices=["zh-hans", "en"],
            help="language of the workbook's title and the messages (default: Simplified Chinese)",
        )

    def handle(self, *args, district, out, language, **options):
        translation.activate(language)
        district = self._district(district)
        path = self._path(out)
        with transaction.atomic():
            enterprises = list(Enterprise.objects.filter(district=district))
            accounts = {}
            for profile in (
                Profile.objects.filter(role=Role.ENTERPRISE, enterprise__district=district)
                .select_related("user")
                .order_by("user__username")
            ):
                accounts.setdefault(profile.enterprise_id, []).append((profile.user.username, None))
            made = 0
            for enterprise in enterprises:
                if enterprise.pk not in accounts:
                    user, password = enterprise_account_create(enterprise=enterprise)
                    accounts[enterprise.pk] = [(user.username, password)]
                    made += 1
            rows = [
                [enterprise.credit_code, enterprise.name, username, password]
                for enterprise in enterprises
                for username, password in accounts[enterprise.pk]
            ]
            # Written before the accounts are committed: a workbook that cannot be written leaves
            # no account whose password nobody has seen.
            self._write(path, district, rows)
        self.stdout.write(
            _("Accounts made: %(made)d; enterprises that had accounts already: %(had)d. Written to %(file)s.")
            % {"made": made, "had": len(enterprises) - made, "file": path}
        )

    def _district(self, code):
        district = District.objects.filter(code=code.strip().lower()).first()
        if district is None:
            known = listed(District.objects.values_list("code", flat=True))
            raise CommandError(
                _("Unknown district %(code)s; known districts: %(known)s.") % {"code": code, "known": known}
            )
        return district

    def _path(self, out):
        path = Path(out)
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("The workbook's name must end in .xlsx: %(file)s.") % {"file": out})
        if path.exists():
            # It may hold first passwords not yet handed over, which a second run would lose.
            raise CommandError(
                _("%(file)s exists already; choose another name (it may hold passwords not yet handed over).")
                % {"file": out}
            )
        if not path.parent.is_dir():
            raise CommandError(_("There is no folder %(folder)s.") % {"folder": path.parent})
        return path

    def _write(self, path, district, rows):
        title = [
            *title_block(what=_("Enterprise accounts"), districts=[district.name]),
            _("Initial passwords are shown here only; each must be changed at the first login. An empty "
              "password: the account existed before, and its password is its own."),
        ]  # fmt: skip
        content = spreadsheet(
            headers=HEADERS, rows=rows, file_format="xlsx", sheet=_("Enterprise accounts"), title=title
        )
        try:
            # "x": never over a file made meanwhile.
            with path.open("xb") as file:
                file.write(content)
        except OSError as error:
            raise CommandError(_("Cannot write %(file)s.") % {"file": path}) from error
