"""Demo data that tells the story of SCORE in Huzhou, and one demo account per role.

The story, as the programme reported it (docs/demo.md):

- 2015: the pilot starts in Nanxun and Deqing with 20 enterprises; 30 more join in 2016 and 2017,
  50 by the mid-term workshop of November 2017. From their first record to October 2017 the two
  districts report 5,100 suggestions, 4,300 completed improvement projects and RMB 50 million
  saved; in each district safety inspections rose by about 260 % and accidents fell by about 70 %.
- 2018–2019: the scale-up to about 1,000 enterprises across the five districts, in intakes of a
  few dozen enterprises each spring, summer and autumn.
- Monthly safety reports from 12 months before each enterprise's start (collected when it joins)
  up to the latest due month; most arrive on time, some late, a few never.

The pilot's three totals are shared out over its enterprises and months (the largest remainders
get the odd one), so the dashboard shows them whatever the random draws; the safety figures follow
rates (each month's count is the rate's running total, rounded), so that a district's pooled change
stays close to the rates' ratio. Everything comes from random generators seeded with constants and
never depends on today's date except where the data ends, so a second run computes the same rows,
finds them by their keys (credit code, enterprise + month, enterprise + reference, …) and adds
nothing.
"""

import datetime
import math
import random
import zlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Role
from accounts.services import user_create_or_update
from common.months import add_months
from dashboard import rollup
from districts.models import District
from enterprises.credit_code import ALPHABET, check_character
from enterprises.models import Enterprise, Exemption, SafetyReport
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
# Enterprise accounts (docs/domain.md, "Enterprises report for themselves"): the safety officers
# of the first enterprise still in the programme of Nanxun and of Anji (by credit code).
ENTERPRISE_USERS = [("qiye-nanxun", "郑安全"), ("qiye-anji", "孙立华")]
# What the district offices have reviewed (write_review): every report up to this many months
# before the latest due month approved; in the months after, some returned with a comment.
REVIEWED_UP_TO = 3
RETURN_COMMENTS = [
    "检查次数与上月差异较大，请核实后重新上报。",
    "发现隐患数与整改隐患数不一致，请补充说明。",
]
# A factory walk-through needs a consultant, a trainer of its district (its form refuses anything
# else): one per district. Nanxun's is the demo trainer; the others' accounts cannot log in.
CONSULTANTS = {
    "nanxun": ("trainer", "陈晓燕"),
    "wuxing": ("trainer_wuxing", "顾文斌"),
    "deqing": ("trainer_deqing", "姚丽萍"),
    "changxing": ("trainer_changxing", "蒋志刚"),
    "anji": ("trainer_anji", "潘玉琴"),
}

# What the mid-term workshop of November 2017 reported for Nanxun and Deqing, from the first record
# to October 2017.
PILOT_DISTRICTS = ("nanxun", "deqing")
PILOT_LAST_MONTH = datetime.date(2017, 10, 1)
PILOT_SUGGESTIONS = 5100
PILOT_PROJECTS_COMPLETED = 4300
PILOT_SAVINGS = Decimal("50000000.00")
# Inspections × 3.6 (+260 %) and accidents × 0.3 (−70 %) after the start, on average.
PILOT_INSPECTIONS_FACTOR = (3.4, 3.8)
PILOT_ACCIDENTS_FACTOR = (0.25, 0.35)
SCALE_UP_INSPECTIONS_FACTOR = (2.0, 4.2)
SCALE_UP_ACCIDENTS_FACTOR = (0.3, 0.65)

# The sectors of Huzhou: (as the portal shows them, trade words for names, women's share range).
SECTORS = {
    "bamboo": ("竹制品 bamboo", ["竹业", "竹木制品", "竹制品", "竹纤维"], (0.35, 0.55)),
    "wood": ("木业家具 wood & furniture", ["木业", "家具", "地板", "装饰材料"], (0.22, 0.42)),
    "textiles": ("纺织服装 textiles", ["纺织", "丝绸", "服饰", "童装", "织造"], (0.55, 0.8)),
    "elevators": ("电梯 elevators", ["电梯", "电梯部件", "电梯导轨", "扶梯"], (0.08, 0.2)),
    "metal": ("金属制品 metal products", ["金属制品", "五金", "机械", "不锈钢", "铸造"], (0.1, 0.25)),
}

