"""Chinese names of everything the report's figures hold as codes: the 001 rates, the breakdowns and
their values, breach ratings and deadline rules. The spreadsheet and the PDF are in Chinese (they go to
the quality department and leadership); the console translates the same codes through its catalogues.

Choice names (channels, categories, validity, departments) are read from the process owners' form files,
so a category added there is named here without a code change."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

RATES = {
    "accepted": "受理率",
    "entered_2h": "2小时内录入率",
    "dispatched_20min": "20分钟内派单率",
    "replied_24h": "24小时内答复率",
    "handled_in_time": "按时处理率（3/5个工作日）",
    "contacted_3_days": "每3天跟进率",
    "called_back": "按时回访率",
    "closed_accepted": "客户认可关闭率",
    "improper_closure": "不当关闭率",
}
DIMENSIONS = {"validity": "有效性", "category": "投诉类别", "severity": "严重程度", "department": "责任部门",
              "channel": "投诉渠道", "site": "发生地点"}
SEVERITIES = {"normal": "一般", "major": "重大", "crisis": "危机"}
RATINGS = {"serious": "严重", "normal": "一般", "minor": "轻微"}
RULES = {
    "entry_2_hours": "2小时内录入", "dispatch_20_minutes": "20分钟内派单", "reply_24_hours": "24小时内答复",
    "handle_3_working_days": "3个工作日内处理", "major_5_working_days": "重大投诉5个工作日内处理",
    "contact_every_3_days": "每3天跟进客户", "callback_deadline": "按时回访", "open_10_days": "超10天未结",
    "open_15_days": "超15天未结", "crisis_initial_response": "危机初步响应", "crisis_statement": "危机对外声明",
    "rereply_agreed_date": "约定日期再次答复",
}
ACTION_KINDS = {"corrective": "纠正措施", "preventive": "预防措施"}
ROOT_CAUSES = {"internal": "内生性", "external": "外生性"}
ACTION_STATES = {"open": "进行中", "done": "已完成"}
NONE = "（未填写）"
NONE_ROWS = "（本期没有）"
NOT_RECORDED = (None, "", "none")  # how the figures say a complaint was not classified (yet)
# the form fields whose choices name a breakdown's values
_CHOICES = {"validity": ("triage", "validity"), "department": ("triage", "department"),
            "category": ("intake", "category"), "channel": ("intake", "channel")}


def _form_choices(forms_dir: Path, form: str, field: str) -> dict[str, str]:
    path = forms_dir / f"{form}.schema.json"
    try:
        return _choices_of(path, path.stat().st_mtime_ns, field)
    except OSError:
        return {}


@cache
def _choices_of(path: Path, stamp: int, field: str) -> dict[str, str]:
    """Read once per version of the file (``stamp``): a process owner's new category is named at once."""
    try:
        prop = json.loads(path.read_text(encoding="utf-8"))["properties"][field]
    except (OSError, ValueError, KeyError):
        return {}
    enum = prop.get("enum") or []
    return dict(zip(enum, prop.get("enumNames", enum), strict=False))


def value(forms_dir: Path, dimension: str, code: str | None) -> str:
    """The name of one value of a breakdown (``validity`` ``valid`` -> 有效投诉); sites are user data."""
    if code in NOT_RECORDED:
        return NONE
    if dimension == "severity":
        return SEVERITIES.get(code, code)
    if dimension in _CHOICES:
        return _form_choices(forms_dir, *_CHOICES[dimension]).get(code, code)
    return code


def rate(key: str) -> str:
    return RATES.get(key, key)


def rule(code: str | None) -> str:
    return RULES.get(code or "", code or NONE)


def title(period_key: str) -> str:
    """2026-11 -> 2026年11月客户投诉处理报告; a range -> 2026-11-01 至 2026-11-15 客户投诉处理报告 (001's name)."""
    if ".." in period_key:
        starts, ends = period_key.split("..", 1)
        return f"{starts} 至 {ends} 客户投诉处理报告"
    year, month = period_key.split("-", 1)
    return f"{year}年{int(month)}月客户投诉处理报告"
