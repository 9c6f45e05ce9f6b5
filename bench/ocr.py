#!/usr/bin/env python
"""OCR images per second: ClaimDesk's per-document OCR task next to the bare RapidOCR call.

    python bench/ocr.py [--n N] [--runs R] [--keep]

Draws N invoice-like PNGs in memory (Chinese text in Noto Sans CJK; names, hospitals, dates
and amounts vary), then, in this one process and after a warm-up, times

- (a) the bare engine: ``rapidocr_onnxruntime.RapidOCR()`` built once, called on each PNG's
  bytes;
- (b) what a worker runs per document: the body of ``documents.tasks.document_ocr`` for
  documents already uploaded through ``documents.services.document_upload`` (Celery not
  eager, so nothing is read at upload time).

The database and the stored files live in ``var/bench/ocr/`` (SQLite), removed at the start
and at the end unless ``--keep``. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench" / "ocr"
SQLITE_FILE = BENCH_DIR / "claimdesk_bench_ocr.sqlite3"
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = 0.9
WARMUP = 3
STUB_RUNS = 10  # passes of the cheap stubbed figure
FIELDS = ("amount", "date", "name", "hospital")

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛")
HOSPITALS = (
    "上海市第一人民医院",
    "北京协和医院",
    "浙江大学医学院附属第二医院",
    "广州市红十字会医院",
    "四川大学华西医院",
    "南京鼓楼医院",
    "武汉市中心医院",
    "温州市人民医院",
)
DEPARTMENTS = ("普外科", "骨科", "心内科", "急诊科", "呼吸内科", "消化内科")
PROCEDURES = ("阑尾切除术", "骨折复位固定", "冠脉造影", "清创缝合", "胃镜检查", "住院观察")


# --- the images ---------------------------------------------------------------------------------


def invoice_lines(rng: random.Random, i: int) -> tuple[list[str], dict[str, str]]:
    """The text of invoice i and the fields ``rules.extract_fields`` should find in it."""
    name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
    hospital = rng.choice(HOSPITALS)
    day = date(2026, 1, 1) + timedelta(days=rng.randrange(300))
    amount = rng.randrange(5_000, 9_000_000) / 100
    shown_day = day.isoformat() if i % 3 == 0 else f"{day.year}年{day.month}月{day.day}日"
    lines = [
        "医疗费用发票" if i % 2 == 0 else "门诊收费票据",
        f"票据号码：{rng.randrange(10**9, 10**10)}",
        f"姓名：{name}",
        f"医院：{hospital}",
        f"科室：{rng.choice(DEPARTMENTS)}",
        f"项目：{rng.choice(PROCEDURES)}",
        f"日期：{shown_day}",
        f"金额合计：¥{amount:,.2f}",
    ]
    expected = {"amount": f"{amount:.2f}", "date": day.isoformat(), "name": name}
    expected["hospital"] = hospital
    return lines, expected


def text_image(font, lines: list[str]):
    """Black text on white, one line every 60 px (as tests/documents/conftest.py draws)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (900, 60 * len(lines) + 40), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((30, 20 + 60 * i), line, fill="black", font=font)
    return image


def make_images(n: int, seed: int) -> list[tuple[bytes, dict[str, str]]]:
    from PIL import ImageFont

    if not FONT.exists():
        sys.exit(f"{FONT} is missing: install Debian's fonts-noto-cjk")
    font = ImageFont.truetype(str(FONT), 32, index=2)  # index 2: Noto Sans CJK SC
    rng = random.Random(seed)
    out = []
    for i in range(n):
        lines, expected = invoice_lines(rng, i)
        buf = io.BytesIO()
        text_image(font, lines).save(buf, "PNG")
        out.append((buf.getvalue(), expected))
    return out


# --- the database -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=20, help="images (default 20)")
    p.add_argument("--runs", type=int, default=3, help="timed passes over the N images (3)")
    p.add_argument("--seed", type=int, default=7, help="seed of the invoice texts (7)")
    p.add_argument("--keep", action="store_true", help=f"keep {BENCH_DIR.relative_to(ROOT)}")
    args = p.parse_args(argv)
    if args.n < 1 or args.runs < 1:
        p.error("--n and --runs must be >= 1")
    return args


