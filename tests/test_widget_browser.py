"""The website widget end to end in real headless Chromium (Debian's package, driven by Playwright).

The demo page is served by the real channel gateway (bot/gateway), which relays to a loopback stand-in
of Rasa's REST webhook (tests/widget/harness.py). Missing Chromium FAILS these tests; set
ALLOW_SKIP_BROWSER=1 to skip them instead on a machine without it (never in CI).
"""
from __future__ import annotations

import json
import re

import pytest

from tests.widget.harness import (A11Y_JS, HDV_BUTTONS, XSS_TEXT, ContractServer, HostSite, StandInRasa,
                                  gateway, start, stop)

HOST_ID = "vhttdl-chat-widget"
FOCUSED_JS = """() => {
  const a = document.activeElement;
  if (a && a.shadowRoot && a.shadowRoot.activeElement) {
    const e = a.shadowRoot.activeElement;
    return e.id || e.className;
  }
  return a ? a.tagName.toLowerCase() : null;
}"""
SHOWN_TEXT_JS = "e => { const c = e.cloneNode(true); c.querySelectorAll('.vw-sr').forEach(s => s.remove()); return c.textContent; }"


def sent(rasa) -> dict:
    """What reached Rasa last: sender and message (the gateway also adds channel metadata)."""
    return {k: rasa.received[-1][k] for k in ("sender", "message")}


@pytest.fixture(scope="module")
def rasa():
    server = start(StandInRasa())
    yield server
    stop(server)


@pytest.fixture(scope="module")
def site(rasa):
    """URL of the demo page served by the real channel gateway."""
    server = gateway(rasa.url)
    yield server.url
    server.stop()


@pytest.fixture()
def context(browser, rasa):
    rasa.received.clear()
    ctx = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context):
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    # The demo page's strict CSP (bot/gateway/web.py) must never have to block anything the widget does.
    p.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield p
    assert not errors, f"JavaScript errors or CSP violations on the page: {errors}"


def expect(locator):
    from playwright.sync_api import expect as _expect
    return _expect(locator)


def focused(page) -> str | None:
    return page.evaluate(FOCUSED_JS)


def open_widget(page, url: str) -> None:
    page.goto(url + "/")
    page.locator(".vw-launcher").click()
    expect(page.locator(".vw-panel")).to_be_visible()


def ask(page, text: str) -> None:
    page.locator("#vw-input").fill(text)
    page.keyboard.press("Enter")


def bot_texts(page) -> list[str]:
    return page.locator(".vw-bot .vw-text").all_text_contents()


# ---------------------------------------------------------------- the main journey