# Per district: its towns (for names and addresses), its sectors' weights, and how many enterprises
# join in the scale-up of 2018 and 2019. With the pilot's 50, 1,000 enterprises.
DISTRICTS = {
    "wuxing": (
        ["织里", "八里店", "埭溪", "东林", "妙西", "道场", "环渚", "月河", "吴兴"],
        {"textiles": 45, "metal": 25, "wood": 15, "elevators": 5, "bamboo": 10},
        (95, 115),
    ),
    "nanxun": (
        ["南浔", "练市", "双林", "菱湖", "和孚", "善琏", "旧馆", "石淙", "千金"],
        {"wood": 40, "elevators": 25, "textiles": 15, "metal": 15, "bamboo": 5},
        (80, 95),
    ),
    "deqing": (
        ["武康", "新市", "乾元", "洛舍", "钟管", "禹越", "新安", "雷甸", "德清"],
        {"metal": 30, "wood": 25, "textiles": 20, "bamboo": 15, "elevators": 10},
        (75, 90),
    ),
    "changxing": (
        ["雉城", "夹浦", "煤山", "泗安", "和平", "李家巷", "洪桥", "林城", "长兴"],
        {"textiles": 40, "metal": 35, "wood": 15, "bamboo": 5, "elevators": 5},
        (95, 115),
    ),
    "anji": (
        ["递铺", "孝丰", "天荒坪", "梅溪", "鄣吴", "杭垓", "报福", "天子湖", "溪龙", "安吉"],
        {"bamboo": 50, "wood": 30, "textiles": 10, "metal": 10},
        (85, 105),
    ),
}
# The pilot's intakes: (district, first start date, enterprises, cohort).
PILOT_INTAKES = [
    ("nanxun", datetime.date(2015, 4, 7), 10, "2015"),
    ("deqing", datetime.date(2015, 5, 12), 10, "2015"),
    ("nanxun", datetime.date(2016, 3, 15), 8, "2016"),
    ("deqing", datetime.date(2016, 4, 12), 7, "2016"),
    ("nanxun", datetime.date(2017, 3, 14), 7, "2017"),
    ("deqing", datetime.date(2017, 4, 11), 8, "2017"),
]
# The scale-up's intakes each year: spring, summer, autumn (month, day), sharing the year's number.
SCALE_UP_INTAKES = [(3, 6), (6, 5), (9, 4)]
CLASS_SIZE = 18

BRAND_FIRST = "恒永华天金瑞宏鼎诚富新兴嘉振明佳顺德泰丰博昌万亿盛汇通"
BRAND_SECOND = "盛裕达成洲丰源旺隆禾华辉美昌泰利祥鑫宇发茂兴胜和信"
ESTATES = ["工业园区", "经济开发区", "工业功能区", "科技园", "创业园"]
SURNAMES = "王李张刘陈杨赵黄周吴沈钱孙朱徐胡高林何郭马罗梁宋郑谢韩唐冯许邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚钟姜崔谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺顾毛郝龚邵万钱严赖覃洪武莫孔"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力斌宁浩凯云飞鹏海燕慧琴晓东林雪梅国荣志新春"
MOBILE_PREFIXES = ["134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159",
                   "182", "183", "187", "188", "130", "131", "132", "155", "156", "185", "186", "133",
                   "153", "180", "181", "189", "177", "199"]  # fmt: skip
SUGGESTIONS = [
    "在砂光机旁加装防护栏",
    "车间主通道划线并保持畅通",
    "工具定置摆放，减少寻找时间",
    "改善喷漆房照明",
    "边角料分类回收再利用",
    "设备每日点检表上墙",
    "清理消防通道的堆放物",
    "压缩空气管路查漏",
    "更换老化的配电箱",
    "原料仓库先进先出",
    "增设员工休息饮水点",
    "叉车行驶区域加装反光镜",
    "改进包装工序减少返工",
    "噪声岗位配发耳塞",
    "化学品柜加锁并贴标签",
    "新员工岗前安全培训",
    "下料工序改用定尺模板",
    "车间安装排风扇降温",
    "班前会通报质量问题",
    "废水沉淀池加盖",
]
PROJECTS = [
    "车间5S改善",
    "节能照明改造",
    "边角料再利用",
    "安全通道标识",
    "设备防护罩加装",
    "压缩空气泄漏治理",
    "除尘系统改造",
    "来料检验流程优化",
    "员工建议奖励制度",
    "生产线平衡改善",
    "锅炉余热回收",
    "危化品存放整改",
    "班组长技能培训",
    "返工率降低项目",
    "仓库货位管理",
]
CLASSROOM_PLACES = ["应急管理局培训室", "人力社保局培训中心", "职业技术学校报告厅"]


# --- The plan: what the demo holds, made in Python from seeded random numbers ---------------------


@dataclass
class Plan:
    """One demo enterprise and everything it reports."""

    index: int
    district: str
    credit_code: str
    name: str
    sector: str
    employees: int
    female_employees: int
    score_start: datetime.date
    cohort: str
    intake: int
    left_on: datetime.date | None
    contact: str
    phone: str
    address: str
    reports: list = field(default_factory=list)  # (month, values dict, received_at)
    suggestions: list = field(default_factory=list)
    projects: list = field(default_factory=list)
    team: list = field(default_factory=list)  # (name, phone, role, sex)

    @property
    def pilot(self):
        return self.cohort in ("2015", "2016", "2017")

    @property
    def start_month(self):
        return self.score_start.replace(day=1)


def weekday_on_or_after(day):
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def person_name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def mobile(rng):
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}"


def credit_code(rng, division, taken):
    while True:
        body = "91" + division + "".join(rng.choice(ALPHABET) for _ in range(9))
        code = body + check_character(body)
        if code not in taken:
            taken.add(code)
            return code


def month_days(month, first=None, last=None):
    """The days of `month` from `first` (if in that month) to `last` (if in that month)."""
    start = month if first is None or first < month else first
    end = add_months(month, 1) - datetime.timedelta(days=1)
    if last is not None and last < end:
        end = last
    return start, end


