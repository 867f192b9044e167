"""The gateway's own citizen-facing sentences (data/channels.yml), with the department's
name and hotline filled in from data/department.yml."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import paths
from bot.department import load_department

CHANNELS_TEXTS = paths.DATA / "channels.yml"


@dataclass(frozen=True)
class Texts:
    unavailable: str
    rate_limited: str
    unsupported_message: str
    choose: str
    file_link: str
    file_button: str
    button_expired: str
    telegram_start: str
    telegram_help: str


def load_texts(path: Path | None = None) -> Texts:
    """Read data/channels.yml; raises KeyError naming a missing sentence."""
    raw = yaml.safe_load((path or CHANNELS_TEXTS).read_text(encoding="utf-8")) or {}
    department = load_department()
    fill = {"department": department.name, "hotline": department.hotline}
    telegram = raw.get("telegram") or {}

    def text(value: str) -> str:
        return str(value).strip().format(**fill)

    return Texts(
        unavailable=text(raw["unavailable"]),
        rate_limited=text(raw["rate_limited"]),
        unsupported_message=text(raw["unsupported_message"]),
        choose=text(raw["choose"]),
        file_link=str(raw["file_link"]),
        file_button=str(raw["file_button"]),
        button_expired=text(raw["button_expired"]),
        telegram_start=text(telegram["start"]),
        telegram_help=text(telegram["help"]),
    )
