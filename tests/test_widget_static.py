"""Static guarantees of the website widget that need no browser (see test_widget_browser.py)."""
import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[1] / "bot" / "web"
JS = (WEB / "widget.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("sink", ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                                  "new Function", "setAttribute(\"style\"", "cssText"])
def test_widget_has_no_html_or_code_sinks(sink):
    # Text from the server is only ever set with textContent/createTextNode; styles go through
    # CSSOM calls that a strict CSP (style-src 'self') allows.
    assert sink not in JS


def test_widget_stays_small_and_framework_free():
    assert len(JS.encode()) < 40_000 and len((WEB / "widget.css").read_bytes()) < 12_000
    assert not re.search(r"\b(import|require)\s*\(", JS)


def test_links_are_limited_to_http_and_https():
    assert 'u.protocol === "http:" || u.protocol === "https:"' in JS
    assert 'rel: "noopener noreferrer"' in JS


def test_demo_page_embeds_one_script_and_no_inline_code():
    html = (WEB / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
    assert scripts == [""]  # one external script, nothing inline (the server's CSP forbids it)
    assert not re.search(r"\sstyle=|<style|\son\w+=", html)
