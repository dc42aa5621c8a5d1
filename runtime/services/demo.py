"""Demo users for every role and a few sample complaints in different states (``make run``).

Idempotent: existing users and complaints are left alone, so running it twice adds nothing.
"""
from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from runtime import business_calendar, clock, services
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.errors import InvalidState
from runtime.store.models import HumanTask, ProcessInstance, User
from runtime.services import attachments
from runtime.services.users import create_user, get_actor

DEMO_USERS = (
    ("frontdesk", "前台 王芳", ["front_desk"], None),
    ("eng", "工程部 李强", ["department"], "engineering"),
    ("security", "保安部 赵敏", ["department"], "security"),
    ("cleaning", "保洁部 钱红", ["department"], "cleaning"),
    ("csmanager", "客服经理 陈静", ["cs_manager"], None),
    ("duty", "值班经理 刘洋", ["duty_manager"], None),
    ("site", "管理处经理 孙伟", ["site_manager"], None),
    ("gm", "分公司总经理 周涛", ["general_manager"], None),
    ("quality", "品质部 吴霞", ["quality"], None),
    ("legal", "法务 郑磊", ["legal"], None),
    ("crisis", "危机小组 冯丽", ["crisis_team"], None),
    ("owner", "流程负责人 何军", ["process_owner"], None),
    ("admin", "系统管理员", ["admin"], None),
)

DEMO_MAIL_DOMAIN = "example.com"  # reserved for examples (RFC 2606): mail to it goes nowhere real


def demo_email(username: str) -> str:
    return f"{username}@{DEMO_MAIL_DOMAIN}"


BASE = {"channel": "phone", "customer_name": "张先生", "customer_unit": "3栋1单元502", "customer_phone": "13812341234",
        "location": "3栋", "occurred_at": "昨晚"}
TRIAGE = {"validity": "valid", "department": "engineering"}
DEMO_FILES = "demo files"  # in a step's form: attach a photo and a repair slip made here, then name them
DEMO_DUE = "in two weeks"  # an action's due date: fourteen days after the day the demo is seeded
SAMPLES: tuple[tuple[str, dict[str, Any], list[tuple[str, str, dict[str, Any]]]], ...] = (
    # number, intake fields, [(user, task, form)] done so far
    ("DEMO-0001", {"category": "noise", "description": "楼上装修噪音，晚上十点后仍在施工",
                   "demand": "要求停止夜间施工"}, []),
    ("DEMO-0002", {"category": "lift", "description": "2号电梯困人十分钟", "demand": "要求检修并说明原因",
                   "safety_hazard": False},
     [("frontdesk", "triage", {**TRIAGE, "dispatch_note": "紧急派单"})]),
    ("DEMO-0003", {"category": "hygiene", "description": "垃圾站三天未清运", "demand": "尽快清运"},
     [("frontdesk", "triage", {"validity": "valid", "department": "cleaning"}),
      ("frontdesk", "first_reply", {"reply_summary": "已致电说明今日清运"}),
      ("cleaning", "handle", {"handling_result": "已清运并调整清运频次", "root_cause": "清运车辆故障"})]),
    ("DEMO-0004", {"category": "property_fee", "description": "询问物业费计费标准", "demand": "解释"},
     [("frontdesk", "triage", {"validity": "consultation"}),
      ("frontdesk", "explain", {"explanation": "已按物价局备案标准解释，客户表示理解"})]),
    ("DEMO-0005", {"category": "facilities", "description": "地库水管爆裂，车辆被淹", "demand": "赔偿车辆损失",
                   "economic_loss": 80000},
     [("frontdesk", "triage", TRIAGE)]),
    ("DEMO-0007", {"category": "water", "description": "卫生间天花板漏水，已持续三天", "demand": "尽快维修并赔偿损失",
                   "external_ref": "12345-20261201-0042"},
     [("frontdesk", "triage", TRIAGE),
      ("frontdesk", "first_reply", {"reply_summary": "已电话答复，明日上门查看"}),
      ("eng", "handle", {"investigation": "楼上卫生间防水层破损", "handling_result": "已更换防水层并修复天花板",
                         "root_cause": "防水层老化", "attachments": DEMO_FILES}),
      ("frontdesk", "callback", {"satisfaction": "satisfied", "callback_channel": "phone",
                                 "callback_note": "客户确认不再漏水，表示满意"}),
      ("site", "confirm", {"record_checked": True, "handling_checked": True, "callback_checked": True,
                           "cause_type": "internal", "cause_review": "防水层老化未纳入年度检查",
                           "actions": [{"kind": "corrective", "description": "检查同批次住户卫生间防水层",
                                        "owner": "eng", "due_on": DEMO_DUE},
                                       {"kind": "preventive", "description": "防水层检查纳入年度维保计划",
                                        "owner": "quality", "due_on": DEMO_DUE}],
                           "closing_note": "同意关闭"})]),
    ("DEMO-0006", {"channel": "website", "category": "greening", "description": "小区东门草坪被车辆碾压，无人管理",
                   "customer_name": "", "customer_unit": "", "customer_phone": "", "demand": ""}, []),
)


