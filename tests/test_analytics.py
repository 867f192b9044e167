"""Recording of turns and ratings, masking, the review queue and the scorecard's figures on a
seeded data set with known expected numbers (bot/analytics)."""
from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa

from bot.analytics import db, recorder, review, scorecard
from bot.analytics.masking import mask
from tests.staff_fixtures import seed_base, turn


# The same tests on PostgreSQL (the `postgres_url` fixture of tests/conftest.py); the tables are
# dropped after each test.
@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'console.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    monkeypatch.setenv("CONSOLE_DB_URL", url)
    monkeypatch.setenv("CONSOLE_RECORDING", "on")
    eng = db.engine(url)
    yield eng
    if request.param == "postgresql":
        db.metadata.drop_all(eng)
    db.dispose(url)


def query(engine, statement):
    """Run one SELECT and return its result, fully read, on a connection that is closed."""
    with engine.connect() as conn:
        return conn.execute(statement).all()


@pytest.mark.parametrize("text, kept", [
    ("CCCD của tôi 001099012345 nhé", "CCCD của tôi [CCCD] nhé"),
    ("cccd 0010 9901 2345", "cccd [CCCD]"),
    ("gọi 0912 345 678 hoặc +84 912.345.678", "gọi [SĐT] hoặc [SĐT]"),
    ("mail a.b+c@so-vhttdl.gov.vn", "mail [email]"),
    ("hồ sơ 000.00.15.H30-210524-0001 đâu", "hồ sơ [mã hồ sơ] đâu"),
    ("CMND 123456789", "CMND [CMND]"),
    ("sinh ngày 12/03/1990", "sinh ngày [ngày]"),
    ("tài khoản 1234567", "tài khoản [số]"),
    ("phí karaoke 2 phòng bao nhiêu", "phí karaoke 2 phòng bao nhiêu"),
    # as people really type them
    ("cccd: 0010 9901 2345", "cccd: [CCCD]"),
    ("sđt +84912345678 hoặc 0912.345.678", "sđt [SĐT] hoặc [SĐT]"),
    ("sđt 0912  345  678", "sđt [SĐT]"),
    ("sđt 0912 - 345 - 678", "sđt [SĐT]"),
    ("(+84) 912 345 678", "[SĐT]"),
    ("stk 1903 5678 9012 34 nhé", "stk [số] nhé"),  # a whole number, never a "CCCD" and a rest
    ("sinh ngày 12 tháng 3 năm 1990", "sinh ngày [ngày]"),
    ("sinh ngay 12 thang 3 nam 1990", "sinh ngay [ngày]"),
    ("mã 000.00.15.H30-210524-0001, email nguyễn.văn@gmail.com", "mã [mã hồ sơ], email [email]"),
    ("abc\x01def\x00", "abc def"),  # control characters (an XLSX export refuses them)
    ("từ 8 - 10 ngày, số 10 - 12 phố Hàng Bài", "từ 8 - 10 ngày, số 10 - 12 phố Hàng Bài"),
])
def test_masking_removes_personal_data_and_keeps_the_question(text, kept):
    assert mask(text) == kept


def test_masking_stays_quick_on_hostile_input():
    for text in ["1." * 2500, "0  " * 1700, ("0" + " " * 3) * 1200, "a" * 5000 + "@", "-1" * 2500]:
        started = time.perf_counter()
        mask(text)
        assert time.perf_counter() - started < 0.5


def test_a_turn_records_what_was_understood_without_the_text(engine):
    turn(engine, "web-a", 1, time.time() - 0.25, outcome="answered", procedure="karaoke",
         text="phí karaoke, sđt 0912345678")
    (row,) = query(engine, sa.select(db.turns))
    assert (row.intent, row.procedure, row.outcome, row.channel) == ("ask_fee", "karaoke", "answered", "web")
    assert row.text is None  # answered: no text kept
    assert 200 <= row.latency_ms < 5000
    assert row.conversation != "web-a" and len(row.conversation) == 32


def test_an_unanswered_turn_keeps_its_text_masked(engine):
    turn(engine, "web-a", 1, time.time(), outcome="fallback", text="tôi CCCD 001099012345 hỏi cái này")
    assert query(engine, sa.select(db.turns.c.text)) == [("tôi CCCD [CCCD] hỏi cái này",)]


def test_later_actions_of_one_turn_complete_the_record(engine):
    now = time.time()
    turn(engine, "web-a", 1, now, intent="request_form", outcome="other")
    turn(engine, "web-a", 1, now, intent="request_form", outcome="other", procedure="karaoke", event="form_delivered")
    rows = query(engine, sa.select(db.turns))
    assert len(rows) == 1 and rows[0].event == "form_delivered" and rows[0].procedure == "karaoke"


def test_recording_off_records_nothing(engine, monkeypatch):
    monkeypatch.setenv("CONSOLE_RECORDING", "off")
    turn(engine, "web-a", 1, time.time(), outcome="answered")
    recorder.record_satisfaction("web-a", "web", 5, engine=engine)
    assert query(engine, sa.select(sa.func.count()).select_from(db.turns)) == [(0,)]


def test_recording_failure_never_raises(monkeypatch):
    monkeypatch.setenv("CONSOLE_RECORDING", "on")
    broken = sa.create_engine("sqlite:////nonexistent-dir/x.db")
    recorder.record_turn("web-a", "m", channel="web", intent="x", outcome="answered", engine=broken)
    recorder.record_helpful("web-a", "web", "karaoke", False, "q", engine=broken)


