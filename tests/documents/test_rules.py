"""Pure document rules: type by magic bytes, safe names, fields and item from OCR text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from claimdesk.documents.rules import (
    ALLOWED_TYPES,
    extract_fields,
    safe_filename,
    sniff_content_type,
    suggest_item,
)


def test_the_type_comes_from_the_bytes_only():
    assert sniff_content_type(b"%PDF-1.7\n") == "application/pdf"
    assert sniff_content_type(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert sniff_content_type(b"\x89PNG\r\n\x1a\n\x00\x00") == "image/png"
    assert sniff_content_type(b"GIF89a") is None
    assert sniff_content_type(b"<html>%PDF-") is None
    assert sniff_content_type(b"") is None


def test_names_lose_directories_controls_and_misleading_extensions():
    assert safe_filename("../../etc/passwd.png", "image/png") == "passwd.png"
    assert safe_filename("..\\..\\boot.ini", "application/pdf") == "boot.pdf"
    assert safe_filename("scan.pdf", "image/png") == "scan.png"
    assert safe_filename("", "image/jpeg") == "document.jpg"
    assert safe_filename("..", "image/jpeg") == "document.jpg"
    assert safe_filename("发票 2026\x00\n.JPG", "image/jpeg") == "发票_2026.jpg"
    assert len(safe_filename("长" * 500 + ".png", "image/png")) == 100


@given(st.text(max_size=300), st.sampled_from(sorted(ALLOWED_TYPES)))
def test_any_name_becomes_a_plain_file_name_of_the_real_type(name, content_type):
    safe = safe_filename(name, content_type)
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert not safe.startswith(".") and 4 < len(safe) <= 100
    assert safe.endswith(ALLOWED_TYPES[content_type][1])


def test_fields_of_an_invoice_after_nfkc():
    text = "医疗费用发票\n姓名：张三\n医院：上海市第一人民医院\n日期：2026年9月28日\n金额合计：￥1,234.56"
    assert extract_fields(text) == {
        "amount": "1234.56",
        "date": "2026-09-28",
        "name": "张三",
        "hospital": "上海市第一人民医院",
    }


def test_fields_of_other_layouts():
    text = (
        "保单号：PMED-2026-0001\n患者：李四  门诊\n就诊日期 2026-09-03\n"
        "诊断：急性阑尾炎\n上海市第六人民医院\n合计(小写) 980元 其中个人支付 100"
    )
    fields = extract_fields(text)
    assert fields["policy_no"] == "PMED-2026-0001"
    assert fields["name"] == "李四"
    assert fields["date"] == "2026-09-03"
    assert fields["diagnosis"] == "急性阑尾炎"
    assert fields["hospital"] == "上海市第六人民医院"
    assert fields["amount"] == "980.00"


def test_impossible_dates_and_missing_fields_are_not_invented():
    assert extract_fields("日期：2026年2月30日，无金额") == {}
    assert extract_fields("") == {}


def test_the_item_follows_the_title_and_the_loss_type():
    invoice = "发票\n维修项目：前保险杠"
    assert suggest_item("医疗费用发票\n诊断：感冒", loss_type="medical") == "medical_invoice"
    assert suggest_item("增值税发票\n配件", loss_type="auto") == "repair_invoice"
    assert suggest_item(invoice, loss_type="medical") == "repair_invoice"
    assert suggest_item(
        "诊断证明书\n诊断：甲状腺癌\n建议病理检查", loss_type="critical_illness"
    ) == ("diagnosis")
    assert suggest_item("道路交通事故认定书", loss_type="auto") == "accident_report"
    assert suggest_item("中华人民共和国居民身份证", loss_type="medical") == "id_card"
    assert suggest_item("病理诊断报告", loss_type="critical_illness") == "pathology"
    assert suggest_item("出院小结", loss_type="medical") == "discharge_summary"
    assert suggest_item("一张风景照", loss_type="medical") is None


def test_only_items_on_the_checklist_are_suggested():
    text = "病理报告\n出院小结"
    assert suggest_item(text, loss_type="medical", codes=["discharge_summary"]) == (
        "discharge_summary"
    )
    assert suggest_item(text, loss_type="medical", codes=["id_card"]) is None


def test_a_hospital_named_after_a_centre_is_read_whole():
    fields = extract_fields("医院:武汉市中心医院\n金额合计:¥88.00")
    assert fields["hospital"] == "武汉市中心医院"
    assert extract_fields("医院:上海市第一人民医院")["hospital"] == "上海市第一人民医院"
