"""The production service definitions (deploy/): every part restarts and is health-checked, the
commands they run exist, and the health-check script tells a live part from a dead one."""
from __future__ import annotations

import configparser
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.cli import build_parser
from tests.gateway_fakes import FakeRasa

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keep the case of systemd's keys
    parser.read_string((DEPLOY / "systemd" / name).read_text(encoding="utf-8").replace("\\\n", " "))
    return parser


def project_command(argv: list[str]) -> None:
    """Fail unless `python -m bot ...` accepts these arguments."""
    build_parser().parse_args(argv)


@pytest.mark.parametrize("name", ["vhttdl-actions.service", "vhttdl-rasa@.service", "vhttdl-gateway.service"])
def test_every_long_running_unit_restarts_and_stops_gracefully(name):
    service = unit(name)["Service"]
    assert service["Restart"] == "always" and service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) >= 30 and service["UMask"] == "0077"
    assert unit(name)["Unit"]["StartLimitBurst"] == "5"  # then the unit fails visibly


def test_units_run_commands_that_exist():
    assert unit("vhttdl-gateway.service")["Service"]["ExecStart"].split()[1:] == ["-m", "bot", "gateway"]
    project_command(["gateway"])
    purge = unit("vhttdl-purge.service")["Service"]["ExecStart"].split()
    project_command(purge[purge.index("bot") + 1:])
    assert (ROOT / purge[purge.index("--endpoints") + 1]).is_file()
    rasa = unit("vhttdl-rasa@.service")["Service"]["ExecStart"].split()
    assert rasa[rasa.index("--interface") + 1] == "127.0.0.1"  # Rasa's REST channel has no authentication
    assert (ROOT / rasa[rasa.index("--endpoints") + 1]).is_file()
    target = unit("vhttdl.target")["Unit"]["Wants"].split()
    for wanted in target:
        template = wanted.split("@")[0] + "@.service" if "@" in wanted else wanted
        assert (DEPLOY / "systemd" / template).is_file(), wanted


def test_compose_restarts_and_checks_every_service():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "actions", "rasa-a", "rasa-b", "gateway"} <= set(services)
    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"][0] == "CMD", name
    published = [name for name, s in services.items() if s.get("ports")]
    assert published == ["gateway"]  # Rasa and the action server stay on the private network
    assert services["gateway"]["environment"]["RASA_URL"] == "http://rasa-a:5005,http://rasa-b:5005"
    project_command(services["gateway"]["command"][3:])
    env_names = {line.split("=")[0] for line in (DEPLOY / "vhttdl.env.example").read_text().splitlines()
                 if line and not line.startswith("#")}
    production = "\n".join(line.split("#")[0] for line in
                           (ROOT / "endpoints.production.yml").read_text(encoding="utf-8").splitlines())
    import re

    assert set(re.findall(r"\$\{(\w+)\}", production)) <= env_names


def run_healthcheck(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(DEPLOY / "healthcheck.sh")], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=60)


def test_healthcheck_script_tells_live_from_dead(tmp_path):
    from bot.gateway import BackgroundGateway
    from bot.gateway.config import load_config

    rasa = FakeRasa()  # answers "/" like Rasa and "/health" like the action server
    try:
        config = load_config(file=tmp_path / "none.yml", env={}, port=0, rasa_url=rasa.url, state_dir=tmp_path)
        with BackgroundGateway(config) as gw:
            port = gw.url.rsplit(":", 1)[1]
            good = run_healthcheck({"ACTIONS_URL": rasa.url, "RASA_URL": rasa.url, "GATEWAY_PORT": port})
            assert good.returncode == 0, good.stdout
            assert good.stdout.count("ok    ") == 3
            bad = run_healthcheck({"ACTIONS_URL": "http://127.0.0.1:9", "RASA_URL": f"{rasa.url},http://127.0.0.1:9",
                                   "GATEWAY_PORT": port})
            assert bad.returncode == 1
            assert "DOWN  action server" in bad.stdout and "DOWN  Rasa 9" in bad.stdout
            assert "ok    gateway" in bad.stdout
    finally:
        rasa.close()


def test_production_endpoints_take_their_values_from_the_environment(monkeypatch):
    """Read by Rasa's own reader: it replaces ${VAR} only in unquoted values (a quoted "${DB_HOST}"
    reached PostgreSQL as a host name, and Rasa fell back to keeping conversations in memory)."""
    from rasa.core.utils import AvailableEndpoints

    values = {"ACTION_SERVER_URL": "http://actions:5055/webhook", "DB_HOST": "db.internal", "DB_PORT": "5432",
              "DB_NAME": "vhttdl", "DB_USER": "vhttdl", "DB_PASSWORD": "pw", "REDIS_HOST": "redis.internal",
              "REDIS_PORT": "6379", "REDIS_PASSWORD": ""}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.production.yml"))
    assert endpoints.action.url == "http://actions:5055/webhook"
    tracker = endpoints.tracker_store
    assert tracker.url == "db.internal" and tracker.kwargs["db"] == "vhttdl" and tracker.kwargs["password"] == "pw"
    assert str(tracker.kwargs["port"]) == "5432" and tracker.kwargs["username"] == "vhttdl"
    assert endpoints.lock_store.url == "redis.internal" and str(endpoints.lock_store.kwargs["port"]) == "6379"


def test_masked_runs_a_server_with_its_output_masked():
    """What the units and compose.yaml start Rasa and the action server through: the journal and
    `docker logs` get the output with personal data masked, the server's exit code, and the
    service manager's SIGTERM reaches the server."""
    import signal
    import sys

    server = ("import signal, sys, time\n"
              "signal.signal(signal.SIGTERM, lambda *a: (print('stopping, last message 0912345678', flush=True), "
              "sys.exit(0)))\n"
              "print('Failed to parse arguments in line /inform{\"cccd\": \"079201001234\"}', flush=True)\n"
              "time.sleep(30)\n")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "masked", "--", sys.executable, "-c", server], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    assert "[CCCD]" in first and "079201001234" not in first
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "[SĐT]" in rest and "0912345678" not in rest
    failing = subprocess.run([sys.executable, "-m", "bot", "masked", "--", sys.executable, "-c", "raise SystemExit(3)"],
                             cwd=ROOT, capture_output=True, timeout=20)
    assert failing.returncode == 3


def test_units_and_compose_start_the_servers_masked():
    for name in ("vhttdl-actions.service", "vhttdl-rasa@.service"):
        argv = unit(name)["Service"]["ExecStart"].split()
        assert argv[1:5] == ["-m", "bot", "masked", "--"] and argv[5].endswith("/rasa")
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))["services"]
    for name in ("actions", "rasa-a", "rasa-b"):
        assert compose[name]["command"][:5] == ["python", "-m", "bot", "masked", "--"], name
    project_command(["masked", "--", "rasa", "run"])
