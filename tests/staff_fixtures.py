"""Shared set-up of the staff console tests: a console database and a copy of the catalog in a
temporary folder, a seeded data set with hand-counted figures, a gateway, and an HTML form reader
that submits forms the way a browser does."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bot import paths
from bot.analytics import db, recorder

OFFICER, OFFICER_PASSWORD = "canbo1", "mat-khau-can-bo-1"
ADMIN, ADMIN_PASSWORD = "quantri1", "mat-khau-quan-tri-1"
DAY1 = dt.datetime(2026, 11, 3, 9, 0, tzinfo=recorder.VIETNAM).timestamp()
DAY2 = DAY1 + 86400
PERIOD = {"start": "2026-11-03", "end": "2026-11-04"}
CCCD, PHONE = "001099012345", "0912345678"


@dataclass
class Console:
    """Where one test module's console lives."""
    url: str  # the database URL
    engine: sa.engine.Engine
    procedures: Path  # the catalog copy the staff pages edit


def make_console(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Console:
    """A fresh console database and catalog copy under `tmp`, selected through the environment
    (CONSOLE_DB_URL, VHTTDL_PROCEDURES_DIR) like a deployment does. Call db.dispose(url) after."""
    procedures = tmp / "procedures"
    shutil.copytree(paths.PROCEDURES, procedures)
    url = f"sqlite:///{tmp / 'console.db'}"
    monkeypatch.setenv("CONSOLE_DB_URL", url)
    monkeypatch.setenv("VHTTDL_PROCEDURES_DIR", str(procedures))
    monkeypatch.setenv("CONSOLE_RECORDING", "on")
    return Console(url, db.engine(url), procedures)


def turn(engine: sa.engine.Engine, sender: str, n: int, ts: float, **kw: object) -> None:
    kw.setdefault("channel", "web")
    kw.setdefault("intent", "ask_fee")
    recorder.record_turn(sender, f"{sender}-{n}", started=ts, engine=engine, **kw)


def seed(engine: sa.engine.Engine) -> None:
    """The data set of tests/test_analytics.py (`seed_base`) plus unanswered questions that
    contained a CCCD and a phone number (masked when recorded).

    Expected: 3 conversations, 12 turns, 9 questions, 4 answered (44.4 %), 3 fallback,
    1 out of scope, 3 ratings (2 satisfied: 66.7 %), karaoke asked twice."""
    seed_base(engine)
    turn(engine, "web-A", 7, DAY2 + 30, intent="nlu_fallback", outcome="fallback",
         text=f"giấy phép quảng cáo rao vặt CCCD {CCCD} gọi {PHONE}")
    turn(engine, "web-A", 8, DAY2 + 40, intent="nlu_fallback", outcome="fallback",
         text=f"giay phep quang cao rao vat, sdt {PHONE[:4]} {PHONE[4:7]} {PHONE[7:]}")


def seed_base(engine: sa.engine.Engine) -> None:
    """Two days, three citizens, two channels; tests/test_analytics.py counts every figure by hand."""
    turn(engine, "web-A", 1, DAY1, intent="greet", outcome="other")
    turn(engine, "web-A", 2, DAY1 + 10, outcome="answered", procedure="karaoke")
    turn(engine, "web-A", 3, DAY1 + 20, outcome="answered", procedure="karaoke")
    turn(engine, "web-A", 4, DAY1 + 30, outcome="answered", procedure="hdv-noi-dia")
    turn(engine, "tg-B", 1, DAY1 + 100, channel="telegram", intent="nlu_fallback", outcome="fallback",
         text="abc xyz")
    turn(engine, "tg-B", 2, DAY1 + 110, channel="telegram", intent="out_of_scope", outcome="out_of_scope",
         text="đăng ký kết hôn")
    turn(engine, "tg-B", 3, DAY1 + 120, channel="telegram", outcome="ambiguous")
    turn(engine, "tg-B", 4, DAY1 + 130, channel="telegram", intent="ask_dossier_status", outcome="answered",
         event="lookup_ok")
    turn(engine, "web-A", 5, DAY2, intent="request_form", outcome="other", procedure="karaoke", event="form_delivered")
    turn(engine, "web-A", 6, DAY2 + 10, intent="inform_last_digits", outcome="other", event="lookup_failed_check")
    with engine.begin() as conn:
        for sender, ts, channel, kind, value, procedure in [
            ("web-A", DAY1 + 40, "web", "helpful", 1, "karaoke"),
            ("web-A", DAY1 + 41, "web", "helpful", 0, "hdv-noi-dia"),
            ("web-A", DAY1 + 50, "web", "satisfaction", 5, None),
            ("tg-B", DAY1 + 140, "telegram", "satisfaction", 4, None),
            ("web-A", DAY2 + 20, "web", "satisfaction", 2, None),
        ]:
            conn.execute(db.feedback.insert().values(conversation=db.conversation_id(sender), ts=ts,
                                                     day=recorder.local_day(ts), channel=channel, kind=kind,
                                                     value=value, procedure=procedure))


# ------------------------------------------------------------------ HTML forms, as a browser sends them


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # successful controls, in order
    buttons: list[str] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        found = [v for n, v in self.fields if n == name]
        return found[-1] if found else None

    def set(self, name: str, value: str) -> None:
        """Replace the value(s) of `name` (the last one for a checkbox pair)."""
        indexes = [i for i, (n, _) in enumerate(self.fields) if n == name]
        if not indexes:
            self.fields.append((name, value))
        else:
            self.fields[indexes[-1]] = (name, value)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind == "submit":
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if "name" in a:
                self.forms[-1].fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = a.get("name"), None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._select_chosen = value
        elif tag == "button":
            self._text = []

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if not self.forms:
            return
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.forms[-1].fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = self._select_chosen if self._select_chosen is not None else self._select_first
            self.forms[-1].fields.append((self._select, chosen or ""))
            self._select = None
        elif tag == "button":
            self.forms[-1].buttons.append(" ".join("".join(self._text).split()))


def forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_with(html: str, button: str) -> Form:
    """The form whose submit button says `button`."""
    found = [f for f in forms(html) if any(button in b for b in f.buttons)]
    assert found, f"no form with a {button!r} button"
    return found[0]


# ------------------------------------------------------------------ logging in over HTTP


def login(base: str, username: str, password: str, http: requests.Session | None = None) -> requests.Session:
    """A requests session logged in to the staff console at `base` (gateway URL)."""
    http = http or requests.Session()
    page = http.get(base + "/staff/login")
    assert page.status_code == 200
    form = form_with(page.text, "Đăng nhập")
    form.set("username", username)
    form.set("password", password)
    r = http.post(base + form.action, data=form.fields, allow_redirects=False)
    assert r.status_code == 302, r.text
    assert "staff_session" in http.cookies
    return http


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def set_cookies(response: requests.Response) -> list[str]:
    """Every Set-Cookie header of a response, unjoined."""
    return response.raw.headers.getlist("Set-Cookie")


def seed_month(engine: sa.engine.Engine, first: dt.date, days: int = 30) -> None:
    """A busier made-up month for the browser test and the docs screenshots (deterministic):
    every day a few citizens on three channels, mostly answered, some ratings and unanswered
    questions (masked when recorded, like real ones)."""
    import random

    rng = random.Random(20261101)
    procedures = ["karaoke", "hdv-noi-dia", "hdv-quoc-te", "lu-hanh-noi-dia", "quang-cao-bang-ron", "vu-truong",
                  "le-hoi-dang-ky", "bieu-dien-thong-bao", "hdv-cap-doi", "the-thao-doanh-nghiep"]
    unanswered = ["thủ tục xin phép bắn pháo hoa đám cưới", "giấy phép mở phòng gym cần gì",
                  "xin phép bắn pháo hoa đám cưới thế nào", "đăng ký kết hôn ở đâu",
                  f"tra hồ sơ giúp tôi, CCCD {CCCD}, sđt {PHONE}", "làm hộ chiếu ở đâu"]
    n = 0
    for d in range(days):
        start = dt.datetime.combine(first + dt.timedelta(days=d), dt.time(8, 0), recorder.VIETNAM).timestamp()
        for c in range(rng.randint(4, 9)):
            sender = f"web-m{d}-{c}"
            channel = rng.choice(["web", "web", "telegram", "zalo"])
            for t in range(rng.randint(1, 4)):
                n += 1
                roll = rng.random()
                ts = start + c * 600 + t * 30
                if roll < 0.68:
                    procedure = procedures[min(int(rng.expovariate(0.45)), len(procedures) - 1)]
                    turn(engine, sender, n, ts, channel=channel, outcome="answered", procedure=procedure)
                    if rng.random() < 0.2:
                        with engine.begin() as conn:
                            conn.execute(db.feedback.insert().values(
                                conversation=db.conversation_id(sender), ts=ts + 5, day=recorder.local_day(ts),
                                channel=channel, kind="helpful", value=int(rng.random() < 0.8), procedure=procedure))
                elif roll < 0.78:
                    turn(engine, sender, n, ts, channel=channel, intent="greet", outcome="other")
                elif roll < 0.84:
                    turn(engine, sender, n, ts, channel=channel, outcome="ambiguous")
                else:
                    turn(engine, sender, n, ts, channel=channel, intent="nlu_fallback",
                         outcome=rng.choice(["fallback", "out_of_scope"]), text=rng.choice(unanswered))
            if rng.random() < 0.45:
                with engine.begin() as conn:
                    conn.execute(db.feedback.insert().values(
                        conversation=db.conversation_id(sender), ts=start + c * 600 + 200,
                        day=recorder.local_day(start), channel=channel, kind="satisfaction",
                        value=rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 5, 7])[0]))
