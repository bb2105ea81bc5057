# SPDX-License-Identifier: Apache-2.0
"""The yardstick of fuma-bench-forms: the change form (信息变更申请表) made
with ReportLab, the way a Python program would make it.

    /usr/bin/python3 reportlab_change_form.py ROUNDS FONT VALUES [--index N] [--out FILE]

FONT is a TrueType font (a .ttc with --index, the face number); VALUES a
JSON file the bench writes: {"title", "fields": {"unit.name": ...},
"rows": [{"label", "old", "new"}, ...], "qr": the code, "mark": bool}. The
layout is src/forms/data/change.json's, element by element: the same title,
labels, values fitted to the same boxes (wrapped between characters and set
smaller, half a point at a time, as fuma does), the 变更事项 table, the
reason, the stamp and date area, the QR code (level M, four-module quiet
zone) and, when "mark" is set, 仅供核对 in light grey at 30 degrees. The
font is embedded as a subset (ReportLab always subsets TrueType fonts), the
page stream compressed, the output invariant (no timestamp, no random id).

Prints one line:
    reportlab median_ms=<ms> p90_ms=<ms> bytes=<n> font=<path>[:<index>]
Time is per form, from the values to the PDF bytes in memory, after one
warm-up form; registering the font (parsing the file) happens once, outside
the timing, as fuma opens its font once per engine.
"""

import argparse
import io
import json
import statistics
import sys
import time

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

DROID = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
FONT = "FormFont"
PAGE_W, PAGE_H = 210, 297  # mm
POINT_MM = 25.4 / 72
LINE_SPACING = 1.25


def register(path, index):
    """Registers the font; falls back to Droid Sans Fallback (a .ttf) if
    ReportLab cannot read `path`. Returns the font actually used."""
    try:
        pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=index))
        return "%s:%d" % (path, index) if path.endswith(".ttc") else path
    except Exception as e:  # noqa: BLE001 - any failure means: use the fallback
        print("reportlab: cannot use %s (%s); using %s" % (path, e, DROID), file=sys.stderr)
        pdfmetrics.registerFont(TTFont(FONT, DROID))
        return DROID


def y(mm_from_top):
    return (PAGE_H - mm_from_top) * mm


def text(c, x, baseline, s, size, align="left"):
    c.setFont(FONT, size)
    if align == "centre":
        c.drawCentredString(x * mm, y(baseline), s)
    elif align == "right":
        c.drawRightString(x * mm, y(baseline), s)
    else:
        c.drawString(x * mm, y(baseline), s)


def line(c, x1, y1, x2, y2, width=0.6):
    c.setLineWidth(width)
    c.line(x1 * mm, y(y1), x2 * mm, y(y2))


def rect(c, x, top, w, h, width=0.6):
    c.setLineWidth(width)
    c.rect(x * mm, y(top + h), w * mm, h * mm, stroke=1, fill=0)


def wrap(s, size, width_mm):
    lines = [""]
    used = 0.0
    for ch in s:
        if ch == "\n":
            lines.append("")
            used = 0.0
            continue
        w = pdfmetrics.stringWidth(ch, FONT, size) / mm
        if used + w > width_mm and lines[-1]:
            lines.append("")
            used = 0.0
        lines[-1] += ch
        used += w
    return lines


def field(c, s, at, box, size=12, min_size=7, align="left"):
    """`s` fitted into the box: wrapped, set smaller until it fits, centred
    vertically."""
    if not s:
        return
    x, top = at
    w, h = box
    fitted = None
    size_now = size
    while size_now >= min_size - 1e-9:
        lines = wrap(s, size_now, w)
        if len(lines) * size_now * POINT_MM * LINE_SPACING <= h + 1e-9:
            fitted = (size_now, lines)
            break
        size_now -= 0.5
    if fitted is None:
        raise ValueError("%r does not fit its box" % s)
    size_now, lines = fitted
    step = size_now * POINT_MM * LINE_SPACING
    first = top + (h - step * len(lines)) / 2
    if align == "centre":
        x += w / 2
    elif align == "right":
        x += w
    for i, part in enumerate(lines):
        text(c, x, first + step * i + step * 0.8, part, size_now, align)


