"""Start the whole assistant on one machine: action server, Rasa, and the channel gateway.

    python -m bot run        (what `make run` calls after setting up and training)

Rasa and the action server listen on 127.0.0.1 only: Rasa's REST channel has no authentication.
The gateway (bot/gateway/: demo page + widget endpoint, and Telegram / Zalo OA when configured)
is the only public part. Rasa's and the action server's logs go to .var/log/; this process
prints where to chat and stops everything on Ctrl-C.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from bot import paths

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


def start_servers(rasa_port: int = 5005, actions_port: int = 5055, model: str = "models",
                  endpoints: str = "endpoints.yml", log_dir: Path = LOG_DIR,
                  extra_env: dict[str, str] | None = None) -> list[subprocess.Popen]:
    """Start the action server and Rasa in the background; returns the processes."""
    log_dir.mkdir(parents=True, exist_ok=True)
    (VAR).mkdir(exist_ok=True)
    env = {**rasa_env(), **(extra_env or {})}
    actions = subprocess.Popen(
        [_bin("rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
        cwd=paths.ROOT, env=env, stdout=open(log_dir / "actions.log", "ab"), stderr=subprocess.STDOUT,
    )
    rasa = subprocess.Popen(
        [_bin("rasa"), "run", "--model", model, "--endpoints", endpoints, "--credentials", "credentials.yml",
         "--interface", "127.0.0.1", "--port", str(rasa_port)],
        cwd=paths.ROOT, env=env, stdout=open(log_dir / "rasa.log", "ab"), stderr=subprocess.STDOUT,
    )
    return [actions, rasa]


def wait_until_ready(rasa_port: int, actions_port: int, processes: list[subprocess.Popen], timeout: float = 180) -> None:
    """Block until Rasa answers a message and the action server is up, or raise RuntimeError."""
    deadline = time.monotonic() + timeout
    urls = [f"http://127.0.0.1:{actions_port}/health", f"http://127.0.0.1:{rasa_port}/"]
    while time.monotonic() < deadline:
        for p in processes:
            if p.poll() is not None:
                raise RuntimeError(f"{' '.join(map(str, p.args[:3]))} exited with code {p.returncode}")
        try:
            if all(requests.get(u, timeout=2).ok for u in urls):
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"servers not ready after {timeout:.0f} s")


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


def purge_idle_conversations() -> None:
    """Retention: conversations idle for over a day leave the tracker store (bot/privacy.py)."""
    from bot.analytics.recorder import purge_texts
    from bot.privacy import DEFAULT_HOURS, purge_conversations, tracker_store_url

    try:
        purge_texts(DEFAULT_HOURS)  # the staff console's masked texts go with the conversations
        url = tracker_store_url(paths.ROOT / "endpoints.yml")
        if url:
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

    purge_idle_conversations()
    hint = load_demo_dossiers()
    if hint:
        print(hint, flush=True)
    print("Starting the action server and Rasa (about 20 s)... logs: .var/log/", flush=True)
    # Download links of filled-in forms point at the gateway, which serves /files/.
    public = os.environ.get("GATEWAY_PUBLIC_URL") or f"http://localhost:{web_port}"
    files_url = {"VHTTDL_FILES_BASE_URL": os.environ.get("VHTTDL_FILES_BASE_URL") or public}
    processes = start_servers(rasa_port, actions_port, extra_env=files_url)
    try:
        wait_until_ready(rasa_port, actions_port, processes)
        warm_up(rasa_port)
    except KeyboardInterrupt:
        stop(processes)
        return 130
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for name in ("actions.log", "rasa.log"):
            print(f"--- last lines of .var/log/{name}\n{_tail(LOG_DIR / name)}", file=sys.stderr)
        stop(processes)
        return 1
    banner = (f"\nTrợ lý đã sẵn sàng. Mở trình duyệt: http://localhost:{web_port}\n"
              f"Bảng điều khiển cán bộ: http://localhost:{web_port}/staff "
              "(tài khoản: .venv/bin/python -m bot staff add TÊN --role admin)\n"
              f"Rasa REST (loopback only): http://127.0.0.1:{rasa_port}/webhooks/rest/webhook\n"
              "Nhấn Ctrl-C để dừng.")
    serve(banner=banner, on_stop=lambda: (stop(processes), print("Stopped.")),
          port=web_port, rasa_url=f"http://127.0.0.1:{rasa_port}")
    return 0
