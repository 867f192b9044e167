"""The staff console over HTTP, served by the real gateway (bot/gateway + bot/staff) in front of a
loopback stand-in for Rasa: authentication, cookies, CSRF, roles, the scorecard and its exports,
the review queue, catalog edits through bot.catalog_edit, accounts and the audit log."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import time

import openpyxl
import pytest
import requests
import sqlalchemy as sa

from bot import catalog_edit
from bot.analytics import db
from bot.gateway import BackgroundGateway, load_config
from bot.staff import accounts, texts
from tests.staff_fixtures import (ADMIN, ADMIN_PASSWORD, CCCD, OFFICER, OFFICER_PASSWORD, PERIOD, PHONE, form_with,
                                  csrf_of, forms, login, make_console, seed, set_cookies, turn)

PAGES = ["/staff", "/staff/review", "/staff/catalog", "/staff/catalog/karaoke", "/staff/accounts", "/staff/audit",
         "/staff/khong-co-trang-nay", "/staff/catalog/karaoke/khac"]
DATA = ["/staff/export.csv?start=2026-11-03&end=2026-11-04", "/staff/export.xlsx", "/staff/charts/daily.png",
        "/staff/charts/satisfaction.png?start=2026-11-03&end=2026-11-04", "/staff/charts/procedures.png",
        "/staff/api/scorecard"]


def gateway_config(tmp, rasa_url: str, **overrides):
    return load_config(file=tmp / "none.yml", env={}, port=0, rasa_url=rasa_url, state_dir=tmp, **overrides)


@pytest.fixture(scope="module")
def site(rasa, tmp_path_factory):
    """(gateway URL, console) with two accounts and the seeded data set."""
    tmp = tmp_path_factory.mktemp("staff")
    with pytest.MonkeyPatch.context() as mp:
        console = make_console(tmp, mp)
        accounts.create(OFFICER, OFFICER_PASSWORD, "officer", "Trần Thị B", console.engine)
        accounts.create(ADMIN, ADMIN_PASSWORD, "admin", "Nguyễn Văn A", console.engine)
        seed(console.engine)
        with BackgroundGateway(gateway_config(tmp, rasa.url)) as gw:
            yield gw.url, console
    db.dispose(console.url)


@pytest.fixture(scope="module")
def url(site):
    return site[0]


@pytest.fixture(scope="module")
def console(site):
    return site[1]


@pytest.fixture()
def officer(url):
    return login(url, OFFICER, OFFICER_PASSWORD)


@pytest.fixture()
def admin(url):
    return login(url, ADMIN, ADMIN_PASSWORD)


def audit_rows(console, action: str | None = None) -> list:
    a = db.audit_log
    query = sa.select(a).order_by(a.c.id)
    if action:
        query = query.where(a.c.action == action)
    with console.engine.connect() as conn:
        return conn.execute(query).all()


def procedure_file(console, procedure_id: str) -> str:
    return (console.procedures / f"{procedure_id}.yml").read_text(encoding="utf-8")


# --- nothing without a session -------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_pages_without_a_session_go_to_the_login_page(url, path):
    r = requests.get(url + path, allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/staff/login")


def test_the_trailing_slash_leads_to_the_scorecard(url):
    r = requests.get(url + "/staff/", allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == "/staff"


@pytest.mark.parametrize("path", DATA)
def test_exports_charts_and_api_without_a_session_are_401(url, path):
    r = requests.get(url + path, allow_redirects=False)
    assert r.status_code == 401 and r.json() == {"error": "unauthenticated"}


@pytest.mark.parametrize("path", ["/staff/review", "/staff/catalog/karaoke", "/staff/catalog/karaoke/save",
                                  "/staff/accounts", "/staff/logout"])
def test_posts_without_a_session_change_nothing(url, console, path):
    before = len(audit_rows(console))
    r = requests.post(url + path, data={"action": "ignored", "turn_ids": "1", "username": "x", "csrf": "x"},
                      allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].startswith("/staff/login")
    assert len(audit_rows(console)) == before


def test_a_citizen_or_a_forged_cookie_never_reaches_staff_data(url, console, rasa):
    chat = requests.post(url + "/api/chat", json={"sender": "web-0123456789abcdef", "message": "chào"})
    assert chat.ok and "staff_session" not in chat.headers.get("Set-Cookie", "")
    officer = login(url, OFFICER, OFFICER_PASSWORD)
    real = officer.cookies["staff_session"]
    with console.engine.connect() as conn:
        stored = conn.execute(sa.select(db.staff_sessions.c.token_hash)).scalars().all()
    for forged in ["web-0123456789abcdef", "0123456789abcdef" * 3, real[:-2] + "xx", *stored, "", "' OR 1=1 --"]:
        jar = {"staff_session": forged}
        assert requests.get(url + "/staff", cookies=jar, allow_redirects=False).status_code == 302
        assert requests.get(url + "/staff/api/scorecard", cookies=jar).status_code == 401
        assert requests.get(url + "/staff/export.csv", cookies=jar).status_code == 401
    # The real cookie is only sent under /staff, and the chat API ignores it anyway.
    assert "staff_session" not in requests.Request("GET", url + "/api/chat").prepare().headers.get("Cookie", "")


# --- logging in and out --------------------------------------------------------------------------

def test_login_sets_a_strict_http_only_cookie_limited_to_staff(url):
    http = requests.Session()
    page = http.get(url + "/staff/login")
    assert page.headers["Cache-Control"] == "no-store"
    assert 'autocomplete="current-password"' in page.text and 'for="password"' in page.text
    login_cookie = next(c for c in set_cookies(page) if c.startswith("staff_login_csrf="))
    assert "HttpOnly" in login_cookie and "SameSite=Strict" in login_cookie and "Path=/staff" in login_cookie
    form = form_with(page.text, "Đăng nhập")
    form.set("username", OFFICER)
    form.set("password", OFFICER_PASSWORD)
    r = http.post(url + "/staff/login", data=form.fields, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == "/staff"
    cookie = next(c for c in set_cookies(r) if c.startswith("staff_session="))
    assert re.match(r"staff_session=[A-Za-z0-9_-]{43};", cookie)
    for flag in ("HttpOnly", "SameSite=Strict", "Path=/staff", "Max-Age=28800"):
        assert flag in cookie
    assert "Secure" not in cookie  # plain HTTP, no trusted proxy
    assert http.get(url + "/staff").status_code == 200


def test_the_cookie_is_secure_behind_a_trusted_https_proxy(rasa, console, tmp_path):
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    for trusted in (True, False):
        with BackgroundGateway(gateway_config(tmp_path, rasa.url, trust_x_forwarded_for=trusted)) as gw:
            http = requests.Session()
            page = http.get(gw.url + "/staff/login", headers=https)
            assert ("Secure" in next(c for c in set_cookies(page) if c.startswith("staff_login_csrf"))) is trusted
            form = form_with(page.text, "Đăng nhập")
            form.set("username", OFFICER)
            form.set("password", OFFICER_PASSWORD)
            r = http.post(gw.url + "/staff/login", data=form.fields, headers=https,
                          cookies={"staff_login_csrf": page.cookies["staff_login_csrf"]}, allow_redirects=False)
            assert r.status_code == 302
            cookie = next(c for c in set_cookies(r) if c.startswith("staff_session="))
            assert ("Secure" in cookie) is trusted


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(url):
    answers = []
    for username, password in [(OFFICER, "sai mật khẩu rồi"), ("khongco", OFFICER_PASSWORD)]:
        http = requests.Session()
        form = form_with(http.get(url + "/staff/login").text, "Đăng nhập")
        form.set("username", username)
        form.set("password", password)
        r = http.post(url + "/staff/login", data=form.fields, allow_redirects=False)
        assert r.status_code == 200 and "staff_session" not in http.cookies
        answers.append(re.sub(r'name="csrf" value="[^"]+"', "", r.text.replace(username, "NAME")))
    assert answers[0] == answers[1] and texts.LOGIN_FAILED in answers[0]
    accounts.unlock(OFFICER)  # one failure only, but keep the account clean for the other tests


def test_lockout_over_http_and_unlock(url, console):
    accounts.create("canbo9", "mật khẩu của canbo9", "officer", engine=console.engine)
    for _ in range(5):
        http = requests.Session()
        form = form_with(http.get(url + "/staff/login").text, "Đăng nhập")
        form.set("username", "canbo9")
        form.set("password", "sai mật khẩu rồi")
        assert texts.LOGIN_FAILED in http.post(url + "/staff/login", data=form.fields).text
    with pytest.raises(AssertionError):
        login(url, "canbo9", "mật khẩu của canbo9")  # locked: the right password is refused too
    assert [r.target for r in audit_rows(console, "login_locked")] == ["canbo9"]
    accounts.unlock("canbo9", console.engine)
    assert login(url, "canbo9", "mật khẩu của canbo9").get(url + "/staff").ok


@pytest.mark.parametrize("token", [None, "", "giả-mạo"])
def test_the_login_form_needs_its_csrf_token(url, token):
    http = requests.Session()
    form = form_with(http.get(url + "/staff/login").text, "Đăng nhập")
    form.set("username", OFFICER)
    form.set("password", OFFICER_PASSWORD)
    fields = [(n, v) for n, v in form.fields if n != "csrf"] + ([("csrf", token)] if token is not None else [])
    r = http.post(url + "/staff/login", data=fields, allow_redirects=False)
    assert r.status_code == 403 and "staff_session" not in http.cookies


def test_the_login_form_token_is_bound_to_its_cookie(url):
    one, two = requests.Session(), requests.Session()
    form_one = form_with(one.get(url + "/staff/login").text, "Đăng nhập")
    two.get(url + "/staff/login")
    form_one.set("username", OFFICER)
    form_one.set("password", OFFICER_PASSWORD)
    r = two.post(url + "/staff/login", data=form_one.fields, allow_redirects=False)  # another browser's token
    assert r.status_code == 403
    r = requests.post(url + "/staff/login", data=form_one.fields, allow_redirects=False)  # no cookie at all
    assert r.status_code == 403


def test_login_from_another_site_is_refused(url):
    http = requests.Session()
    form = form_with(http.get(url + "/staff/login").text, "Đăng nhập")
    form.set("username", OFFICER)
    form.set("password", OFFICER_PASSWORD)
    r = http.post(url + "/staff/login", data=form.fields, headers={"Origin": "https://evil.example"},
                  allow_redirects=False)
    assert r.status_code == 403


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(url):
    r = requests.get(url + "/staff/review", allow_redirects=False)
    assert r.headers["Location"] == "/staff/login?next=%2Fstaff%2Freview"
    for next_path, expected in [("/staff/review", "/staff/review"), ("https://evil.example/", "/staff"),
                                ("//evil.example/staff", "/staff"), ("/staff//evil.example", "/staff")]:
        http = requests.Session()
        form = form_with(http.get(url + "/staff/login", params={"next": next_path}).text, "Đăng nhập")
        assert form.get("next") == next_path
        form.set("username", OFFICER)
        form.set("password", OFFICER_PASSWORD)
        assert http.post(url + "/staff/login", data=form.fields, allow_redirects=False).headers["Location"] == expected


def test_login_rotates_the_session(url, console):
    from bot.staff.sessions import token_hash

    first = login(url, OFFICER, OFFICER_PASSWORD).cookies["staff_session"]
    http = requests.Session()
    form = form_with(http.get(url + "/staff/login").text, "Đăng nhập")
    form.set("username", OFFICER)
    form.set("password", OFFICER_PASSWORD)
    jar = {"staff_login_csrf": http.cookies["staff_login_csrf"], "staff_session": first}  # still holds one
    r = requests.post(url + "/staff/login", data=form.fields, cookies=jar, allow_redirects=False)
    assert r.status_code == 302 and r.cookies["staff_session"] != first
    with console.engine.connect() as conn:
        assert conn.execute(sa.select(db.staff_sessions).where(db.staff_sessions.c.token_hash == token_hash(first))
                            ).first() is None
    assert requests.get(url + "/staff", cookies={"staff_session": first}, allow_redirects=False).status_code == 302


def test_logout_ends_the_session_on_the_server(url, console):
    http = login(url, OFFICER, OFFICER_PASSWORD)
    token = http.cookies["staff_session"]
    page = http.get(url + "/staff")
    r = http.post(url + "/staff/logout", data={"csrf": csrf_of(page.text)}, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == "/staff/login?notice=logged_out"
    cleared = next(c for c in set_cookies(r) if c.startswith("staff_session="))
    assert "Max-Age=0" in cleared
    from bot.staff.sessions import token_hash

    with console.engine.connect() as conn:
        assert conn.execute(sa.select(db.staff_sessions).where(db.staff_sessions.c.token_hash == token_hash(token))
                            ).first() is None
    # Even a browser that kept the cookie is out.
    assert requests.get(url + "/staff", cookies={"staff_session": token}, allow_redirects=False).status_code == 302
    assert texts.NOTICES["logged_out"] in requests.get(url + "/staff/login?notice=logged_out").text


def test_an_expired_session_is_refused(url, console):
    http = login(url, OFFICER, OFFICER_PASSWORD)
    from bot.staff.sessions import token_hash

    s = db.staff_sessions
    with console.engine.begin() as conn:
        conn.execute(s.update().where(s.c.token_hash == token_hash(http.cookies["staff_session"]))
                     .values(expires_at=time.time() - 1))
    r = http.get(url + "/staff", allow_redirects=False)
    assert r.status_code == 302 and "notice=session_expired" in r.headers["Location"]
    assert http.get(url + "/staff/api/scorecard").status_code == 401


def test_a_disabled_account_is_out_at_once(url, console):
    accounts.create("canbo8", "mật khẩu của canbo8", "officer", engine=console.engine)
    http = login(url, "canbo8", "mật khẩu của canbo8")
    assert http.get(url + "/staff").ok
    accounts.disable("canbo8", console.engine)
    assert http.get(url + "/staff", allow_redirects=False).status_code == 302


# --- CSRF, origin, roles -------------------------------------------------------------------------

def test_posts_need_the_session_csrf_token(url, officer, console):
    page = officer.get(url + "/staff/review")
    token = csrf_of(page.text)
    other = login(url, OFFICER, OFFICER_PASSWORD)  # another session's token is not this session's
    before = len(audit_rows(console))
    for data in [{"action": "ignored", "turn_ids": "1"}, {"action": "ignored", "turn_ids": "1", "csrf": ""},
                 {"action": "ignored", "turn_ids": "1", "csrf": token[:-1] + ("A" if token[-1] != "A" else "B")}]:
        r = officer.post(url + "/staff/review", data=data, allow_redirects=False)
        assert r.status_code == 403 and texts.CSRF_FAILED in r.text
    r = officer.post(url + "/staff/review", data={"action": "ignored", "turn_ids": "1",
                                                  "csrf": csrf_of(other.get(url + "/staff").text)})
    assert r.status_code == 403
    r = officer.post(url + "/staff/logout", data={}, allow_redirects=False)
    assert r.status_code == 403 and officer.get(url + "/staff", allow_redirects=False).status_code == 200
    assert len(audit_rows(console)) == before


def test_posts_from_another_site_are_refused_even_with_the_token(url, officer):
    token = csrf_of(officer.get(url + "/staff/review").text)
    for headers in [{"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Referer": "https://evil.example/staff/review"}]:
        r = officer.post(url + "/staff/logout", data={"csrf": token}, headers=headers, allow_redirects=False)
        assert r.status_code == 403
    host = url.split("//")[1]
    r = officer.post(url + "/staff/logout", data={"csrf": token}, headers={"Origin": f"http://{host}"},
                     allow_redirects=False)
    assert r.status_code == 302


def test_an_officer_cannot_open_the_admin_pages(url, officer, console):
    for path in ("/staff/accounts", "/staff/audit"):
        r = officer.get(url + path, allow_redirects=False)
        assert r.status_code == 403 and texts.FORBIDDEN in r.text
    token = csrf_of(officer.get(url + "/staff").text)
    r = officer.post(url + "/staff/accounts", data={"csrf": token, "action": "create", "username": "ke-gian",
                                                    "password": "x" * 12, "password2": "x" * 12, "role": "admin"})
    assert r.status_code == 403 and accounts.get("ke-gian", console.engine) is None
    nav = officer.get(url + "/staff").text
    assert "/staff/accounts" not in nav and "/staff/review" in nav


def test_an_admin_opens_every_page(url, admin):
    for path in ["/staff", "/staff/review", "/staff/catalog", "/staff/catalog/karaoke", "/staff/accounts",
                 "/staff/audit"]:
        assert admin.get(url + path).status_code == 200, path
    assert admin.get(url + "/staff/khong-co").status_code == 404
    assert admin.get(url + "/staff/catalog/khong-co").status_code == 404


def test_pages_follow_the_strict_content_security_policy(url, admin):
    for path in ["/staff/login", "/staff", "/staff/review", "/staff/catalog", "/staff/catalog/hdv-quoc-te",
                 "/staff/accounts", "/staff/audit"]:
        r = (requests if path == "/staff/login" else admin).get(url + path)
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["Cache-Control"] == "no-store" and r.headers["X-Content-Type-Options"] == "nosniff"
        assert "<script" not in r.text and "<style" not in r.text and " style=" not in r.text, path
        assert '<html lang="vi">' in r.text
        # Every visible input has a label.
        ids = set(re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', r.text))
        labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', r.text))
        assert ids <= labelled, (path, ids - labelled)
    css = requests.get(url + "/staff/static/staff.css")
    assert css.ok and css.headers["Content-Type"].startswith("text/css")
    for path in ("/staff/static/%2e%2e/app.py", "/staff/static/..%2fapp.py", "/staff/static/nope.css"):
        assert requests.get(url + path, allow_redirects=False).status_code in (302, 403, 404), path


# --- scorecard, exports, charts ------------------------------------------------------------------

def test_the_scorecard_shows_the_seeded_figures(url, officer):
    page = officer.get(url + "/staff", params=PERIOD).text
    assert 'type="date"' in page and 'value="2026-11-03"' in page and 'value="2026-11-04"' in page
    summary = page[page.index("<caption>Tổng hợp</caption>"):]
    summary = summary[:summary.index("</table>")]
    cells = dict(re.findall(r"<tr><td>([^<]+)</td><td[^>]*>([^<]+)</td></tr>", summary))
    assert cells["Số cuộc hội thoại"] == "3" and cells["Số lượt tin nhắn của người dân"] == "12"
    assert cells["Số câu hỏi"] == "9" and cells["Trả lời được (%)"] == "44,4"
    assert cells["Chỉ số hài lòng: tỷ lệ đánh giá 4–5 (%)"] == "66,7"
    assert page.count("<table") == 7 and page.count("<caption>") == 7
    for chart in ("daily", "satisfaction", "procedures"):
        assert f'src="/staff/charts/{chart}.png?start=2026-11-03&amp;end=2026-11-04"' in page
    assert 'href="/staff/export.csv?start=2026-11-03&amp;end=2026-11-04"' in page
    from bot.catalog import load_catalog

    assert f"<td>karaoke</td><td>{load_catalog().get('karaoke').short_name}</td><td class=\"num\">2</td>" in page
    assert CCCD not in page and PHONE not in page and "[SĐT]" in page


def test_the_scorecard_defaults_to_this_month_and_refuses_bad_dates(url, officer):
    from bot.staff import period

    start, end = period.current_month()
    page = officer.get(url + "/staff").text
    assert f'value="{start.isoformat()}"' in page and f'value="{end.isoformat()}"' in page
    bad = officer.get(url + "/staff", params={"start": "2026-12-01", "end": "2026-11-01"})
    assert bad.ok and texts.BAD_DATES in bad.text
    assert officer.get(url + "/staff/export.csv", params={"start": "hôm qua"}).status_code == 400


def test_the_csv_export_reads_back(url, officer):
    r = officer.get(url + "/staff/export.csv", params=PERIOD)
    assert r.ok and r.headers["Content-Type"].startswith("text/csv")
    assert r.headers["Content-Disposition"] == 'attachment; filename="bao-cao-tro-ly_2026-11-03_2026-11-04.csv"'
    assert r.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    blocks: dict[str, list[list[str]]] = {}
    title = None
    for row in rows:
        if not row:
            title = None
        elif title is None:
            title = row[0]
            blocks[title] = []
        else:
            blocks[title].append(row)
    assert list(blocks) == ["Tổng hợp", "Mức độ hài lòng", "Thủ tục được hỏi nhiều nhất",
                            "Đánh giá câu trả lời theo thủ tục", "Câu hỏi chưa trả lời được", "Theo kênh", "Theo ngày"]
    summary = dict(row[:2] for row in blocks["Tổng hợp"][1:])
    assert summary["Số cuộc hội thoại"] == "3" and summary["Trả lời được (%)"] == "44.4"
    assert summary["Kỳ báo cáo"] == "03/11/2026 – 04/11/2026"
    assert blocks["Mức độ hài lòng"][1:] == [["5", "1"], ["4", "1"], ["3", "0"], ["2", "1"], ["1", "0"]]
    assert blocks["Thủ tục được hỏi nhiều nhất"][1][0] == "karaoke" and blocks["Thủ tục được hỏi nhiều nhất"][1][2] == "2"
    assert blocks["Theo ngày"][1:] == [["2026-11-03", "8", "4", "1", "1"], ["2026-11-04", "4", "0", "2", "0"]]
    assert CCCD not in r.text and PHONE not in r.text


def test_the_xlsx_export_has_one_sheet_per_section_with_numbers(url, officer):
    r = officer.get(url + "/staff/export.xlsx", params=PERIOD)
    assert r.ok and r.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert len(book.sheetnames) == 7 and book.sheetnames[0] == "Tổng hợp"
    assert all(len(name) <= 31 for name in book.sheetnames)
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["Số cuộc hội thoại"] == 3 and isinstance(summary["Số cuộc hội thoại"], int)
    assert summary["Trả lời được (%)"] == pytest.approx(44.4)
    assert summary["Điểm hài lòng trung bình (1–5)"] == pytest.approx(3.67)
    scores = list(book["Mức độ hài lòng"].iter_rows(values_only=True))
    assert scores[0] == ("Điểm", "Số lượt") and scores[1:] == [(5, 1), (4, 1), (3, 0), (2, 1), (1, 0)]


def test_exports_never_run_a_citizen_text_as_a_formula(console):
    from bot.analytics.scorecard import TextCount, compute
    from bot.staff import export

    card = compute(dt.date.fromisoformat(PERIOD["start"]), dt.date.fromisoformat(PERIOD["end"]), console.engine,
                   catalog=[])
    card.top_unanswered = [TextCount('=HYPERLINK("http://evil.example","bấm")', 3), TextCount("@SUM(A1)", 1)]
    text = export.to_csv(card).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(card)))
    cell = book["Câu hỏi chưa trả lời được"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_a_control_character_in_a_citizen_text_does_not_break_the_xlsx_export(console):
    from bot.analytics.scorecard import TextCount, compute
    from bot.staff import export

    card = compute(dt.date.fromisoformat(PERIOD["start"]), dt.date.fromisoformat(PERIOD["end"]), console.engine,
                   catalog=[])
    card.top_unanswered = [TextCount("phí\x01 karaoke\x1b", 2)]
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(card)))
    assert book["Câu hỏi chưa trả lời được"]["A2"].value == "phí  karaoke "


@pytest.mark.parametrize("chart", ["daily", "satisfaction", "procedures"])
def test_charts_are_png_images(url, officer, chart):
    for params in (PERIOD, {"start": "2020-01-01", "end": "2020-01-31"}):  # with figures, and empty
        r = officer.get(f"{url}/staff/charts/{chart}.png", params=params)
        assert r.ok and r.headers["Content-Type"] == "image/png"
        assert r.content.startswith(b"\x89PNG\r\n\x1a\n") and len(r.content) > 2000


def test_an_unknown_chart_is_404(url, officer):
    assert officer.get(url + "/staff/charts/khac.png").status_code == 404


def test_the_json_api_gives_the_figures(url, officer):
    data = officer.get(url + "/staff/api/scorecard", params=PERIOD).json()
    assert (data["conversations"], data["turns"], data["answered"]) == (3, 12, 4)
    assert data["start"] == "2026-11-03" and data["satisfaction_share"] == pytest.approx(2 / 3)


# --- review queue --------------------------------------------------------------------------------

def test_the_review_queue_never_shows_a_cccd_or_a_phone_number(url, officer, console):
    # A text that escaped masking (e.g. an older recorder) is masked again on display.
    with console.engine.begin() as conn:
        conn.execute(db.turns.update().where(db.turns.c.message_id == "web-A-7")
                     .values(text=f"giấy phép quảng cáo rao vặt CCCD {CCCD} gọi {PHONE}"))
    page = officer.get(url + "/staff/review").text
    assert "giấy phép quảng cáo rao vặt" in page and "[CCCD]" in page and "[SĐT]" in page
    visible = re.sub(r'name="(csrf|turn_ids)" value="[^"]*"', "", page)
    assert not re.search(r"(?<!\d)\d{12}(?!\d)", visible) and not re.search(r"(?<!\d)0\d{9}(?!\d)", visible)
    assert not re.search(r"0\d{3}[ .]\d{3}[ .]\d{3}", visible)
    assert CCCD not in page and PHONE not in page
    for name in ("Thêm làm tên gọi khác của thủ tục", "Cần câu trả lời mới", "Bỏ qua"):
        assert name in page
    assert "Chưa trả lời được" in page


def test_an_unanswered_group_suggests_retrievals_best_procedure(url, officer, console):
    """A fallback turn carries no procedure; the queue preselects retrieval's guess."""
    from bot.analytics import recorder

    recorder.record_turn("web-S", "web-S-1", channel="web", intent="nlu_fallback", outcome="fallback",
                         text="giấy tờ mở tiệm hát karaoke gia đình thế nào", engine=console.engine)
    page = officer.get(url + "/staff/review").text
    section = page[page.index("giấy tờ mở tiệm hát karaoke gia đình thế nào"):]
    section = section[:section.index("</section>")]
    assert re.search(r'<option value="karaoke"\s+selected', section)


