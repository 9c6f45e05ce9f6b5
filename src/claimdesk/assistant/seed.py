"""The knowledge base a new installation starts with: the claims-service questions customers
ask most, answered from the process rules (SPEC: report intake, 容缺受理, clocks, objection and
complaint channels). Seeded into ``FaqEntry`` once; admins edit it there afterwards.

Answers describe the usual course and the time commitments without absolute promises: the
contract and the facts of the case decide.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Faq:
    slug: str
    category: str
    question_zh: str
    question_en: str
    answer_zh: str
    answer_en: str
    alternates: tuple[str, ...] = ()
    keywords: str = ""


FAQS: tuple[Faq, ...] = (
    Faq(
        "materials_general",
        "materials",
        "理赔需要准备哪些材料？",
        "What documents do I need to make a claim?",
        "报案成功后，系统会按您的险种一次性列出全部所需材料清单（一次性告知）。通常包括："
        "理赔申请书、被保险人身份证、收款银行卡，以及与损失有关的证明（如车险的事故认定书和"
        "维修发票、医疗险的发票和费用清单、重疾险的诊断证明和病理报告）。已经交过的身份证、"
        "银行卡等材料会自动复用，无需重复提交。",
        "Once your report is registered you receive the complete checklist for your type of "
        "loss in one go. It usually includes the claim form, the insured person's ID card, the "
        "bank card for the payment and the proof of the loss (for auto: the accident report "
        "and repair invoice; medical: invoices and the expense list; critical illness: the "
        "diagnosis and pathology report). ID and bank documents already on file are reused.",
        (
            "理赔要什么资料",
            "申请理赔要带哪些东西",
            "理赔需要什么材料",
            "理赔材料清单",
            "需要提交什么证明",
            "what paperwork is needed for a claim",
            "claim documents checklist",
        ),
        "材料 资料 清单 证明 一次性告知 documents checklist paperwork",
    ),
    Faq(
        "materials_auto",
        "materials",
        "车险理赔需要哪些材料？",
        "What documents does a car insurance claim need?",
        "车险理赔的核心材料：理赔申请书、交警出具的事故认定书、维修发票、行驶证、驾驶证和收款"
        "银行卡；现场及车损照片为非核心材料，可以后补。小额案件（默认5000元以下）一般可线上"
        "定损，拍照上传即可。",
        "For an auto claim the core documents are: the claim form, the police accident report, "
        "the repair invoice, the vehicle licence, the driving licence and the bank card. "
        "Photos of the scene and the damage are non-core and can follow later. Small cases "
        "(by default under ¥5,000) are usually assessed online from uploaded photos.",
        (
            "撞车了理赔要什么资料",
            "汽车保险理赔材料",
            "车子被追尾要准备什么",
            "交通事故理赔需要什么",
            "car accident claim documents",
            "documents for vehicle damage claim",
        ),
        "车险 汽车 车辆 事故认定书 维修发票 行驶证 驾驶证 追尾 撞车 car auto vehicle",
    ),
    Faq(
        "materials_critical_illness",
        "materials",
        "重疾险理赔需要哪些材料？",
        "What documents does a critical illness claim need?",
        "重大疾病理赔的核心材料：理赔申请书、医院出具的诊断证明、病理报告、被保险人身份证和收款"
        "银行卡；出院小结、病历资料为非核心材料，可先受理后补交（容缺受理）。重疾案件可走绿色"
        "通道。",
        "For a critical illness claim the core documents are: the claim form, the hospital's "
        "diagnosis, the pathology report, the insured person's ID card and the bank card. The "
        "discharge summary and medical records are non-core and may follow later. Critical "
        "illness cases can use the green channel.",
        (
            "得了癌症怎么理赔要什么资料",
            "重大疾病理赔材料",
            "确诊重疾后需要交什么",
            "cancer claim documents",
        ),
        "重疾 重大疾病 癌症 诊断证明 病理报告 出院小结 critical illness cancer diagnosis",
    ),
    Faq(
        "materials_medical",
        "materials",
        "医疗险报销需要哪些材料？",
        "What documents does a medical expense claim need?",
        "医疗费用报销的核心材料：理赔申请书、医疗费用发票、费用清单、诊断证明、被保险人身份证和"
        "收款银行卡；出院小结为非核心材料，可以后补。请保留发票原件或电子发票。",
        "For medical expenses the core documents are: the claim form, the medical invoices, "
        "the itemised expense list, the diagnosis, the insured person's ID card and the bank "
        "card. The discharge summary is non-core and may follow later. Keep the original or "
        "electronic invoices.",
        (
            "住院报销要什么材料",
            "看病的钱怎么报销",
            "医疗费用理赔资料",
            "hospital bill reimbursement documents",
        ),
        "医疗 住院 门诊 报销 发票 费用清单 medical hospital invoice reimbursement",
    ),
    Faq(
        "materials_accident",
        "materials",
        "意外险理赔需要哪些材料？",
        "What documents does an accident insurance claim need?",
        "意外险理赔的核心材料：理赔申请书、意外事故证明、医疗费用发票、诊断证明、被保险人身份证"
        "和收款银行卡；涉及伤残的，伤残鉴定书可在鉴定完成后补交。",
        "For an accident claim the core documents are: the claim form, proof of the accident, "
        "the medical invoices, the diagnosis, the insured person's ID card and the bank card. "
        "Where there is a disability, the appraisal report can follow once it is done.",
        (
            "摔伤了意外险怎么赔要什么资料",
            "意外受伤理赔材料",
            "accident injury claim documents",
        ),
        "意外 意外险 受伤 摔伤 意外事故证明 accident injury",
    ),
    Faq(
        "materials_property",
        "materials",
        "财产险（家财险）理赔需要哪些材料？",
        "What documents does a property claim need?",
        "财产损失理赔的核心材料：理赔申请书、财产损失清单、受损财产照片、被保险人身份证和收款"
        "银行卡；购买凭证或发票、消防或气象证明为非核心材料，可以后补。请在查勘前尽量保留受损"
        "现场。",
        "For a property claim the core documents are: the claim form, a list of the damaged "
        "property, photos of it, the insured person's ID card and the bank card. Purchase "
        "receipts and fire-brigade or weather certificates are non-core and may follow later. "
        "Please keep the damaged site as it is until the survey where you can.",
        (
            "家里被水淹了怎么理赔",
            "房子着火了需要什么资料",
            "家财险理赔资料",
            "home insurance claim documents",
        ),
        "财产 家财 房屋 火灾 水淹 漏水 损失清单 property home house fire flood",
    ),
    Faq(
        "how_to_report",
        "report",
        "怎么报案？",
        "How do I report a claim?",
        "您可以通过客户门户的“报案”页面、公司App或小程序在线报案，也可以拨打客服热线95500由"
        "客服代为登记，7×24小时受理。报案时请准备保单号、出险人、出险时间和地点、原因经过、损失"
        "类型、预估金额和联系电话。报案成功后您会立即收到案件号和材料清单。",
        "Report online on the portal's 'Report a claim' page, in our app or mini-program, or "
        "call the 95500 hotline and an agent registers it for you, around the clock. Have the "
        "policy number, the insured person, time and place, cause and course of events, type "
        "of loss, estimated amount and a contact phone ready. You receive the case number and "
        "the checklist at once.",
        (
            "出险了怎么办",
            "怎么申请理赔",
            "在哪里报案",
            "报案流程",
            "理赔怎么申请",
            "how to file a claim",
            "where do I report an accident",
        ),
        "报案 出险 申请 理赔流程 热线 95500 report file claim",
    ),
    Faq(
        "contact_after_report",
        "report",
        "报案后多久会有人联系我？",
        "How soon will you contact me after I report?",
        "报案后，负责您案件的客服会在1个工作日内与您联系，说明后续流程和所需材料。这位客服是您"
        "案件的首问负责人，之后的问题都可以直接找他/她。",
        "After you report, the agent who owns your case contacts you within 1 working day to "
        "explain the next steps and the materials needed. That agent stays your contact for "
        "the whole case.",
        (
            "车险报案后多久联系我",
            "报完案多久有人打电话",
            "报案了怎么还没人联系我",
            "什么时候会联系我",
            "when will someone call me after reporting",
        ),
        "联系 回电 电话 多久 报案后 1个工作日 contact call back",
    ),
    Faq(
        "report_time_limit",
        "report",
        "出险后要在多长时间内报案？",
        "How soon after an incident must I report it?",
        "请在知道保险事故发生后及时报案。车险一般要求在出险后48小时内报案，具体时限以您的保险"
        "合同约定为准。及时报案便于查勘取证，延误可能影响事故性质和损失的认定。",
        "Please report as soon as you know of the incident. Auto policies usually ask for a "
        "report within 48 hours; the exact time limit is the one in your contract. An early "
        "report helps the survey; a late one can make the cause and the loss harder to verify.",
        (
            "出事后多久内必须报案",
            "报案有时间限制吗",
            "过了几天还能报案吗",
            "is there a deadline to report a claim",
        ),
        "报案时限 时间限制 及时报案 逾期 deadline time limit late",
    ),
    Faq(
        "rongque",
        "materials",
        "什么是容缺受理？材料不全可以先办理吗？",
        "What is 'acceptance with missing items'? Can you start with incomplete documents?",
        "容缺受理是指：核心材料齐全时，即使部分非核心材料（如出院小结、现场照片）暂缺，案件也可以"
        "先受理、审核甚至赔付，缺的材料之后补交即可。哪些材料是核心、哪些是非核心，会在材料清单"
        "中标明。",
        "It means that once the core documents are in, your case can proceed - and be paid - "
        "while some non-core items (such as the discharge summary or scene photos) are still "
        "missing; you send those later. The checklist marks which items are core.",
        (
            "材料不全能不能先受理",
            "资料没带齐可以先理赔吗",
            "缺材料怎么办",
            "先赔付后补材料",
            "can I claim before all documents are ready",
        ),
        "容缺受理 容缺 缺材料 不全 非核心 先受理 后补 missing incomplete",
    ),
    Faq(
        "upload_materials",
        "materials",
        "怎么上传或补交理赔材料？",
        "How do I upload or add documents to my claim?",
        "登录客户门户，进入“我的案件”，打开对应的理赔案件，在材料清单中逐项上传照片或扫描件即可；"
        "收到后该项状态会更新。补交材料期间相关时限会暂停计时，材料齐全后恢复。",
        "Log in to the portal, open your claim under 'Cases' and upload a photo or scan for "
        "each item on the checklist; its state changes when we receive it. While we wait for "
        "your documents the related clocks pause and resume when they are complete.",
        (
            "补材料在哪里上传",
            "资料怎么交",
            "怎么补交资料",
            "照片怎么上传",
            "how to send supplementary documents",
        ),
        "上传 补交 补充 提交 照片 扫描 upload submit send documents",
    ),
    Faq(
        "progress",
        "progress",
        "怎么查询理赔进度？",
        "How can I check the progress of my claim?",
        "登录客户门户，在“我的案件”中可以看到每个案件的当前状态、材料审核情况、调查进度和预计"
        "付款日期；材料收到、调查中、审核中、即将付款、已付款等关键节点也会通过短信或邮件主动"
        "通知您。",
        "Log in to the portal: under 'Cases' you see each claim's status, the state of its "
        "documents, the investigation and the expected payment date. We also notify you by SMS "
        "or e-mail at each key step (documents received, investigating, under review, about to "
        "pay, paid).",
        (
            "我的理赔到哪一步了",
            "理赔进度查询",
            "案子办得怎么样了",
            "怎么看案件状态",
            "where is my claim",
            "claim status",
        ),
        "进度 查询 状态 到哪了 哪一步 progress status track",
    ),
    Faq(
        "decision_time",
        "decision",
        "理赔审核要多久？多久能出结果？",
        "How long does it take to decide my claim?",
        "材料齐全后，一般案件通常在5个工作日内作出核定；情形复杂的，依照保险法第二十三条在30日内"
        "作出核定。需要调查的案件，调查时间会在进度中显示。",
        "Once the documents are complete, ordinary cases are usually decided within 5 working "
        "days; complex cases within 30 days as the Insurance Law (art. 23) requires. Where an "
        "investigation is needed, you see its progress in the portal.",
        (
            "审核多长时间",
            "多久出理赔结果",
            "什么时候知道赔不赔",
            "理赔要等多久",
            "how long is the claim review",
        ),
        "审核 核定 结果 多久 30日 决定 decision review how long",
    ),
    Faq(
        "payment_time",
        "payment",
        "赔款多久到账？",
        "When will I receive the payment?",
        "核定赔付后，在材料齐全之日起5个工作日内支付赔款；小额案件的目标时效为24小时。具体到账"
        "时间还取决于收款银行的处理，付款后您会收到通知，也可在门户查看预计付款日期。",
        "After the decision we pay within 5 working days of your documents being complete; "
        "for small cases the target is 24 hours. When the money reaches you also depends on "
        "your bank. You are notified when we pay and can see the expected payment date in the "
        "portal.",
        (
            "钱什么时候到账",
            "赔的钱多久能到",
            "理赔款几天到账",
            "赔款什么时候打过来",
            "when do I get paid",
            "how long until the money arrives",
        ),
        "赔款 到账 付款 打款 支付 钱 payment paid money receive",
    ),
    Faq(
        "payment_not_received",
        "payment",
        "显示已付款但没收到钱怎么办？",
        "The claim says paid but I have not received the money.",
        "银行入账可能需要1至2个工作日。如果超过这个时间仍未收到，或收到付款失败的通知，请核对"
        "收款账户信息是否正确；付款失败的会重新支付或由专人跟进，同一笔赔款不会重复支付。您也"
        "可以转人工客服查询。",
        "Banks can take 1–2 working days to credit the money. If it has still not arrived, or "
        "you were told the payment failed, check your bank details; a failed payment is retried "
        "or followed up by a person, and a payment is never made twice. You can also ask for an "
        "agent.",
        (
            "赔款没收到",
            "付款失败怎么办",
            "钱没到账",
            "payment failed",
            "money not received",
        ),
        "没收到 未到账 付款失败 退回 not received failed",
    ),
    Faq(
        "bank_account_change",
        "payment",
        "怎么修改收款银行账户？",
        "How do I change the bank account for the payment?",
        "赔款只支付到您指定的收款账户。需要修改时，请在付款前通过门户或热线提出，并提供新的银行卡"
        "照片和身份证明；为保障资金安全，变更账户需要核实身份，付款已发出后不能再改。",
        "We pay only into the account you designate. To change it, ask before the payment is "
        "made, in the portal or on the hotline, with a photo of the new bank card and proof of "
        "identity; for your safety we verify who you are. Once paid, the account cannot change.",
        (
            "银行卡换了怎么办",
            "更换收款账号",
            "收款账户填错了",
            "change my bank card",
            "update bank details",
        ),
        "银行卡 账户 账号 收款 变更 修改 更换 bank account card change",
    ),
    Faq(
        "objection_review",
        "objection",
        "对理赔审核结果有异议怎么办？",
        "I disagree with the result of my claim review. What can I do?",
        "您可以在门户或通过热线95500对审核结果提出异议，说明理由并提供补充证据。我们会在3个工作日"
        "内给您书面说明，并告诉您复核的渠道。",
        "Raise an objection in the portal or on the 95500 hotline with your reasons and any "
        "further evidence. We give you a written explanation within 3 working days and tell you "
        "how the result can be reviewed again.",
        (
            "不同意审核结果",
            "对理赔结果不满意",
            "赔少了怎么申诉",
            "怎么提异议",
            "how do I dispute the decision",
        ),
        "异议 不同意 不认可 复核 申诉 书面说明 dispute disagree objection",
    ),
    Faq(
        "objection_assessment",
        "objection",
        "对定损结果不满意怎么办？",
        "I am not satisfied with the loss assessment. What can I do?",
        "定损结果会以书面形式告知您，写明依据和损失的计算方式。您不认可时可以提出异议并提供维修"
        "报价等材料，我们会安排复核；修理厂对定损的异议会在24小时内复核。仍有分歧的，可申请有"
        "资质的第三方机构评估。",
        "The assessment is sent to you in writing with its basis and how the loss was "
        "computed. If you disagree, object with repair quotes or other evidence and we review "
        "it; a repair shop's objection is re-checked within 24 hours. If you still disagree, a "
        "qualified independent assessor can be asked.",
        (
            "定损金额太低",
            "定损不合理",
            "对定损价格有意见",
            "修车定损少了",
            "disagree with damage assessment",
        ),
        "定损 估损 定损金额 修理厂 复核 assessment damage estimate",
    ),
    Faq(
        "complaint",
        "complaint",
        "怎么投诉？",
        "How do I make a complaint?",
        "您可以拨打客服热线95500、在门户提交投诉，或向我们的服务人员提出。投诉受理后会在15日内"
        "作出处理决定，情况复杂的可延长至30日，并告知您理由。对处理结果不满意的，可以向金融监管"
        "部门投诉（12378），也可以申请仲裁或向法院起诉。",
        "Call the 95500 hotline, complain in the portal or tell any of our staff. We decide "
        "within 15 days of accepting the complaint (complex cases up to 30, and we tell you "
        "why). If you are not satisfied, you may complain to the financial regulator (12378), "
        "go to arbitration or to court.",
        (
            "我要投诉",
            "投诉电话是多少",
            "对服务不满意去哪投诉",
            "怎么举报",
            "12378",
            "how to file a complaint",
        ),
        "投诉 不满 举报 监管 95500 12378 complaint complain regulator",
    ),
    Faq(
        "rejection",
        "decision",
        "被拒赔了怎么办？",
        "My claim was rejected. What now?",
        "拒赔时我们会在作出决定后3日内发出拒赔通知书，逐条引用所依据的合同条款原文并说明理由。"
        "您可以提出异议或申诉、向我们投诉（95500）或向金融监管部门投诉（12378），也可以申请仲裁"
        "或向法院起诉。",
        "If we reject a claim, you receive a rejection notice within 3 days of the decision, "
        "quoting each contract clause it rests on and the reasons. You may object or appeal, "
        "complain to us (95500) or to the regulator (12378), or go to arbitration or court.",
        (
            "为什么不赔",
            "拒赔通知书",
            "理赔被拒怎么申诉",
            "不给赔怎么办",
            "claim denied",
            "why was my claim refused",
        ),
        "拒赔 不赔 拒绝 拒赔通知书 申诉 rejected denied refused appeal",
    ),
    Faq(
        "green_channel",
        "green",
        "重疾和意外有绿色通道吗？",
        "Is there a green channel for critical illness and accidents?",
        "有。重大疾病和意外案件可以进入绿色通道：30分钟内响应，24小时内完成预核；常见重疾（如"
        "甲状腺癌、急性心肌梗死）采用简化调查。报案时告诉我们是重疾或意外即可。",
        "Yes. Critical illness and accident cases can use the green channel: a response within "
        "30 minutes and a pre-approval within 24 hours; common critical illnesses (such as "
        "thyroid cancer or acute myocardial infarction) get a simplified investigation. Tell us "
        "when you report.",
        (
            "重疾能快点赔吗",
            "急诊住院有没有快速理赔",
            "绿色通道怎么申请",
            "fast track for serious illness",
        ),
        "绿色通道 快速 加急 重疾 意外 预核 green channel fast track urgent",
    ),
    Faq(
        "survey_arrival",
        "survey",
        "查勘员多久到现场？",
        "How soon does a surveyor come to the site?",
        "财产损失案件，查勘员会在48小时内到达现场查勘；车险小额案件（默认5000元以下）通常线上"
        "定损，无需等待现场查勘。查勘员会提前与您约定时间。",
        "For property losses a surveyor is on site within 48 hours; small auto cases (by "
        "default under ¥5,000) are usually assessed online without a site visit. The surveyor "
        "arranges the time with you beforehand.",
        (
            "查勘什么时候来",
            "定损员多久上门",
            "多久来现场看",
            "when will the loss adjuster visit",
        ),
        "查勘 查勘员 现场 上门 48小时 surveyor site visit inspection",
    ),
    Faq(
        "online_assessment",
        "survey",
        "小额车险可以线上定损吗？",
        "Can a small car claim be assessed online?",
        "可以。损失金额较小的车险案件（默认5000元以下）一般采用线上定损：按提示拍摄车损照片并"
        "上传，定损员在线核定，无需到现场。",
        "Yes. Small auto cases (by default under ¥5,000) are usually assessed online: take the "
        "damage photos as prompted and upload them; the assessor works online, no site visit.",
        (
            "刮蹭小事故要不要等人来",
            "拍照定损",
            "远程定损",
            "photo based claim for minor damage",
        ),
        "线上定损 拍照 远程 小额 刮蹭 online photo minor",
    ),
    Faq(
        "deductible",
        "terms",
        "什么是免赔额？",
        "What is a deductible?",
        "免赔额是保险合同约定由您自己承担的损失部分，在这个金额以内保险公司不赔付，超过部分再按"
        "合同计算赔款。例如免赔额500元、核定损失3000元，计算基数为2500元。您的免赔额写在保单的"
        "保障项目中。",
        "A deductible is the part of a loss you bear yourself under the contract: below it we "
        "pay nothing, above it the payment is computed on the rest. With a ¥500 deductible and a "
        "¥3,000 loss, the basis is ¥2,500. Your policy's coverages state the deductible.",
        (
            "免赔是什么意思",
            "为什么要扣500块",
            "免赔额怎么算",
            "what does deductible mean",
        ),
        "免赔额 免赔 自付 扣除 deductible excess",
    ),
    Faq(
        "reimbursement_ratio",
        "terms",
        "为什么赔的钱比发票金额少？赔付比例是什么？",
        "Why is the payment less than my invoices? What is the reimbursement ratio?",
        "赔款按合同计算：先扣除不属于保障范围的费用（如自费药品）和免赔额，再乘以赔付比例（例如"
        "社保结算后80%），并以保额和剩余保额为上限。每一项的计算依据都会列在理赔结果中，并注明"
        "对应条款。",
        "The payment follows the contract: costs outside the cover (e.g. self-paid drugs) and "
        "the deductible are taken off, the rest is multiplied by the reimbursement ratio (e.g. "
        "80% after social insurance), capped by the sum insured still available. The result "
        "lists each line with the clause it rests on.",
        (
            "为什么没有报销全部",
            "报销比例怎么算",
            "赔款怎么计算的",
            "how is the payout calculated",
        ),
        "赔付比例 报销比例 计算 少赔 扣除 ratio calculation percentage",
    ),
    Faq(
        "waiting_period",
        "terms",
        "什么是等待期？等待期内出险能赔吗？",
        "What is the waiting period?",
        "等待期是保单生效后的一段时间（例如重疾险90天），在此期间发生的约定疾病通常不在保障范围"
        "内；意外事故一般没有等待期。具体天数和规则以您的保险合同条款为准。",
        "The waiting period is a time after the policy starts (e.g. 90 days for critical "
        "illness) during which the covered illnesses are usually not covered; accidents usually "
        "have none. Your contract states the days and the rules.",
        (
            "刚买的保险能赔吗",
            "观察期是什么",
            "等待期多少天",
            "I just bought the policy, am I covered",
        ),
        "等待期 观察期 刚买 生效 waiting period new policy",
    ),
    Faq(
        "interim_payment",
        "payment",
        "赔款金额一时定不下来，能先赔一部分吗？",
        "Can I get part of the payment before the full amount is fixed?",
        "可以。依照保险法第二十五条，自收到索赔请求和有关材料之日起60日内，赔款数额不能确定的，"
        "我们会根据已有证明和资料先行支付可以确定的部分，最终确定后再支付差额。",
        "Yes. Under the Insurance Law (art. 25), if the amount cannot be fixed within 60 days of "
        "receiving the claim and its documents, we first pay the part that can be fixed and pay "
        "the rest once the final amount is known.",
        (
            "能不能先预付一部分",
            "先予支付",
            "预付赔款",
            "advance payment",
        ),
        "先予支付 预付 先赔 部分 60日 advance interim partial",
    ),
    Faq(
        "disability_appraisal",
        "survey",
        "伤残鉴定去哪里做？",
        "Where is a disability appraisal done?",
        "伤残鉴定由具备资质的第三方司法鉴定机构进行，机构从公开的名录中选择；我们会告诉您可选的"
        "机构和需要携带的材料。鉴定书出具后上传即可。",
        "A disability appraisal is done by a qualified independent institution chosen from a "
        "published registry; we tell you which ones you can choose and what to bring. Upload "
        "the appraisal report when you have it.",
        (
            "伤残等级怎么评定",
            "残疾鉴定机构",
            "disability assessment where",
        ),
        "伤残 残疾 鉴定 等级 鉴定机构 disability appraisal",
    ),
    Faq(
        "pre_existing",
        "terms",
        "投保前就有的病（既往症）能理赔吗？",
        "Are pre-existing conditions covered?",
        "是否赔付取决于保险合同对既往症的约定以及投保时的如实告知情况。多数医疗险对投保前已患的"
        "疾病不予赔付，审核时会依据病历资料判断，并在结果中注明所依据的条款。",
        "It depends on what your contract says about pre-existing conditions and on what was "
        "disclosed when you applied. Most medical policies exclude illnesses you had before; "
        "the review decides from the medical records and cites the clause it rests on.",
        (
            "以前就有的病能赔吗",
            "带病投保能理赔吗",
            "老毛病能报销吗",
            "preexisting illness claim",
        ),
        "既往症 旧病 老毛病 带病投保 如实告知 pre-existing condition",
    ),
    Faq(
        "withdraw",
        "report",
        "报案后不想理赔了，可以撤销吗？",
        "Can I withdraw a claim after reporting it?",
        "可以。结案前您可以随时通过门户或热线申请撤案，撤案会记录在案件时间线上。撤案后如需重新"
        "理赔，请在保险合同约定的期限内重新报案。",
        "Yes. Before the case closes you can withdraw it in the portal or on the hotline; the "
        "withdrawal is recorded on the case timeline. To claim again later, report again within "
        "the contract's time limits.",
        (
            "撤案怎么操作",
            "取消理赔申请",
            "报错案了怎么办",
            "cancel my claim",
        ),
        "撤案 撤销 取消 不赔了 withdraw cancel",
    ),
    Faq(
        "duplicate_report",
        "report",
        "同一个事故重复报案了怎么办？",
        "I reported the same incident twice. What happens?",
        "系统会识别同一事故的重复报案并提示客服合并处理，您无需另外操作，也不会因此重复提交"
        "材料。如有疑问，可以联系您案件的负责客服。",
        "The system detects reports of the same incident and the agent merges them; you need "
        "to do nothing and never send the documents twice. Ask your case's agent if unsure.",
        (
            "报了两次案",
            "重复报案",
            "reported twice",
        ),
        "重复 两次 合并 重复报案 duplicate twice",
    ),
    Faq(
        "followup_survey",
        "service",
        "结案后为什么会收到回访或满意度调查？",
        "Why do I get a follow-up survey after my claim closes?",
        "结案后3个工作日内，我们会通过电话或链接进行回访，请您为时效和服务态度打分（满意度1至5分、"
        "推荐意愿0至10分）并留下意见。您的评价用于改进服务，不影响已结案件。",
        "Within 3 working days after closure we call or send a link asking you to rate "
        "timeliness and attitude (satisfaction 1–5, likelihood to recommend 0–10) and to leave "
        "comments. Your answers help us improve and do not affect the closed case.",
        (
            "回访电话是真的吗",
            "满意度调查",
            "follow up call after claim",
        ),
        "回访 满意度 调查 评价 打分 survey follow-up feedback",
    ),
    Faq(
        "privacy",
        "service",
        "我的个人信息安全吗？",
        "Is my personal information safe?",
        "您的个人信息只用于办理理赔。身份证号、电话、银行账号等敏感信息对不需要的岗位做脱敏显示，"
        "所有材料和决定都留有防篡改记录，我们不会出售您的信息。",
        "Your personal data is used only to handle your claim. ID numbers, phone numbers and "
        "bank accounts are masked for staff who do not need them, every document and decision "
        "is kept in a tamper-evident record, and your data is never sold.",
        (
            "个人隐私会泄露吗",
            "身份证信息安全吗",
            "privacy policy",
        ),
        "隐私 个人信息 泄露 安全 脱敏 privacy personal data",
    ),
    Faq(
        "service_hours",
        "service",
        "客服电话是多少？几点有人接？",
        "What is the service hotline and when is it open?",
        "客服热线95500，7×24小时受理报案和咨询；门户上的智能客服也全天可用。普通咨询在工作时间"
        "内2小时内答复，复杂问题24小时内给出解决方案。",
        "The hotline is 95500, taking reports and questions around the clock; the assistant "
        "in the portal is available at any time too. Ordinary questions are answered within 2 "
        "business hours, complex matters get a solution within 24 hours.",
        (
            "客服热线",
            "客服工作时间",
            "你们几点上班",
            "customer service phone number",
        ),
        "热线 电话 95500 客服 上班 时间 hotline phone hours",
    ),
)
