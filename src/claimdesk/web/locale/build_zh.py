"""Writes the web app's zh-hans catalog (django.po) from the table below, then compile it
with ``msgfmt`` (``python src/claimdesk/web/locale/build_zh.py``). Kept as a table because
the portal's strings include those of claims.rules and claims.selectors that the pages
show; the project-wide catalog (LOCALE_PATHS) wins wherever it has the same msgid."""

import subprocess
from pathlib import Path

# (context or None, msgid, msgstr)
T = [
    # nav and report form
    ("nav", "Report a claim", "报案"),
    ("nav", "Hotline report", "电话报案"),
    (None, "Report a claim", "我要报案"),
    (None, "Hotline report", "电话报案"),
    (
        None,
        "Enter what the caller tells you. You take the case and stay its owner until it is resolved (first-contact ownership).",
        "按来电客户所述录入。提交后由您接手此案，作为首问责任人跟进到底（首问负责制）。",
    ),
    (
        None,
        "Tell us what happened. Right after you submit you get the claim number, the complete list of materials we need, and our time commitments.",
        "请告诉我们发生了什么。提交后您将立即获得案件号、一次性告知的完整材料清单以及我们的服务时限承诺。",
    ),
    (
        None,
        "You hold no policy we could find. Please call 95500 to report your claim.",
        "未找到您名下的保单，请致电 95500 报案。",
    ),
    (
        None,
        "What each type of loss needs besides the starred fields",
        "除带 * 的项目外，各出险类型还需填写",
    ),
    (None, "Register and take the case", "登记并接手案件"),
    (None, "Submit the report", "提交报案"),
    (None, "Beijing time.", "北京时间。"),
    (None, "In a few words, e.g. rear-ended at a red light.", "简要说明，例如：等红灯时被追尾。"),
    (None, "Yuan; leave empty if you cannot say yet.", "单位：元；暂时无法估计可不填。"),
    (
        None,
        "As the caller reads it out; the policy is looked up on submit.",
        "按来电人所报填写，提交时查询保单。",
    ),
    (None, "Claim %(number)s is registered.", "报案成功，案件号 %(number)s。"),
    (None, "Unknown change of a material's state.", "无法识别的材料状态变更。"),
    (None, "%(item)s: %(state)s", "%(item)s：%(state)s"),
    # claim page
    (None, "Policy", "保单"),
    (None, "Insured person", "被保险人"),
    (None, "Loss type", "出险类型"),
    (None, "Time of loss", "出险时间"),
    (None, "Handled by", "负责人"),
    (None, "Case workflow", "案件流程与操作"),
    (None, "Flags", "风险提示"),
    (None, "Possible duplicate reports", "疑似重复报案"),
    (None, "What to do now", "紧急处置指引"),
    (None, "Materials we need (complete list, given once)", "所需材料（一次性告知完整清单）"),
    (None, "Expected payment by", "预计赔付时间"),
    (
        None,
        "%(n)s core items still to be accepted; the payment commitment starts when all core items are accepted.",
        "尚有 %(n)s 项核心材料待审核通过；全部核心材料通过后开始计算赔付时限。",
    ),
    (None, "Material", "材料"),
    (None, "Core", "类别"),
    (None, "Note", "说明"),
    (None, "Decide", "审核"),
    (None, "core", "核心"),
    (None, "may follow later", "非核心，可后补"),
    (None, "Received", "已收到"),
    (None, "Accept", "通过"),
    (None, "Why returned", "退回原因"),
    (None, "Return", "退回"),
    (None, "Our time commitments", "我们的时限承诺"),
    (None, "What has happened", "办理进度"),
    (None, "Your rights and privacy", "权益告知与隐私保护"),
    (None, "Claim, checklist and progress", "理赔详情、材料清单与进度"),
    # documents on the claim page
    (None, "Documents", "已上传材料"),
    (None, "Document received", "收到文件"),
    (None, "We received your file %(name)s.", "已收到您上传的文件 %(name)s。"),
    (None, "File (PDF, JPEG or PNG)", "文件（PDF、JPEG 或 PNG）"),
    (None, "For", "对应材料"),
    (None, "not sure", "不确定"),
    (None, "Upload", "上传"),
    (None, "File", "文件"),
    (None, "Uploaded", "上传时间"),
    (None, "Recognised text (to be confirmed by staff)", "识别结果（待工作人员确认）"),
    (None, "Looks like", "识别为"),
    (None, "nothing recognised", "未识别出关键信息"),
    (None, "confirmed", "已确认"),
    (None, "could not be read", "无法识别"),
    (None, "being read…", "识别中…"),
    (None, "No documents yet.", "尚未上传材料。"),
    (None, "Amount", "金额"),
    (None, "Date", "日期"),
    (None, "Name", "姓名"),
    (None, "Policy number", "保单号"),
    (None, "Hospital", "医院"),
    (None, "Diagnosis", "诊断"),
    (None, "Choose a file to upload.", "请选择要上传的文件。"),
    (None, "%(name)s was already on file.", "%(name)s 已上传过。"),
    (None, "%(name)s uploaded; the text is being read.", "%(name)s 已上传，正在识别。"),
    # claims.models / policies.models labels
    (None, "missing", "待提交"),
    (None, "received", "已收到"),
    (None, "accepted", "已通过"),
    (None, "returned", "已退回"),
    (None, "Auto", "车险"),
    (None, "Medical", "医疗"),
    (None, "Critical illness", "重大疾病"),
    (None, "Accident", "意外伤害"),
    (None, "Property", "家庭财产"),
    # claims.rules
    (None, "policy number", "保单号"),
    (None, "insured person", "被保险人"),
    (None, "time of loss", "出险时间"),
    (None, "place of loss", "出险地点"),
    (None, "cause", "出险原因"),
    (None, "course of events", "事故经过"),
    (None, "loss type", "出险类型"),
    (None, "estimated amount", "估损金额"),
    (None, "contact phone", "联系电话"),
    (None, "The loss happened before the policy started.", "出险时间早于保单生效日。"),
    (None, "The loss happened after the policy ended.", "出险时间晚于保单终止日。"),
    (None, "The policy is not in force.", "保单不在有效状态。"),
    (None, "The product does not cover this type of loss.", "该产品不承保此类出险。"),
    (None, "Another report looks like the same event.", "另有报案疑似同一事故。"),
    (
        None,
        "Switch on the hazard lights and place the warning triangle 50–150 m behind the car. If anyone is hurt call 120 and 122. Take photos of the scene, the vehicles and the plates before moving the cars; move them off the road if nobody is hurt.",
        "请立即打开危险报警闪光灯，在车后 50–150 米处放置警示牌。如有人员受伤，请拨打 120 和 122。挪车前请拍摄现场、车辆及号牌照片；无人受伤时请将车辆移至路边，避免二次事故。",
    ),
    (
        None,
        "Get medical help first (120). Keep all medical records, invoices and the police or accident report; go to a public hospital of level two or above where you can.",
        "请先就医（急救电话 120）。请保留全部病历、发票以及报警回执或事故证明；条件允许时请到二级及以上公立医院就诊。",
    ),
    (
        None,
        "Make sure everyone is safe; cut off water, power and gas where it is safe to do so. Take photos of the damage and keep damaged items for the surveyor; take reasonable steps to stop the loss growing — those costs are covered.",
        "请先确保人身安全；在安全的前提下关闭水、电、燃气。请拍摄受损情况并保留受损物品供查勘；请采取合理措施防止损失扩大——由此产生的必要费用属于保障范围。",
    ),
    (
        None,
        "Your rights: we will contact you within 1 working day and tell you at once everything we need (保险法第二十二条). Once the materials are complete we decide within the statutory time limits and pay within the committed time. If you disagree with a review or assessment result you may object: we answer in writing within 3 working days. You may also complain to us (hotline 95500), to the regulator (12378), or go to arbitration or court. Privacy: your personal data is used only to handle this claim, masked for staff who do not need it, and never sold.",
        "您的权益：我们将在 1 个工作日内与您联系，并一次性告知所需全部材料（保险法第二十二条）。材料齐全后，我们将在法定时限内作出核定，并在承诺时间内赔付。如对审核或定损结果有异议，您可以提出异议，我们将在 3 个工作日内书面答复。您也可以向我们投诉（客服热线 95500）、向监管部门投诉（12378），或申请仲裁、提起诉讼。隐私保护：您的个人信息仅用于处理本案，对无需知悉的工作人员脱敏显示，绝不出售。",
    ),
    # claims.services messages
    (None, "Choose one of: %(types)s.", "请选择以下之一：%(types)s。"),
    (None, "Unknown policy number.", "未找到该保单号。"),
    (None, "Give the time of loss with its time zone.", "请提供带时区的出险时间。"),
    (None, "The time of loss is in the future.", "出险时间不能晚于当前时间（未来时间）。"),
    (None, "Give the time of loss as a date and time.", "请以日期和时间填写出险时间。"),
    (None, "Enter a phone number of digits.", "请输入由数字组成的电话号码。"),
    (None, "Enter an amount like 12800.50.", "请输入金额，例如 12800.50。"),
    (None, "The amount must be zero or more.", "金额不能为负数。"),
    (None, "%(name)s is not insured under this policy.", "%(name)s 不是该保单的被保险人。"),
    (None, "You may not report claims.", "您无权报案。"),
    (
        None,
        "You may not change the materials of claim %(number)s.",
        "您无权变更案件 %(number)s 的材料。",
    ),
    (None, "Claim %(number)s is closed.", "案件 %(number)s 已结案。"),
    (
        None,
        "%(item)s is %(state)s and cannot become %(new)s.",
        "%(item)s 当前为「%(state)s」，不能变为「%(new)s」。",
    ),
    (
        None,
        "Say why the item is returned, so the customer can fix it.",
        "请填写退回原因，以便客户补正。",
    ),
    (None, "Claim %(number)s registered", "案件 %(number)s 已受理"),
    (None, "Please provide at once: %(items)s.", "请一次性提供以下材料：%(items)s。"),
    (None, "Claim %(number)s: %(item)s returned", "案件 %(number)s：%(item)s 被退回"),
    (None, "Claim %(number)s: materials complete", "案件 %(number)s：材料已齐全"),
    (None, "Core materials not yet accepted: %(items)s.", "以下核心材料尚未审核通过：%(items)s。"),
    # claims.selectors: stages and the timeline in plain words
    (None, "Report received", "报案受理"),
    (None, "Material review", "资料审核"),
    (None, "Investigation and loss assessment", "调查定损"),
    (None, "Decision", "理赔核定"),
    (None, "Payment and closure", "赔付结案"),
    (None, "Follow-up", "回访"),
    (
        None,
        "Your claim handler contacted you and the review of materials began.",
        "理赔专员已与您联系，开始审核材料。",
    ),
    (None, "We asked you for supplementary materials: %(items)s.", "我们请您补充材料：%(items)s。"),
    (
        None,
        "Your supplementary materials arrived; the review goes on.",
        "已收到您补充的材料，审核继续进行。",
    ),
    (
        None,
        "The core materials are complete; the loss is being investigated and assessed.",
        "核心材料已齐全，正在调查定损。",
    ),
    (
        None,
        "The core materials are complete; your claim is being decided.",
        "核心材料已齐全，正在理赔核定。",
    ),
    (
        None,
        "The loss assessment is done; your claim is being decided.",
        "定损已完成，正在理赔核定。",
    ),
    (
        None,
        "Your claim was approved; the payment is being made.",
        "您的理赔已核定通过，正在支付赔款。",
    ),
    (
        None,
        "Your claim was not approved. A written notice with the reasons and the ways to object follows.",
        "您的理赔申请未获通过，我们将书面告知理由及异议途径。",
    ),
    (None, "We sent you the written notice of the decision.", "已向您发送书面决定通知。"),
    (None, "The payment was made and the claim is closed.", "赔款已支付，案件已结案。"),
    (
        None,
        "We followed up with you on this claim. Thank you.",
        "我们已就本案对您进行回访，感谢您的反馈。",
    ),
    (None, "The claim was withdrawn.", "案件已撤销。"),
    (None, "The claim is now: %(status)s.", "案件当前状态：%(status)s。"),
    (None, "see the checklist", "见材料清单"),
    (None, "We registered your claim %(number)s.", "已受理您的报案，案件号 %(number)s。"),
    (None, "We received: %(item)s.", "已收到：%(item)s。"),
    (None, "%(item)s was checked and accepted.", "%(item)s 已审核通过。"),
    (None, "%(item)s was returned to you: %(reason)s", "%(item)s 被退回：%(reason)s"),
    (
        None,
        "All core materials are complete; the payment commitment runs from now.",
        "核心材料已全部齐全，赔付时限自此开始计算。",
    ),
    (None, "Your claim was updated.", "您的案件有更新。"),
]


def q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main() -> None:
    here = Path(__file__).resolve().parent / "zh_Hans" / "LC_MESSAGES"
    out = [
        'msgid ""',
        'msgstr ""',
        '"Project-Id-Version: claimdesk-web\\n"',
        '"MIME-Version: 1.0\\n"',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"Content-Transfer-Encoding: 8bit\\n"',
        '"Language: zh_Hans\\n"',
        '"Plural-Forms: nplurals=1; plural=0;\\n"',
        "",
    ]
    seen = set()
    for ctx, msgid, msgstr in T:
        if (ctx, msgid) in seen:
            raise SystemExit(f"duplicate: {msgid}")
        seen.add((ctx, msgid))
        if ctx:
            out.append(f"msgctxt {q(ctx)}")
        out += [f"msgid {q(msgid)}", f"msgstr {q(msgstr)}", ""]
    (here / "django.po").write_text("\n".join(out), encoding="utf-8")
    subprocess.run(
        ["msgfmt", "-c", "-o", str(here / "django.mo"), str(here / "django.po")], check=True
    )


if __name__ == "__main__":
    main()
