"""Gateway settings: from environment variables, over an untracked local file, over defaults.

The local file is `channels.local.yml` at the repository root (or the path in
`VHTTDL_CHANNELS_FILE`); `channels.example.yml` shows every key. A channel without its
credentials is simply off. Secrets are never logged or put in an exception message.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

import yaml

from bot import paths

log = logging.getLogger(__name__)

LOCAL_FILE = paths.ROOT / "channels.local.yml"
WEB_DIR = paths.ROOT / "bot" / "web"
SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts for secret_token (fullmatch)
ORIGIN_RE = re.compile(r"https?://[^/\s]+")  # fullmatch
# A Host header value: a name or IPv4 address, or an IPv6 address in brackets; an optional port.
HOST_RE = re.compile(r"(?:\[(?P<ip6>[0-9A-Fa-f:.]{2,45})\]"
                     r"|(?P<name>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)\.?)"
                     r"(?::[0-9]{1,5})?")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")

# Environment variable -> (section, key) in the local file.
ENV_KEYS: dict[str, tuple[str, str]] = {
    "GATEWAY_HOST": ("gateway", "host"),
    "GATEWAY_PORT": ("gateway", "port"),
    "GATEWAY_PUBLIC_URL": ("gateway", "public_url"),
    "GATEWAY_ALLOWED_ORIGINS": ("gateway", "allowed_origins"),
    "GATEWAY_ALLOWED_HOSTS": ("gateway", "allowed_hosts"),
    "GATEWAY_READ_TIMEOUT": ("gateway", "read_timeout"),
    "GATEWAY_KEEPALIVE_TIMEOUT": ("gateway", "keepalive_timeout"),
    "GATEWAY_STATE_DIR": ("gateway", "state_dir"),
    "GATEWAY_TRUST_X_FORWARDED_FOR": ("gateway", "trust_x_forwarded_for"),
    "GATEWAY_SENDER_LIMIT_PER_MINUTE": ("gateway", "per_sender_per_minute"),
    "GATEWAY_IP_LIMIT_PER_MINUTE": ("gateway", "per_ip_per_minute"),
    "RASA_URL": ("gateway", "rasa_url"),
    "RASA_TIMEOUT": ("gateway", "rasa_timeout"),
    "ACTIONS_URL": ("gateway", "actions_url"),
    "TELEGRAM_BOT_TOKEN": ("telegram", "token"),
    "TELEGRAM_MODE": ("telegram", "mode"),
    "TELEGRAM_WEBHOOK_URL": ("telegram", "webhook_url"),
    "TELEGRAM_SECRET_TOKEN": ("telegram", "secret_token"),
    "TELEGRAM_API_BASE_URL": ("telegram", "base_url"),
    "TELEGRAM_API_BASE_FILE_URL": ("telegram", "base_file_url"),
    "ZALO_APP_ID": ("zalo", "app_id"),
    "ZALO_APP_SECRET": ("zalo", "app_secret"),
    "ZALO_OA_SECRET_KEY": ("zalo", "oa_secret_key"),
    "ZALO_REFRESH_TOKEN": ("zalo", "refresh_token"),
    "ZALO_ACCESS_TOKEN": ("zalo", "access_token"),
    "ZALO_API_BASE": ("zalo", "api_base"),
    "ZALO_OAUTH_BASE": ("zalo", "oauth_base"),
    "ZALO_MAX_EVENT_AGE": ("zalo", "max_event_age"),
}


class ConfigError(ValueError):
    """A setting has a value the gateway cannot use."""


@dataclass(frozen=True)
class TelegramConfig:
    token: str = field(repr=False)
    mode: str = "polling"  # "polling" (no public URL needed) or "webhook"
    webhook_url: str = ""  # public HTTPS URL ending in /telegram/webhook (webhook mode)
    secret_token: str = field(default="", repr=False)
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"


@dataclass(frozen=True)
class ZaloConfig:
    app_id: str
    app_secret: str = field(repr=False)  # the app's secret key: header of the token refresh call
    oa_secret_key: str = field(repr=False)  # the OA secret key: signs webhook events
    refresh_token: str = field(repr=False)  # initial refresh token; rotated copies live in SQLite
    access_token: str = field(default="", repr=False)
    api_base: str = "https://openapi.zalo.me"
    oauth_base: str = "https://oauth.zaloapp.com"
    max_event_age: float = 300.0  # seconds; older (or further in the future) events are refused


@dataclass(frozen=True)
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    rasa_url: str = "http://127.0.0.1:5005"  # several Rasa replicas: comma-separated
    rasa_timeout: float = 30.0
    actions_url: str = "http://127.0.0.1:5055"  # the action server, for /health ("" : not checked)
    public_url: str = ""  # how citizens reach this gateway; base for relative file links
    allowed_origins: tuple[str, ...] = ()  # other sites allowed to embed the web widget
    allowed_hosts: tuple[str, ...] = ()  # Host header names accepted besides `hosts`' defaults
    read_timeout: float = 15.0  # seconds for a client to send a request's head, and then its body
    keepalive_timeout: float = 15.0  # seconds an idle kept-alive connection stays open
    state_dir: Path = paths.ROOT / ".var"
    per_sender_per_minute: int = 30
    per_ip_per_minute: int = 120
    trust_x_forwarded_for: bool = False  # only behind a reverse proxy that sets it
    web_dir: Path = WEB_DIR
    telegram: TelegramConfig | None = None
    zalo: ZaloConfig | None = None

    @property
    def own_url(self) -> str:
        """Base URL for links the gateway hands out: public_url, else this machine."""
        return (self.public_url or f"http://127.0.0.1:{self.port}").rstrip("/")

    @property
    def hosts(self) -> frozenset[str]:
        """Host header names the gateway answers (lower case, no port): loopback, the hosts of
        public_url and of the Telegram webhook URL, the listen address, and allowed_hosts."""
        names = {*LOOPBACK_HOSTS, *self.allowed_hosts}
        for url in (self.public_url, self.telegram.webhook_url if self.telegram else ""):
            if url and urlsplit(url).hostname:
                names.add(urlsplit(url).hostname)
        if self.host not in ("", "0.0.0.0", "::"):
            names.add(self.host)
        return frozenset(n.lower().strip("[]").rstrip(".") for n in names)

    def with_(self, **changes: Any) -> "GatewayConfig":
        return replace(self, **changes)


def _read_file(path: Path) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with gateway/telegram/zalo sections")
    return {k: dict(v or {}) for k, v in raw.items()}


def _as_bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in {"1", "true", "yes", "on"}


def _as_origins(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    origins = tuple(str(o).strip().rstrip("/") for o in items if str(o).strip())
    for origin in origins:
        if not ORIGIN_RE.fullmatch(origin):
            raise ConfigError(f"allowed origin {origin!r} must look like https://host[:port]")
    return origins


def host_name(value: str) -> str | None:
    """The host of a Host header value ("name", "name:port", "[::1]:8080"): lower case, without
    port, brackets or trailing dot; None if it is not a well-formed host."""
    match = HOST_RE.fullmatch(value)
    return (match["ip6"] or match["name"]).lower() if match else None


def _as_hosts(value: Any) -> tuple[str, ...]:
    """Host names (a list or comma-separated); a port, if given, is ignored."""
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    hosts = []
    for item in (str(i).strip() for i in items if str(i).strip()):
        name = host_name(f"[{item}]" if item.count(":") > 1 and not item.startswith("[") else item)  # bare IPv6
        if name is None:
            raise ConfigError(f"allowed host {item!r} must be a host name or IP address, like chatbot.example.gov.vn")
        hosts.append(name)
    return tuple(hosts)


def _number(section: Mapping[str, Any], key: str, default: float, kind: type = float) -> Any:
    value = section.get(key)
    if value in (None, ""):
        return default
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number, not {value!r}") from None


def _seconds(section: Mapping[str, Any], key: str, default: float) -> float:
    value = _number(section, key, default)
    if value <= 0:
        raise ConfigError(f"{key} must be a number of seconds above 0, not {value!r}")
    return value


def _telegram(section: Mapping[str, Any]) -> TelegramConfig | None:
    token = str(section.get("token") or "").strip()
    if not token:
        log.info("Telegram: off (no bot token; set TELEGRAM_BOT_TOKEN)")
        return None
    mode = str(section.get("mode") or "polling").strip().lower()
    cfg = TelegramConfig(
        token=token, mode=mode,
        webhook_url=str(section.get("webhook_url") or "").strip(),
        secret_token=str(section.get("secret_token") or "").strip(),
        base_url=str(section.get("base_url") or TelegramConfig.base_url),
        base_file_url=str(section.get("base_file_url") or TelegramConfig.base_file_url),
    )
    if mode not in {"polling", "webhook"}:
        raise ConfigError(f"telegram mode must be polling or webhook, not {mode!r}")
    if mode == "webhook":
        if not cfg.webhook_url.startswith("https://"):
            raise ConfigError("telegram webhook mode needs webhook_url (https://.../telegram/webhook)")
        if not SECRET_TOKEN_RE.fullmatch(cfg.secret_token):
            raise ConfigError("telegram webhook mode needs secret_token: 1-256 characters A-Z a-z 0-9 _ -")
    return cfg


def _zalo(section: Mapping[str, Any]) -> ZaloConfig | None:
    values = {k: str(section.get(k) or "").strip()
              for k in ("app_id", "app_secret", "oa_secret_key", "refresh_token", "access_token")}
    required = ("app_id", "app_secret", "oa_secret_key", "refresh_token")
    missing = [k for k in required if not values[k]]
    if len(missing) == len(required):
        log.info("Zalo OA: off (no credentials; set ZALO_APP_ID, ZALO_APP_SECRET, ZALO_OA_SECRET_KEY, ZALO_REFRESH_TOKEN)")
        return None
    if missing:
        log.warning("Zalo OA: off (missing %s)", ", ".join(missing))
        return None
    return ZaloConfig(
        **values,
        api_base=str(section.get("api_base") or ZaloConfig.api_base).rstrip("/"),
        oauth_base=str(section.get("oauth_base") or ZaloConfig.oauth_base).rstrip("/"),
        max_event_age=_number(section, "max_event_age", ZaloConfig.max_event_age),
    )


def load_config(file: Path | None = None, env: Mapping[str, str] | None = None, **overrides: Any) -> GatewayConfig:
    """Settings from `env` (default os.environ) over `file` (default channels.local.yml) over
    defaults; keyword `overrides` (e.g. port=0) win over all. Logs one line per channel that is off."""
    env = os.environ if env is None else env
    path = Path(env.get("VHTTDL_CHANNELS_FILE", "")) if env.get("VHTTDL_CHANNELS_FILE") else (file or LOCAL_FILE)
    sections = _read_file(path)
    for name, (section, key) in ENV_KEYS.items():
        if env.get(name, "") != "":
            sections.setdefault(section, {})[key] = env[name]
    gw = sections.get("gateway", {})
    limits = gw.get("rate_limits") or {}
    cfg = GatewayConfig(
        host=str(gw.get("host") or GatewayConfig.host),
        port=_number(gw, "port", GatewayConfig.port, int),
        rasa_url=str(gw.get("rasa_url") or GatewayConfig.rasa_url).rstrip("/"),
        rasa_timeout=_number(gw, "rasa_timeout", GatewayConfig.rasa_timeout),
        actions_url=str(gw.get("actions_url", GatewayConfig.actions_url) or "").rstrip("/"),
        public_url=str(gw.get("public_url") or "").rstrip("/"),
        allowed_origins=_as_origins(gw.get("allowed_origins")),
        allowed_hosts=_as_hosts(gw.get("allowed_hosts")),
        read_timeout=_seconds(gw, "read_timeout", GatewayConfig.read_timeout),
        keepalive_timeout=_seconds(gw, "keepalive_timeout", GatewayConfig.keepalive_timeout),
        state_dir=paths.ROOT / Path(gw.get("state_dir") or GatewayConfig.state_dir),  # relative: to the repo
        per_sender_per_minute=_number({**limits, **gw}, "per_sender_per_minute", GatewayConfig.per_sender_per_minute, int),
        per_ip_per_minute=_number({**limits, **gw}, "per_ip_per_minute", GatewayConfig.per_ip_per_minute, int),
        trust_x_forwarded_for=_as_bool(gw.get("trust_x_forwarded_for", False)),
        telegram=_telegram(sections.get("telegram", {})),
        zalo=_zalo(sections.get("zalo", {})),
    )
    return cfg.with_(**overrides) if overrides else cfg