def random_day(rng, start, end):
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def share_out(total, weights):
    """`total` shared out in proportion to `weights`, in whole numbers adding up to `total`:
    each gets the whole part of its share, the largest remainders one more."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [math.floor(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])[: total - sum(counts)]:
        counts[i] += 1
    return counts


class Drip:
    """Whole monthly counts whose running total follows a rate (the total so far, rounded down):
    over a year they add up to the year's rate give or take one, so pooled sums follow the rates."""

    def __init__(self, rng):
        self.level = rng.random()

    def take(self, rate):
        before = math.floor(self.level)
        self.level += rate
        return math.floor(self.level) - before


def plan_enterprises(today):
    rng = random.Random("huzhou-score-enterprises")
    districts = {d.code: d for d in District.objects.all()}
    plans, codes, names = [], set(), set()

    def add(district, start, cohort, intake):
        towns, sectors, _years = DISTRICTS[district]
        sector = rng.choices(list(sectors), weights=list(sectors.values()))[0]
        label, trades, (low, high) = SECTORS[sector]
        while True:
            town = rng.choice(towns)
            name = f"{town}{rng.choice(BRAND_FIRST)}{rng.choice(BRAND_SECOND)}{rng.choice(trades)}有限公司"
            if name not in names:
                names.add(name)
                break
        # Sizes skewed as in the city: many small firms, a few large ones (median about 110).
        employees = max(20, min(2000, round(math.exp(rng.gauss(math.log(110), 0.8)))))
        plans.append(
            Plan(
                index=len(plans),
                district=district,
                credit_code=credit_code(rng, districts[district].division, codes),
                name=name,
                sector=label,
                employees=employees,
                female_employees=round(employees * rng.uniform(low, high)),
                score_start=start,
                cohort=cohort,
                intake=intake,
                left_on=None,
                contact=person_name(rng),
                phone=f"0572-{rng.randint(2000, 6999)}{rng.randint(0, 9999):04d}",
                address=f"湖州市{districts[district].name_zh}{town}{rng.choice(ESTATES)}",
            )
        )

    intake = 0
    for district, first, count, cohort in PILOT_INTAKES:
        for _ in range(count):
            add(
                district,
                weekday_on_or_after(first + datetime.timedelta(days=rng.randint(0, 24))),
                cohort,
                intake,
            )
        intake += 1
    for year_index, year in enumerate((2018, 2019)):
        for district, (_towns, _sectors, years) in DISTRICTS.items():
            for (month, day), count in zip(
                SCALE_UP_INTAKES, share_out(years[year_index], [3, 4, 3]), strict=True
            ):
                first = datetime.date(year, month, day)
                for _ in range(count):
                    start = weekday_on_or_after(first + datetime.timedelta(days=rng.randint(0, 24)))
                    add(district, start, str(year), intake)
                intake += 1
    # A few left: closed, moved away or gave up; none of the pilot before the mid-term workshop.
    for plan in plans:
        if rng.random() < (0.04 if plan.pilot else 0.06):
            earliest = max(plan.score_start + datetime.timedelta(days=300), datetime.date(2018, 1, 1))
            left = weekday_on_or_after(earliest + datetime.timedelta(days=rng.randint(0, 1800)))
            if left < today - datetime.timedelta(days=30):
                plan.left_on = left
    return plans


def pilot_shares(plans):
    """The pilot's totals shared out over its enterprises and months:
    {(plan index, month): suggestions}, {(plan index, month): projects}, and the projects' savings
    in that order. Larger enterprises and later months (once the team is under way) get more."""
    rng = random.Random("huzhou-score-pilot")
    keys, idea_weights, project_weights = [], [], []
    for plan in plans:
        if not plan.pilot:
            continue
        month, k = plan.start_month, 0
        while month <= PILOT_LAST_MONTH:
            keys.append((plan.index, month))
            size = math.sqrt(plan.employees)
            idea_weights.append(size * min(1, (k + 1) / 3) * rng.uniform(0.6, 1.4))
            # Projects take a month or two: none is completed in the start month.
            project_weights.append(size * min(1, k / 4) * rng.uniform(0.6, 1.4))
            month, k = add_months(month, 1), k + 1
    ideas = dict(zip(keys, share_out(PILOT_SUGGESTIONS, idea_weights), strict=True))
    projects = dict(zip(keys, share_out(PILOT_PROJECTS_COMPLETED, project_weights), strict=True))
    raw = [
        math.exp(rng.gauss(math.log(9000), 0.7)) * (plans[i].employees / 110) ** 0.3
        for (i, _month), count in projects.items()
        for _ in range(count)
    ]
    scale = PILOT_SAVINGS / Decimal(sum(raw))
    savings = [(Decimal(value) * scale).quantize(Decimal("0.01")) for value in raw]
    savings[-1] += PILOT_SAVINGS - sum(savings)
    return ideas, projects, savings


def owed_months(plan, last_month):
    """The months whose safety report the enterprise owes up to `last_month`: from its baseline's
    first month (12 before its start month) to the month before it left."""
    end = last_month
    if plan.left_on is not None:
        end = min(end, add_months(plan.left_on.replace(day=1), -1))
    months = []
    month = add_months(plan.start_month, -12)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


