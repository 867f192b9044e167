"""The gateway's shared core: settings, texts, the reply model, the rate limiter, the CLI entry
point and the load-test script (against its loopback stand-in, with tiny numbers)."""
from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys

import pytest

from bot import paths
from bot.gateway.config import ConfigError, load_config
from bot.gateway.messages import Button, FileLink, Reply, absolute_url, parse_rasa, split_text
from bot.gateway.ratelimit import RateLimiter
from bot.gateway.texts import load_texts


# --- settings ----------------------------------------------------------------------------------

def test_defaults_keep_everything_on_loopback(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    config = load_config(file=tmp_path / "none.yml", env={})
    assert (config.host, config.port, config.rasa_url) == ("127.0.0.1", 8080, "http://127.0.0.1:5005")
    assert config.telegram is None and config.zalo is None and config.allowed_origins == ()
    assert "Telegram: off" in caplog.text and "Zalo OA: off" in caplog.text


def test_environment_wins_over_the_local_file(tmp_path):
    local = tmp_path / "channels.local.yml"
    local.write_text("gateway:\n  port: 9000\n  allowed_origins: [https://a.example.vn]\n"
                     "  rate_limits: {per_sender_per_minute: 5}\ntelegram:\n  token: '1:from-file'\n", encoding="utf-8")
    config = load_config(file=local, env={"GATEWAY_PORT": "9100"})
    assert config.port == 9100 and config.allowed_origins == ("https://a.example.vn",)
    assert config.per_sender_per_minute == 5 and config.telegram.token == "1:from-file"
    config = load_config(env={"VHTTDL_CHANNELS_FILE": str(local),
                              "GATEWAY_ALLOWED_ORIGINS": "https://b.example.vn/, http://localhost:8000"})
    assert config.allowed_origins == ("https://b.example.vn", "http://localhost:8000") and config.port == 9000


@pytest.mark.parametrize("env", [{"GATEWAY_PORT": "tám"}, {"GATEWAY_ALLOWED_ORIGINS": "svhttdl.example.vn"},
                                 {"GATEWAY_ALLOWED_ORIGINS": "https://a.vn/path"},
                                 {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_MODE": "push"},
                                 {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_MODE": "webhook", "TELEGRAM_SECRET_TOKEN": "ok",
                                  "TELEGRAM_WEBHOOK_URL": "http://insecure.example.vn/telegram/webhook"}])
def test_bad_settings_are_refused(tmp_path, env):
    with pytest.raises(ConfigError):
        load_config(file=tmp_path / "none.yml", env=env)


@pytest.mark.parametrize("env", [{"GATEWAY_ALLOWED_HOSTS": "https://chatbot.example.vn"},
                                 {"GATEWAY_ALLOWED_HOSTS": "chatbot.example.vn/path"},
                                 {"GATEWAY_ALLOWED_HOSTS": "evil.vn@chatbot.example.vn"},
                                 {"GATEWAY_READ_TIMEOUT": "mười lăm"}, {"GATEWAY_READ_TIMEOUT": "0"},
                                 {"GATEWAY_KEEPALIVE_TIMEOUT": "-1"}])
def test_bad_host_and_timeout_settings_are_refused(tmp_path, env):
    with pytest.raises(ConfigError):
        load_config(file=tmp_path / "none.yml", env=env)


def test_the_hosts_the_gateway_answers(tmp_path):
    config = load_config(file=tmp_path / "none.yml", env={})
    assert config.hosts == {"localhost", "127.0.0.1", "::1"}
    assert (config.read_timeout, config.keepalive_timeout) == (15.0, 15.0)
    config = load_config(file=tmp_path / "none.yml", env={
        "GATEWAY_PUBLIC_URL": "https://Bot.Example.gov.vn:8443/chat", "GATEWAY_HOST": "10.0.0.5",
        "GATEWAY_ALLOWED_HOSTS": "lb.internal:8080, [fe80::1]:80, 2001:db8::1, Proxy.Example.VN.",
        "GATEWAY_READ_TIMEOUT": "5", "GATEWAY_KEEPALIVE_TIMEOUT": "30",
        "TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_MODE": "webhook", "TELEGRAM_SECRET_TOKEN": "s",
        "TELEGRAM_WEBHOOK_URL": "https://tg.example.gov.vn/telegram/webhook"})
    assert config.hosts == {"localhost", "127.0.0.1", "::1", "bot.example.gov.vn", "10.0.0.5", "lb.internal",
                            "fe80::1", "2001:db8::1", "proxy.example.vn", "tg.example.gov.vn"}
    assert (config.read_timeout, config.keepalive_timeout) == (5.0, 30.0)
    # a wildcard listen address is no host name
    assert load_config(file=tmp_path / "none.yml", env={"GATEWAY_HOST": "0.0.0.0"}).hosts == {
        "localhost", "127.0.0.1", "::1"}


@pytest.mark.parametrize("value, name", [("a.vn", "a.vn"), ("A.VN:443", "a.vn"), ("[::1]:8080", "::1"),
                                         ("a.vn.", "a.vn"), ("a.vn\n", None), ("a.vn:80\n", None), ("", None),
                                         ("a b", None), ("evil.vn@a.vn", None), ("[::1", None), ("::1", None),
                                         ("a.vn:80:80", None), ("-a.vn", None)])
def test_host_header_values_are_read_strictly(value, name):
    from bot.gateway.config import host_name

    assert host_name(value) == name


def test_secrets_are_not_in_the_settings_repr(tmp_path):
    config = load_config(file=tmp_path / "none.yml", env={
        "TELEGRAM_BOT_TOKEN": "1:very-secret", "ZALO_APP_ID": "1", "ZALO_APP_SECRET": "app-very-secret",
        "ZALO_OA_SECRET_KEY": "oa-very-secret", "ZALO_REFRESH_TOKEN": "rt-very-secret"})
    assert "very-secret" not in repr(config)


def test_the_example_file_lists_every_setting_and_holds_no_secret():
    import yaml

    example = yaml.safe_load((paths.ROOT / "channels.example.yml").read_text(encoding="utf-8"))
    from bot.gateway.config import ENV_KEYS

    for section, key in ENV_KEYS.values():
        if key.startswith("per_"):
            assert key in example["gateway"]["rate_limits"]
        else:
            assert key in example[section], (section, key)
    for section in ("telegram", "zalo"):
        for key in ("token", "app_secret", "oa_secret_key", "refresh_token", "access_token", "secret_token"):
            assert not example[section].get(key)
    assert "channels.local.yml" in (paths.ROOT / ".gitignore").read_text()


# --- texts -------------------------------------------------------------------------------------

def test_texts_are_vietnamese_and_filled_in():
    texts = load_texts()
    for name, value in vars(texts).items():
        assert value.strip(), name
    assert "Sở Văn hóa, Thể thao và Du lịch" in texts.telegram_start
    assert "{" not in texts.telegram_help and "tạm gián đoạn" in texts.unavailable
    assert texts.file_link.format(name="Mẫu 01", url="https://x.vn/a.pdf") == "Mẫu 01: https://x.vn/a.pdf"


# --- reply model -------------------------------------------------------------------------------

def test_rasa_output_is_parsed_into_replies():
    replies = parse_rasa([
        {"recipient_id": "s", "text": "Chào bạn", "buttons": [{"title": "Phí", "payload": "/ask_fee"},
                                                              {"title": "bỏ", "payload": ""}, "x"]},
        {"recipient_id": "s", "attachment": "https://x.vn/forms/M%E1%BA%ABu%2001.pdf"},
        {"recipient_id": "s", "attachment": {"url": "/forms/a.pdf", "name": "Mẫu A"}},
        {"recipient_id": "s", "image": "https://x.vn/i.png"},
        {"recipient_id": "s", "custom": {"kind": "map"}},
        {"recipient_id": "s"}, "junk", {"text": 5},
    ])
    assert replies == [Reply("Chào bạn", (Button("Phí", "/ask_fee"),)),
                       Reply(file=FileLink("https://x.vn/forms/M%E1%BA%ABu%2001.pdf", "Mẫu 01.pdf")),
                       Reply(file=FileLink("/forms/a.pdf", "Mẫu A")),
                       Reply(file=FileLink("https://x.vn/i.png", "i.png")),
                       Reply(custom={"kind": "map"})]
    assert parse_rasa({"not": "a list"}) == []
    assert replies[0].to_web() == {"text": "Chào bạn", "buttons": [{"title": "Phí", "payload": "/ask_fee"}]}
    assert replies[2].to_web() == {"attachment": {"url": "/forms/a.pdf", "name": "Mẫu A"}}


def test_relative_file_links_are_made_absolute():
    assert absolute_url("/forms/a.pdf", "https://bot.example.vn/") == "https://bot.example.vn/forms/a.pdf"
    assert absolute_url("https://cdn.vn/a.pdf", "https://bot.example.vn") == "https://cdn.vn/a.pdf"


def test_long_texts_are_split_without_losing_words():
    text = " ".join(f"từ{i}" for i in range(2000)) + "\n" + "x" * 5000
    chunks = split_text(text, 1000)
    assert all(0 < len(c) <= 1000 for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())  # only whitespace at cuts is dropped
    assert split_text("ngắn", 1000) == ["ngắn"]


# --- rate limiter ------------------------------------------------------------------------------

def test_rate_limits_count_within_the_last_minute(tmp_path):
    limiter = RateLimiter(tmp_path / "g.db", {"sender": 2, "ip": 0})
    assert [limiter.allow("sender", "a", now=60.0) for _ in range(3)] == [True, True, False]
    assert limiter.allow("sender", "b", now=60.0)  # another key
    assert limiter.allow("sender", "a", now=120.0)  # a minute later
    assert all(limiter.allow("ip", "1.2.3.4", now=60.0) for _ in range(100))  # 0 = unlimited


def test_chat_apps_are_told_once_then_dropped(tmp_path):
    limiter = RateLimiter(tmp_path / "g.db", {"zalo": 1})
    assert [limiter.verdict("zalo", "u", now=0.0) for _ in range(4)] == ["ok", "refuse", "drop", "drop"]
    # Someone who keeps writing is let through again once a minute, not blocked for good.
    assert [limiter.verdict("zalo", "u", now=t) for t in (30.0, 60.5, 70.0, 121.0)] == ["drop", "ok", "refuse", "ok"]


def test_no_minute_holds_more_than_the_limit(tmp_path):
    # Regression: fixed windows let 30 messages through at the end of one minute and 30 more at
    # the start of the next: 60 in 2.7 s.
    limiter = RateLimiter(tmp_path / "g.db", {"sender": 30})
    times = [58.0 + i * 0.09 for i in range(60)]  # 60 messages within 5.4 s, across a minute mark
    allowed = [t for t in times if limiter.allow("sender", "web-x", now=t)]
    assert len(allowed) == 30
    later = [t for t in (118.0 + i * 0.5 for i in range(40)) if limiter.allow("sender", "web-x", now=t)]
    stamps = allowed + later
    assert max(sum(s <= t < s + 60 for t in stamps) for s in stamps) <= 30  # any 60 s span
    assert later  # and the sender gets through again after a minute


def test_counters_are_shared_between_processes_and_hashed(tmp_path):
    one, two = RateLimiter(tmp_path / "g.db", {"sender": 3}), RateLimiter(tmp_path / "g.db", {"sender": 3})
    assert one.allow("sender", "web-secret-sender", now=0.0) and two.allow("sender", "web-secret-sender", now=0.0)
    assert one.allow("sender", "web-secret-sender", now=0.0) and not two.allow("sender", "web-secret-sender", now=0.0)
    dump = "\n".join(sqlite3.connect(tmp_path / "g.db").iterdump())
    assert "web-secret-sender" not in dump


def test_old_windows_are_cleaned_up(tmp_path):
    limiter = RateLimiter(tmp_path / "g.db", {"sender": 5})
    for minute in range(10):
        limiter.allow("sender", "a", now=minute * 60.0)
    rows = sqlite3.connect(tmp_path / "g.db").execute("SELECT COUNT(*) FROM rate_log").fetchone()[0]
    assert rows <= 2


# --- entry points ------------------------------------------------------------------------------

def test_the_launcher_starts_the_gateway():
    import inspect

    from bot import launcher

    source = inspect.getsource(launcher.run)
    assert "from bot.gateway import serve" in source and "webchat" not in source


def test_cli_has_a_gateway_command():
    out = subprocess.run([sys.executable, "-m", "bot", "gateway", "--help"], cwd=paths.ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert "--rasa-url" in out and "--port" in out


def test_the_load_test_runs_against_its_stand_in(capsys):
    sys.path.insert(0, str(paths.ROOT))
    from bench import gateway_bench

    assert gateway_bench.main(["--stand-in", "--conversations", "3", "--turns", "2", "--no-write"]) == 0
    out = capsys.readouterr().out
    assert '"requests": 6' in out and '"errors": 0' in out
