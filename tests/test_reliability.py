"""Faults of the running assistant and what the citizen sees (docs/reliability.md): the action
server or Rasa killed in the middle of a conversation, the whole assistant restarted in the middle
of a form or a lookup, the launcher stopped by SIGTERM or started twice. Real Rasa, real action
server, real gateway."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from bench.conversations import assistant_servers, free_port, norm
from bot.gateway import BackgroundGateway
from bot.gateway.config import load_config
from bot.gateway.texts import load_texts
from bot.supervisor import Supervisor
from tests.waiting import wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]
UNAVAILABLE = load_texts().unavailable
CODE, DIGITS = "000.00.15.H30-261102-0001", "5678"  # tests/data/dossiers.json (made up)


def base(servers: Supervisor, n: int) -> str:
    return servers.services[n].health_url.removesuffix("/health").rstrip("/")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Supervised servers (fast back-off) behind a gateway on loopback."""
    work = tmp_path_factory.mktemp("reliability")
    with assistant_servers(work, backoff=(0.5, 1.0), check_every=0.5) as servers:
        servers.watch()
        config = load_config(file=work / "none.yml", env={}, port=0, rasa_url=base(servers, 1),
                             actions_url=base(servers, 0), state_dir=work)
        with BackgroundGateway(config) as gw:
            yield servers, gw.url, work


def chat(url: str, sender: str, message: str) -> str:
    r = requests.post(url + "/api/chat", json={"sender": sender, "message": message}, timeout=60)
    assert r.status_code == 200
    texts = [m.get("text", "") for m in r.json()]
    assert texts and all(isinstance(t, str) for t in texts), "the citizen must never get an empty answer"
    return norm("\n".join(texts))


def healthy(url: str) -> bool:
    return requests.get(url + "/health", timeout=5).status_code == 200


def test_killed_action_server_polite_reply_then_the_conversation_goes_on(stack):
    servers, url, _ = stack
    sender = "reliability-actions-1"
    assert "650000" in chat(url, sender, "phí cấp thẻ hdv nội địa")
    first = servers.services[0].process.pid
    os.kill(first, signal.SIGKILL)
    assert servers.services[0].process.wait(10) is not None
    # While it is down: the polite text with the hotline, and an honest health check.
    assert chat(url, sender, "thế mất bao lâu?") == norm(UNAVAILABLE)
    health = requests.get(url + "/health", timeout=5)
    assert health.status_code == 503 and "actions" in health.json()["down"]
    # The launcher restarts it; the same conversation continues with its context.
    assert wait_for(lambda: servers.services[0].process.pid != first and healthy(url), 90)
    answer = chat(url, sender, "thế mất bao lâu?")
    assert "thẻ hướng dẫn viên nội địa" in answer and "ngày" in answer


def test_killed_rasa_polite_reply_then_the_conversation_goes_on(stack):
    servers, url, _ = stack
    sender = "reliability-rasa-1"
    assert "4 số cuối" in chat(url, sender, f"tra cứu hồ sơ {CODE}")
    first = servers.services[1].process.pid
    os.kill(first, signal.SIGKILL)
    servers.services[1].process.wait(10)
    assert chat(url, sender, DIGITS) == norm(UNAVAILABLE)
    assert requests.get(url + "/health/ready", timeout=5).status_code == 503
    assert wait_for(lambda: servers.services[1].process.pid != first and healthy(url), 180)
    # The code given before the crash is still pending in the (SQLite) tracker store.
    assert norm("Đang xử lý") in chat(url, sender, DIGITS)