@dataclass
class Arrival:
    """How an enterprise's monthly reports reach the portal: which months never arrive, whether it
    is habitually late, how often it forgets a month. Drawn from a generator of its own, apart
    from the reports' values."""

    rng: random.Random
    gaps: set
    habitually_late: bool
    forgetful: float

    @classmethod
    def draw(cls, plan, months):
        # Which months never arrive: a few enterprises miss a month or three, a few stopped
        # reporting lately, and in each pilot district one enterprise of 2015 lacks a baseline month
        # (so the dashboard shows an enterprise left out of the before/after comparison).
        # The same draws whatever today is, so that months already made stay as they were: gaps are
        # offsets within a fixed horizon, those beyond the data's end falling away.
        arrival = random.Random(f"arrival-{plan.credit_code}")
        first = add_months(plan.start_month, -12)
        horizon = (2030 - first.year) * 12 + 12 - first.month
        misses, offsets = (
            arrival.random() < 0.12,
            [arrival.randrange(horizon) for _ in range(arrival.randint(1, 4))],
        )
        stopped, lately = arrival.random() < 0.03, arrival.randint(2, 6)
        gaps = set()
        if misses:
            gaps.update(add_months(first, offset) for offset in offsets)
        if stopped and plan.left_on is None:
            gaps.update(months[-lately:])
        if plan.cohort == "2015" and plan.index in (3, 14):
            gaps.add(add_months(plan.start_month, -4))
        habitually_late = arrival.random() < 0.1
        # Some enterprises forget a month now and then.
        forgetful = arrival.uniform(0.02, 0.08) if arrival.random() < 0.1 else 0
        return cls(arrival, gaps, habitually_late, forgetful)

    def received_at(self, plan, month, *, after):
        """When the report of `month` reached the portal, or None if it never did."""
        if month in self.gaps or (after and self.rng.random() < self.forgetful):
            return None
        due_day = settings.SCORE_REPORT_DUE_DAY
        if not after:
            # Baseline months are collected when the enterprise joins: received, not on time.
            day = plan.score_start + datetime.timedelta(days=self.rng.randint(1, 12))
        elif self.rng.random() < (0.35 if self.habitually_late else 0.06):
            day = add_months(month, 1).replace(day=due_day) + datetime.timedelta(days=self.rng.randint(2, 45))
        else:
            day = add_months(month, 1) + datetime.timedelta(days=self.rng.randint(0, due_day - 1))
        return datetime.datetime.combine(
            day,
            datetime.time(self.rng.randint(8, 17), self.rng.randint(0, 59)),
            tzinfo=timezone.get_default_timezone(),
        )


@dataclass
class Safety:
    """An enterprise's levels of inspections, accidents and hazards, before and after SCORE."""

    base_inspections: float
    base_accidents: float
    more_inspections: float
    fewer_accidents: float
    inspections: Drip
    accidents: Drip
    hazards: Drip
    # Major accident hazards draw from their own generator, so the demo's other figures stay as
    # they were: about one hazard in twenty-five is major, and most of those are fixed.
    majors: random.Random

    @classmethod
    def draw(cls, rng, plan):
        size = plan.employees
        return cls(
            base_inspections=max(0.5, min(8.0, (0.8 + size / 150) * rng.uniform(0.6, 1.4))),
            base_accidents=size * rng.uniform(0.002, 0.006),
            more_inspections=rng.uniform(
                *(PILOT_INSPECTIONS_FACTOR if plan.pilot else SCALE_UP_INSPECTIONS_FACTOR)
            ),
            fewer_accidents=rng.uniform(
                *(PILOT_ACCIDENTS_FACTOR if plan.pilot else SCALE_UP_ACCIDENTS_FACTOR)
            ),
            inspections=Drip(rng),
            accidents=Drip(rng),
            hazards=Drip(rng),
            majors=random.Random(f"major hazards {plan.index}"),
        )

    def month_values(self, rng, *, after):
        """The month's report values, and the month's jitter of suggestions (drawn between them)."""
        # Inspections are planned, so steadier than accidents from month to month.
        done = self.inspections.take(
            self.base_inspections * (self.more_inspections if after else 1) * rng.uniform(0.8, 1.2)
        )
        jitter = rng.uniform(0.6, 1.4)
        hurt = self.accidents.take(
            self.base_accidents * (self.fewer_accidents if after else 1) * rng.uniform(0.6, 1.4)
        )
        found = self.hazards.take((done * 1.6 if after else done * 2.4) * rng.uniform(0.6, 1.4))
        injuries = sum(rng.choice((1, 1, 1, 2)) for _ in range(hurt))
        fixed = round(found * (rng.uniform(0.85, 1) if after else rng.uniform(0.45, 0.8)))
        major = sum(self.majors.random() < 0.04 for _ in range(found))
        values = {
            "inspections": done,
            "hazards_found": found,
            "hazards_fixed": fixed,
            "major_hazards_found": major,
            "major_hazards_fixed": min(
                fixed, sum(self.majors.random() < (0.9 if after else 0.6) for _ in range(major))
            ),
            "accidents": hurt,
            "injuries": injuries,
            "lost_workdays": sum(rng.randint(2, 30) for _ in range(injuries)),
        }
        return values, jitter