def table(c, rows, at=(20, 112), row_height=12, count=5, size=11):
    columns = (("变更事项", 36, "label"), ("变更前", 67, "old"), ("变更后", 67, "new"))
    x0, top = at
    total = sum(w for _, w, _ in columns)
    bottom = top + row_height * (count + 1)
    for r in range(count + 2):
        line(c, x0, top + row_height * r, x0 + total, top + row_height * r)
    x = x0
    line(c, x, top, x, bottom)
    pad = 1.2
    for header, width, key in columns:
        field(c, header, (x + pad, top), (width - 2 * pad, row_height), size, 6, "centre")
        for r, row in enumerate(rows):
            field(c, row.get(key, ""), (x + pad, top + row_height * (r + 1)),
                  (width - 2 * pad, row_height), size, 6)
        x += width
        line(c, x, top, x, bottom)


def qr(c, code, at, size):
    widget = QrCodeWidget(code, barLevel="M", barBorder=4, barWidth=size * mm,
                          barHeight=size * mm)
    drawing = Drawing(size * mm, size * mm)
    drawing.add(widget)
    renderPDF.draw(drawing, c, at[0] * mm, y(at[1] + size))


def mark(c, s, at, size=64, angle=30):
    c.saveState()
    c.setFillGray(0.8)
    c.translate(at[0] * mm, y(at[1]))
    c.rotate(angle)
    face = pdfmetrics.getFont(FONT).face
    middle = (face.ascent + face.descent) / 2000.0 * size
    c.setFont(FONT, size)
    c.drawCentredString(0, -middle, s)
    c.restoreState()


def change_form(v):
    """The change form of `v` as PDF bytes (src/forms/data/change.json)."""
    f = v["fields"]
    out = io.BytesIO()
    c = Canvas(out, pagesize=(PAGE_W * mm, PAGE_H * mm), pageCompression=1, invariant=1)
    c.setTitle(v["title"])
    c.setStrokeGray(0)
    text(c, 105, 30, v["title"], 16, "centre")
    for top, label, key in ((40, "单位名称", "unit.name"),
                            (52, "统一社会信用代码", "unit.uscc"),
                            (64, "证书编号", "certificate.serial"),
                            (76, "住    所", "unit.address"),
                            (88, "负 责 人", "unit.responsible_person")):
        line(c, 20, top, 190, top)
        text(c, 39, top + 7.6, label, 11, "centre")
        field(c, f.get(key, ""), (60, top + 0.5), (128, 11), 12)
    line(c, 20, 100, 190, 100)
    line(c, 20, 40, 20, 100)
    line(c, 58, 40, 58, 100)
    line(c, 190, 40, 190, 100)
    text(c, 20, 109, "变更事项", 12)
    table(c, v["rows"])
    rect(c, 20, 188, 170, 24, 0.8)
    text(c, 39, 201.6, "申请理由", 11, "centre")
    line(c, 58, 188, 58, 212)
    field(c, f.get("application.reason", ""), (60, 189), (128, 22), 12)
    rect(c, 20, 212, 170, 45, 0.8)
    text(c, 24, 222, "单位（盖章）", 12)
    text(c, 115, 222, "负责人（签字）：", 12)
    text(c, 184, 250, "年      月      日", 12, "right")
    if v.get("qr"):
        qr(c, v["qr"], (166, 265), 24)
    text(c, 163, 286, "扫码核验表格", 8, "right")
    if v.get("mark"):
        mark(c, "仅供核对", (105, 150))
    c.showPage()
    c.save()
    return out.getvalue()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rounds", type=int)
    p.add_argument("font")
    p.add_argument("values")
    p.add_argument("--index", type=int, default=0, help="the face of a .ttc")
    p.add_argument("--out", help="also write one form here")
    a = p.parse_args()
    with open(a.values, encoding="utf-8") as fh:
        values = json.load(fh)
    used = register(a.font, a.index)
    pdf = change_form(values)  # warm-up: the first form also builds caches
    times = []
    for _ in range(max(1, a.rounds)):
        t0 = time.perf_counter()
        pdf = change_form(values)
        times.append((time.perf_counter() - t0) * 1000.0)
    if a.out:
        with open(a.out, "wb") as fh:
            fh.write(pdf)
    times.sort()
    p90 = times[int(0.9 * (len(times) - 1))]
    print("reportlab median_ms=%.3f p90_ms=%.3f bytes=%d font=%s"
          % (statistics.median(times), p90, len(pdf), used))


if __name__ == "__main__":
    main()
