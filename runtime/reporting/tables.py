"""The report's figures laid out as named tables with Chinese headings: one layout for the spreadsheet and
the PDF, so the two can never disagree about what a column holds."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from runtime.reporting import labels

ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)
    percent_columns: tuple[int, ...] = ()


def ratio(item: dict | None) -> float | None:
    """A rate as a fraction; None when nothing was measured (0 of 0 is no figure, not 100%)."""
    if not item or not item.get("denominator"):
        return None
    return item["numerator"] / item["denominator"]


def compared(figures: dict, which: str) -> dict:
    return figures.get("compare", {}).get(which) or {}


def _rates_of(part: dict) -> dict:
    return {r["key"]: r for r in part.get("rates", [])}


def when(value: str | None, zone: ZoneInfo = ZONE) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def tables(figures: dict, forms_dir: Path, zone: ZoneInfo = ZONE) -> list[Table]:
    return [_overview(figures), _rates(figures), _breakdowns(figures, forms_dir), _breaches(figures, forms_dir, zone),
            _repeats(figures), _collective(figures, forms_dir), _actions(figures, zone)]


def _overview(figures: dict) -> Table:
    previous, last_year = compared(figures, "previous"), compared(figures, "last_year")
    rows = [("投诉总数", figures["counts"]["total"], previous.get("counts", {}).get("total"),
             last_year.get("counts", {}).get("total"))]
    for rating, name in labels.RATINGS.items():
        rows.append((f"{name}超时", figures.get("breach_counts", {}).get(rating, 0),
                     previous.get("breach_counts", {}).get(rating), last_year.get("breach_counts", {}).get(rating)))
    rows += [("重复投诉", figures.get("repeats", {}).get("count", 0), None, None),
             ("群诉", figures.get("collective", {}).get("count", 0), None, None),
             ("未完成的纠正预防措施", figures.get("actions", {}).get("open", 0), None, None)]
    return Table("概览", ("项目", "本期", "上月", "去年同月"), rows)


def _rates(figures: dict) -> Table:
    previous, last_year = _rates_of(compared(figures, "previous")), _rates_of(compared(figures, "last_year"))
    rows = [(labels.rate(r["key"]), r["numerator"], r["denominator"], ratio(r), r.get("target"),
             ratio(previous.get(r["key"])), ratio(last_year.get(r["key"]))) for r in figures.get("rates", [])]
    return Table("时效指标", ("指标", "分子", "分母", "比率", "目标", "上月", "去年同月"), rows, (3, 4, 5, 6))


def _breakdowns(figures: dict, forms_dir: Path) -> Table:
    total = figures["counts"]["total"] or 0
    rows = []
    for dimension, name in labels.DIMENSIONS.items():
        counts = figures["counts"]["by"].get(dimension, {})
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], str(item[0]))):
            rows.append((name, labels.value(forms_dir, dimension, code), count, count / total if total else None))
    return Table("分类统计", ("维度", "项目", "数量", "占比"), rows, (3,))


def _breaches(figures: dict, forms_dir: Path, zone: ZoneInfo) -> Table:
    rows = [(b["business_key"], labels.rule(b.get("rule")), b.get("element_name"), when(b.get("due_at"), zone),
             when(b.get("breached_at"), zone), round(b.get("late_working_days") or 0, 2),
             labels.value(forms_dir, "severity", b.get("severity")),
             labels.value(forms_dir, "department", b.get("department")),
             labels.RATINGS.get(b.get("rating", ""), b.get("rating")), b.get("because"))
            for b in figures.get("breaches", [])]
    total, listed = sum(figures.get("breach_counts", {}).values()), len(rows)
    name = "超时明细" if listed >= total else f"超时明细（共 {total} 项，列出最严重的 {listed} 项）"
    return Table(name, ("投诉编号", "时限", "环节", "应完成", "超时于", "超出工作日", "严重程度", "责任部门",
                          "评级", "评级依据"), rows)


def _repeats(figures: dict) -> Table:
    rows = [(r["business_key"], r.get("repeat_of")) for r in figures.get("repeats", {}).get("items", [])]
    return Table("重复投诉", ("投诉编号", "重复于"), rows)


def _collective(figures: dict, forms_dir: Path) -> Table:
    rows = [(c.get("id"), c.get("site"), labels.value(forms_dir, "category", c.get("category")), c.get("members"),
             "、".join(c.get("business_keys", []))) for c in figures.get("collective", {}).get("items", [])]
    return Table("群诉", ("群诉编号", "发生地点", "投诉类别", "投诉数", "投诉编号"), rows)


def _actions(figures: dict, zone: ZoneInfo) -> Table:
    rows = [(a["business_key"], labels.ACTION_KINDS.get(a.get("kind"), a.get("kind")),
             labels.ROOT_CAUSES.get(a.get("root_cause") or "", labels.NONE), a.get("description"), a.get("owner"),
             a.get("due_on"), labels.ACTION_STATES.get(a.get("status"), a.get("status")), when(a.get("done_at"), zone))
            for a in figures.get("actions", {}).get("items", [])]
    return Table("纠正预防措施", ("投诉编号", "类型", "原因", "措施", "负责人", "完成期限", "状态", "完成时间"), rows)