def test_a_restart_of_the_whole_assistant_keeps_forms_and_lookups(stack):
    """A citizen in the middle of a form or of a lookup continues where they were after both
    servers died and were restarted (the gateway holds no conversation: the launcher test
    below stops and starts it)."""
    servers, url, _ = stack
    assert "4 số cuối" in chat(url, "restart-lookup", f"hồ sơ {CODE} đến đâu rồi")
    assert "căn cước" in chat(url, "restart-form", '/request_form{"procedure":"karaoke"}')
    before = chat(url, "restart-form", "030095001234")
    assert "chưa đọc được" not in before and "chưa hợp lệ" not in before
    first = [s.process.pid for s in servers.services]
    for service in servers.services:
        os.kill(service.process.pid, signal.SIGKILL)
    assert wait_for(lambda: all(s.process.pid != pid for s, pid in zip(servers.services, first)) and healthy(url), 180)
    assert norm("Đang xử lý") in chat(url, "restart-lookup", DIGITS)
    assert norm("Đã huỷ") in chat(url, "restart-form", "huỷ")  # the form was still open
    assert "căn cước" in chat(url, "restart-form", '/request_form{"procedure":"karaoke"}')


def launcher(ports: tuple[int, int, int], tmp: Path) -> subprocess.Popen:
    web, rasa, actions = ports
    env = {**os.environ, "VHTTDL_DOSSIER_DB": str(tmp / "dossiers.db"), "VHTTDL_GUARD_DB": str(tmp / "guard.db"),
           "VHTTDL_PROFILES_DB": str(tmp / "profiles.db"), "VHTTDL_FILES_DIR": str(tmp / "forms"),
           "CONSOLE_DB_URL": f"sqlite:///{tmp / 'console.db'}", "GATEWAY_STATE_DIR": str(tmp)}
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--web-port", str(web), "--rasa-port", str(rasa),
                             "--actions-port", str(actions)], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def children_listening(ports: tuple[int, ...]) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "rasa run" in cmd and any(re.search(rf"--port {p}\b", cmd) for p in ports):
            found.append(cmd)
    return found


def test_launcher_ports_second_instance_and_sigterm(tmp_path):
    ports = (free_port(), free_port(), free_port())
    first = launcher(ports, tmp_path)
    lines: list[str] = []
    try:
        for line in first.stdout:
            lines.append(line)
            if "Trợ lý đã sẵn sàng" in line:
                break
        assert any("Trợ lý đã sẵn sàng" in line for line in lines), "".join(lines[-30:])
        url = f"http://127.0.0.1:{ports[0]}"
        health = requests.get(url + "/health", timeout=5).json()
        assert health["status"] == "ok" and health["actions"] is True  # --actions-port reached Rasa
        assert "650000" in chat(url, "launcher-test-1", "phí cấp thẻ hdv nội địa")
        # A second launcher on the same ports says why it cannot start, and starts nothing.
        second = launcher(ports, tmp_path / "second")
        out, _ = second.communicate(timeout=60)
        assert second.returncode == 1 and "already in use" in out
        # SIGTERM: everything stops cleanly, nothing is left listening.
        first.send_signal(signal.SIGTERM)
        assert first.wait(60) == 0
        assert wait_for(lambda: not children_listening(ports[1:]), 10), children_listening(ports[1:])
    finally:
        if first.poll() is None:
            first.kill()


def test_personal_data_typed_as_rasa_payload_never_reaches_the_logs(stack):
    """Rasa logs a message that starts with "/" in full (and its REST channel logs the text of a
    failed turn); the launcher's log pump masks it before it is written. The tracker store, which
    keeps the messages themselves, is its owner's only."""
    servers, url, work = stack
    cccd, phone = "079201001234", "0987654321"  # made up
    chat(url, "reliability-log-1", f'/inform{{"cccd": "{cccd}", "phone": "{phone}"}}')
    chat(url, "reliability-log-1", f"/{cccd} {phone}")
    # Rasa did write the message, masked (the pump writes as the server prints)
    assert wait_for(lambda: "[CCCD]" in " ".join(s.log.read_text(encoding="utf-8") for s in servers.services), 10)
    for service in servers.services:
        text = service.log.read_text(encoding="utf-8")
        assert cccd not in text and phone not in text, service.log
        assert service.log.stat().st_mode & 0o077 == 0
    assert (work / "tracker.db").stat().st_mode & 0o077 == 0
