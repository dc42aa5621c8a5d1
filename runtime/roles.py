"""The roles staff hold, and how a lane in a diagram names one.

A process owner may write a lane's name as the role code (``front_desk``), its Chinese label
(``客服前台``) or its English label; all three resolve to the same role.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    code: str
    zh: str
    en: str


ROLES: tuple[Role, ...] = (
    Role("front_desk", "客服前台", "Front desk"),
    Role("department", "责任部门", "Responsible department"),
    Role("cs_manager", "客服部经理", "Customer-service manager"),
    Role("duty_manager", "值班经理", "Duty manager"),
    Role("site_manager", "管理处经理", "Site manager"),
    Role("general_manager", "分公司总经理", "Branch general manager"),
    Role("quality", "品质管理部", "Quality department"),
    Role("legal", "法务", "Legal"),
    Role("crisis_team", "危机小组", "Crisis team"),
    Role("process_owner", "流程负责人", "Process owner"),
    Role("admin", "系统管理员", "Administrator"),
)

ROLE_CODES = frozenset(r.code for r in ROLES)
_BY_NAME = {name.strip().lower(): r.code for r in ROLES for name in (r.code, r.zh, r.en)}


def role_for_lane(lane_name: str | None) -> str | None:
    """Return the role code a lane name stands for, or None when it names no known role."""
    if not lane_name:
        return None
    return _BY_NAME.get(lane_name.strip().lower())