def plan_records(plan, pilot, *, last_month, today, now, modules):
    """The enterprise's monthly safety reports, suggestions and improvement projects up to
    `last_month` (the latest due month), and its improvement team."""
    rng = random.Random(f"records-{plan.credit_code}")
    months = owed_months(plan, last_month)
    arrival = Arrival.draw(plan, months)
    safety = Safety.draw(rng, plan)
    improvements = Improvements.draw(plan, pilot, months)
    for month in months:
        after = month >= plan.start_month
        values, jitter = safety.month_values(rng, after=after)
        received = arrival.received_at(plan, month, after=after)
        # Not arrived yet: a late report of the latest months is simply missing today.
        if received is not None and received <= now:
            plan.reports.append((month, values, received))
        if after:
            improvements.plan_month(
                rng, plan, month, jitter, last_month=last_month, today=today, modules=modules
            )
    plan_team(plan)


@dataclass
class Improvements:
    """An enterprise's suggestions and improvement projects, month by month: the pilot's shares up
    to October 2017; afterwards rates, the pilot's own rate fading to the city's usual one over a
    year and a half."""

    ideas: dict
    projects: dict
    savings: object  # an iterator over the pilot's projects' savings, shared by its enterprises
    idea_rate: float
    pilot_ideas: float
    project_number: int = 0

    @classmethod
    def draw(cls, plan, pilot, months):
        ideas, projects, savings = pilot
        pilot_ideas = sum(ideas.get((plan.index, m), 0) for m in months) / max(
            1, len([m for m in months if plan.start_month <= m <= PILOT_LAST_MONTH])
        )
        return cls(ideas, projects, savings, math.sqrt(plan.employees) * 0.08, pilot_ideas)

    def in_pilot(self, plan, month):
        return plan.pilot and month <= PILOT_LAST_MONTH

    def counts(self, rng, plan, month, jitter):
        """How many suggestions are submitted and projects completed in `month`."""
        if self.in_pilot(plan, month):
            return self.ideas.get((plan.index, month), 0), self.projects.get((plan.index, month), 0)
        k = (month.year - plan.start_month.year) * 12 + month.month - plan.start_month.month
        rate = (
            self.idea_rate
            * (1.0 if k < 24 else 0.25)
            * (0.4 if datetime.date(2020, 2, 1) <= month <= datetime.date(2020, 3, 1) else 1)
        )
        if plan.pilot:
            since = (month.year - 2017) * 12 + month.month - 10
            rate = rate + (self.pilot_ideas - rate) * math.exp(-since / 18)
        n_ideas = int(rate * jitter) + (rng.random() < rate * jitter % 1)
        project_rate = rate * 0.3
        return n_ideas, int(project_rate) + (rng.random() < project_rate % 1)

    def plan_month(self, rng, plan, month, jitter, *, last_month, today, modules):
        """The suggestions and projects of `month`, one of the enterprise's months since its start."""
        n_ideas, n_projects = self.counts(rng, plan, month, jitter)
        start, stop = month_days(month, plan.score_start, min(today, plan.left_on or today))
        for n in range(n_ideas):
            plan.suggestions.append(suggestion(rng, month, n, start, stop, today=today, modules=modules))
        for _ in range(n_projects):
            self.project_number += 1
            plan.projects.append(
                self.project(rng, plan, month, start, stop, last_month=last_month, modules=modules)
            )

    def project(self, rng, plan, month, start, stop, *, last_month, modules):
        completed = random_day(rng, start, stop)
        started = max(plan.score_start, completed - datetime.timedelta(days=rng.randint(10, 90)))
        if self.in_pilot(plan, month):
            status, saved = ImprovementProject.Status.COMPLETED, next(self.savings)
        else:
            saved = Decimal(
                round(math.exp(rng.gauss(math.log(7000), 0.8)) * (plan.employees / 110) ** 0.3, -1)
            )
            status = ImprovementProject.Status.COMPLETED
            if rng.random() < 0.05:
                status = ImprovementProject.Status.CANCELLED
            unfinished = rng.random() < 0.5
            if add_months(month, 3) > last_month and unfinished:
                status = ImprovementProject.Status.IN_PROGRESS
        completed_now = status == ImprovementProject.Status.COMPLETED
        return {
            "reference": f"XM-{self.project_number:04d}",
            "module_id": rng.choice(modules).pk,
            "title": rng.choice(PROJECTS),
            "status": status,
            "started_on": started,
            "completed_on": completed if completed_now else None,
            "cost": (saved * Decimal(rng.uniform(0.1, 0.6))).quantize(Decimal("1")),
            "savings": saved if completed_now else None,
        }


def suggestion(rng, month, n, start, stop, *, today, modules):
    """The month's `n`th suggestion (from 0), submitted between `start` and `stop`."""
    submitted = random_day(rng, start, stop)
    recent = (today - submitted).days < 60
    status = rng.choices(
        Suggestion.Status.values,  # submitted, accepted, implemented, rejected
        weights=(60, 20, 10, 10) if recent else (8, 27, 50, 15),
    )[0]
    return {
        "reference": f"JY{month:%Y%m}-{n + 1:03d}",
        "submitted_on": submitted,
        "module_id": rng.choice(modules).pk,
        "text": rng.choice(SUGGESTIONS),
        "submitted_by": person_name(rng),
        "status": status,
    }


# The enterprises have entered their own suggestions and projects on their pages for half a year:
# six in ten of that time's records are theirs, the others came in the districts' files.
SELF_ENTERED_DAYS = 183