def test_demo_page_embeds_the_widget_with_one_script_tag(page, site):
    html = page.request.get(site + "/").text()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert len(scripts) == 1 and 'src="widget.js"' in scripts[0]
    assert "Sở Văn hóa, Thể thao và Du lịch" in html and "Thủ tục hành chính" in html
    page.goto(site + "/")
    launcher = page.locator(".vw-launcher")
    expect(launcher).to_be_visible()
    # The widget brought its own stylesheet into its shadow root; the page's own CSS is untouched.
    assert page.evaluate(f"document.getElementById('{HOST_ID}').shadowRoot.querySelector('link').href").endswith("/widget.css")
    assert launcher.evaluate("e => getComputedStyle(e).position") == "fixed"
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_keyboard_user_asks_picks_a_choice_and_keeps_the_conversation_after_reload(page, site, rasa):
    page.goto(site + "/")
    for _ in range(40):  # reach the launcher with the Tab key only
        page.keyboard.press("Tab")
        if focused(page) == "vw-launcher":
            break
    else:
        pytest.fail("the launcher cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".vw-panel")).to_be_visible()
    expect(page.locator(".vw-launcher")).to_have_attribute("aria-expanded", "true")
    assert focused(page) == "vw-input"

    page.keyboard.type("phí thẻ hdv")
    page.keyboard.press("Enter")
    expect(page.locator(".vw-user .vw-text").last).to_have_text("phí thẻ hdv")
    expect(page.locator(".vw-bot .vw-text").last).to_have_text("Bạn hỏi về thẻ hướng dẫn viên nào?")
    choices = page.locator(".vw-choice")
    expect(choices).to_have_text([b["title"] for b in HDV_BUTTONS])
    sender = rasa.received[-1]["sender"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", sender)
    assert sent(rasa) == {"sender": sender, "message": "phí thẻ hdv"}
    expect(page.locator("#vw-input")).to_have_value("")

    choices.first.click()
    expect(page.locator(".vw-user .vw-text").last).to_have_text(HDV_BUTTONS[0]["title"])
    expect(page.locator(".vw-file")).to_be_visible()
    assert sent(rasa) == {"sender": sender, "message": HDV_BUTTONS[0]["payload"]}
    expect(choices).to_have_count(0)  # answered choices stop being clickable
    answer = page.locator(".vw-bot").nth(-2)
    expect(answer.locator(".vw-text")).to_have_text(
        "Bạn đã chọn thủ tục hdv-noi-dia. Tra cứu thêm tại https://dichvucong.gov.vn (mở trong thẻ mới).")
    assert answer.locator(".vw-text").evaluate(SHOWN_TEXT_JS) == (
        "Bạn đã chọn thủ tục hdv-noi-dia. Tra cứu thêm tại https://dichvucong.gov.vn.")
    link = answer.locator("a")
    expect(link).to_have_attribute("href", "https://dichvucong.gov.vn/")
    expect(link).to_have_attribute("target", "_blank")
    assert set(link.get_attribute("rel").split()) >= {"noopener", "noreferrer"}
    assert link.evaluate("a => a.firstChild.textContent") == "https://dichvucong.gov.vn"  # trailing dot left out
    pdf = page.locator(".vw-file")
    expect(pdf).to_have_attribute("href", "http://127.0.0.1:9/files/abc/don.pdf")
    expect(pdf).to_have_attribute("download", "don-de-nghi.pdf")
    expect(pdf).to_contain_text("don-de-nghi.pdf")

    before = page.locator(".vw-msg").all_inner_texts()
    page.reload()
    expect(page.locator(".vw-panel")).to_be_visible()  # it was open: it stays open
    assert focused(page) == "body"  # ... without stealing the focus from the page
    assert page.locator(".vw-msg").all_inner_texts() == before
    ask(page, "cảm ơn")
    expect(page.locator(".vw-bot .vw-text").last).to_have_text("Trợ lý đã nhận: cảm ơn")
    assert sent(rasa) == {"sender": sender, "message": "cảm ơn"}  # same conversation


def test_typing_indicator_while_waiting(page, site):
    open_widget(page, site)
    ask(page, "chậm")
    typing = page.locator(".vw-typing")
    expect(typing).to_be_visible()
    expect(typing).to_have_text("Trợ lý đang trả lời…")
    expect(typing).to_have_attribute("role", "status")
    ask(page, "câu thứ hai")  # one question at a time: the second waits in the input box
    expect(page.locator(".vw-note")).to_have_text("Vui lòng đợi trợ lý trả lời câu trước.")
    expect(page.locator(".vw-bot .vw-text").last).to_have_text("Xin lỗi đã để bạn chờ.")
    expect(typing).to_be_hidden()
    expect(page.locator("#vw-input")).to_have_value("câu thứ hai")
    expect(page.locator(".vw-note")).to_be_hidden()


def test_an_empty_answer_gets_a_polite_line(page, site):
    # Rasa answers [] when its action server is down; the gateway turns that into its
    # "tạm gián đoạn" line with the hotline (bot/gateway/core.py), which the widget shows.
    from bot.gateway.texts import load_texts

    open_widget(page, site)
    ask(page, "im lặng")
    expect(page.locator(".vw-bot .vw-text").last).to_have_text(load_texts().unavailable)


# ---------------------------------------------------------------- safety


def test_bot_text_is_never_run_as_html(browser, site, rasa):
    # CSP is bypassed so that an injected handler WOULD run: the demo page's CSP must not be
    # what protects citizens, the widget must.
    ctx = browser.new_context(bypass_csp=True)
    try:
        page = ctx.new_page()
        open_widget(page, site)
        page.evaluate("""() => { const i = document.createElement('img'); i.src = 'x';
                               i.setAttribute('onerror', 'window.__control = 1'); document.body.appendChild(i); }""")
        page.wait_for_function("window.__control === 1")  # the probe can see script execution
        ask(page, "xss")
        expect(page.locator(".vw-bot")).to_have_count(3)
        texts = bot_texts(page)
        assert XSS_TEXT in texts
        assert any('<a href="javascript:window.__xss=5">bấm</a>' in t for t in texts)
        choice = page.locator(".vw-choice")
        expect(choice).to_have_text('<b onmouseover="window.__xss=3">in đậm</b>')
        choice.hover()
        page.wait_for_timeout(300)
        assert page.evaluate("typeof window.__xss") == "undefined"
        root = f"document.getElementById('{HOST_ID}').shadowRoot"
        assert page.evaluate(f"{root}.querySelectorAll('.vw-log img, .vw-log script, .vw-log b').length") == 0
        # javascript: URLs become neither links, nor file links, nor images.
        assert page.evaluate(f"[...{root}.querySelectorAll('.vw-log a')].map(a => a.href)") == []
    finally:
        ctx.close()


# ---------------------------------------------------------------- Vietnamese input methods


def test_enter_during_ime_composition_does_not_send(page, site, rasa):
    """Telex 'phis' -> 'phí': Chromium's real composition events via the DevTools IME API."""
    open_widget(page, site)
    cdp = page.context.new_cdp_session(page)
    page.keyboard.type("hỏi ")
    for partial in ("p", "ph", "phi", "phí"):  # what Telex shows while the syllable is composed
        cdp.send("Input.imeSetComposition", {"text": partial, "selectionStart": len(partial),
                                             "selectionEnd": len(partial)})
    page.keyboard.press("Enter")  # keydown with isComposing: confirms the syllable, sends nothing
    page.wait_for_timeout(300)
    assert rasa.received == []
    expect(page.locator(".vw-user")).to_have_count(0)

    cdp.send("Input.insertText", {"text": "phí"})  # the input method commits: compositionend
    page.keyboard.press("Enter")
    expect(page.locator(".vw-user .vw-text")).to_have_text(["hỏi phí"])
    expect(page.locator(".vw-bot .vw-text").last).to_have_text("Trợ lý đã nhận: hỏi phí")
    assert [r["message"] for r in rasa.received] == ["hỏi phí"]


def test_composition_flag_and_safari_keycode_229_block_enter(page, site, rasa):
    """Browsers differ in the order of compositionend and keydown: the widget guards both."""
    open_widget(page, site)
    box = page.locator("#vw-input")
    box.fill("thẻ hướng dẫn viên")
    enter = "(e, init) => e.dispatchEvent(new KeyboardEvent('keydown', Object.assign({key: 'Enter', bubbles: true, cancelable: true}, init)))"
    box.dispatch_event("compositionstart", {"data": ""})
    box.evaluate(enter, {"isComposing": False})  # between compositionstart and compositionend
    box.evaluate(enter, {"isComposing": True})
    box.dispatch_event("compositionend", {"data": "viên"})
    box.evaluate(enter, {"keyCode": 229})  # Safari: compositionend first, then keydown 229
    page.wait_for_timeout(300)
    assert rasa.received == []
    box.press("Enter")
    expect(page.locator(".vw-user .vw-text")).to_have_text(["thẻ hướng dẫn viên"])
    expect(page.locator(".vw-bot .vw-text").last).to_have_text("Trợ lý đã nhận: thẻ hướng dẫn viên")
    assert [r["message"] for r in rasa.received] == ["thẻ hướng dẫn viên"]


def test_send_button_pressed_mid_composition_sends_the_whole_word_once(page, site, rasa):
    open_widget(page, site)
    cdp = page.context.new_cdp_session(page)
    page.keyboard.type("lệ ")
    cdp.send("Input.imeSetComposition", {"text": "phí", "selectionStart": 3, "selectionEnd": 3})
    page.locator(".vw-send").click()
    expect(page.locator(".vw-user .vw-text")).to_have_text(["lệ phí"])
    expect(page.locator(".vw-bot .vw-text").last).to_have_text("Trợ lý đã nhận: lệ phí")
    assert [r["message"] for r in rasa.received] == ["lệ phí"]


# ---------------------------------------------------------------- input rules


def test_blank_long_and_multiline_input(page, site, rasa):
    open_widget(page, site)
    box = page.locator("#vw-input")
    box.fill("   \n  ")
    page.keyboard.press("Enter")
    page.locator(".vw-send").click()
    page.wait_for_timeout(200)
    assert rasa.received == []
    expect(page.locator(".vw-user")).to_have_count(0)

    box.fill("dòng một")
    box.press("Shift+Enter")  # a new line, not a send
    page.keyboard.type("dòng hai")
    expect(box).to_have_value("dòng một\ndòng hai")
    assert rasa.received == []

    box.fill("a" * 6000)  # maxlength keeps 5000; the counter and a note say so
    expect(box).to_have_value("a" * 5000)
    expect(page.locator(".vw-counter")).to_have_text("5000/5000 ký tự")
    expect(page.locator(".vw-note")).to_have_text("Câu hỏi tối đa 5000 ký tự. Bạn vui lòng rút gọn.")
    box.fill("a" * 100)
    expect(page.locator(".vw-counter")).to_be_hidden()
    page.keyboard.press("Enter")
    expect(page.locator(".vw-bot .vw-text").last).to_contain_text("Trợ lý đã nhận: aaa")


# ---------------------------------------------------------------- connection trouble


def test_server_down_shows_offline_message_then_reconnects(browser, rasa):
    rasa.received.clear()
    server = gateway(rasa.url)
    url = server.url
    port = int(url.rsplit(":", 1)[1])
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        open_widget(page, url)
        server.stop()
        ask(page, "phí karaoke")
        alert = page.locator(".vw-alert")
        expect(alert).to_be_visible()
        expect(alert).to_have_attribute("role", "alert")
        expect(alert.locator(".vw-alert-text")).to_contain_text("Mất kết nối tới trợ lý")
        expect(page.locator(".vw-user.vw-unsent .vw-badge")).to_have_text("Chưa gửi")
        page.locator(".vw-resend").click()  # still down: still the same clear message
        expect(alert).to_be_visible()

        server = gateway(rasa.url, port=port)  # back up: the widget retries by itself
        expect(page.locator(".vw-bot .vw-text").last).to_have_text("Trợ lý đã nhận: phí karaoke", timeout=15_000)
        expect(alert).to_be_hidden()
        expect(page.locator(".vw-unsent")).to_have_count(0)
        assert [r["message"] for r in rasa.received] == ["phí karaoke"]
    finally:
        ctx.close()
        server.stop()


def test_browser_offline_queues_the_question_until_online(page, context, site, rasa):
    open_widget(page, site)
    context.set_offline(True)
    alert = page.locator(".vw-alert")
    expect(alert.locator(".vw-alert-text")).to_have_text("Mất kết nối mạng. Câu hỏi chưa gửi sẽ được gửi lại khi có mạng.")
    ask(page, "giờ làm việc")
    expect(page.locator(".vw-user.vw-unsent")).to_have_count(1)
    page.wait_for_timeout(300)
    assert rasa.received == []
    context.set_offline(False)  # the 'online' event resends
    expect(page.locator(".vw-bot .vw-text").last).to_have_text("Trợ lý đã nhận: giờ làm việc")
    expect(alert).to_be_hidden()
    assert [r["message"] for r in rasa.received] == ["giờ làm việc"]


def test_cross_origin_embed_with_rate_limit_and_bad_request(browser, site):
    """A department site on another origin embeds widget.js from our server and talks to a
    gateway-like server (CORS) that answers 429, then 200, then 400."""
    host = start(HostSite(""))
    rate_message = "Bạn đã gửi quá nhiều tin nhắn. Vui lòng thử lại sau 1 phút."
    api = start(ContractServer(host.url, [
        (429, [{"text": rate_message}]),  # the gateway's 429 body
        (200, [{"text": "Đã trả lời sau khi chờ."}]),
        (400, {"error": "bad request"}),
    ]))
    host.html = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Trang của Sở</title>
<style>* {{ font-family: serif !important; color: green !important; }} button {{ background: yellow !important; }}</style>
</head><body><h1>Cổng thông tin</h1>
<script src="{site}/widget.js" data-server="{api.url}" data-title="Hỏi đáp Sở VHTTDL" data-color="#ffd54a" defer></script>
</body></html>"""
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        open_widget(page, host.url)
        expect(page.locator(".vw-title")).to_have_text("Hỏi đáp Sở VHTTDL")
        # The host page's aggressive CSS does not reach into the widget.
        assert page.locator(".vw-send").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 213, 74)"
        # A light accent colour gets black text (contrast >= 4.5:1).
        assert page.locator(".vw-send").evaluate("e => getComputedStyle(e).color") == "rgb(0, 0, 0)"

        ask(page, "phí karaoke")
        alert = page.locator(".vw-alert")
        expect(alert.locator(".vw-alert-text")).to_have_text(rate_message)
        page.locator(".vw-resend").click()
        expect(page.locator(".vw-bot .vw-text").last).to_have_text("Đã trả lời sau khi chờ.")
        expect(alert).to_be_hidden()

        ask(page, "câu lỗi")
        expect(page.locator(".vw-note")).to_have_text(
            "Không gửi được câu hỏi này (có thể quá dài hoặc không hợp lệ). Bạn vui lòng sửa lại rồi gửi.")
        expect(page.locator("#vw-input")).to_have_value("câu lỗi")  # given back to edit
        expect(page.locator(".vw-resend")).to_be_hidden()

        posts = [r for r in api.requests if r[0] == "POST"]
        assert [p[1]["message"] for p in posts] == ["phí karaoke", "phí karaoke", "câu lỗi"]
        assert {r[2] for r in api.requests} == {host.url}
        assert any(r[0] == "OPTIONS" for r in api.requests)  # a real CORS preflight happened
        audit = page.evaluate(A11Y_JS, HOST_ID)
        assert audit["problems"] == []
    finally:
        ctx.close()
        stop(api)
        stop(host)


# ---------------------------------------------------------------- accessibility and layout


def test_escape_closes_and_focus_returns_to_the_launcher(page, site):
    page.goto(site + "/")
    page.locator(".vw-launcher").focus()
    page.keyboard.press("Space")
    expect(page.locator(".vw-panel")).to_be_visible()
    assert focused(page) == "vw-input"
    page.keyboard.press("Escape")
    expect(page.locator(".vw-panel")).to_be_hidden()
    assert focused(page) == "vw-launcher"
    expect(page.locator(".vw-launcher")).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")  # and it opens again from there
    expect(page.locator(".vw-panel")).to_be_visible()
    page.locator(".vw-icon-btn[aria-label='Đóng cửa sổ trò chuyện']").click()
    assert focused(page) == "vw-launcher"


def test_accessibility_basics_and_tab_order(page, site):
    open_widget(page, site)
    ask(page, "phí thẻ hdv")
    expect(page.locator(".vw-choice")).to_have_count(2)
    log = page.locator("[role=log]")
    expect(log).to_have_attribute("aria-live", "polite")
    dialog = page.get_by_role("dialog", name="Trợ lý thủ tục hành chính")
    expect(dialog).to_be_visible()
    expect(page.get_by_role("textbox", name="Câu hỏi của bạn")).to_be_visible()
    expect(page.get_by_role("button", name="Gửi câu hỏi")).to_be_visible()
    audit = page.evaluate(A11Y_JS, HOST_ID)
    assert audit["problems"] == [] and audit["checked"] >= 12

    page.locator(".vw-icon-btn").first.focus()
    order = [focused(page)]
    for _ in range(6):
        page.keyboard.press("Tab")
        order.append(focused(page))
    assert order == ["vw-icon-btn", "vw-icon-btn", "vw-log", "vw-choice", "vw-choice", "vw-input", "vw-send"]
    # Focus is visible when it comes from the keyboard.
    page.keyboard.press("Shift+Tab")
    width = page.evaluate(f"getComputedStyle(document.getElementById('{HOST_ID}').shadowRoot.activeElement).outlineWidth")
    assert float(width.rstrip("px")) >= 2


def test_small_screens_get_a_full_screen_panel(browser, site):
    ctx = browser.new_context(viewport={"width": 390, "height": 760}, is_mobile=True, has_touch=True)
    try:
        page = ctx.new_page()
        open_widget(page, site)
        box = page.locator(".vw-panel").bounding_box()
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 760)
        assert page.locator("#vw-input").evaluate("e => getComputedStyle(e).fontSize") == "16px"  # no iOS zoom
    finally:
        ctx.close()


def test_history_is_capped_and_a_broken_store_is_survived(page, context, site):
    key = f"vhttdl-widget:{site}/api/chat"
    items = [{"who": "user" if i % 2 else "bot", "text": f"tin {i}", "id": i + 1} for i in range(150)]
    state = {"v": 1, "sender": "web-0123456789abcdef", "open": True, "seq": 150, "items": items, "pending": None}
    context.add_init_script(  # seeds once: init scripts run again on every reload
        f"if (!sessionStorage.getItem('seeded')) {{ sessionStorage.setItem('seeded', '1');"
        f" sessionStorage.setItem({json.dumps(key)}, {json.dumps(json.dumps(state))}); }}")
    page.goto(site + "/")
    expect(page.locator(".vw-panel")).to_be_visible()
    expect(page.locator(".vw-msg")).to_have_count(80)
    expect(page.locator(".vw-msg").last).to_contain_text("tin 149")
    ask(page, "thêm")
    expect(page.locator(".vw-bot .vw-text").last).to_have_text("Trợ lý đã nhận: thêm")
    stored = json.loads(page.evaluate(f"sessionStorage.getItem({json.dumps(key)})"))
    assert len(stored["items"]) == 80 and stored["items"][-1]["text"] == "Trợ lý đã nhận: thêm"
    expect(page.locator(".vw-msg")).to_have_count(80)

    page.evaluate(f"sessionStorage.setItem({json.dumps(key)}, '{{not json')")
    page.reload()
    expect(page.locator(".vw-launcher")).to_be_visible()
    page.locator(".vw-launcher").click()
    expect(page.locator(".vw-msg")).to_have_count(1)  # a fresh conversation with the welcome line


def test_new_conversation_button_forgets_the_history(page, site, rasa):
    open_widget(page, site)
    ask(page, "xin chào")
    expect(page.locator(".vw-bot .vw-text").last).to_have_text("Trợ lý đã nhận: xin chào")
    first_sender = rasa.received[-1]["sender"]
    page.get_by_role("button", name=re.compile("Bắt đầu cuộc trò chuyện mới")).click()
    expect(page.locator(".vw-msg")).to_have_count(1)
    ask(page, "lại")
    expect(page.locator(".vw-bot .vw-text").last).to_have_text("Trợ lý đã nhận: lại")
    assert rasa.received[-1]["sender"] != first_sender
