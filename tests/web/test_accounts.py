"""A user's own account in the browser's terms: the password changed with the current one, refusals that
say which field and change nothing, guessing slowed, the change audited; the language kept on the account."""
from __future__ import annotations

import re

from sqlalchemy import select

from runtime.store.models import AuditEvent
from tests.helpers import PASSWORD, csrf, login


def _change(client, current, new, repeated=None):
    return client.post("/account/password", data={"current": current, "password": new,
                                                  "repeated": new if repeated is None else repeated,
                                                  "csrf_token": csrf(client, "/account/")})


def test_a_user_changes_their_password_with_the_current_one(rt, web):
    client = web({"wang": ["front_desk"]})
    login(client, "wang")
    page = client.get("/account/").get_data(as_text=True)
    assert "<h1>我的账户</h1>" in page and "客服前台" in page and 'name="csrf_token"' in page
    response = _change(client, PASSWORD, "a-new-password-9")
    assert response.status_code == 302 and "密码已修改" in client.get("/account/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert login(client, "wang", PASSWORD).status_code == 401
    assert login(client, "wang", "a-new-password-9").status_code == 302
    with rt.db.reader() as session:
        audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "password_changed")).all()
    assert [(e.actor, e.details["user"], e.instance_id) for e in audited] == [("wang", "wang", None)]



def test_a_new_or_reset_password_ends_every_other_session(web):
    here = web({"root": ["admin"], "wang": ["front_desk"]})
    elsewhere, admin = web({}, processes=False), web({}, processes=False)
    for client, who in ((here, "wang"), (elsewhere, "wang"), (admin, "root")):
        login(client, who)
    assert elsewhere.get("/").status_code == 200
    assert _change(here, PASSWORD, "a-new-password-9").status_code == 302
    assert "其他设备上的登录已退出" in here.get("/account/").get_data(as_text=True)  # this session goes on
    gone = elsewhere.get("/")
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]  # the one on another device ends
    assert login(elsewhere, "wang", "a-new-password-9").status_code == 302 and elsewhere.get("/").status_code == 200
    admin.post("/admin/users/wang/password", data={"csrf_token": csrf(admin, "/admin/users/")})
    assert here.get("/").status_code == 302 and elsewhere.get("/").status_code == 302  # a reset ends them all
    assert admin.get("/admin/users/").status_code == 200

def test_refusals_name_the_field_in_the_users_language_and_change_nothing(web):
    client = web({"wang": ["front_desk"]})
    login(client, "wang")
    cases = [((("wrong-password", "a-new-password-9")), "当前密码不正确"),
             (((PASSWORD, "a-new-password-9", "another-one-99")), "两次输入的新密码不一致"),
             (((PASSWORD, "short")), "密码至少需要 8 个字符"),
             (((PASSWORD, PASSWORD)), "新密码不能与当前密码相同")]
    for args, message in cases:
        response = _change(client, *args)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page and 'aria-invalid="true"' in page, message
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert login(client, "wang", PASSWORD).status_code == 302  # the old password still works


def test_without_the_csrf_token_or_signed_out_nothing_changes(web):
    client = web({"wang": ["front_desk"]})
    assert client.post("/account/password", data={"current": PASSWORD, "password": "a-new-password-9",
                                                  "repeated": "a-new-password-9"}).status_code in (302, 400)
    login(client, "wang")
    refused = client.post("/account/password", data={"current": PASSWORD, "password": "a-new-password-9",
                                                     "repeated": "a-new-password-9"})
    assert refused.status_code == 400
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    assert login(client, "wang", PASSWORD).status_code == 302


def test_guessing_the_current_password_is_slowed(web):
    client = web({"wang": ["front_desk"]})
    login(client, "wang")
    statuses = [_change(client, f"guess-{i}-password", "a-new-password-9").status_code for i in range(6)]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429


def test_the_users_own_language_is_kept_for_later_sign_ins(web):
    client = web({"wang": ["front_desk"]})
    login(client, "wang")
    saved = client.post("/account/language", data={"locale": "en", "csrf_token": csrf(client, "/account/")})
    assert saved.status_code == 302 and "<h1>My account</h1>" in client.get("/account/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    fresh = web({}, processes=False)
    login(fresh, "wang")
    assert '<html lang="en">' in fresh.get("/").get_data(as_text=True)  # the setting, not this session's choice
    fresh.post("/language", data={"lang": "zh_Hans", "next": "/", "csrf_token": csrf(fresh, "/")})
    assert '<html lang="zh-Hans">' in fresh.get("/").get_data(as_text=True)  # the session's choice wins
    bad = fresh.post("/account/language", data={"locale": "xx", "csrf_token": csrf(fresh, "/account/")})
    assert bad.status_code == 400 and "请选择列出的语言之一" in bad.get_data(as_text=True)


def test_an_admin_resets_a_password_and_disables_an_account_from_the_console(rt, web):
    client = web({"root": ["admin"], "wang": ["front_desk"]})
    login(client, "root")
    listing = client.get("/admin/users/")
    page = listing.get_data(as_text=True)
    assert listing.status_code == 200 and "<h1>用户 (2)</h1>" in page and "客服前台" in page and "系统管理员" in page
    assert 'href="/admin/users/"' in client.get("/admin/").get_data(as_text=True)
    answer = client.post("/admin/users/wang/password", data={"csrf_token": csrf(client, "/admin/users/")})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    new = re.search(r'<code class="new-password">([^<]+)</code>', answer.get_data(as_text=True)).group(1)
    assert new not in (client.get("/admin/users/").get_data(as_text=True))  # shown once
    other = web({}, processes=False)
    assert login(other, "wang", PASSWORD).status_code == 401 and login(other, "wang", new).status_code == 302
    token = csrf(client, "/admin/users/")
    disabled = client.post("/admin/users/wang/active", data={"active": "0", "csrf_token": token})
    assert disabled.status_code == 302 and "已停用" in client.get("/admin/users/").get_data(as_text=True)
    assert other.get("/").status_code == 302  # the open session of wang ends with the account
    refused = client.post("/admin/users/root/active", data={"active": "0", "csrf_token": csrf(client, "/admin/users/")})
    assert refused.status_code == 303 and "不能停用自己的账户" in client.get("/admin/users/").get_data(as_text=True)
    client.post("/admin/users/wang/active", data={"active": "1", "csrf_token": csrf(client, "/admin/users/")})
    assert login(web({}, processes=False), "wang", new).status_code == 302
    with rt.db.reader() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.details["user"].as_string() == "wang")
                                       .order_by(AuditEvent.id)))
    assert actions == ["password_reset", "user_disabled", "user_enabled"]


def test_only_admins_see_and_change_accounts(web):
    client = web({"root": ["admin"], "wang": ["front_desk"]})
    login(client, "wang")
    assert client.get("/admin/users/").status_code == 403
    token = csrf(client, "/")
    assert client.post("/admin/users/root/password", data={"csrf_token": token}).status_code == 403
    assert client.post("/admin/users/root/active", data={"active": "0", "csrf_token": token}).status_code == 403
    login(client, "root")
    assert client.post("/admin/users/nobody/password", data={"csrf_token": csrf(client, "/")}).status_code == 404
    assert client.post("/admin/users/wang/password", data={}).status_code == 400  # no CSRF token