def self_entered(plan, values, day, today):
    """Whether the demo's record (of `day`) was entered by its enterprise: a fixed draw per record,
    apart from the demo's random stream, which stays as it was."""
    draw = zlib.crc32(f"{plan.credit_code}/{values['reference']}".encode()) % 10
    return (today - day).days < SELF_ENTERED_DAYS and draw < 6


def plan_team(plan):
    """The enterprise improvement team: managers and workers, as many women as the workforce has
    (fewer among managers)."""
    share = plan.female_employees / plan.employees
    rng = random.Random(f"team-{plan.credit_code}")
    for n in range(max(4, min(10, round(1 + math.log(plan.employees))))):
        role = (
            Participant.Role.MANAGER if n < 2 or (n < 4 and rng.random() < 0.5) else Participant.Role.WORKER
        )
        woman = rng.random() < share * (0.7 if role == Participant.Role.MANAGER else 1.1)
        plan.team.append(
            (person_name(rng), mobile(rng), role, Participant.Sex.FEMALE if woman else Participant.Sex.MALE)
        )


def insert_new(model, rows):
    """Write `rows` (dicts of column attribute names) to `model`'s table, leaving out those whose
    key is already there (a second run): INSERT … ON CONFLICT DO NOTHING, as many rows a statement
    as the database takes parameters (one statement a row would fire PostgreSQL's statement-level
    roll-up trigger 200,000 times). bulk_create made a model instance of each row and prepared each
    value through its field, nearly half the command's time (docs/demo.md, "How long it takes"),
    and sets received_at, an auto_now_add field, to now, which needed a second pass to undo.
    Values go to the driver as they are, but for date-times, which the field makes naive UTC on
    SQLite."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = [
        now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
        for f in fields
    ]
    names = [f.attname for f in fields]
    moments = [i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)]
    per_statement = (connection.features.max_query_params or 10000) // len(fields)
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    row_marks = f"({', '.join(['%s'] * len(fields))})"
    batch = []

    def flush(cursor):
        cursor.execute(
            head + ", ".join([row_marks] * (len(batch) // len(fields))) + " ON CONFLICT DO NOTHING", batch
        )
        batch.clear()

    with connection.cursor() as cursor:
        for number, row in enumerate(rows, 1):
            values = [row.get(name, default) for name, default in zip(names, defaults, strict=True)]
            for i in moments:
                values[i] = fields[i].get_db_prep_save(values[i], connection)
            batch.extend(values)
            if number % per_statement == 0:
                flush(cursor)
        if batch:
            flush(cursor)


# --- Writing the plan -----------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Fill the database with the demo of SCORE in Huzhou (2015 on) and one demo account per role."

    @transaction.atomic
    def handle(self, *args, **options):
        started = timezone.now()
        for username, role, district, full_name in DEMO_USERS:
            user_create_or_update(
                username=username,
                role=role,
                password=DEMO_PASSWORD,
                district_code=district,
                full_name=full_name,
            )
        consultants = {}
        for district, (username, full_name) in CONSULTANTS.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = user_create_or_update(
                    username=username,
                    role=Role.TRAINER,
                    password=None,
                    district_code=district,
                    full_name=full_name,
                )
                user.set_unusable_password()
                user.save(update_fields=["password"])
            consultants[district] = user

        today = timezone.localdate()
        now = timezone.now()
        last_month = latest_due_month()
        modules = list(Module.objects.order_by("number"))
        districts = {d.code: d for d in District.objects.all()}
        plans = plan_enterprises(today)
        ideas, projects, savings = pilot_shares(plans)
        pilot = (ideas, projects, iter(savings))
        for plan in plans:
            plan_records(plan, pilot, last_month=last_month, today=today, now=now, modules=modules)

        enterprise_ids = self.write_enterprises(plans, districts)
        self.write_reports(plans, enterprise_ids)
        self.write_improvements(plans, enterprise_ids, today)
        self.write_training(plans, enterprise_ids, districts, consultants, modules, today)
        demo_enterprises = write_review(plans, enterprise_ids, last_month=last_month, now=now)
        for (username, full_name), enterprise_id in zip(ENTERPRISE_USERS, demo_enterprises, strict=True):
            user_create_or_update(
                username=username,
                role=Role.ENTERPRISE,
                password=DEMO_PASSWORD,
                enterprise_code=Enterprise.objects.get(pk=enterprise_id).credit_code,
                full_name=full_name,
            )
        # The dashboard's roll-up, made current now rather than by the first official to look.
        rollup.rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data: {Enterprise.objects.count()} enterprises, "
                f"{SafetyReport.objects.count()} safety reports, {Suggestion.objects.count()} suggestions, "
                f"{ImprovementProject.objects.count()} projects, {Workshop.objects.count()} workshops "
                f"in {(timezone.now() - started).total_seconds():.1f} s; "
                f"logins {', '.join(user[0] for user in DEMO_USERS + ENTERPRISE_USERS)} / {DEMO_PASSWORD}"
            )
        )

    def write_enterprises(self, plans, districts):
        # ignore_conflicts: enterprises already there (a second run) are left as they are.
        Enterprise.objects.bulk_create(
            [
                Enterprise(
                    credit_code=plan.credit_code,
                    name=plan.name,
                    district=districts[plan.district],
                    sector=plan.sector,
                    employees=plan.employees,
                    female_employees=plan.female_employees,
                    score_start=plan.score_start,
                    cohort=plan.cohort,
                    left_on=plan.left_on,
                    address=plan.address,
                    contact=plan.contact,
                    phone=plan.phone,
                )
                for plan in plans
            ],
            ignore_conflicts=True,
            batch_size=200,
        )
        return dict(
            Enterprise.objects.filter(credit_code__in=[p.credit_code for p in plans]).values_list(
                "credit_code", "pk"
            )
        )

    def write_reports(self, plans, enterprise_ids):
        insert_new(
            SafetyReport,
            (
                {
                    "enterprise_id": enterprise_ids[plan.credit_code],
                    "month": month,
                    "received_at": received,
                    **values,
                }
                for plan in plans
                for month, values, received in plan.reports
            ),
        )

    def write_improvements(self, plans, enterprise_ids, today):
        def written(plan, values, day):
            entered = self_entered(plan, values, day, today)
            return {
                "enterprise_id": enterprise_ids[plan.credit_code],
                "entered_by_enterprise": entered,
                **values,
            }

        insert_new(
            Suggestion,
            (written(plan, values, values["submitted_on"]) for plan in plans for values in plan.suggestions),
        )
        insert_new(
            ImprovementProject,
            (
                written(plan, values, values["completed_on"] or values["started_on"])
                for plan in plans
                for values in plan.projects
            ),
        )

    def write_training(self, plans, enterprise_ids, districts, consultants, modules, today):
        """Each intake is taught in classes of up to CLASS_SIZE enterprises: a classroom workshop per
        module, two months or so apart, each followed by factory walk-throughs of the enterprises
        that came. Workshops fall on working days, at most two classroom workshops and three
        walk-throughs a day in a district, and never after today."""
        rng = random.Random("huzhou-score-training")
        people = write_participants(plans, enterprise_ids)
        training = TrainingPlan(rng, today=today, enterprise_ids=enterprise_ids, people=people)
        intakes = {}
        for plan in plans:
            intakes.setdefault(plan.intake, []).append(plan)
        for intake in intakes.values():
            intake.sort(key=lambda p: (p.score_start, p.index))
            for first in range(0, len(intake), CLASS_SIZE):
                training.plan_class(intake[first : first + CLASS_SIZE], districts, modules)
        # A classroom workshop nobody came to is not held.
        workshops = {key: value for key, value in training.workshops.items() if value[0]}
        write_workshops(workshops, districts, consultants, modules)


def write_participants(plans, enterprise_ids):
    """The enterprises' improvement teams: {(enterprise id, name, phone): participant id}."""
    insert_new(
        Participant,
        (
            {
                "enterprise_id": enterprise_ids[plan.credit_code],
                "name": name,
                "phone": phone,
                "role": role,
                "sex": sex,
            }
            for plan in plans
            for name, phone, role, sex in plan.team
        ),
    )
    people = {}
    for pk, enterprise, name, phone in Participant.objects.filter(
        enterprise_id__in=enterprise_ids.values()
    ).values_list("pk", "enterprise_id", "name", "phone"):
        people[(enterprise, name, phone)] = pk
    return people


