"""What each kind of import file holds: its columns, their types, header aliases (Chinese, English and the
variants bureaus use) and the option words each coded column accepts. Templates are written from the same specs,
so a template always imports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from data_layer.demo_text import DEMAND_CATEGORIES, DEMAND_CATEGORY_NAMES_ZH, DIMENSION_NAMES_ZH
from data_layer.imports.problems import Bilingual
from data_layer.imports.values import norm
from data_layer.models import DIMENSIONS, GRADES, INDUSTRIES, OPERATOR_TYPES, STATUSES


@dataclass(frozen=True)
class Choices:
    """A coded column: code -> (Chinese label, English label, other accepted spellings...)."""

    options: Mapping[str, tuple[str, ...]]

    @cached_property
    def lookup(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for code, words in self.options.items():
            for word in (code, *words):
                out.setdefault(norm(word), code)
        return out

    def label(self, code: str, lang: str) -> str:
        words = self.options[code]
        return words[0] if lang == "zh" else words[1]

    @property
    def allowed(self) -> dict[str, object]:
        return {"allowed": Bilingual("、".join(w[0] for w in self.options.values()),
                                     ", ".join(w[1] for w in self.options.values()))}


GRADE = Choices({"super_a": ("超甲级", "super-A", "超甲", "超a", "超a级"), "a": ("甲级", "A", "甲", "a级", "grade a"),
                 "b": ("乙级", "B", "乙", "b级", "grade b"),
                 "unrated": ("未评级", "unrated", "未评", "无", "不评级", "暂无", "none")})
STATUS = Choices({"in_use": ("已建", "in use", "在用", "使用中", "已建成", "运营中", "建成", "已投用"),
                  "under_construction": ("在建", "under construction", "建设中", "施工中", "在建中"),
                  "renovating": ("改造中", "renovating", "改造", "提升改造中", "装修改造中")})
OPERATOR = Choices({"state_owned": ("国有", "state-owned", "国企", "国有企业", "国资"),
                    "private": ("民营", "private", "私营", "民企", "民营企业"),
                    "foreign": ("外资", "foreign", "港澳台资", "外商", "外资企业"),
                    "developer_held": ("开发商自持", "developer-held", "自持", "开发商")})
INDUSTRY = Choices({"finance": ("金融", "finance", "金融业", "金融服务"), "legal": ("法律服务", "legal", "法律"),
                    "accounting": ("会计审计", "accounting", "会计", "审计", "财会"),
                    "ip": ("知识产权", "IP", "intellectual property"),
                    "tech_rd": ("科技研发", "tech R&D", "科技", "研发", "科创"), "design": ("设计", "design", "创意设计"),
                    "digital": ("数字经济", "digital", "数字", "软件信息"), "trade": ("商贸", "trade", "贸易", "商务"),
                    "hq": ("总部经济", "HQ", "总部"), "general": ("综合", "general", "其他", "一般", "无")})
DIMENSION = Choices({
    "gov_service": (DIMENSION_NAMES_ZH["gov_service"], "government services", "政务", "政府服务", "gov service"),
    "enterprise_service": (DIMENSION_NAMES_ZH["enterprise_service"], "enterprise services", "企业", "enterprise service"),
    "operations": (DIMENSION_NAMES_ZH["operations"], "building operations", "载体", "物业服务", "楼宇运营", "物业",
                   "operations"),
    "talent": (DIMENSION_NAMES_ZH["talent"], "talent services", "人才", "人才保障", "talent"),
    "transport": (DIMENSION_NAMES_ZH["transport"], "transport", "交通", "交通出行"),
    "daily_life": (DIMENSION_NAMES_ZH["daily_life"], "daily life", "生活", "生活服务", "配套"),
    "other": (DIMENSION_NAMES_ZH["other"], "other", "其它", "其他问题", "综合")})
CHANNEL = Choices({"survey": ("问卷", "survey", "调查问卷", "问卷调查", "线上问卷"),
                   "visit": ("走访", "visit", "实地走访", "座谈", "调研走访"),
                   "hotline": ("热线", "hotline", "12345", "电话", "热线电话")})
DEMAND_STATUS = Choices({"open": ("待办", "open", "未办结", "待处理", "新建", "未处理", "已受理"),
                         "in_progress": ("办理中", "in progress", "处理中", "跟进中", "正在办理"),
                         "closed": ("已办结", "closed", "办结", "已解决", "已关闭", "完成", "已完成")})
CATEGORY = Choices({code: (DEMAND_CATEGORY_NAMES_ZH[code], code.replace("_", " ")) for code in DEMAND_CATEGORIES})
COMPARATOR = Choices({">=": ("≥", ">=", "不低于", "不少于", "达到", "以上", "至少"), ">": (">", ">", "超过", "高于", "大于"),
                      "<=": ("≤", "<=", "不高于", "不超过", "以内", "至多"), "<": ("<", "<", "低于", "小于")})
CRS_NAMES = Choices({"GCJ-02": ("GCJ-02", "GCJ-02", "gcj02", "火星坐标", "高德", "腾讯", "国测局", "amap"),
                     "WGS-84": ("WGS-84", "WGS-84", "wgs84", "gps", "epsg:4326", "4326", "crs84", "osm",
                                "urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:epsg::4326"),
                     "BD-09": ("BD-09", "BD-09", "bd09", "bd09ll", "百度", "baidu")})
assert set(GRADE.options) == set(GRADES) and set(STATUS.options) == set(STATUSES)
assert set(OPERATOR.options) == set(OPERATOR_TYPES) and set(INDUSTRY.options) == set(INDUSTRIES)
assert set(DIMENSION.options) == set(DIMENSIONS)


@dataclass(frozen=True)
class Field:
    """One column. `type`: text, money (万元), area (m²), pct (fraction), count (whole number), number, year,
    month, date, bool, choice, degree. `required`: a value in every row; `for_new`: needed when the row creates
    a record (a blank cell on an existing record keeps what is stored)."""

    name: str
    zh: str
    en: str
    type: str = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False
    for_new: bool = False
    choices: Choices | None = None
    low: float | None = None
    high: float | None = None
    max_len: int | None = None
    unit: str = ""  # unit written in the template header, e.g. 万元
    example: object = ""

    @property
    def header_zh(self) -> str:
        return f"{self.zh}（{self.unit}）" if self.unit else self.zh

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Kind:
    """A kind of import file. `identity`: groups of fields; a header row belongs to this kind when it holds at
    least one field of every group."""

    code: str
    zh: str
    en: str
    fields: tuple[Field, ...]
    identity: tuple[tuple[str, ...], ...]
    sheet_words: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()

    @cached_property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @cached_property
    def lookup(self) -> dict[str, str]:
        """Normalised header text -> field name."""
        out: dict[str, str] = {}
        for f in self.fields:
            for word in (f.zh, f.en, f.name, f.header_zh, *f.aliases):
                out.setdefault(norm(word), f.name)
        return out

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


BUILDING_CODE = Field("building_code", "楼宇编号", "building code", aliases=(
    "楼宇代码", "楼宇编码", "楼宇id", "building id", "编号", "楼宇统一编号"), max_len=30, example="GZ-TH-0001")
BUILDING_NAME = Field("building_name", "楼宇名称", "building name", aliases=(
    "楼宇", "楼宇名", "大厦名称", "项目名称", "名称", "name"), max_len=120, example="示范国际金融中心")
POINT_CODE = Field("point_code", "观测点编号", "observation point", aliases=(
    "观测点", "观测点代码", "point code", "point", "营商环境观测点编号"), max_len=30, example="OP-GZ-TH-0001")
MONTH = Field("month", "统计月份", "month", "month", ("月份", "年月", "统计期", "报告期", "所属月份", "期间", "period",
                                                  "统计年月", "日期"), required=True, example="2026年9月")

BUILDINGS = Kind("buildings", "楼宇基本信息", "Buildings", (
    # Not required: a roster without codes is matched on (district, name), new buildings get a generated code.
    Field("code", "楼宇编号", "building code", aliases=BUILDING_CODE.aliases, max_len=30, example="GZ-TH-0001"),
    Field("name", "楼宇名称", "building name", aliases=BUILDING_NAME.aliases, for_new=True, max_len=120,
          example="示范国际金融中心"),
    Field("address", "地址", "address", aliases=("详细地址", "楼宇地址", "坐落"), max_len=200, example="天河区珠江东路1号"),
    Field("district", "所属区", "district", aliases=("区", "区县", "行政区", "所在区", "辖区", "区域"), for_new=True,
          example="天河区"),
    Field("street", "所属街道", "street", aliases=("街道", "街道办", "所在街道", "镇街"), example=""),
    Field("lon", "经度", "longitude", "degree", ("lon", "lng", "x", "经度坐标"), low=-180, high=180,
          example=113.3245),
    Field("lat", "纬度", "latitude", "degree", ("lat", "y", "纬度坐标"), low=-90, high=90, example=23.1195),
    Field("crs", "坐标系", "CRS", "choice", ("坐标系统", "坐标类型", "coordinate system"), choices=CRS_NAMES,
          example="GCJ-02"),
    Field("grade", "楼宇等级", "grade", "choice", ("等级", "评级", "楼宇评级", "星级评定"), choices=GRADE, example="甲级"),
    Field("gross_area_m2", "建筑面积", "gross floor area", "area", ("总建筑面积", "建筑总面积", "gross area"),
          for_new=True, low=0, unit="㎡", example="120,000"),
    Field("leasable_area_m2", "可租面积", "leasable area", "area", ("可出租面积", "可租赁面积", "可招商面积",
                                                                  "商务面积"), for_new=True, low=0, unit="㎡",
          example="85,000"),
    Field("year_completed", "建成年份", "year completed", "year", ("竣工年份", "建成时间", "竣工时间", "建成年"),
          low=1900, high=2100, example=2015),
    Field("former_names", "曾用名", "former names", aliases=("原名", "曾用名称", "原楼宇名称", "former name", "别名"),
          max_len=400, example=""),
    Field("status", "建设状态", "status", "choice", ("状态", "楼宇状态", "使用状态"), choices=STATUS, example="已建"),
    Field("operator_type", "运营主体类型", "operator type", "choice", ("运营主体", "产权性质", "运营方类型"),
          choices=OPERATOR, example="民营"),
    Field("industry", "特色产业", "featured industry", "choice", ("主导产业", "产业", "产业类型"), choices=INDUSTRY,
          example="金融"),
    Field("is_zero_carbon_pilot", "零碳数智试点", "zero-carbon pilot", "bool", ("零碳试点", "零碳数智试点楼宇"),
          example="否"),
    Field("energy_star", "节能降碳星级", "energy star", "count", ("节能星级", "节能降碳星级评定"), low=0, high=5,
          example=3),
    Field("is_featured", "专业特色楼宇", "featured building", "bool", ("特色楼宇", "是否特色楼宇"), example="是"),
    Field("is_hq_cluster", "总部经济集聚区", "HQ cluster", "bool", ("总部集聚区", "总部经济"), example="否"),
    Field("is_observation_point", "营商环境观测点", "observation point", "bool", ("观测点", "是否观测点"),
          example="是"),
    Field("point_code", "观测点编号", "observation point code", aliases=("观测点代码", "point code"), max_len=30,
          example="OP-GZ-TH-0001"),
    Field("designated_on", "观测点认定日期", "designated on", "date", ("认定日期",), example="2026-01-15"),
    Field("renovated_year", "改造完成年份", "renovated year", "year", ("改造年份", "盘活改造年份"), low=1900,
          high=2100, example=""),
), identity=(("code", "name"), ("name", "district", "lon", "gross_area_m2", "leasable_area_m2", "grade")),
    sheet_words=("楼宇", "building"),
    tables=("building", "observation_point"))

MONTHLY = Kind("monthly", "楼宇月度统计", "Monthly building statistics", (
    BUILDING_CODE, BUILDING_NAME, MONTH,
    # Only read with a name: a building name that two districts share needs its district.
    Field("district", "所属区", "district", aliases=("区", "区县", "行政区", "所在区", "辖区"), example="天河区"),
    Field("occupied_area_m2", "已入驻面积", "occupied area", "area", ("入驻面积", "已入驻", "已用面积", "已出租面积",
                                                                   "occupied"), low=0, unit="㎡", example="72,250"),
    Field("leasable_area_m2", "可租面积", "leasable area", "area", ("可出租面积", "可租赁面积", "可招商面积",
                                                                  "leasable"), low=0, unit="㎡", example="85,000"),
    Field("occupancy_rate", "入驻率", "occupancy rate", "pct", ("出租率", "入住率", "occupancy"), low=0, high=1,
          unit="%", example="85%"),
    Field("enterprises_operating", "在楼经营企业数", "enterprises operating", "count", (
        "入驻企业数", "经营企业数", "在楼企业数", "企业数", "入驻企业", "enterprises"), required=True, low=0,
        unit="家", example=120),
    Field("enterprises_registered", "注册在楼企业数", "enterprises registered", "count", (
        "注册企业数", "本址注册企业数", "注册在本楼企业数", "属地注册企业数", "registered"), required=True, low=0,
        unit="家", example=96),
    Field("tax_10k", "全口径税收", "tax", "money", ("税收", "本月税收", "当月税收", "税收收入", "纳税额", "纳税总额",
                                              "tax revenue", "全口径税收收入"), required=True, unit="万元",
          example="1,234.5"),
    Field("employees", "从业人员", "employees", "count", ("从业人数", "就业人数", "员工人数", "从业人员数"), low=0,
          unit="人", example=3200),
    Field("new_enterprises", "新入驻企业数", "new enterprises", "count", ("新增企业", "新入驻企业", "新增入驻企业数",
                                                                      "新增企业数"), low=0, unit="家", example=3),
), identity=(("building_code", "building_name"), ("month",), ("tax_10k", "occupied_area_m2", "occupancy_rate",
                                                              "enterprises_operating")),
    sheet_words=("月度", "月报", "统计", "monthly"), tables=("building_month",))

STREETS = Kind("streets", "街道（镇）名录", "Streets and towns", (
    Field("district", "所属区", "district", aliases=("区", "区县", "行政区", "所在区", "辖区"), required=True,
          example="天河区"),
    Field("name", "街道名称", "street", aliases=("街道", "街镇", "镇街", "街道（镇）", "街镇名称", "乡镇街道", "街道/镇",
                                             "street name", "town"), required=True, max_len=40, example="珠江新城街道"),
    Field("code", "统计用区划代码", "street code", aliases=("街道代码", "街道编码", "街镇代码", "区划代码（街道）",
                                                      "town code"), max_len=20, example="440106029000"),
    Field("name_en", "英文名称", "name (English)", aliases=("english name",), max_len=60, example="Zhujiang New Town"),
), identity=(("district",), ("name",)), sheet_words=("街道", "街镇", "street"), tables=("street",))

CITY = Kind("city", "全市月度税收", "City totals by month", (
    MONTH,
    Field("city_tax_10k", "全市税收", "city tax", "money", ("全市税收收入", "全市全口径税收", "城市税收", "全市税收总额",
                                                       "city tax revenue"), required=True, unit="万元",
          example="1,580,000"),
), identity=(("month",), ("city_tax_10k",)), sheet_words=("全市", "city"), tables=("city_month",))

PLANS = Kind("plans", "规划与年度目标", "Plans and targets", (
    Field("plan_code", "计划编号", "plan code", aliases=("规划编号", "计划代码", "方案编号"), required=True, max_len=40,
          example="GZ-2026-2028"),
    Field("plan_name", "计划名称", "plan name", aliases=("规划名称", "方案名称", "计划", "plan"), for_new=True,
          max_len=120, example="楼宇经济三年行动计划（2026-2028年）"),
    Field("plan_name_en", "英文名称", "plan name (English)", aliases=("plan name en", "english name"), max_len=160,
          example="Building economy three-year plan (2026-2028)"),
    Field("scope", "适用范围", "scope", aliases=("范围", "层级", "区域", "所属区"), example="全市"),
    Field("start_year", "起始年份", "start year", "year", ("开始年份", "起始年", "起始年度"), for_new=True, low=1990,
          high=2100, example=2026),
    Field("end_year", "截止年份", "end year", "year", ("结束年份", "终止年份", "截止年度"), for_new=True, low=1990,
          high=2100, example=2028),
    Field("source", "文件来源", "source", aliases=("来源", "文号", "依据", "发文字号"), max_len=200,
          example="示范市人民政府办公室"),
    Field("indicator", "指标", "indicator", aliases=("指标名称", "指标代码", "indicator code", "考核指标"),
          required=True, example="已建楼宇入驻率"),
    Field("year", "目标年份", "year", "year", ("年份", "年度", "考核年度", "target year"), required=True, low=1990,
          high=2100, example=2026),
    Field("target", "目标值", "target", "number", ("目标", "target value", "年度目标"), required=True,
          example="85%"),
    Field("comparator", "比较方式", "comparator", "choice", ("目标类型", "比较符", "比较"), choices=COMPARATOR,
          example="≥"),
), identity=(("plan_code",), ("indicator",), ("target",)), sheet_words=("计划", "目标", "plan", "target"),
    tables=("plan", "plan_target"))

FEEDBACK = Kind("feedback", "观测点反馈", "Observation feedback", (
    POINT_CODE, BUILDING_CODE, BUILDING_NAME,
    Field("submitted_on", "反馈日期", "date", "date", ("日期", "提交日期", "填报日期", "调研日期", "submitted on",
                                                   "反馈时间"), required=True, example="2026-09-18"),
    # Not required: a blank dimension is assigned from the comment's text (kinds/feedback.assign_dimensions).
    Field("dimension", "评价维度", "dimension", "choice", ("维度", "类别", "领域", "评价类别"),
          choices=DIMENSION, example="载体运营"),
    Field("channel", "渠道", "channel", "choice", ("来源渠道", "方式", "反馈渠道"), choices=CHANNEL, example="问卷"),
    Field("score", "评分", "score", "count", ("得分", "满意度评分", "分数", "满意度"), low=1, high=5, example=4),
    Field("text", "意见内容", "comment", aliases=("反馈内容", "意见建议", "评价内容", "留言", "内容", "text", "feedback",
                                              "意见"), example="物业响应很及时，电梯维修当天就处理好了"),
), identity=(("point_code", "building_code", "building_name"), ("submitted_on",), ("dimension", "text")),
    sheet_words=("反馈", "意见", "feedback"), tables=("feedback",))

DEMANDS = Kind("demands", "企业诉求", "Enterprise demands", (
    BUILDING_CODE, BUILDING_NAME, POINT_CODE,
    Field("category", "诉求类别", "category", "choice", ("类别", "诉求类型", "问题类别", "诉求分类"), required=True,
          choices=CATEGORY, example="停车需求"),
    Field("text", "诉求内容", "demand", aliases=("内容", "诉求", "问题描述", "text", "诉求描述"), example="希望增加访客停车位"),
    Field("status", "办理状态", "status", "choice", ("状态", "进度", "办理进度"), choices=DEMAND_STATUS,
          example="已办结"),
    Field("opened_on", "受理日期", "opened on", "date", ("登记日期", "提出日期", "反映日期", "date opened", "受理时间"),
          required=True, example="2026-08-03"),
    Field("due_on", "办理时限", "due on", "date", ("截止日期", "期限", "due date", "办结时限"), example="2026-09-02"),
    Field("closed_on", "办结日期", "closed on", "date", ("完成日期", "关闭日期", "办结时间"), example="2026-08-21"),
), identity=(("building_code", "building_name", "point_code"), ("opened_on",), ("category",)),
    sheet_words=("诉求", "demand"), tables=("demand",))

BOUNDARIES = Kind("boundaries", "区界（GeoJSON）", "District boundaries (GeoJSON)", (
    Field("code", "区划代码", "code", aliases=("adcode", "district code"), required=True, max_len=12,
          example="440106"),
    Field("name_zh", "名称", "name", aliases=("name", "中文名称"), required=True, max_len=40, example="天河区"),
    Field("name_en", "英文名称", "name (English)", max_len=60, example="Tianhe"),
    Field("city", "所属城市", "city", max_len=40, example="广州市"),
), identity=(), tables=("district", "district_boundary"))

# The enterprise register's kinds live in their own module, which builds on the fields above.
from data_layer.imports.enterprise_fields import ENTERPRISES, TENANCIES  # noqa: E402

# The order the page offers them (buildings first, as before; the city's geography last).
KINDS: dict[str, Kind] = {k.code: k for k in (BUILDINGS, MONTHLY, CITY, PLANS, FEEDBACK, DEMANDS, ENTERPRISES,
                                              TENANCIES, STREETS, BOUNDARIES)}
# in the order a workbook is applied (tenancies need the buildings and enterprises before them)
TABULAR = ("streets", "buildings", "monthly", "city", "plans", "feedback", "demands", "enterprises", "tenancies")
# Other names the command line accepts for a kind (table names and common words).
KIND_ALIASES = {"building": "buildings", "building_month": "monthly", "month": "monthly", "statistics": "monthly",
                "city_month": "city", "city_totals": "city", "plan": "plans", "plan_target": "plans",
                "targets": "plans", "demand": "demands", "district_boundary": "boundaries", "district": "boundaries",
                "districts": "boundaries", "geojson": "boundaries", "auto": "workbook", "street": "streets",
                "towns": "streets", "enterprise": "enterprises", "tenancy": "tenancies"}
ALL_KINDS = (*KINDS, "workbook")  # workbook: each sheet is matched to the kind its headers show


def resolve_kind(name: str) -> str | None:
    """The kind code for a name given on the command line or the page (None when unknown)."""
    key = name.strip().lower().replace("-", "_")
    if key in KINDS or key == "workbook":
        return key
    return KIND_ALIASES.get(key)

