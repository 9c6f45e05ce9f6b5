"""What the demo's cases are about: products, losses, places, ticket subjects, and how many
cases of each kind end where (the plans). Data only; the scenarios draw from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict


class ProductSpec(TypedDict):
    titles: tuple[str, ...]  # what the losses are called
    label: str
    materials: str
    amount: tuple[int, int]  # the range claimed, in yuan
    investigate: float  # the share of claims surveyed
    reject: tuple[str, ...]  # reasons a claim is rejected


PRODUCTS: dict[str, ProductSpec] = {
    "auto": {
        "titles": (
            "追尾事故",
            "单方事故",
            "停车场剐蹭",
            "前挡风玻璃破碎",
            "暴雨水淹车",
            "倒车撞墙",
        ),
        "label": "车险",
        "materials": "事故认定书、维修发票、行驶证",
        "amount": (1_500, 60_000),
        "investigate": 0.7,
        "reject": ("驾驶人饮酒后驾驶，属责任免除（条款第十条）", "无有效驾驶证驾驶（条款第十条）"),
    },
    "critical_illness": {
        "titles": ("甲状腺癌", "急性心肌梗死", "乳腺癌", "脑中风后遗症", "肺癌", "终末期肾病"),
        "label": "重疾险",
        "materials": "诊断证明、病理报告、出院小结",
        "amount": (100_000, 500_000),
        "investigate": 0.3,
        "reject": (
            "遗传性疾病，属责任免除（条款第2.7条）",
            "先天性畸形，属责任免除（条款第2.7条）",
        ),
    },
    "medical": {
        "titles": ("肺炎住院", "阑尾炎手术", "骨折内固定手术", "胆囊切除术", "冠脉支架植入"),
        "label": "医疗险",
        "materials": "住院费用清单、发票原件、出院小结",
        "amount": (12_000, 120_000),
        "investigate": 0.15,
        "reject": (
            "既往症：投保前已确诊（条款第2.6条）",
            "美容整形手术不在保障范围（条款第2.6条）",
        ),
    },
    "accident": {
        "titles": ("骨折 伤残鉴定", "交通意外 住院津贴", "烫伤 门诊医疗", "攀岩摔伤"),
        "label": "意外险",
        "materials": "伤残鉴定书、病历、事故证明",
        "amount": (2_000, 200_000),
        "investigate": 0.6,
        "reject": ("从事攀岩等高风险运动，属责任免除（条款第2.6条）",),
    },
    "property": {
        "titles": ("台风 屋顶受损", "水管爆裂 地板浸泡", "楼上漏水 墙面受损", "厨房火灾"),
        "label": "家财险",
        "materials": "损失清单、现场照片、物业证明",
        "amount": (3_000, 90_000),
        "investigate": 0.9,
        "reject": ("保管不善导致的受潮霉烂，属责任免除（条款第八条）",),
    },
}
# What a demo loss is claimed under: coverage code and whether it is an illness (waiting
# periods apply), by product line and amount; and the exclusion clause a rejection cites.
DEMO_COVERAGE: dict[str, Callable[[int], tuple[str, bool]]] = {
    "auto": lambda amount: ("vehicle-damage", False),
    "critical_illness": lambda amount: ("critical", True),
    "medical": lambda amount: ("inpatient", True),
    "accident": lambda amount: (
        ("accident-medical", False) if amount <= 50_000 else ("death-disability", False)
    ),
    "property": lambda amount: ("contents", False),
}
EXCLUSION_ARTICLE = {
    "auto": "10",
    "critical_illness": "2.7",
    "medical": "2.6",
    "accident": "2.6",
    "property": "8",
}
RETURN_REASONS = (
    "照片不清晰，请重新拍摄上传",
    "缺少医院盖章，请补盖后上传",
    "发票抬头与被保险人不符",
    # A careless promise: the outbox holds this message for a manager (compliance).
    "诊断证明缺少医院盖章，补盖后上传，保证当天到账",
)
LOSS_PLACES = {
    "auto": (
        ("上海市浦东新区世纪大道与张杨路路口", "上海市徐汇区漕溪北路", "上海市闵行区莘庄立交"),
        ("北京市朝阳区建国路", "北京市海淀区中关村大街"),
    ),
    "medical": (("复旦大学附属中山医院", "上海交通大学医学院附属瑞金医院"), ("北京协和医院",)),
    "critical_illness": (("复旦大学附属肿瘤医院", "上海市胸科医院"), ("中国医学科学院肿瘤医院",)),
    "accident": (("上海市静安区南京西路", "上海市浦东新区张江镇"), ("北京市海淀区西二旗",)),
    "property": (("上海市浦东新区世纪大道100号", "上海市长宁区虹桥路"), ("北京市朝阳区望京街",)),
}
LOSS_STORY = {
    "auto": "{detail}，车辆受损，已拍照留存现场，无人员受伤。",
    "medical": "因{detail}入院治疗，已产生住院及手术费用。",
    "critical_illness": "经医院检查确诊{detail}，目前住院治疗中。",
    "accident": "{detail}，事发后即到医院就诊。",
    "property": "{detail}，室内财产受损，已采取措施防止损失扩大。",
}
PRODUCT_WEIGHTS = {
    "auto": 40,
    "critical_illness": 15,
    "medical": 20,
    "accident": 12,
    "property": 13,
}

# How many claims end in each state of the claim workflow (every state: the planner checks),
# and how long ago their last step was (days, lo-hi). "rejected" claims stop at the signed
# rejection, whose notice goes out at once (so they show as closed, not followed up).
CLAIM_PLAN = {
    "reported": (20, 0, 3),
    "reviewing": (22, 0, 6),
    "awaiting_materials": (16, 0, 12),
    "investigating": (18, 0, 4),
    "adjudicating": (20, 0, 8),
    "paying": (16, 0, 6),
    "rejected": (6, 0, 4),
    "closed": (18, 0, 4),
    "followed_up": (50, 1, 70),
    "withdrawn": (10, 1, 70),
}
TICKET_CATEGORIES = {
    "inquiry": (
        "理赔进度查询",
        "理赔材料清单咨询",
        "保单现金价值咨询",
        "发票丢失如何理赔",
        "赔款到账时间",
    ),
    "complaint": ("理赔时效过长", "客服态度", "定损金额异议", "多次补交材料"),
    "green": ("重疾 急需住院押金", "意外 重伤抢救", "急性心梗 手术垫付"),
    "objection": ("对核赔金额有异议", "对免赔额计算有异议"),
}
TICKET_TOPICS = {
    "理赔时效过长": "timeliness",
    "赔款到账时间": "timeliness",
    "客服态度": "service_attitude",
    "定损金额异议": "amount",
    "对核赔金额有异议": "amount",
    "对免赔额计算有异议": "amount",
    "多次补交材料": "materials",
}
# The root-cause analysis a demo complaint closes with, by what it was about.
RCA_BY_TOPIC = {
    topic: {
        "category": category,
        "department": department,
        "root_cause": cause,
        "corrective_action": action,
        "verification": "下月抽检同类案件复核效果",
    }
    for topic, category, department, cause, action in (
        ("timeliness", "流程", "理赔部", "核赔环节排队积压", "增设核赔岗并启用时效预警"),
        ("service_attitude", "人员", "客服中心", "坐席未按话术安抚客户", "开展服务礼仪培训"),
        ("amount", "规则", "理赔部", "定损依据未向客户解释", "定损结果书面告知计算方法"),
        ("materials", "流程", "理赔部", "材料清单未一次性告知", "启用一次性告知清单"),
        ("other", "其他", "客服中心", "客户诉求理解偏差", "完善首问记录模板"),
    )
}
TICKET_PLAN = {
    "inquiry": {"new": 5, "in_progress": 5, "resolved": 4, "closed": 16},
    "complaint": {"new": 2, "in_progress": 3, "waiting_customer": 3, "resolved": 2, "closed": 6},
    "green": {"new": 2, "in_progress": 3, "resolved": 2, "closed": 4},
    "objection": {"in_progress": 2, "waiting_customer": 1, "closed": 3},
}
# Underwriting applications are built through underwriting.services (their own demo).
# 保全 requests: the titles asked at the counter and how many stop in each state.
SERVICE_PLAN = (
    ("变更受益人", "变更联系方式", "退保申请", "变更缴费账户"),
    {
        "submitted": 3,
        "reviewing": 3,
        "complete": 2,
        "approved": 4,
        "paying": 1,
        "paid": 2,
        "declined": 1,
        "withdrawn": 1,
    },
)
