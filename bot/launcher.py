"""Start the whole assistant on one machine: action server, Rasa, and the channel gateway.

    python -m bot run        (what `make run` calls after setting up and training)

Rasa and the action server listen on 127.0.0.1 only: Rasa's REST channel has no authentication.
The gateway (bot/gateway/: demo page + widget endpoint, and Telegram / Zalo OA when configured)
is the only public part. Rasa's and the action server's logs go to .var/log/ (personal data
masked, rotated). This process prints where to chat, restarts a server that stops or hangs
(bot/supervisor.py), and stops everything on Ctrl-C or SIGTERM: the gateway first (turns in
flight finish), then Rasa, then the action server.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests
import yaml

from bot import paths
from bot.shared_state import make_private, sqlite_file
from bot.supervisor import Service, Supervisor, say

VAR = paths.ROOT / ".var"
LOG_DIR = VAR / "log"


def rasa_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SANIC_HOST": "127.0.0.1",  # the action server binds here (rasa_sdk reads SANIC_HOST)
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def endpoints_for(actions_port: int, source: Path = paths.ROOT / "endpoints.yml", run_dir: Path = VAR / "run") -> Path:
    """`source` with the action server's URL on `actions_port` (endpoints.yml names 5055, which
    `--actions-port` must be able to change); written to `run_dir`, returned."""
    config = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    config["action_endpoint"] = {**(config.get("action_endpoint") or {}),
                                 "url": f"http://127.0.0.1:{actions_port}/webhook"}
    run_dir.mkdir(parents=True, exist_ok=True)
    target = run_dir / "endpoints.yml"
    target.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def services(rasa_port: int = 5005, actions_port: int = 5055, model: str = "models",
             endpoints: str | None = None, log_dir: Path = LOG_DIR,
             extra_env: dict[str, str] | None = None) -> list[Service]:
    """The action server and Rasa on loopback, in the order they start."""
    endpoints = endpoints or str(endpoints_for(actions_port))
    env = {**rasa_env(), **(extra_env or {})}
    return [
        Service("action server", [_bin("rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
                log_dir / "actions.log", f"http://127.0.0.1:{actions_port}/health", env, actions_port),
        Service("Rasa", [_bin("rasa"), "run", "--model", model, "--endpoints", endpoints,
                         "--credentials", "credentials.yml", "--interface", "127.0.0.1", "--port", str(rasa_port)],
                log_dir / "rasa.log", f"http://127.0.0.1:{rasa_port}/", env, rasa_port),
    ]


def start_servers(rasa_port: int = 5005, actions_port: int = 5055, model: str = "models",
                  endpoints: str | None = None, log_dir: Path = LOG_DIR,
                  extra_env: dict[str, str] | None = None, **supervision: float) -> Supervisor:
    """Start the action server and Rasa in the background (RuntimeError if a port is taken)."""
    VAR.mkdir(exist_ok=True)
    sup = Supervisor(services(rasa_port, actions_port, model, endpoints, log_dir, extra_env), paths.ROOT,
                     **supervision)
    sup.start()
    return sup


def warm_up(rasa_port: int) -> None:
    """One question through Rasa and the action server, so the first citizen does not wait for
    the model's first inference and the catalog index (about 2 s on 2 cores)."""
    import uuid

    url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
    try:
        requests.post(url, json={"sender": f"warmup-{uuid.uuid4().hex[:8]}", "message": "phí thẻ hướng dẫn viên"},
                      timeout=60)
    except requests.RequestException:
        pass  # the assistant still works; the first answer is only slower


def stop(processes: list[subprocess.Popen]) -> None:
    """End plain processes (benchmarks start their own); the assistant's are ended by
    Supervisor.stop()."""
    for p in processes:
        if p.poll() is None:
            p.terminate()
    for p in processes:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def purge_idle_conversations(endpoints: Path = paths.ROOT / "endpoints.yml") -> None:
    """Retention: conversations idle for over a day leave the tracker store (bot/privacy.py).
    A SQLite tracker store made before the servers ran with umask 077 is made owner-only too."""
    from bot.analytics.recorder import purge_texts
    from bot.privacy import DEFAULT_HOURS, purge_conversations, tracker_store_url

    try:
        purge_texts(DEFAULT_HOURS)  # the staff console's masked texts go with the conversations
        url = tracker_store_url(endpoints)
        if url:
            tracker = sqlite_file(url)
            if tracker is not None and tracker.exists():
                make_private(tracker)
            purge_conversations(url)
    except Exception as exc:  # noqa: BLE001 - never stop the assistant from starting
        print(f"warning: could not purge old conversations ({type(exc).__name__})", file=sys.stderr)


