"""The scorecard's charts as PNG, drawn on the server with matplotlib (Agg; no browser script).

    png = render("daily", card)      # also "satisfaction", "procedures"

The object-oriented API is used (no pyplot state); rendering is serialised by a lock because
matplotlib's font cache is shared by all threads.
"""
from __future__ import annotations

import io
import threading
from typing import Callable

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402 - after choosing the backend
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from bot.analytics.scorecard import Scorecard  # noqa: E402

GREEN, RED, GREY, BLUE = "#2e7d32", "#c62828", "#b0b7bf", "#0b57a4"
DPI = 100
_lock = threading.Lock()


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _empty(ax, message: str = "Không có số liệu trong kỳ này") -> None:  # noqa: ANN001 - matplotlib Axes
    ax.text(0.5, 0.5, message, ha="center", va="center", color="#57606a", fontsize=12, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _tidy(ax) -> None:  # noqa: ANN001
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(axis="y", color="#e5e8eb")
    ax.set_axisbelow(True)


def daily(card: Scorecard) -> Figure:
    """Turns per day: answered, not answered (not understood or out of scope), other turns."""
    fig = _figure(11.6, 3.2)
    ax = fig.add_subplot()
    if not card.daily:
        _empty(ax)
        return fig
    x = list(range(len(card.daily)))
    answered = [d.answered for d in card.daily]
    unanswered = [d.fallback + d.out_of_scope for d in card.daily]
    other = [max(0, d.turns - d.answered - d.fallback - d.out_of_scope) for d in card.daily]
    ax.bar(x, answered, color=GREEN, label="Trả lời được")
    ax.bar(x, unanswered, bottom=answered, color=RED, label="Chưa trả lời được")
    ax.bar(x, other, bottom=[a + u for a, u in zip(answered, unanswered)], color=GREY,
           label="Khác (chào hỏi, hỏi lại, điền đơn...)")
    step = max(1, -(-len(x) // 15))  # at most 15 day labels
    ax.set_xticks(x[::step])
    ax.set_xticklabels([d.day.strftime("%d/%m") for d in card.daily][::step], fontsize=8)
    ax.set_ylabel("Lượt tin nhắn")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, frameon=False, ncol=3, loc="lower left", bbox_to_anchor=(0, 1.0))
    _tidy(ax)
    fig.tight_layout()
    return fig


def satisfaction(card: Scorecard) -> Figure:
    """How many 1..5 ratings were given."""
    fig = _figure(4.4, 3.4)
    ax = fig.add_subplot()
    if not card.ratings:
        _empty(ax, "Chưa có lượt đánh giá nào")
        return fig
    scores = [1, 2, 3, 4, 5]
    counts = [card.scores.get(s, 0) for s in scores]
    colors = [RED, RED, GREY, GREEN, GREEN]
    bars = ax.bar(scores, counts, color=colors)
    ax.bar_label(bars, fontsize=9)
    ax.set_xticks(scores)
    ax.set_xticklabels([f"{s} ★" for s in scores])
    ax.set_xlabel("Điểm hài lòng")
    ax.set_ylabel("Số lượt")
    ax.yaxis.get_major_locator().set_params(integer=True)
    _tidy(ax)
    fig.tight_layout()
    return fig


def procedures(card: Scorecard, top: int = 10) -> Figure:
    """The most asked-about procedures, largest on top."""
    fig = _figure(6.8, 3.4)
    ax = fig.add_subplot()
    items = card.top_procedures[:top]
    if not items:
        _empty(ax)
        return fig
    names = [(p.name if len(p.name) <= 45 else p.name[:44] + "…") for p in reversed(items)]
    counts = [p.count for p in reversed(items)]
    bars = ax.barh(range(len(items)), counts, color=BLUE)
    ax.bar_label(bars, fontsize=8, padding=2)
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels(names, fontsize=8)
    ax.set_xlabel("Số câu hỏi")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    fig.tight_layout()
    return fig


CHARTS: dict[str, Callable[[Scorecard], Figure]] = {"daily": daily, "satisfaction": satisfaction,
                                                    "procedures": procedures}


def render(name: str, card: Scorecard) -> bytes:
    """The PNG of chart `name` (a key of CHARTS) for `card`."""
    with _lock:
        fig = CHARTS[name](card)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