class TrainingPlan:
    """The workshops held: {(district, module number, kind, date, place): (enterprise ids,
    attendee ids)}, booked on working days up to a number a day per district and kind."""

    def __init__(self, rng, *, today, enterprise_ids, people):
        self.rng = rng
        self.today = today
        self.enterprise_ids = enterprise_ids
        self.people = people
        self.booked = {}
        self.workshops = {}

    def book(self, district, kind, day, limit):
        day = weekday_on_or_after(day)
        while self.booked.get((district, kind, day), 0) >= limit:
            day = weekday_on_or_after(day + datetime.timedelta(days=1))
        self.booked[(district, kind, day)] = self.booked.get((district, kind, day), 0) + 1
        return day

    def plan_class(self, group, districts, modules):
        """One class of an intake: a classroom workshop per module, until one would be after today."""
        rng = self.rng
        district = group[0].district
        towns = DISTRICTS[district][0]
        day = max(p.score_start for p in group) + datetime.timedelta(days=rng.randint(7, 14))
        for module in modules:
            classroom = self.book(district, Workshop.Kind.CLASSROOM, day, 2)
            if classroom > self.today:
                break
            place = districts[district].name_zh + rng.choice(
                CLASSROOM_PLACES + [f"{rng.choice(towns)}镇会议中心"]
            )
            key = (district, module.number, Workshop.Kind.CLASSROOM, classroom, place)
            came, listed = self.workshops.setdefault(key, (set(), set()))
            for plan in group:
                self.plan_attendance(plan, module, classroom, came, listed)
            day = classroom + datetime.timedelta(days=rng.randint(45, 75))

    def plan_attendance(self, plan, module, classroom, came, listed):
        """Whether `plan`'s team came to the classroom workshop, who came, and the factory
        walk-throughs that followed."""
        rng = self.rng
        # Pilot enterprises took every module; others mostly the first two and safety and health.
        takes = 0.97 if plan.pilot else (0.95, 0.93, 0.8, 0.75, 0.9)[module.number - 1]
        if (plan.left_on and plan.left_on <= classroom) or rng.random() > takes:
            return
        enterprise = self.enterprise_ids[plan.credit_code]
        attendees = [p for p in plan.team if rng.random() < 0.8] or plan.team[:1]
        came.add(enterprise)
        listed.update(self.people[(enterprise, name, phone)] for name, phone, _r, _s in attendees)
        visits = rng.choices((0, 1, 2, 3), weights=(5, 40, 40, 15) if plan.pilot else (15, 55, 25, 5))[0]
        for _ in range(visits):
            self.plan_walkthrough(plan, enterprise, module, classroom)

    def plan_walkthrough(self, plan, enterprise, module, classroom):
        rng = self.rng
        visit = self.book(
            plan.district,
            Workshop.Kind.WALKTHROUGH,
            classroom + datetime.timedelta(days=rng.randint(7, 50)),
            3,
        )
        if visit > self.today or (plan.left_on and plan.left_on <= visit):
            return
        # The managers take the consultant and the inspector round, with a few workers.
        round_ = [p for p in plan.team if p[2] == Participant.Role.MANAGER or rng.random() < 0.4]
        self.workshops[(plan.district, module.number, Workshop.Kind.WALKTHROUGH, visit, plan.name)] = (
            {enterprise},
            {self.people[(enterprise, name, phone)] for name, phone, _r, _s in round_},
        )


