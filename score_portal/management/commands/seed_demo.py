"""Believable demo data for every district, and one demo account per role.

The data ends with the current month so that the dashboard's default period shows it: 36 months
of safety reports per enterprise, SCORE starting between months 13 and 20 (so a full 12-month
baseline exists), inspections rising and accidents falling after the start. Everything is keyed
(credit code, enterprise + month, enterprise + reference, …) so a second run adds nothing.
"""

import datetime
import random
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from accounts.services import user_create_or_update
from common.months import add_months
from districts.models import District
from enterprises.credit_code import ALPHABET, check_character
from enterprises.models import Enterprise, SafetyReport
from enterprises.reporting import latest_due_month
from improvements.models import ImprovementProject, Suggestion
from training.models import Attendance, Module, Participant, Workshop

DEMO_PASSWORD = "score-demo-2026"
DEMO_USERS = [
    ("admin", Role.PROGRAMME_ADMIN, None, "周建华"),
    ("city", Role.CITY_OFFICIAL, None, "钱立新"),
    ("nanxun", Role.DISTRICT_OFFICIAL, "nanxun", "沈国平"),
    ("anji", Role.DISTRICT_OFFICIAL, "anji", "吴美玲"),
    ("trainer", Role.TRAINER, "nanxun", "陈晓燕"),
]
ENTERPRISES_PER_DISTRICT = 10
MONTHS = 36
SECTORS = ["竹制品", "纺织", "木业家具", "金属制品", "化工", "电梯部件"]
NAME_PARTS = ["华", "兴", "达", "丰", "盛", "恒", "隆", "安", "泰", "鑫", "源", "宏", "康", "顺", "利"]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "沈", "钱", "孙", "朱"]
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明"]
SUGGESTIONS = ["加装防护栏", "通道划线", "工具定置", "改进照明", "废料分类回收", "设备点检表", "消防通道清理"]
PROJECTS = [
    "车间5S改善",
    "节能照明改造",
    "边角料再利用",
    "安全通道标识",
    "设备防护罩加装",
    "压缩空气泄漏治理",
]


def demo_credit_code(rng, division):
    body = "91" + division + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + check_character(body)


