"""What the action server records about each turn, and citizens' ratings.

    record_turn("web-abc", "mid-1", channel="web", intent="ask_fee", outcome="answered",
                procedure="the-hdv-noi-dia", started=ts_of_the_message)

A turn is one citizen message; several actions may run for it (a form starts, then asks), so
the record is keyed by Rasa's message id and later actions only add to it. By default no
message text is kept: only for turns the assistant could not answer and answers rated 👎, and
then masked (bot.analytics.masking), until the retention purge (`python -m bot privacy purge`).

Recording never costs the citizen an answer: every failure is logged (without text) and ignored.
`CONSOLE_RECORDING=off` turns it off (the benchmark's baseline).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import time

import sqlalchemy as sa

from bot.analytics import db
from bot.analytics.masking import mask

log = logging.getLogger(__name__)

OUTCOMES = ("answered", "ambiguous", "fallback", "out_of_scope", "other")
UNANSWERED = ("fallback", "out_of_scope")  # their texts are kept (masked) for the review queue
EVENTS = ("form_delivered", "lookup_ok", "lookup_failed_check", "lookup_locked")
VIETNAM = dt.timezone(dt.timedelta(hours=7))


def enabled() -> bool:
    return os.environ.get("CONSOLE_RECORDING", "on").strip().lower() not in {"off", "0", "false", "no"}


def local_day(ts: float) -> str:
    """The calendar day in Vietnam of an epoch time: figures are reported by local day."""
    return dt.datetime.fromtimestamp(ts, VIETNAM).date().isoformat()


def record_turn(sender_id: str, message_id: str, *, channel: str, intent: str, outcome: str,
                procedure: str | None = None, event: str | None = None, started: float | None = None,
                text: str | None = None, engine: sa.engine.Engine | None = None) -> None:
    """Record (or complete) the turn of message `message_id`. `started`: when the citizen's
    message arrived (epoch), for the latency. `text`: the citizen's message, kept masked only
    when the outcome is unanswered."""
    if not enabled():
        return
    try:
        _record_turn(sender_id, message_id, channel, intent, outcome, procedure, event, started, text, engine)
    except Exception:  # noqa: BLE001 - the citizen's answer matters more than the figures
        log.exception("could not record a turn (outcome %s)", outcome)


def _record_turn(sender_id, message_id, channel, intent, outcome, procedure, event, started, text, engine) -> None:
    now = time.time()
    outcome = outcome if outcome in OUTCOMES else "other"
    latency = int((now - started) * 1000) if started and 0 <= now - started < 3600 else None
    kept = mask(text) if text and outcome in UNANSWERED else None
    eng = engine or db.engine()
    t = db.turns
    with eng.begin() as conn:
        row = conn.execute(sa.select(t.c.id, t.c.outcome, t.c.procedure, t.c.latency_ms, t.c.text)
                           .where(t.c.message_id == message_id)).first()
        if row is None:
            conn.execute(t.insert().values(
                message_id=message_id, conversation=db.conversation_id(sender_id), ts=started or now,
                day=local_day(started or now), channel=channel or "rest", intent=intent or "", procedure=procedure,
                outcome=outcome, event=event, latency_ms=latency, text=kept))
            return
        # A later action of the same turn: it may say more (the form was delivered), never less.
        changes: dict = {}
        if row.outcome == "other" and outcome != "other":
            changes["outcome"] = outcome
        if procedure and not row.procedure:
            changes["procedure"] = procedure
        if event:
            changes["event"] = event
        if latency is not None and (row.latency_ms is None or latency > row.latency_ms):
            changes["latency_ms"] = latency
        if kept and not row.text:
            changes["text"] = kept
        if changes:
            conn.execute(t.update().where(t.c.id == row.id).values(**changes))


def record_helpful(sender_id: str, channel: str, procedure: str | None, helpful: bool,
                   question: str | None = None, engine: sa.engine.Engine | None = None,
                   question_id: str | None = None) -> None:
    """A 👍/👎 on the last answer about `procedure`. On 👎 the question that got that answer is
    kept, masked, for the review queue. `question_id`: the message id of `question`; when given,
    the text is kept only if that message is the answer rated (the citizen may have asked about
    something else since the buttons were shown)."""
    if not enabled():
        return
    try:
        eng = engine or db.engine()
        conversation = db.conversation_id(sender_id)
        now = time.time()
        t = db.turns
        with eng.begin() as conn:
            conn.execute(db.feedback.insert().values(
                conversation=conversation, ts=now, day=local_day(now), channel=channel or "rest",
                kind="helpful", value=1 if helpful else 0, procedure=procedure))
            answered = (sa.select(t.c.id, t.c.message_id).where(t.c.conversation == conversation,
                                                                t.c.outcome == "answered")
                        .order_by(t.c.ts.desc(), t.c.id.desc()).limit(1))
            if procedure:
                answered = answered.where(t.c.procedure == procedure)
            row = conn.execute(answered).first()
            if row is not None:
                values: dict = {"helpful": helpful}
                if not helpful and question and (question_id is None or question_id == row.message_id):
                    values["text"] = mask(question)
                conn.execute(t.update().where(t.c.id == row.id).values(**values))
    except Exception:  # noqa: BLE001
        log.exception("could not record a helpful rating")


def record_satisfaction(sender_id: str, channel: str, score: int, trigger: str | None = None,
                        engine: sa.engine.Engine | None = None) -> None:
    """A 1-5 satisfaction rating at the end of a conversation."""
    if not enabled():
        return
    try:
        now = time.time()
        with (engine or db.engine()).begin() as conn:
            conn.execute(db.feedback.insert().values(
                conversation=db.conversation_id(sender_id), ts=now, day=local_day(now), channel=channel or "rest",
                kind="satisfaction", value=max(1, min(5, int(score))), trigger=trigger))
    except Exception:  # noqa: BLE001
        log.exception("could not record a satisfaction rating")


def record_comment(sender_id: str, comment: str, engine: sa.engine.Engine | None = None) -> bool:
    """The optional comment after a satisfaction rating, masked, on that conversation's latest
    rating. False when there is no rating to attach it to."""
    if not enabled():
        return False
    try:
        conversation = db.conversation_id(sender_id)
        f = db.feedback
        with (engine or db.engine()).begin() as conn:
            rating = conn.execute(sa.select(f.c.id).where(f.c.conversation == conversation, f.c.kind == "satisfaction")
                                  .order_by(f.c.ts.desc(), f.c.id.desc()).limit(1)).scalar()
            if rating is None:
                return False
            conn.execute(f.update().where(f.c.id == rating).values(comment=mask(comment)))
        return True
    except Exception:  # noqa: BLE001
        log.exception("could not record a comment")
        return False


def purge_texts(hours: float, now: float | None = None, engine: sa.engine.Engine | None = None) -> int:
    """Forget the masked texts and comments older than `hours` (the conversation retention);
    the figures stay. Returns how many texts were removed."""
    cutoff = (now if now is not None else time.time()) - hours * 3600
    with (engine or db.engine()).begin() as conn:
        n = conn.execute(db.turns.update().where(db.turns.c.ts < cutoff, db.turns.c.text.isnot(None))
                         .values(text=None)).rowcount
        n += conn.execute(db.feedback.update().where(db.feedback.c.ts < cutoff, db.feedback.c.comment.isnot(None))
                          .values(comment=None)).rowcount
    return n
