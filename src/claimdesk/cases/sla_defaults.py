"""The SPEC's default SLA rules, seeded by a data migration; admins change them later."""

from decimal import Decimal

from claimdesk.workdays.clocks import Unit

# code, name, unit, amount, basis
SLA_DEFAULTS: tuple[tuple[str, str, Unit, Decimal, str], ...] = (
    (
        "contact",
        "联系客户 Contact the customer",
        Unit.WORKING_DAYS,
        Decimal(1),
        "报案后1个工作日内联系",
    ),
    (
        "objection_reply",
        "异议书面解释 Written answer to an objection",
        Unit.WORKING_DAYS,
        Decimal(3),
        "对审核结果有异议的，3个工作日内书面解释",
    ),
    ("survey_onsite", "现场查勘 On-site survey", Unit.HOURS, Decimal(48), "财产险48小时内到达现场"),
    (
        "payment",
        "赔款支付 Payment after materials complete",
        Unit.WORKING_DAYS,
        Decimal(5),
        "资料齐全后5个工作日内支付",
    ),
    (
        "payment_small",
        "小额快赔 Small-case payment",
        Unit.HOURS,
        Decimal(24),
        "小额案件24小时内赔付",
    ),
    (
        "followup",
        "结案回访 Follow-up after closure",
        Unit.WORKING_DAYS,
        Decimal(3),
        "结案后3个工作日内回访",
    ),
    (
        "inquiry_reply",
        "咨询答复 Inquiry reply",
        Unit.BUSINESS_HOURS,
        Decimal(2),
        "一般咨询2小时内答复",
    ),
    (
        "complex_solution",
        "复杂问题解决 Complex matter solution",
        Unit.HOURS,
        Decimal(24),
        "复杂问题24小时内给出解决方案",
    ),
    (
        "green_response",
        "绿色通道响应 Green-channel response",
        Unit.HOURS,
        Decimal("0.5"),
        "重疾、意外绿色通道30分钟响应",
    ),
    (
        "green_preapproval",
        "绿色通道预审 Green-channel pre-approval",
        Unit.HOURS,
        Decimal(24),
        "绿色通道24小时预审",
    ),
    (
        "complaint",
        "投诉处理 Complaint decision",
        Unit.CALENDAR_DAYS,
        Decimal(15),
        "银行业保险业消费投诉处理管理办法：15日内作出处理决定",
    ),
    (
        "complaint_complex",
        "复杂投诉处理 Complex complaint decision",
        Unit.CALENDAR_DAYS,
        Decimal(30),
        "银行业保险业消费投诉处理管理办法：情况复杂的，可延长至30日",
    ),
    (
        "decision_statutory",
        "法定核定时限 Statutory decision",
        Unit.CALENDAR_DAYS,
        Decimal(30),
        "保险法第二十三条：30日内作出核定",
    ),
    (
        "rejection_notice",
        "拒赔通知 Rejection notice",
        Unit.CALENDAR_DAYS,
        Decimal(3),
        "保险法第二十四条：核定之日起3日内发出拒赔通知书",
    ),
    (
        "interim_payment",
        "先予支付 Interim payment",
        Unit.CALENDAR_DAYS,
        Decimal(60),
        "保险法第二十五条：60日内先予支付可确定的数额",
    ),
)