def _group_form(page: str, text: str, button: str):
    """The form of `button` in the review group whose heading contains `text`."""
    start = page.index(text)
    section = page[page.rfind("<section", 0, start):page.index("</section>", start)]
    return form_with(section, button)


def test_review_ignore_and_new_answer_mark_the_turns_and_are_audited(url, officer, console):
    page = officer.get(url + "/staff/review").text
    form = _group_form(page, "abc xyz", "Bỏ qua")
    r = officer.post(url + "/staff/review", data=form.fields, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/staff/review?notice=ignored"
    page = officer.get(url + "/staff/review?notice=ignored").text
    assert texts.NOTICES["ignored"] in page and "abc xyz" not in page
    form = _group_form(page, "đăng ký kết hôn", "Cần câu trả lời mới")
    assert officer.post(url + "/staff/review", data=form.fields, allow_redirects=False).status_code == 303
    with console.engine.connect() as conn:
        marks = dict(conn.execute(sa.select(db.turns.c.message_id, db.turns.c.review)
                                  .where(db.turns.c.review.isnot(None))).all())
        by = set(conn.execute(sa.select(db.turns.c.reviewed_by).where(db.turns.c.review.isnot(None))).scalars())
    assert marks == {"tg-B-1": "ignored", "tg-B-2": "new_answer"} and by == {OFFICER}
    assert [(r.username, r.detail) for r in audit_rows(console, "review")][-2:] == [(OFFICER, "ignored"),
                                                                                   (OFFICER, "new_answer")]
    bad = officer.post(url + "/staff/review", data={"csrf": form.get("csrf"), "action": "delete", "turn_ids": "1"})
    assert bad.status_code == 400


def test_review_adds_an_alias_to_the_catalog(url, officer, console):
    turn(console.engine, "web-C", 1, time.time(), intent="nlu_fallback", outcome="fallback",
         text="xin phép hát karaoke kinh doanh")
    page = officer.get(url + "/staff/review").text
    form = _group_form(page, "xin phép hát karaoke kinh doanh", "Thêm làm tên gọi khác")
    assert form.get("alias") == "xin phép hát karaoke kinh doanh"
    form.set("procedure", "karaoke")
    r = officer.post(url + "/staff/review", data=form.fields, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/staff/review?notice=alias"
    assert "xin phép hát karaoke kinh doanh" in procedure_file(console, "karaoke")
    row = audit_rows(console, "alias_add")[-1]
    assert (row.username, row.target) == (OFFICER, "karaoke") and "+" in row.detail
    with console.engine.connect() as conn:
        review, note = conn.execute(sa.select(db.turns.c.review, db.turns.c.review_note)
                                    .where(db.turns.c.message_id == "web-C-1")).one()
    assert (review, note) == ("alias", "karaoke")
    from bot.catalog import load_catalog

    assert "xin phép hát karaoke kinh doanh" in load_catalog(console.procedures).get("karaoke").aliases


def test_review_alias_the_procedure_already_has_marks_the_questions(url, officer, console):
    turn(console.engine, "web-E", 1, time.time(), intent="nlu_fallback", outcome="fallback",
         text="Giấy phép kinh doanh KARAOKE")
    page = officer.get(url + "/staff/review").text
    form = _group_form(page, "Giấy phép kinh doanh KARAOKE", "Thêm làm tên gọi khác")
    form.set("procedure", "karaoke")
    before = procedure_file(console, "karaoke")
    r = officer.post(url + "/staff/review", data=form.fields, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/staff/review?notice=alias_exists"
    assert procedure_file(console, "karaoke") == before
    with console.engine.connect() as conn:
        assert conn.execute(sa.select(db.turns.c.review).where(db.turns.c.message_id == "web-E-1")).scalar() == "alias"


def test_odd_digits_in_ids_are_refused_not_a_server_error(url, officer, admin):
    csrf = csrf_of(officer.get(url + "/staff/review").text)
    r = officer.post(url + "/staff/review", data={"csrf": csrf, "action": "ignored", "turn_ids": "\u00b2"})
    assert r.status_code == 400
    r = officer.post(url + "/staff/review", data={"csrf": csrf, "action": "ignored", "turn_ids": "9" * 40})
    assert r.status_code == 400
    assert admin.get(url + "/staff/audit", params={"before": "\u00b2"}).status_code == 200


def test_review_alias_needs_a_known_procedure(url, officer, console):
    turn(console.engine, "web-D", 1, time.time(), intent="nlu_fallback", outcome="fallback", text="câu hỏi lạ lùng")
    page = officer.get(url + "/staff/review").text
    form = _group_form(page, "câu hỏi lạ lùng", "Thêm làm tên gọi khác")
    form.set("procedure", "khong-co-thu-tuc-nay")
    before = {p.name: p.read_text(encoding="utf-8") for p in console.procedures.glob("*.yml")}
    r = officer.post(url + "/staff/review", data=form.fields)
    assert r.status_code == 400 and texts.REVIEW_BAD_REQUEST in r.text
    assert {p.name: p.read_text(encoding="utf-8") for p in console.procedures.glob("*.yml")} == before


# --- catalog -------------------------------------------------------------------------------------

def test_the_catalog_lists_every_procedure(url, officer, console):
    page = officer.get(url + "/staff/catalog").text
    links = re.findall(r'href="/staff/catalog/([a-z0-9-]+)"', page)
    assert len(links) == len(list(console.procedures.glob("*.yml"))) and "hdv-quoc-te" in links
    assert "Ngày xác minh" in page and "Thông tin cần Sở xác nhận" in page


def test_the_edit_form_is_generated_from_the_field_list(url, officer, console):
    page = officer.get(url + "/staff/catalog/hdv-quoc-te").text
    form = form_with(page, "Xem trước thay đổi")
    values = catalog_edit.form_values("hdv-quoc-te", console.procedures)
    for spec in catalog_edit.fields():
        assert f'for="f-{spec.name}"' in page, spec.name
        if spec.kind != "checkbox":
            assert form.get(spec.name) == values.get(spec.name, ""), spec.name


def _changed_fee(values: dict[str, str]) -> tuple[str, str]:
    """(field name, new value) raising the 650.000 đ fee of hdv-quoc-te to 700.000 đ."""
    for name, value in values.items():
        for old in ("650.000", "650000", "650,000"):
            if old in value:
                return name, value.replace(old, old.replace("65", "70"))
    raise AssertionError("no field holds the 650.000 đ fee")


def test_a_catalog_edit_goes_through_preview_then_save(url, officer, console):
    before = procedure_file(console, "hdv-quoc-te")
    form = form_with(officer.get(url + "/staff/catalog/hdv-quoc-te").text, "Xem trước thay đổi")
    name, value = _changed_fee(dict(form.fields))
    form.set(name, value)
    preview = officer.post(url + form.action, data=form.fields)
    assert preview.status_code == 200
    assert 'class="diff-del"' in preview.text and 'class="diff-add"' in preview.text
    assert "700" in preview.text
    assert procedure_file(console, "hdv-quoc-te") == before  # a preview writes nothing
    confirm = form_with(preview.text, "Lưu")
    assert confirm.action == "/staff/catalog/hdv-quoc-te/save" and len(confirm.get("old_hash")) == 64
    r = officer.post(url + confirm.action, data=confirm.fields, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/staff/catalog/hdv-quoc-te?notice=saved"
    after = procedure_file(console, "hdv-quoc-te")
    assert after != before and ("700000" in after or "700.000" in after)
    row = audit_rows(console, "catalog_edit")[-1]
    assert (row.username, row.target) == (OFFICER, "hdv-quoc-te") and "700" in row.detail
    assert texts.NOTICES["saved"] in officer.get(url + r.headers["Location"]).text
    from bot.catalog import load_catalog

    fees = load_catalog(console.procedures).get("hdv-quoc-te").fees
    assert 700000 in [f.amount for f in fees.items]


def test_a_refused_edit_names_the_field_and_writes_nothing(url, officer, console):
    before = procedure_file(console, "karaoke")
    audits = len(audit_rows(console))
    form = form_with(officer.get(url + "/staff/catalog/karaoke").text, "Xem trước thay đổi")
    date_field = next(s for s in catalog_edit.fields() if s.kind == "date")
    form.set(date_field.name, "31/02/2026")
    preview = officer.post(url + form.action, data=form.fields)
    assert preview.status_code == 422 and texts.EDIT_REFUSED in preview.text
    assert date_field.label in preview.text
    assert not any("Lưu" == b for f in forms(preview.text) for b in f.buttons)
    # Submitting the refused values to /save directly is refused as well.
    fields = form.fields + [("old_hash", hashlib.sha256(before.encode()).hexdigest())]
    r = officer.post(url + "/staff/catalog/karaoke/save", data=fields, allow_redirects=False)
    assert r.status_code == 422
    assert procedure_file(console, "karaoke") == before and len(audit_rows(console)) == audits


def test_an_edit_of_a_file_changed_meanwhile_is_refused_politely(url, officer, console):
    form = form_with(officer.get(url + "/staff/catalog/hdv-noi-dia").text, "Xem trước thay đổi")
    text_field = next(s for s in catalog_edit.fields() if s.kind == "text" and form.get(s.name))
    form.set(text_field.name, form.get(text_field.name) + " (sửa)")
    confirm = form_with(officer.post(url + form.action, data=form.fields).text, "Lưu")
    path = console.procedures / "hdv-noi-dia.yml"
    changed = path.read_text(encoding="utf-8").replace("\n", "\n# sửa bởi người khác\n", 1)
    path.write_text(changed, encoding="utf-8")
    audits = len(audit_rows(console))
    r = officer.post(url + confirm.action, data=confirm.fields, allow_redirects=False)
    assert r.status_code == 409 and "vui lòng tải lại" in r.text.lower()
    assert path.read_text(encoding="utf-8") == changed and len(audit_rows(console)) == audits


def test_an_unchanged_edit_saves_nothing(url, officer, console):
    form = form_with(officer.get(url + "/staff/catalog/vu-truong").text, "Xem trước thay đổi")
    preview = officer.post(url + form.action, data=form.fields)
    assert preview.ok and texts.NO_CHANGE in preview.text
    assert not any("Lưu" == b for f in forms(preview.text) for b in f.buttons)


# --- accounts and audit --------------------------------------------------------------------------

def test_an_admin_manages_accounts_and_everything_is_audited(url, admin, console):
    page = admin.get(url + "/staff/accounts").text
    assert OFFICER in page and "Trần Thị B" in page and "$argon2" not in page
    form = form_with(page, "Tạo tài khoản")
    for field, value in [("username", "canbo5"), ("full_name", "Lê Văn C"), ("role", "officer"),
                         ("password", "mật khẩu canbo5"), ("password2", "mật khẩu khác")]:
        form.set(field, value)
    r = admin.post(url + "/staff/accounts", data=form.fields)
    assert r.status_code == 400 and texts.ACCOUNT_ERRORS["mismatch"] in r.text and 'value="canbo5"' in r.text
    form.set("password2", "mật khẩu canbo5")
    r = admin.post(url + "/staff/accounts", data=form.fields, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/staff/accounts?notice=account_added"
    assert login(url, "canbo5", "mật khẩu canbo5").get(url + "/staff").ok
    r = admin.post(url + "/staff/accounts", data=form.fields)
    assert r.status_code == 400 and texts.ACCOUNT_ERRORS["exists"] in r.text
    form.set("username", "canbo6")
    form.set("password", "ngắn")
    form.set("password2", "ngắn")
    assert texts.ACCOUNT_ERRORS["password_short"] in admin.post(url + "/staff/accounts", data=form.fields).text

    for _ in range(5):
        accounts.authenticate("canbo5", "sai mật khẩu rồi", console.engine)
    page = admin.get(url + "/staff/accounts").text
    unlock = next(f for f in forms(page) if f.get("action") == "unlock" and f.get("username") == "canbo5")
    assert admin.post(url + "/staff/accounts", data=unlock.fields).ok
    assert not accounts.get("canbo5", console.engine).locked()
    disable = next(f for f in forms(admin.get(url + "/staff/accounts").text)
                   if f.get("action") == "disable" and f.get("username") == "canbo5")
    assert admin.post(url + "/staff/accounts", data=disable.fields).ok
    assert not accounts.get("canbo5", console.engine).active
    # An admin cannot disable the account they are using.
    own = {"csrf": disable.get("csrf"), "action": "disable", "username": ADMIN}
    assert admin.post(url + "/staff/accounts", data=own).status_code == 400 and accounts.get(ADMIN).active

    reset = form_with(admin.get(url + "/staff/accounts").text, "Đặt mật khẩu mới")
    reset.set("username", "canbo5")
    reset.set("password", "mật khẩu mới canbo5")
    reset.set("password2", "mật khẩu mới canbo5")
    assert admin.post(url + "/staff/accounts", data=reset.fields).ok

    entries = [(r.username, r.action, r.target) for r in audit_rows(console) if r.target == "canbo5"]
    assert entries == [(ADMIN, "account_add", "canbo5"), (ADMIN, "account_unlock", "canbo5"),
                       (ADMIN, "account_disable", "canbo5"), (ADMIN, "account_password", "canbo5")]
    assert all("mật khẩu" not in (r.detail or "") for r in audit_rows(console))

    audit = admin.get(url + "/staff/audit").text
    assert audit.index("Đặt lại mật khẩu") < audit.index("Tạo tài khoản")  # newest first
    assert "Đăng nhập" in audit
