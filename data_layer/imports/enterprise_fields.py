"""The columns of the enterprise register's two import kinds (一企一档): `enterprises` (the enterprise table) and
`tenancies` (which enterprise is in which building, from when to when, registered there or only operating).
Registered with the other kinds in fields.KINDS; kept in their own module so the register can grow apart."""

from __future__ import annotations

from data_layer.imports.fields import BUILDING_CODE, BUILDING_NAME, INDUSTRY, Choices, Field, Kind
from data_layer.models import SIZE_BANDS

SIZE = Choices({"large": ("大型", "large", "大型企业", "大"), "medium": ("中型", "medium", "中型企业", "中"),
                "small": ("小型", "small", "小型企业", "小"), "micro": ("微型", "micro", "微型企业", "微", "小微")})
assert set(SIZE.options) == set(SIZE_BANDS)

EXAMPLE_CODE = "91440106MA5CKQ7R24"  # valid by GB 32100-2015 (its check character is 4)
CREDIT_CODE = Field("credit_code", "统一社会信用代码", "credit code", aliases=(
    "信用代码", "社会信用代码", "统一信用代码", "企业信用代码", "unified social credit code", "uscc", "credit_code"),
    required=True, max_len=40, example=EXAMPLE_CODE)

ENTERPRISES: Kind = Kind("enterprises", "企业名录", "Enterprises", (
    CREDIT_CODE,
    Field("name", "企业名称", "enterprise name", aliases=("企业", "单位名称", "公司名称", "企业全称", "enterprise"),
          for_new=True, max_len=200, example="广州示范科技有限公司"),
    Field("industry", "所属行业", "industry", "choice", ("行业", "行业类别", "所属产业", "产业类别"), choices=INDUSTRY,
          example="数字经济"),
    Field("size_band", "企业规模", "size", "choice", ("规模", "企业规模类型", "规模类型", "size band"), choices=SIZE,
          example="中型"),
    Field("is_headquarters", "总部企业", "headquarters", "bool", ("是否总部", "总部", "是否总部企业", "hq"),
          example="否"),
    Field("tax_year", "纳税年度", "tax year", "year", ("税收年度", "年度"), low=1990, high=2100, example=2025),
    Field("tax_10k", "年度纳税额", "yearly tax", "money", ("年纳税额", "年度税收", "全年税收", "纳税总额", "yearly tax"),
          low=0, unit="万元", example="356.8"),
), identity=(("credit_code",), ("name", "industry", "size_band", "is_headquarters", "tax_10k")),
    sheet_words=("企业名录", "企业", "enterprise"), tables=("enterprise",))

TENANCIES: Kind = Kind("tenancies", "企业入驻", "Tenancies", (
    CREDIT_CODE,
    Field("enterprise_name", "企业名称", "enterprise name", aliases=("企业", "单位名称", "公司名称"), max_len=200,
          example="广州示范科技有限公司"),
    BUILDING_CODE, BUILDING_NAME,
    Field("from_month", "入驻月份", "from month", "month", ("入驻时间", "入驻日期", "起始月份", "开始月份", "迁入月份",
                                                        "from"), required=True, example="2024年3月"),
    Field("to_month", "迁出月份", "to month", "month", ("迁出时间", "退租月份", "截止月份", "结束月份", "to"),
          example=""),
    Field("area_m2", "使用面积", "area", "area", ("租赁面积", "入驻面积", "办公面积", "area"), low=0, unit="㎡",
          example="1,200"),
    Field("registered_here", "注册在本楼", "registered here", "bool", (
        "本址注册", "是否本址注册", "属地注册", "注册地在本楼", "是否注册在本楼"), required=True, example="否"),
), identity=(("credit_code",), ("building_code", "building_name"), ("from_month",)),
    sheet_words=("入驻", "租户", "tenanc"), tables=("tenancy",))
