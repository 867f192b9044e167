"""Take docs/widget.png: the demo page with the widget open after a short Vietnamese exchange.

Same set-up as the browser tests (real channel gateway, Debian's Chromium through Playwright),
but the Rasa stand-in answers with the project's real dialogue logic and catalog, so the
screenshot shows true answers. The intent is chosen by a simple rule (no NLU model needed).

Usage: .venv/bin/python scripts/widget_screenshot.py [output.png]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from bot.dialogue import Turn  # noqa: E402
from bot.service import dialogue  # noqa: E402
from tests.widget.harness import StandInRasa, gateway, launch_chromium, start, stop  # noqa: E402

QUESTION = "phí thẻ hướng dẫn viên quốc tế bao nhiêu?"


def real_replies(message: str) -> list[dict]:
    """Answer a fee question or a button payload ('/ask_fee{"procedure": ...}') from the catalog."""
    if message.startswith("/"):
        intent, _, entities = message[1:].partition("{")
        procedure = json.loads("{" + entities)["procedure"] if entities else None
        turn = Turn(intent=intent, text="", entity_procedure=procedure)
    else:
        turn = Turn(intent="ask_fee", text=message)
    return [reply.as_message() for reply in dialogue().respond(turn).replies]


def main(out: Path) -> None:
    rasa = start(StandInRasa(real_replies))
    web = gateway(rasa.url)
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="vi-VN")
            page.goto(web.url + "/")
            page.locator(".vw-launcher").click()
            page.locator("#vw-input").fill(QUESTION)
            page.keyboard.press("Enter")
            expect(page.locator(".vw-choice").first).to_be_visible()  # the answer, with its choices
            page.locator("#vw-input").fill("Cần nộp những giấy tờ gì?")  # the next question being typed
            page.locator("#vw-input").blur()
            page.screenshot(path=str(out))
            browser.close()
    finally:
        web.stop()
        stop(rasa)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "widget.png")