def setup_django() -> None:
    shutil.rmtree(BENCH_DIR, ignore_errors=True)
    BENCH_DIR.mkdir(parents=True)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "claimdesk.settings",
            "CLAIMDESK_VAR_DIR": str(BENCH_DIR),  # media (the stored files) lands here too
            "DATABASE_URL": f"sqlite:///{SQLITE_FILE}",
            # upload queues OCR on commit: an in-process queue, never run here nor by a worker
            "BROKER_URL": "memory://localhost/",
            "CLAIMDESK_TASKS_EAGER": "0",
            "CLAIMDESK_LOG_LEVEL": "WARNING",
        }
    )
    if str(ROOT / "src") not in sys.path:
        sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def build_claim():
    """A customer's medical claim, reported through ``claim_report`` (an agent exists to own
    it), as tests/documents does."""
    from django.utils import timezone

    from claimdesk.claims.services import claim_report
    from claimdesk.policies.demo import demo_policy, demo_products
    from claimdesk.staff.roles import Role
    from claimdesk.staff.services import user_create

    password = "bench-pass-1"
    user_create(username="bench_agent", password=password, role=Role.AGENT)
    customer = user_create(username="bench_customer", password=password, role=Role.CUSTOMER)
    now = timezone.now()
    demo_policy(
        number="POCR00001",
        holder=customer,
        line="medical",
        start=(now - timedelta(days=200)).date(),
        insured_name="张三",
        products=demo_products(),
    )
    report = {
        "policy_no": "POCR00001",
        "insured_name": "张三",
        "loss_time": now - timedelta(days=3),
        "loss_place": "上海市浦东新区",
        "loss_cause": "急性阑尾炎住院",
        "description": "住院手术",
        "loss_type": "medical",
        "estimated_amount": "3200",
        "contact_phone": "13812345678",
    }
    result = claim_report(reporter=customer, report=report, channel="api", now=now)
    return result.claim, customer


def upload_all(claim, customer, images: list[tuple[bytes, dict[str, str]]]) -> list[int]:
    from django.core.files import File
    from django.utils import timezone

    from claimdesk.documents.models import Document, OcrStatus
    from claimdesk.documents.services import document_upload

    ids = []
    for i, (data, _expected) in enumerate(images):
        f = File(io.BytesIO(data), name=f"invoice_{i:03d}.png")
        result = document_upload(claim=claim, file=f, actor=customer, now=timezone.now())
        assert not result.duplicate, f"image {i} is a duplicate"
        ids.append(result.document.pk)
    pending = Document.objects.filter(pk__in=ids, ocr_status=OcrStatus.PENDING).count()
    assert pending == len(ids), "OCR ran at upload time: Celery is eager"
    return ids


def reset_pending(ids: list[int]) -> None:
    """Make the documents pending again (outside the timing) so the task reads them again."""
    from claimdesk.documents.models import Document, OcrStatus

    Document.objects.filter(pk__in=ids).update(
        ocr_status=OcrStatus.PENDING,
        ocr_text="",
        ocr_fields={},
        ocr_error="",
        ocr_at=None,
        suggested_item="",
    )


# --- timing -------------------------------------------------------------------------------------


def timed_pass(fn: Callable[[object], object], items: list) -> list[float]:
    """Seconds per item, one call each."""
    out = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - t)
    return out


class Figure:
    def __init__(self, label: str, note: str = "") -> None:
        self.label, self.note = label, note
        self.passes: list[list[float]] = []

    def add(self, seconds: list[float]) -> None:
        self.passes.append(seconds)

    @property
    def per_second(self) -> float:
        """Images per second over a whole pass (median pass)."""
        return len(self.passes[0]) / statistics.median(sum(p) for p in self.passes)

    @property
    def median_ms(self) -> float:
        return 1000 * statistics.median(s for p in self.passes for s in p)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    t0 = time.perf_counter()
    images = make_images(args.n, args.seed)
    warm = make_images(WARMUP, args.seed + 1)
    print(
        f"{args.n} invoice PNGs drawn ({sum(len(d) for d, _ in images) / args.n / 1024:.0f} kB "
        f"each on average): {time.perf_counter() - t0:.1f}s"
    )
    setup_django()
    try:
        return run(args, images, warm)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            shutil.rmtree(BENCH_DIR, ignore_errors=True)