def load_demo_dossiers() -> str | None:
    """The embedded dossier store at start-up; returns a line to print, or None.

    - the file exists and can be read (even empty): left as it is, never filled with demo data;
    - the file exists but cannot be read (corrupt): a warning on stderr naming the file and the
      fix; the assistant still starts and lookups answer that the system is unavailable;
    - there is no file: the made-up demo set is loaded, unless VHTTDL_DOSSIER_DEMO=0 (the demo
      set is the default of `make run`; a production deployment turns it off)."""
    import datetime as dt

    from bot.catalog import load_catalog
    from bot.dossiers.demo import demo_dossiers
    from bot.dossiers.source import default_db_path
    from bot.dossiers.sqlite_source import SqliteSource, repair_hint, store_problem

    if os.environ.get("VHTTDL_DOSSIER_SOURCE", "sqlite").strip().lower() != "sqlite":
        return None
    path = default_db_path()
    if path.exists():
        problem = store_problem(path)
        if problem:
            print(f"WARNING: the dossier store {path} cannot be read ({problem}). The assistant starts, but "
                  f"dossier lookups answer that the system is unavailable. To fix: {repair_hint(path)}, then "
                  "restart.", file=sys.stderr, flush=True)
        return None
    if os.environ.get("VHTTDL_DOSSIER_DEMO", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    dossiers = demo_dossiers(load_catalog(), dt.date.today())
    SqliteSource(path).add_all(dossiers)
    sample = next(d for d in dossiers if d.status == "yeu_cau_bo_sung")
    return (f"No dossier store at {path}: created it with {len(dossiers)} MADE-UP demo dossiers (the default "
            f"of `make run`; set VHTTDL_DOSSIER_DEMO=0 where real dossiers are served). Try {sample.code} "
            f"(4 số cuối điện thoại: {sample.applicant_phone[-4:]}); see `python -m bot dossiers list`.")


def run(web_port: int = 8080, rasa_port: int = 5005, actions_port: int = 5055) -> int:
    from bot.gateway import serve
    from bot.supervisor import port_in_use

    # SIGTERM (systemd, docker, kill) stops everything like Ctrl-C, also while starting.
    signal.signal(signal.SIGTERM, _interrupt)
    if port_in_use(web_port):
        print(f"error: port {web_port} is already in use (is another assistant still running? stop it, "
              "or choose another port with --web-port)", file=sys.stderr)
        return 1
    purge_idle_conversations()
    hint = load_demo_dossiers()
    if hint:
        print(hint, flush=True)
    print("Starting the action server and Rasa (about 20 s)... logs: .var/log/", flush=True)
    # Download links of filled-in forms point at the gateway, which serves /files/.
    public = os.environ.get("GATEWAY_PUBLIC_URL") or f"http://localhost:{web_port}"
    files_url = {"VHTTDL_FILES_BASE_URL": os.environ.get("VHTTDL_FILES_BASE_URL") or public}
    sup: Supervisor | None = None
    try:
        sup = start_servers(rasa_port, actions_port, extra_env=files_url)
        sup.wait_until_ready()
        warm_up(rasa_port)
    except KeyboardInterrupt:
        if sup:
            sup.stop()
        return 130
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for name in ("actions.log", "rasa.log"):
            print(f"--- last lines of .var/log/{name}\n{_tail(LOG_DIR / name)}", file=sys.stderr)
        if sup:
            sup.stop()
        return 1
    # From now on a crashed or hung server is restarted; if that keeps failing, stop everything.
    sup.watch(on_give_up=lambda service: os.kill(os.getpid(), signal.SIGTERM))
    banner = (f"\nTrợ lý đã sẵn sàng. Mở trình duyệt: http://localhost:{web_port}\n"
              f"Bảng điều khiển cán bộ: http://localhost:{web_port}/staff "
              "(tài khoản: .venv/bin/python -m bot staff add TÊN --role admin)\n"
              f"Rasa REST (loopback only): http://127.0.0.1:{rasa_port}/webhooks/rest/webhook\n"
              "Nhấn Ctrl-C để dừng.")
    serve(banner=banner, on_stop=lambda: (sup.stop(), say("stopped")),
          port=web_port, rasa_url=f"http://127.0.0.1:{rasa_port}", actions_url=f"http://127.0.0.1:{actions_port}")
    if sup.gave_up is not None:
        print(f"error: the {sup.gave_up.name} could not be kept running; last lines of {sup.gave_up.log}:\n"
              f"{_tail(sup.gave_up.log)}", file=sys.stderr)
        return 1
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