def test_thumbs_down_keeps_the_question_for_review_and_comment_is_masked(engine):
    turn(engine, "web-a", 1, time.time() - 5, outcome="answered", procedure="karaoke")
    recorder.record_helpful("web-a", "web", "karaoke", False, question="phí karaoke? sđt 0912345678", engine=engine)
    recorder.record_satisfaction("web-a", "web", 2, "thanks", engine=engine)
    assert recorder.record_comment("web-a", "chậm quá, gọi 0912345678", engine=engine)
    with engine.connect() as conn:
        t = conn.execute(sa.select(db.turns)).one()
        assert t.helpful is False and t.text == "phí karaoke? sđt [SĐT]"
        comment = conn.execute(sa.select(db.feedback.c.comment).where(db.feedback.c.kind == "satisfaction")).scalar()
        assert comment == "chậm quá, gọi [SĐT]"
    groups = review.pending(engine)
    assert [g.reasons for g in groups] == [["thumbs_down"]]


def test_thumbs_down_keeps_the_question_only_when_it_got_the_answer_rated(engine):
    turn(engine, "web-a", 1, time.time() - 9, outcome="answered", procedure="karaoke")
    turn(engine, "web-a", 2, time.time() - 5, outcome="answered", procedure="hdv-noi-dia")
    # 👎 on the older karaoke answer; the last typed question (web-a-2) was about something else
    recorder.record_helpful("web-a", "web", "karaoke", False, question="thẻ hướng dẫn viên nội địa",
                            question_id="web-a-2", engine=engine)
    recorder.record_helpful("web-a", "web", "hdv-noi-dia", False, question="thẻ hướng dẫn viên nội địa",
                            question_id="web-a-2", engine=engine)
    rows = dict(query(engine, sa.select(db.turns.c.message_id, db.turns.c.text)))
    assert rows == {"web-a-1": None, "web-a-2": "thẻ hướng dẫn viên nội địa"}


def test_texts_are_purged_with_the_retention_figures_stay(engine):
    turn(engine, "web-a", 1, time.time() - 30 * 3600, outcome="fallback", text="cũ")
    turn(engine, "web-a", 2, time.time(), outcome="fallback", text="mới")
    assert recorder.purge_texts(24, engine=engine) == 1
    with engine.connect() as conn:
        assert sorted(filter(None, conn.execute(sa.select(db.turns.c.text)).scalars())) == ["mới"]
        assert conn.execute(sa.select(sa.func.count()).select_from(db.turns)).scalar() == 2


def test_review_groups_similar_wordings_and_marks(engine):
    now = time.time()
    for n, text in enumerate(["phí karaoke bao nhiêu", "phi karaoke bao nhieu", "Phí karaoke bao nhiêu?",
                              "làm sao để đăng ký kết hôn"]):
        turn(engine, f"web-{n}", n, now + n, outcome="fallback", text=text)
    groups = review.pending(engine)
    assert [g.count for g in groups] == [3, 1]
    assert review.mark(groups[0].turn_ids, "ignored", "canbo1", engine=engine) == 3
    assert [g.count for g in review.pending(engine)] == [1]
    with pytest.raises(ValueError):
        review.mark([1], "delete", "canbo1", engine=engine)


def test_scorecard_figures_on_a_seeded_data_set(engine, catalog):
    seed_base(engine)
    card = scorecard.compute(dt.date(2026, 11, 3), dt.date(2026, 11, 4), engine, catalog)
    assert (card.conversations, card.turns, card.questions) == (3, 10, 7)
    assert (card.answered, card.ambiguous, card.fallback, card.out_of_scope, card.other) == (4, 1, 1, 1, 3)
    assert card.answered_share == pytest.approx(4 / 7)
    assert card.fallback_share == pytest.approx(1 / 7) and card.out_of_scope_share == pytest.approx(1 / 7)
    assert (card.ratings, card.satisfied) == (3, 2)
    assert card.satisfaction_share == pytest.approx(2 / 3) and card.satisfaction_mean == pytest.approx(11 / 3)
    assert card.scores == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert [(p.procedure, p.count) for p in card.top_procedures] == [("karaoke", 2), ("hdv-noi-dia", 1)]
    assert card.top_procedures[0].name == catalog.get("karaoke").short_name
    assert {(h.procedure, h.up, h.down) for h in card.helpful} == {("karaoke", 1, 0), ("hdv-noi-dia", 0, 1)}
    assert sorted((u.text, u.count) for u in card.top_unanswered) == [("abc xyz", 1), ("đăng ký kết hôn", 1)]
    assert [(c.channel, c.conversations, c.turns, c.answered, c.ratings) for c in card.channels] == [
        ("telegram", 1, 4, 1, 1), ("web", 2, 6, 3, 2)]
    assert [(d.day.day, d.turns, d.answered, d.fallback) for d in card.daily] == [(3, 8, 4, 1), (4, 2, 0, 0)]
    assert (card.forms_delivered, card.lookups_ok, card.lookups_failed_check, card.lookups_locked) == (1, 1, 1, 0)

    only_day2 = scorecard.compute(dt.date(2026, 11, 4), dt.date(2026, 11, 4), engine, catalog)
    assert (only_day2.conversations, only_day2.turns, only_day2.ratings) == (1, 2, 1)
    summary = dict((row[0], row[1]) for row in scorecard.sections(card)[0][2])
    assert summary["Trả lời được (%)"] == 57.1 and summary["Chỉ số hài lòng: tỷ lệ đánh giá 4–5 (%)"] == 66.7


def test_an_empty_period_has_no_division_by_zero(engine):
    card = scorecard.compute(dt.date(2020, 1, 1), dt.date(2020, 1, 31), engine, catalog=[])
    assert card.turns == 0 and card.answered_share == 0 and card.satisfaction_share is None
    assert all(len(s) == 3 for s in scorecard.sections(card))
