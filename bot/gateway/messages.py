"""What the assistant says, independent of the channel: text, buttons and files.

Rasa's REST channel returns a JSON list of dicts ({"text"}, {"buttons": [{"title", "payload"}]},
{"attachment": url or {"url", "name"}}, {"image": url}, {"custom": ...}); `parse_rasa` turns it
into `Reply` objects that each channel adapter renders in its own way.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlparse


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class FileLink:
    url: str
    name: str


@dataclass(frozen=True)
class Reply:
    text: str = ""
    buttons: tuple[Button, ...] = ()
    file: FileLink | None = None
    custom: Any = None  # passed through to the web widget only

    def to_web(self) -> dict[str, Any]:
        """The web widget's JSON shape: {"text", "buttons": [{title, payload}], "attachment": {url, name}}."""
        out: dict[str, Any] = {}
        if self.text:
            out["text"] = self.text
        if self.buttons:
            out["buttons"] = [{"title": b.title, "payload": b.payload} for b in self.buttons]
        if self.file:
            out["attachment"] = {"url": self.file.url, "name": self.file.name}
        if self.custom is not None:
            out["custom"] = self.custom
        return out


def _file_name(url: str) -> str:
    return unquote(posixpath.basename(urlparse(url).path)) or "tep-dinh-kem"


def _file(value: Any) -> FileLink | None:
    if isinstance(value, str) and value.strip():
        return FileLink(value.strip(), _file_name(value.strip()))
    if isinstance(value, dict):
        payload = value.get("payload") if isinstance(value.get("payload"), dict) else {}
        url = value.get("url") or payload.get("src") or payload.get("url")
        if isinstance(url, str) and url.strip():
            name = value.get("name") or value.get("title") or _file_name(url)
            return FileLink(url.strip(), str(name))
    return None


def parse_rasa(items: Any) -> list[Reply]:
    """Rasa REST output -> replies; malformed entries are skipped, never raised on."""
    replies: list[Reply] = []
    if not isinstance(items, list):
        return replies
    for item in items:
        if not isinstance(item, dict):
            continue
        text = item.get("text") if isinstance(item.get("text"), str) else ""
        buttons = tuple(
            Button(str(b.get("title") or b.get("payload")), str(b["payload"]))
            for b in (item.get("buttons") or item.get("quick_replies") or [])
            if isinstance(b, dict) and isinstance(b.get("payload"), str) and b["payload"]
        )
        file = _file(item.get("attachment")) or _file(item.get("image"))
        custom = item.get("custom")
        if text or buttons or file or custom is not None:
            replies.append(Reply(text, buttons, file, custom))
    return replies


def absolute_url(url: str, base: str) -> str:
    """A file link as citizens can open it: relative links are resolved against `base`."""
    return urljoin(base.rstrip("/") + "/", url)


def split_text(text: str, limit: int) -> list[str]:
    """Split a long text into chunks of at most `limit` characters, preferring line breaks."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks
