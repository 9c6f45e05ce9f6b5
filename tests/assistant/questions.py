"""The labelled question set the assistant is tuned and tested on: real-style questions (with
colloquial wording, typos and English) and the FAQ entry (slug) that must rank first.

``bench/assistant.py`` reports on this set and on a held-out set of its own that was not used
for tuning.
"""

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("理赔需要什么材料", "materials_general"),
    ("理赔要准备啥资料啊", "materials_general"),
    ("车险报案后多久联系我", "contact_after_report"),
    ("报案以后啥时候有人给我打电话", "contact_after_report"),
    ("赔款多久到账", "payment_time"),
    ("理赔的钱几天能到账", "payment_time"),
    ("赔款多久到帐", "payment_time"),  # 帐 for 账: a common slip
    ("对定损结果不满意怎么办", "objection_assessment"),
    ("定损给的太少了怎么办", "objection_assessment"),
    ("怎么投诉", "complaint"),
    ("我要投诉你们", "complaint"),
    ("车险理赔要哪些材料", "materials_auto"),
    ("被追尾了理赔要交什么", "materials_auto"),
    ("重疾理赔要什么资料", "materials_critical_illness"),
    ("住院费用怎么报销要什么材料", "materials_medical"),
    ("什么是容缺受理", "rongque"),
    ("材料没准备齐能先理赔吗", "rongque"),
    ("怎么查理赔进度", "progress"),
    ("我的案子到哪一步了", "progress"),
    ("对审核结果有异议怎么办", "objection_review"),
    ("理赔被拒了怎么办", "rejection"),
    ("重疾有没有绿色通道", "green_channel"),
    ("查勘员多久能到现场", "survey_arrival"),
    ("收款银行卡换了怎么改", "bank_account_change"),
    ("免赔额是什么意思", "deductible"),
    ("怎么报案", "how_to_report"),
    ("审核要多长时间", "decision_time"),
    ("等待期内生病能赔吗", "waiting_period"),
    ("How long until the money arrives?", "payment_time"),
    ("What documents do I need for a claim?", "materials_general"),
    ("How do I make a complaint?", "complaint"),
    ("How can I check my claim status?", "progress"),
)

# Questions the knowledge base does not answer: the assistant must hand them over.
UNRELATED: tuple[str, ...] = (
    "今天天气怎么样",
    "帮我订一张去北京的机票",
    "附近有什么好吃的餐馆",
    "What's the weather like today?",
)

# Requests for a person.
PERSON: tuple[str, ...] = ("转人工", "我要人工客服", "帮我找客服", "I want to talk to a human")
