"""What a notification says, in the recipient's language (Simplified Chinese unless they chose English).

The runtime has no Flask, so these few sentences live here rather than in the web catalogues.
"""
from __future__ import annotations

TEXTS = {
    "zh_Hans": {
        "new_task": "新任务：{title}",
        "claimed": "{actor} 已认领：{title}",
        "reminder": "提醒：{title}",
        "escalation": "投诉已升级：{title}",
        "breach": "已超时：{title}",
        "incident": "流程故障，需要处理：{title}",
        "calendar": "业务日历：请录入 {title} 年的放假和调休安排（做法见业务日历页面），"
                    "在此之前，之后的时限均为暂定",
        "action_overdue": "整改措施已到期未完成：{title}",
        "collective": "群诉，请立即处理：{title}",
        "open_complaint": "查看投诉",
        "monthly_report": "客户投诉处理报告（{title}）已生成，表格和 PDF 见附件",
        "open_report": "在系统中查看",
        "when": "时间：{at}（{zone}）",
        "footer": "此邮件由投诉处理系统自动发送。",
        "digest": "每日通知摘要（{title}）",
        "digest_times": "（共 {count} 条）",
        "open_notices": "查看全部通知",
        "digest_footer": "您选择了每日摘要：普通通知每天汇总发送一次，紧急通知仍即时发送。可在通知页面更改。",
    },
    "en": {
        "new_task": "New task: {title}",
        "claimed": "{actor} claimed: {title}",
        "reminder": "Reminder: {title}",
        "escalation": "Complaint escalated: {title}",
        "breach": "Deadline missed: {title}",
        "incident": "Process incident needs attention: {title}",
        "calendar": "Business calendar: enter the holidays and make-up working days of {title} "
                    "(the calendar page shows how); until then later deadlines are provisional",
        "action_overdue": "Corrective action overdue: {title}",
        "collective": "Collective complaint, act now: {title}",
        "open_complaint": "Open the complaint",
        "monthly_report": "The complaint report for {title} is ready; the spreadsheet and the PDF are attached",
        "open_report": "Open it in the system",
        "when": "When: {at} ({zone})",
        "footer": "Sent automatically by the complaint handling system.",
        "digest": "Daily summary of your notifications ({title})",
        "digest_times": " ({count} times)",
        "open_notices": "See all notifications",
        "digest_footer": "You chose the daily summary: ordinary notices come once a day, urgent ones at once. "
                         "Change it on the notifications page.",
    },
}


ZONES = {"zh_Hans": {"Asia/Shanghai": "北京时间"}, "en": {"Asia/Shanghai": "China Standard Time"}}


def zone_name(locale: str | None, zone: str) -> str:
    """The business time zone as the reader says it (北京时间), its id where we have no name."""
    return ZONES["en" if (locale or "").lower().startswith("en") else "zh_Hans"].get(zone, zone)


def text(locale: str | None, key: str, **values) -> str:
    table = TEXTS["en"] if (locale or "").lower().startswith("en") else TEXTS["zh_Hans"]
    return table[key].format(**values)
