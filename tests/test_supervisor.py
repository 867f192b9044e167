"""The launcher's supervision (bot/supervisor.py) with small real processes: a Python HTTP server
stands in for Rasa or the action server, so these run in seconds."""
from __future__ import annotations

import os
import signal
import socket
import stat
import sys
import threading
from pathlib import Path

import pytest
import requests
import yaml

from bench.conversations import free_port
from bot.launcher import endpoints_for, services
from bot.supervisor import RotatingLog, Service, Supervisor, port_in_use
from tests.waiting import wait_for


def http_service(tmp_path: Path, name: str = "stand-in") -> Service:
    port = free_port()
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)]
    return Service(name, argv, tmp_path / f"{name}.log", f"http://127.0.0.1:{port}/", port=port)


def fast(services: list[Service], tmp_path: Path, **kw) -> Supervisor:
    return Supervisor(services, tmp_path, **{"backoff": (0.2, 0.4), "check_every": 0.1, **kw})


def test_a_killed_service_is_restarted_and_logged(tmp_path, capfd):
    service = http_service(tmp_path)
    sup = fast([service], tmp_path)
    sup.start()
    try:
        sup.wait_until_ready(15)
        sup.watch()
        first = service.process.pid
        os.kill(first, signal.SIGKILL)
        assert wait_for(lambda: service.alive() and service.process.pid != first and Supervisor.healthy(service))
        assert requests.get(service.health_url, timeout=2).ok
        err = capfd.readouterr().err
        assert "the stand-in stopped (exit code -9)" in err and "restarting the stand-in" in err
    finally:
        sup.stop()
    assert not service.alive()


def test_a_service_that_keeps_failing_makes_the_supervisor_give_up(tmp_path, capfd):
    service = Service("broken", [sys.executable, "-c", "import sys; sys.exit(3)"], tmp_path / "b.log",
                      "http://127.0.0.1:9/")
    given_up = threading.Event()
    sup = fast([service], tmp_path, max_restarts=3)
    sup.start()
    sup.watch(on_give_up=lambda s: given_up.set())
    try:
        assert given_up.wait(20)
        assert sup.gave_up is service and len(service.restarts) == 3
        assert "was restarted 3 times within 5 min and stopped again; giving up" in capfd.readouterr().err
    finally:
        sup.stop()


def test_a_hung_service_is_killed_and_restarted(tmp_path):
    service = http_service(tmp_path, "hung")
    sup = fast([service], tmp_path, hang_after=1.0)
    sup.start()
    try:
        sup.wait_until_ready(15)
        sup.watch()
        first = service.process.pid
        os.kill(first, signal.SIGSTOP)  # alive, but answers nothing
        assert wait_for(lambda: service.alive() and service.process.pid != first and Supervisor.healthy(service), 20)
    finally:
        sup.stop()


def test_a_restarted_service_may_take_its_time_to_load(tmp_path):
    """Rasa loads its model for tens of seconds after a restart: not a hang."""
    port = free_port()
    slow = Service("slow starter", [sys.executable, "-c", "import runpy, sys, time; time.sleep(3); "
                                    f"sys.argv = ['http.server', '{port}', '--bind', '127.0.0.1']; "
                                    "runpy.run_module('http.server', run_name='__main__')"],
                   tmp_path / "slow.log", f"http://127.0.0.1:{port}/", port=port)
    sup = fast([slow], tmp_path, hang_after=0.5, start_grace=10.0)
    sup.start()
    try:
        sup.watch()
        first = slow.process.pid
        assert wait_for(lambda: Supervisor.healthy(slow), 15)
        assert slow.process.pid == first and not slow.restarts
    finally:
        sup.stop()


def test_start_refuses_a_port_in_use_instead_of_trusting_another_server(tmp_path):
    service = http_service(tmp_path, "action server")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", service.port))
        taken.listen()
        assert port_in_use(service.port)
        with pytest.raises(RuntimeError, match=f"port {service.port} for the action server is already in use"):
            fast([service], tmp_path).start()
    assert service.process is None


def test_ready_only_counts_our_own_processes(tmp_path):
    """An old server answering on the port must not make a dead new one look ready."""
    dead = Service("Rasa", [sys.executable, "-c", "pass"], tmp_path / "r.log", "http://127.0.0.1:9/")
    sup = fast([dead], tmp_path)
    sup.start()
    with pytest.raises(RuntimeError, match="the Rasa exited with code 0 while starting"):
        sup.wait_until_ready(10)


