"""The monthly report as a PDF (WeasyPrint), in Chinese, with its rates drawn as bars (inline SVG: the PDF
loads nothing from outside) and the same tables as the spreadsheet. Text is set in WenQuanYi Micro Hei, whose
glyphs are embedded, so the file reads the same on any machine."""
from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from runtime.reporting import labels
from runtime.reporting.tables import ratio, tables, when

TEMPLATES = Path(__file__).with_name("templates")


def _shown(value, percent: bool) -> str:
    if value is None:
        return "—"
    if percent and isinstance(value, (int, float)):
        return f"{value:.1%}"
    return str(value)


def _bars(figures: dict) -> list[dict]:
    bars = []
    for item in figures.get("rates", []):
        value, target = ratio(item), item.get("target", 1.0)
        lower_is_better = target == 0
        met = value is None or (value <= target if lower_is_better else value >= target)
        text = "—（无数据）" if value is None else f"{value:.1%}（{item['numerator']}/{item['denominator']}）"
        bars.append({"label": labels.rate(item["key"]), "value": value, "target": target, "met": met, "text": text})
    return bars


def html(figures: dict, title: str, made_at: str, forms_dir: Path, zone: ZoneInfo) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    return env.get_template("report.html").render(
        title=title, figures=figures, as_of=when(figures.get("as_of"), zone), made_at=made_at,
        bars=_bars(figures), parts=tables(figures, forms_dir, zone), shown=_shown, none_rows=labels.NONE_ROWS)


def pdf(figures: dict, title: str, made_at: str, forms_dir: Path, zone: ZoneInfo) -> bytes:
    from PIL import ImageFile
    from weasyprint import HTML  # loads Pango: imported only when a PDF is made

    ImageFile.LOAD_TRUNCATED_IMAGES = False  # WeasyPrint's import turns it on for the whole process

    def fetch(url: str, *args, **kwargs):
        raise ValueError(f"the report loads nothing from outside, not {url[:80]}")

    return HTML(string=html(figures, title, made_at, forms_dir, zone), url_fetcher=fetch).write_pdf()