def run(args, images, warm) -> int:
    from django.core.management import call_command

    from claimdesk.celery import app
    from claimdesk.documents import ocr
    from claimdesk.documents.models import Document
    from claimdesk.documents.tasks import document_ocr

    assert not app.conf.task_always_eager, "Celery must not be eager in the bench"
    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    claim, customer = build_claim()
    ids = upload_all(claim, customer, images)
    warm_ids = upload_all(claim, customer, warm)
    print(
        f"migrated, claim {claim.number}, {len(ids)} documents uploaded and pending: "
        f"{time.perf_counter() - t0:.1f}s"
    )

    from rapidocr_onnxruntime import RapidOCR

    t0 = time.perf_counter()
    bare = RapidOCR()
    print(f"bare RapidOCR() loaded: {time.perf_counter() - t0:.1f}s")
    t0 = time.perf_counter()
    ocr.engine()
    print(f"ClaimDesk's ocr.engine() loaded: {time.perf_counter() - t0:.1f}s")

    # Warm-up: every path once per warm-up image (ONNX sessions, Django, the storage, SQLite).
    t0 = time.perf_counter()
    for data, _ in warm:
        bare(data)
        ocr.read_text(data, "image/png")
    for pk in warm_ids:
        assert document_ocr.run(pk) == "done"
    print(f"warm-up ({WARMUP} images per path): {time.perf_counter() - t0:.1f}s")

    blobs = [data for data, _ in images]
    fig_a = Figure("(a) bare RapidOCR()(png bytes)", "engine built once, same bytes")
    fig_b = Figure("(b) document_ocr task body", "document_ocr.run(id), stored docs")
    fig_r = Figure("    ocr.read_text(bytes) alone", "decode + same engine + NFKC, no DB")
    statuses: list[str] = []

    def task(pk):
        statuses.append(document_ocr.run(pk))

    def bare_call(data):
        return bare(data)

    def read_text(data):
        return ocr.read_text(data, "image/png")

    # Interleaved image by image, the order rotating, so that a busy neighbour on the machine
    # slows every figure alike; each pass still covers the N images once per figure.
    steps = [(fig_a, bare_call, blobs), (fig_b, task, ids), (fig_r, read_text, blobs)]
    t0 = time.perf_counter()
    for r in range(args.runs):
        reset_pending(ids)
        seconds: dict[Figure, list[float]] = {fig: [] for fig, _, _ in steps}
        for i in range(args.n):
            for k in range(len(steps)):
                figure, fn, items = steps[(r + i + k) % len(steps)]
                seconds[figure].extend(timed_pass(fn, items[i : i + 1]))
        for figure, values in seconds.items():
            figure.add(values)
    took = time.perf_counter() - t0

    # What the last pass of (b) stored: did the proposals come back?
    right = dict.fromkeys(FIELDS, 0)
    texts = {}
    for pk, (data, expected) in zip(ids, images, strict=True):
        document = Document.objects.get(pk=pk)
        texts[data] = document.ocr_text
        for k in FIELDS:
            right[k] += document.ocr_fields.get(k) == expected[k]
    done, tasks = statuses.count("done"), len(statuses)

    # (b) without the engine: read_lines answers the text it read before, so what is left is
    # exactly what ClaimDesk adds around the engine call (decoding and inference excluded).
    fig_s = Figure(
        "    (b) with read_lines stubbed", "file read, queries, rules, save, event+ledger"
    )
    real_read_lines = ocr.read_lines
    ocr.read_lines = lambda data, content_type: [(line, 1.0) for line in texts[data].split("\n")]
    try:
        for _ in range(STUB_RUNS):
            reset_pending(ids)
            fig_s.add(timed_pass(task, ids))
    finally:
        ocr.read_lines = real_read_lines

    rows = []
    for fig in (fig_a, fig_b, fig_r, fig_s):
        ratio = fig.per_second / fig_a.per_second
        by_median = fig_a.median_ms / fig.median_ms
        mark = ""
        if fig is fig_b:
            mark = "ok" if ratio >= TARGET else "MISS"
        rows.append(
            (
                fig.label,
                f"{fig.per_second:,.2f}",
                f"{fig.median_ms:.1f}",
                f"{ratio:.2f}x" if fig is not fig_s else "",
                f"{by_median:.2f}x" if fig is not fig_s else "",
                mark,
                fig.note,
            )
        )

    print()
    print(
        f"{'figure':<36} {'images/s':>9} {'median ms':>10} {'vs (a)':>7} {'by med':>7} "
        f"{'>=' + format(TARGET, 'g') + 'x':>6}  notes"
    )
    for label, ips, ms, ratio, by_median, mark, note in rows:
        print(f"{label:<36} {ips:>9} {ms:>10} {ratio:>7} {by_median:>7} {mark:>6}  {note}")
    print()
    share = fig_s.median_ms / fig_b.median_ms
    print(f"ClaimDesk around the engine: {fig_s.median_ms:.1f} ms per document, {share:.1%} of (b)")
    print(
        f"task results: {done}/{tasks} done; fields right in the last pass: "
        + ", ".join(f"{k} {right[k]}/{len(ids)}" for k in FIELDS)
    )
    print(
        f"N={args.n} runs={args.runs} (timed {took:.0f}s), checkout {source_state()}, "
        f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    return 0


def source_state() -> str:
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