class Command(BaseCommand):
    help = "Fill the database with demo data for every district and one demo account per role."

    @transaction.atomic
    def handle(self, *args, **options):
        for username, role, district, full_name in DEMO_USERS:
            user_create_or_update(
                username=username,
                role=role,
                password=DEMO_PASSWORD,
                district_code=district,
                full_name=full_name,
            )
        # Reports up to the latest due month: the current month's are not owed yet.
        last_month = latest_due_month()
        first_month = add_months(last_month, -(MONTHS - 1))
        modules = list(Module.objects.order_by("number"))
        for district in District.objects.order_by("division"):
            self.seed_district(district, first_month, modules)
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data: {Enterprise.objects.count()} enterprises, "
                f"{SafetyReport.objects.count()} safety reports, {Suggestion.objects.count()} suggestions, "
                f"{ImprovementProject.objects.count()} projects, {Workshop.objects.count()} workshops; "
                f"logins {', '.join(user[0] for user in DEMO_USERS)} / {DEMO_PASSWORD}"
            )
        )

    def seed_district(self, district, first_month, modules):
        rng = random.Random(district.division)
        enterprises = []
        for number in range(1, ENTERPRISES_PER_DISTRICT + 1):
            employees = rng.randint(40, 300)
            start = add_months(first_month, rng.randint(12, 20)) + datetime.timedelta(days=14)
            sector = rng.choice(SECTORS)
            enterprise, _created = Enterprise.objects.update_or_create(
                credit_code=demo_credit_code(rng, district.division),
                defaults={
                    "name": f"{district.short_names}{rng.choice(NAME_PARTS)}{rng.choice(NAME_PARTS)}"
                    f"{sector}有限公司{number}",
                    "district": district,
                    "sector": sector,
                    "employees": employees,
                    # Women are 15–60 % of a workforce in these sectors.
                    "female_employees": round(employees * rng.uniform(0.15, 0.6)),
                    "score_start": start,
                    "cohort": str(start.year),
                    "contact": rng.choice(SURNAMES) + rng.choice(GIVEN),
                    "phone": f"0572-{rng.randint(2000000, 2999999)}",
                },
            )
            enterprises.append(enterprise)
        reports, suggestions, projects = [], [], []
        for index, enterprise in enumerate(enterprises):
            start_month = enterprise.score_start.replace(day=1)
            # The last enterprise of each district misses one baseline month: real data has gaps,
            # and the dashboard must show it leaving the before/after comparison.
            gap = add_months(start_month, -3) if index == len(enterprises) - 1 else None
            for offset in range(MONTHS):
                month = add_months(first_month, offset)
                if month == gap:
                    continue
                after = month >= start_month
                found = rng.randint(2, 9) if after else rng.randint(0, 4)
                reports.append(
                    SafetyReport(
                        enterprise=enterprise,
                        month=month,
                        inspections=rng.randint(6, 12) if after else rng.randint(1, 4),
                        hazards_found=found,
                        hazards_fixed=rng.randint(found // 2, found),
                        accidents=rng.choice([0, 0, 0, 0, 1]) if after else rng.choice([0, 0, 1, 1, 2]),
                        injuries=rng.choice([0, 0, 0, 1]),
                        lost_workdays=rng.choice([0, 0, 2, 5]),
                    )
                )
                if after:
                    for n in range(rng.randint(1, 4)):
                        suggestions.append(
                            Suggestion(
                                enterprise=enterprise,
                                reference=f"JY{month:%Y%m}-{n + 1}",
                                submitted_on=month + datetime.timedelta(days=rng.randint(0, 27)),
                                module=rng.choice(modules),
                                text=rng.choice(SUGGESTIONS),
                                submitted_by=rng.choice(SURNAMES) + rng.choice(GIVEN),
                                status=rng.choice(Suggestion.Status.values),
                            )
                        )
                    if rng.random() < 0.6:
                        started = month + datetime.timedelta(days=rng.randint(0, 10))
                        completed = started + datetime.timedelta(days=rng.randint(10, 80))
                        done = completed <= datetime.date.today()
                        projects.append(
                            ImprovementProject(
                                enterprise=enterprise,
                                reference=f"XM{month:%Y%m}",
                                module=rng.choice(modules),
                                title=rng.choice(PROJECTS),
                                status=ImprovementProject.Status.COMPLETED
                                if done
                                else ImprovementProject.Status.IN_PROGRESS,
                                started_on=started,
                                completed_on=completed if done else None,
                                cost=Decimal(rng.randint(500, 20000)),
                                savings=Decimal(rng.randint(1000, 90000)) + Decimal("0.50"),
                            )
                        )
        # ignore_conflicts: rows already there (a second run) are left as they are.
        SafetyReport.objects.bulk_create(reports, ignore_conflicts=True)
        # Its own random numbers: a second run receives nothing, and must not shift the training's.
        self.receive(enterprises, random.Random(f"{district.division}-received"))
        Suggestion.objects.bulk_create(suggestions, ignore_conflicts=True)
        ImprovementProject.objects.bulk_create(projects, ignore_conflicts=True)
        self.seed_training(district, enterprises, modules, rng)

    def receive(self, enterprises, rng):
        """The reports just made arrived (received_at is set to now on creation): most by the 5th
        of the next month, on time; one in ten a few weeks late."""
        fresh = SafetyReport.objects.filter(
            enterprise__in=enterprises, received_at__gte=timezone.now() - datetime.timedelta(minutes=10)
        )
        zone = timezone.get_default_timezone()
        received = []
        for report in fresh:
            day = add_months(report.month, 1) + datetime.timedelta(
                days=4 + (rng.randint(7, 40) if rng.random() < 0.1 else 0)
            )
            report.received_at = datetime.datetime(day.year, day.month, day.day, 9, 30, tzinfo=zone)
            received.append(report)
        SafetyReport.objects.bulk_update(received, ["received_at"], batch_size=500)

    def seed_training(self, district, enterprises, modules, rng):
        people = []
        for enterprise in enterprises:
            for role, sex in [
                ("manager", "male"),
                ("manager", "female"),
                ("worker", "female"),
                ("worker", "male"),
            ]:
                people.append(
                    Participant(
                        enterprise=enterprise,
                        name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                        phone=f"13{rng.randint(100000000, 999999999)}",
                        role=role,
                        sex=sex,
                    )
                )
        Participant.objects.bulk_create(people, ignore_conflicts=True)
        groups = [enterprises[i : i + 5] for i in range(0, len(enterprises), 5)]
        team = {}
        for participant in Participant.objects.filter(enterprise__in=enterprises):
            team.setdefault(participant.enterprise_id, []).append(participant)
        # The demo trainer leads Nanxun's workshops; the other districts' have no account here.
        trainer = User.objects.filter(username="trainer", profile__district=district).first()
        attendances = []
        for group in groups:
            first = max(e.score_start for e in group)
            for module in modules:
                day = first + datetime.timedelta(days=30 * (module.number - 1) + 7)
                workshop, created = Workshop.objects.get_or_create(
                    district=district,
                    module=module,
                    kind=Workshop.Kind.CLASSROOM,
                    date=day,
                    defaults={"place": f"{district.name_zh}应急管理局培训室"},
                )
                # Two groups whose last start falls on the same day share the workshop: each adds
                # its enterprises, so that everyone on the list is of an enterprise taking part
                # (the workshop's own form refuses anything else).
                workshop.enterprises.add(*group)
                if created and trainer:
                    workshop.trainers.add(trainer)
                for enterprise in group:
                    for participant in team[enterprise.pk]:
                        if rng.random() < 0.9:
                            attendances.append(Attendance(workshop=workshop, participant=participant))
                    # A walk-through two weeks later: the consultant and a safety inspector visit
                    # the enterprise, and its managers take them round.
                    walkthrough, created = Workshop.objects.get_or_create(
                        district=district,
                        module=module,
                        kind=Workshop.Kind.WALKTHROUGH,
                        date=day + datetime.timedelta(days=14),
                        place=enterprise.name,
                        defaults={"consultant": trainer, "inspector": rng.choice(SURNAMES) + "监察员"},
                    )
                    if created:
                        walkthrough.enterprises.add(enterprise)
                        if trainer:
                            walkthrough.trainers.add(trainer)
                    attendances.extend(
                        Attendance(workshop=walkthrough, participant=participant)
                        for participant in team[enterprise.pk]
                        if participant.role == Participant.Role.MANAGER
                    )
        Attendance.objects.bulk_create(attendances, ignore_conflicts=True)