def seed(rt: Runtime, echo=print) -> None:
    _seed_users(rt, echo)
    _seed_complaints(rt, echo)


def _seed_users(rt: Runtime, echo) -> None:
    """Create the missing demo users, each with an e-mail address so notifications can be tried; demo users
    from before addresses were given get theirs (other users are left alone)."""
    names = [u[0] for u in DEMO_USERS]
    with rt.db.transaction() as session:
        existing = set(session.scalars(select(User.username)))
        session.execute(update(User).where(User.username.in_(names), User.email.is_(None))
                        .values(email=User.username + "@" + DEMO_MAIL_DOMAIN))
    created = []
    for username, name, roles, department in DEMO_USERS:
        if username not in existing:
            password = create_user(rt, username, None, roles, name, department, demo_email(username))
            created.append((username, password, name))
    if created:
        echo("Demo users (passwords are shown only this once):")
        for username, password, name in created:
            echo(f"  {username:<10} {password:<14} {name}")
    else:
        echo("Demo users already exist; their passwords were printed when they were created.")


def _seed_complaints(rt: Runtime, echo) -> None:
    frontdesk = get_actor(rt, "frontdesk")
    for key, fields, steps in SAMPLES:
        with rt.db.reader() as session:
            if session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == key)):
                continue
        services.start_instance(rt, frontdesk, "complaint", {**BASE, **fields}, business_key=key)
        for username, task_name, form in steps:
            _complete(rt, key, task_name, get_actor(rt, username), form)
        echo(f"  sample complaint {key}: {fields['description']}")


def _complete(rt: Runtime, key: str, task_name: str, actor: Actor, form: dict) -> None:
    with rt.db.reader() as session:
        task = session.scalar(select(HumanTask).join(ProcessInstance).where(ProcessInstance.business_key == key,
                                                                            HumanTask.task_name == task_name))
    if task is None:
        raise InvalidState(f"demo complaint {key} does not wait at {task_name}")
    if form.get("attachments") == DEMO_FILES:
        form = {**form, "attachments": attachments.add(rt, actor, key, _demo_files(), task.id)}
    if "actions" in form:
        due = (clock.now().astimezone(business_calendar.current().zone).date() + timedelta(days=14)).isoformat()
        form = {**form, "actions": [{**a, "due_on": due} if a.get("due_on") == DEMO_DUE else a
                                    for a in form["actions"]]}
    services.complete_task(rt, actor, task.id, form)


def _demo_files() -> list[attachments.Upload]:
    """A photo of the repair and the repair slip as a PDF, drawn here (the demo ships no binaries)."""
    from PIL import Image, ImageDraw
    photo = Image.new("RGB", (960, 720), "#d9d4c7")
    draw = ImageDraw.Draw(photo)
    draw.ellipse((330, 180, 650, 460), fill="#8a7f6a")  # the water stain on the ceiling
    draw.rectangle((0, 600, 960, 720), fill="#b8b2a3")
    slip = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(slip).rectangle((40, 40, 555, 200), outline="black", width=3)
    out = []
    for image, name, kind in ((photo, "天花板漏水点.jpg", "JPEG"), (slip, "维修单.pdf", "PDF")):
        buffer = io.BytesIO()
        image.save(buffer, kind)
        out.append(attachments.Upload(name, buffer.getvalue()))
    return out