def test_children_die_with_the_launcher(tmp_path):
    """Even a SIGKILLed launcher leaves no server behind (PR_SET_PDEATHSIG)."""
    port = free_port()
    script = tmp_path / "launcher.py"
    script.write_text(
        "import sys, time\n"
        "from pathlib import Path\n"
        "from bot.supervisor import Service, Supervisor\n"
        f"s = Service('x', [sys.executable, '-m', 'http.server', '{port}', '--bind', '127.0.0.1'], "
        f"Path(r'{tmp_path}') / 'x.log', 'http://127.0.0.1:{port}/')\n"
        f"sup = Supervisor([s], Path(r'{tmp_path}'))\n"
        "sup.start(); sup.wait_until_ready(15); print(s.process.pid, flush=True); time.sleep(60)\n")
    import subprocess

    launcher = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    child = int(launcher.stdout.readline())
    launcher.kill()
    launcher.wait(10)
    assert wait_for(lambda: not Path(f"/proc/{child}").exists() or
                    Path(f"/proc/{child}/stat").read_text().split()[2] == "Z", 10)


def test_logs_are_owner_only_masked_and_rotated(tmp_path):
    log = RotatingLog(tmp_path / "rasa.log", max_bytes=300, keep=2)
    from bot.analytics.masking import mask_log_line

    for _ in range(12):
        log.write(mask_log_line("DEBUG Received user message '/inform{\"cccd\": \"012345678901\"}' sđt 0912 345 678\n"))
    log.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["rasa.log", "rasa.log.1", "rasa.log.2"]
    for p in tmp_path.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
        text = p.read_text(encoding="utf-8")
        assert "012345678901" not in text and "345 678" not in text
    assert "[CCCD]" in (tmp_path / "rasa.log.1").read_text(encoding="utf-8")


def test_the_child_output_is_masked_in_its_log(tmp_path):
    service = Service("talker", [sys.executable, "-c", "print('message /ask_fee 0987654321 and 079201001234')"],
                      tmp_path / "talker.log", "http://127.0.0.1:9/")
    sup = fast([service], tmp_path)
    sup.start()
    service.process.wait(10)
    assert wait_for(lambda: service.log.exists() and "[SĐT]" in service.log.read_text(encoding="utf-8"))
    text = service.log.read_text(encoding="utf-8")
    assert "0987654321" not in text and "079201001234" not in text and "[CCCD]" in text


def test_actions_port_reaches_rasa_through_the_endpoints_file(tmp_path):
    source = tmp_path / "endpoints.yml"
    source.write_text("action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n"
                      "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: .var/tracker.db\n", encoding="utf-8")
    written = endpoints_for(6055, source, tmp_path / "run")
    config = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert config["action_endpoint"]["url"] == "http://127.0.0.1:6055/webhook"
    assert config["tracker_store"]["db"] == ".var/tracker.db"
    actions, rasa = services(6005, 6055, endpoints=str(written), log_dir=tmp_path)
    assert actions.argv[-2:] == ["--port", "6055"] and actions.health_url == "http://127.0.0.1:6055/health"
    assert rasa.argv[rasa.argv.index("--endpoints") + 1] == str(written)


def test_the_gateway_finishes_turns_in_flight_on_sigterm(tmp_path):
    """SIGTERM (systemd, docker) while a citizen waits: the answer still arrives, then the gateway
    exits 0 with its SQLite file closed (no WAL file left behind)."""
    import subprocess

    from tests.gateway_fakes import FakeRasa

    rasa = FakeRasa()
    rasa.delay = 2.0
    port = free_port()
    env = {**os.environ, "GATEWAY_PORT": str(port), "RASA_URL": rasa.url, "ACTIONS_URL": rasa.url,
           "GATEWAY_STATE_DIR": str(tmp_path), "VHTTDL_CHANNELS_FILE": str(tmp_path / "none.yml"),
           "CONSOLE_DB_URL": f"sqlite:///{tmp_path / 'console.db'}"}
    gateway = subprocess.Popen([sys.executable, "-m", "bot", "gateway"], cwd=Path(__file__).parents[1], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: port_in_use(port), 30)
        answer: list[requests.Response] = []
        asking = threading.Thread(target=lambda: answer.append(requests.post(
            url + "/api/chat", json={"sender": "sigterm-test-1", "message": "chào"}, timeout=30)))
        asking.start()
        assert wait_for(lambda: rasa.received, 10)  # the turn is in flight
        gateway.send_signal(signal.SIGTERM)
        asking.join(30)
        assert answer and answer[0].status_code == 200 and answer[0].json()[0]["text"] == "Đã nhận: chào"
        assert gateway.wait(30) == 0
        assert not (tmp_path / "gateway.db-wal").exists()
    finally:
        if gateway.poll() is None:
            gateway.kill()
        rasa.close()


def test_a_tracker_store_made_before_is_made_owner_only_at_start(tmp_path):
    """The servers now create files with umask 077; a tracker store (every message) made by an
    earlier version with 0644 is tightened when the launcher starts."""
    from bot.launcher import purge_idle_conversations

    tracker = tmp_path / "tracker.db"
    tracker.touch(mode=0o644)
    tracker.chmod(0o644)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tracker}\n", encoding="utf-8")
    purge_idle_conversations(endpoints)
    assert stat.S_IMODE(tracker.stat().st_mode) == 0o600