def write_workshops(workshops, districts, consultants, modules):
    """The workshops that are not there yet, their enterprises, trainers and attendance."""
    module_ids = {m.number: m.pk for m in modules}
    district_ids = {code: d.pk for code, d in districts.items()}
    numbers = {m.pk: m.number for m in modules}
    codes = {d.pk: code for code, d in districts.items()}

    def existing():
        return {
            (codes[d], numbers[m], kind, day, place): pk
            for pk, d, m, kind, day, place in Workshop.objects.filter(
                district__in=districts.values()
            ).values_list("pk", "district_id", "module_id", "kind", "date", "place")
        }

    there = existing()
    inspectors = random.Random("huzhou-score-inspectors")
    Workshop.objects.bulk_create(
        [
            Workshop(
                district_id=district_ids[district],
                module_id=module_ids[number],
                kind=kind,
                date=day,
                place=place,
                consultant=consultants[district] if kind == Workshop.Kind.WALKTHROUGH else None,
                inspector=person_name(inspectors) if kind == Workshop.Kind.WALKTHROUGH else "",
            )
            for (district, number, kind, day, place) in workshops
            if (district, number, kind, day, place) not in there
        ],
        batch_size=500,
    )
    there = existing()
    insert_new(
        Workshop.enterprises.through,
        (
            {"workshop_id": there[key], "enterprise_id": e}
            for key, (came, _l) in workshops.items()
            for e in came
        ),
    )
    insert_new(
        Workshop.trainers.through,
        ({"workshop_id": there[key], "user_id": consultants[key[0]].pk} for key in workshops),
    )
    insert_new(
        Attendance,
        (
            {"workshop_id": there[key], "participant_id": p}
            for key, (_c, listed) in workshops.items()
            for p in sorted(listed)
        ),
    )


def write_review(plans, enterprise_ids, *, last_month, now):
    """The review's story: reports up to REVIEWED_UP_TO months before the latest due month approved
    (the districts cleared their backlog), the later ones submitted, one in twenty of those returned
    with a comment; two enterprises with halted production (停产): one an approved exemption of
    three months in the past year (their reports gone: nothing was produced, nothing reported), the
    other a pending request from next month on. Returns the ids of the demo's enterprise accounts'
    enterprises (Nanxun's and Anji's first still in the programme, without an exemption)."""
    approved_to = add_months(last_month, -REVIEWED_UP_TO)
    SafetyReport.objects.filter(month__lte=approved_to).update(state=SafetyReport.State.APPROVED)
    recent = SafetyReport.objects.filter(month__gt=approved_to).order_by("enterprise_id", "month")
    returned = list(recent.values_list("pk", flat=True)[::20])
    for number, pk in enumerate(returned):
        SafetyReport.objects.filter(pk=pk).update(
            state=SafetyReport.State.RETURNED, review_comment=RETURN_COMMENTS[number % len(RETURN_COMMENTS)]
        )
    staying = [
        plan for plan in plans if plan.left_on is None and plan.score_start < add_months(last_month, -24)
    ]
    by_district = {}
    for plan in staying:
        by_district.setdefault(plan.district, []).append(enterprise_ids[plan.credit_code])
    halted, requesting = by_district["deqing"][0], by_district["wuxing"][0]
    first, last = add_months(last_month, -8), add_months(last_month, -6)
    SafetyReport.objects.filter(enterprise_id=halted, month__gte=first, month__lte=last).delete()
    Exemption.objects.get_or_create(
        enterprise_id=halted,
        first_month=first,
        defaults={
            "last_month": last,
            "reason": "订单不足，停产检修三个月。",
            "status": Exemption.Status.APPROVED,
            "requested_by": "企业安全员",
            "decided_by": "德清区安监科",
            "decided_at": now,
        },
    )
    Exemption.objects.get_or_create(
        enterprise_id=requesting,
        status=Exemption.Status.PENDING,
        defaults={
            "first_month": add_months(last_month, 2),
            "reason": "厂房搬迁，预计停产至新厂房投产。",
            "requested_by": "企业安全员",
        },
    )
    return [by_district["nanxun"][0], by_district["anji"][0]]
