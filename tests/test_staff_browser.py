"""The staff console in real headless Chromium (Debian's package, driven by Playwright), served by
the real gateway: an officer logs in, reads the month's scorecard with its charts, opens the
review queue, and raises a fee through the preview and save steps. No JavaScript is needed, and
the gateway's strict CSP must block nothing.

Missing Chromium FAILS these tests, like tests/test_widget_browser.py; set ALLOW_SKIP_BROWSER=1
to skip them instead on a machine without it (never in CI).

Screenshots for the docs (docs/staff-scorecard.png, docs/staff-review.png) are written only with
    STAFF_SCREENSHOTS=1 .venv/bin/python -m pytest tests/test_staff_browser.py
"""
from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from bot import paths
from bot.analytics import db
from bot.gateway import BackgroundGateway, load_config
from bot.staff import accounts, texts
from tests.staff_fixtures import CCCD, OFFICER, OFFICER_PASSWORD, PHONE, make_console, seed_month

MONTH = dt.date(2026, 11, 1)
SCREENSHOTS = os.environ.get("STAFF_SCREENSHOTS") == "1"


@pytest.fixture(scope="module")
def site(rasa, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("staff-browser")
    with pytest.MonkeyPatch.context() as mp:
        console = make_console(tmp, mp)
        accounts.create(OFFICER, OFFICER_PASSWORD, "officer", "Trần Thị Bình", console.engine)
        seed_month(console.engine, MONTH)
        config = load_config(file=tmp / "none.yml", env={}, port=0, rasa_url=rasa.url, state_dir=tmp)
        with BackgroundGateway(config) as gw:
            yield gw.url, console
    db.dispose(console.url)


@pytest.fixture()
def page(browser):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    p = context.new_page()
    problems: list[str] = []
    p.on("pageerror", lambda e: problems.append(str(e)))
    p.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    yield p
    context.close()
    assert not problems, f"JavaScript errors or CSP violations: {problems}"


def expect(locator):
    from playwright.sync_api import expect as _expect
    return _expect(locator)


def test_an_officer_reads_the_scorecard_reviews_and_corrects_a_fee(page, site):
    url, console = site
    page.goto(url + "/staff/review")  # not logged in: sent to the login page, then back
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    page.get_by_label("Tên đăng nhập").fill(OFFICER)
    page.get_by_label("Mật khẩu").fill("sai mật khẩu rồi")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".error")).to_have_text(texts.LOGIN_FAILED)
    page.get_by_label("Mật khẩu").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("h1")).to_have_text("Câu hỏi cần xem xét")

    # The scorecard of November 2026.
    page.get_by_role("link", name="Báo cáo").click()
    page.get_by_label("Từ ngày").fill("2026-11-01")
    page.get_by_label("Đến ngày").fill("2026-11-30")
    page.get_by_role("button", name="Xem số liệu").click()
    expect(page.locator(".period-text")).to_contain_text("01/11/2026 – 30/11/2026")
    conversations = page.locator(".highlights li").first.locator(".big").inner_text()
    assert int(conversations.replace(".", "")) > 100
    summary = page.locator("table", has=page.locator("caption", has_text="Tổng hợp"))
    expect(summary.locator("tr", has_text="Số cuộc hội thoại").locator("td").nth(1)).to_have_text(conversations)
    images = page.locator(".charts img")
    expect(images).to_have_count(3)
    page.wait_for_function("() => [...document.querySelectorAll('.charts img')]"
                           ".every(i => i.complete && i.naturalWidth > 300)")
    assert page.locator("table caption").count() == 7
    if SCREENSHOTS:
        page.set_viewport_size({"width": 1280, "height": 1500})
        page.screenshot(path=str(paths.ROOT / "docs" / "staff-scorecard.png"))
        page.set_viewport_size({"width": 1280, "height": 900})

    # The review queue: grouped, masked.
    page.get_by_role("link", name="Câu hỏi cần xem xét").click()
    groups = page.locator("section.group")
    assert groups.count() >= 4
    expect(groups.first.locator("h2")).not_to_be_empty()
    html = page.content()
    assert CCCD not in html and PHONE not in html and "[CCCD]" in html
    expect(page.get_by_role("button", name="Thêm làm tên gọi khác của thủ tục").first).to_be_visible()
    if SCREENSHOTS:
        page.set_viewport_size({"width": 1280, "height": 1100})
        page.screenshot(path=str(paths.ROOT / "docs" / "staff-review.png"))
        page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("section.group", has_text="làm hộ chiếu ở đâu").get_by_role("button", name="Bỏ qua").click()
    expect(page.locator(".notice")).to_have_text(texts.NOTICES["ignored"])
    assert "làm hộ chiếu ở đâu" not in page.locator("main").inner_text()

    # A fee: edit, preview the diff, save.
    page.get_by_role("link", name="Danh mục thủ tục").click()
    page.get_by_role("link", name=re.compile("Sửa Cấp thẻ hướng dẫn viên quốc tế")).click()
    fees = page.get_by_label("Phí, lệ phí", exact=True)
    assert "650.000 đồng/thẻ" in fees.input_value()
    fees.fill(fees.input_value().replace("650.000 đồng/thẻ", "700.000 đồng/thẻ"))
    page.get_by_role("button", name="Xem trước thay đổi").click()
    expect(page.locator("h1")).to_contain_text("Xem trước thay đổi")
    expect(page.locator("pre.diff .diff-add", has_text="700000").first).to_be_visible()
    expect(page.locator("pre.diff .diff-del", has_text="650000").first).to_be_visible()
    assert "700000" not in (console.procedures / "hdv-quoc-te.yml").read_text(encoding="utf-8")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator(".notice")).to_have_text(texts.NOTICES["saved"])
    assert "700000" in (console.procedures / "hdv-quoc-te.yml").read_text(encoding="utf-8")
    assert "700.000 đồng/thẻ" in page.get_by_label("Phí, lệ phí", exact=True).input_value()

    # Logging out ends the session.
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.locator(".notice")).to_have_text(texts.NOTICES["logged_out"])
    page.goto(url + "/staff")
    expect(page.locator("h1")).to_have_text("Đăng nhập")
