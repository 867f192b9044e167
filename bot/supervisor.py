"""Keep the assistant's background processes (the action server and Rasa) running.

    sup = Supervisor([Service("action server", argv, log, health_url), ...], cwd=ROOT)
    sup.start()                  # start every service
    sup.wait_until_ready(180)    # every health URL answers, or RuntimeError
    sup.watch(on_give_up=...)    # from now on, restart what stops or hangs
    ...
    sup.stop()                   # Rasa first (it calls the actions), then the action server

What it does, so that one crash never leaves citizens without answers for long:
- a service that exits is restarted after a back-off (1, 2, 4, 8, 16, 30 s), and every restart is
  logged on the launcher's output with the exit code;
- a service that is alive but has not answered its health URL for `hang_after` seconds is killed
  and restarted the same way (after a (re)start it has `start_grace` seconds to answer first:
  Rasa loads its model);
- after `max_restarts` restarts within `window` seconds it gives up: `on_give_up(service)` is
  called (the launcher then stops everything and exits with a clear message and code 1), rather
  than restarting a broken installation forever;
- on Linux every child gets SIGTERM when the launcher dies, even by SIGKILL (PR_SET_PDEATHSIG),
  so no orphan keeps a port and fools the next launcher; children run with umask 077, so the
  files they create (Rasa's tracker store: every message) are owner-only;
- the child's output goes through a pump that masks personal data (bot/analytics/masking.py: CCCD,
  phone, dossier codes) and writes an owner-only log file rotated at `LOG_BYTES`.

In production, systemd or a container runtime does the same job per process (deploy/).
"""
from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable

import requests

BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
LOG_BYTES = 10 * 1024 * 1024  # a log file is rotated at this size
LOG_KEEP = 3  # rotated files kept: rasa.log.1 ... rasa.log.3


def say(message: str) -> None:
    """The launcher's own log line (its output is what an operator watches)."""
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} launcher: {message}", file=sys.stderr, flush=True)


@dataclass
class Service:
    name: str  # as an operator reads it: "action server", "Rasa"
    argv: list[str]
    log: Path
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    port: int | None = None  # checked free before the first start
    process: subprocess.Popen | None = field(default=None, repr=False)
    restarts: list[float] = field(default_factory=list, repr=False)  # monotonic times
    last_healthy: float = field(default=0.0, repr=False)
    started: float = field(default=0.0, repr=False)  # monotonic time of the last (re)start
    answered: bool = field(default=False, repr=False)  # healthy at least once since then

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


try:  # loaded here, in the parent: after fork, a multi-threaded process must not load libraries
    _LIBC = ctypes.CDLL("libc.so.6", use_errno=True) if sys.platform.startswith("linux") else None
except OSError:
    _LIBC = None


def _die_with_parent() -> None:
    """In the child, before exec: Linux sends it SIGTERM when the launcher goes away. (Strictly:
    when the launcher's thread that started it ends; the supervisor ends its services before its
    watching thread, see stop().)"""
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


class RotatingLog:
    """An owner-only (0600) log file rotated at `max_bytes`, fed by a pump thread."""

    def __init__(self, path: Path, max_bytes: int = LOG_BYTES, keep: int = LOG_KEEP) -> None:
        self.path, self.max_bytes, self.keep = path, max_bytes, keep
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self._open()

    def _open(self) -> IO[str]:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(self.path, 0o600)  # also when the file existed with wider rights
        return os.fdopen(fd, "a", encoding="utf-8", errors="replace")

    def write(self, line: str) -> None:
        self._file.write(line)
        self._file.flush()
        if self._file.tell() >= self.max_bytes:
            self._rotate()

    def _rotate(self) -> None:
        self._file.close()
        for n in range(self.keep, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            newer = self.path.with_name(f"{self.path.name}.{n - 1}") if n > 1 else self.path
            if newer.exists():
                os.replace(newer, older)
        self._file = self._open()

    def close(self) -> None:
        self._file.close()


def pump(stream: IO[bytes], write: Callable[[str], object]) -> None:
    """Copy a child's output, line by line, with personal data masked (also `python -m bot masked`)."""
    from bot.analytics.masking import mask_log_line

    with stream:
        for raw in iter(stream.readline, b""):
            write(mask_log_line(raw.decode("utf-8", errors="replace")))


def _pump_to_file(stream: IO[bytes], log: RotatingLog) -> None:
    try:
        pump(stream, log.write)
    finally:
        log.close()


class Supervisor:
    def __init__(self, services: list[Service], cwd: Path, backoff: tuple[float, ...] = BACKOFF,
                 max_restarts: int = 5, window: float = 300.0, hang_after: float = 120.0,
                 start_grace: float = 300.0, check_every: float = 1.0) -> None:
        self.services = services
        self.cwd = cwd
        self.backoff = backoff
        self.max_restarts = max_restarts
        self.window = window
        self.hang_after = hang_after
        self.start_grace = start_grace  # a (re)started server may take this long to answer first
        self.check_every = check_every
        self.gave_up: Service | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- starting --------------------------------------------------------------------------------
    def start(self) -> None:
        busy = [s for s in self.services if s.port is not None and port_in_use(s.port)]
        if busy:
            raise RuntimeError("; ".join(
                f"port {s.port} for the {s.name} is already in use (is another assistant still running? "
                f"stop it, or choose another port)" for s in busy))
        for service in self.services:
            self._spawn(service)

    def _spawn(self, service: Service) -> None:
        # umask 077: what the child creates is its owner's only (Rasa's tracker store holds every message).
        process = subprocess.Popen(service.argv, cwd=self.cwd, env={**os.environ, **service.env},
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   umask=0o077, preexec_fn=_die_with_parent if _LIBC is not None else None)
        assert process.stdout is not None
        threading.Thread(target=_pump_to_file, args=(process.stdout, RotatingLog(service.log)),
                         name=f"log {service.name}", daemon=True).start()
        service.process = process
        service.started = service.last_healthy = time.monotonic()
        service.answered = False  # loading (Rasa: its model) until the first healthy answer

    def processes(self) -> list[subprocess.Popen]:
        return [s.process for s in self.services if s.process is not None]

    @staticmethod
    def healthy(service: Service, timeout: float = 2.0) -> bool:
        try:
            return requests.get(service.health_url, timeout=timeout).ok
        except requests.RequestException:
            return False

    def wait_until_ready(self, timeout: float = 180.0) -> None:
        """Block until every service answers its health URL; RuntimeError if one exits or the
        time runs out. Only our own processes count: each must still be running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for s in self.services:
                if not s.alive():
                    code = s.process.returncode if s.process else None
                    raise RuntimeError(f"the {s.name} exited with code {code} while starting (see {s.log})")
            if all(self.healthy(s) for s in self.services):
                for s in self.services:
                    s.last_healthy, s.answered = time.monotonic(), True
                return
            time.sleep(0.5)
        raise RuntimeError(f"the assistant was not ready after {timeout:.0f} s")

    # -- watching --------------------------------------------------------------------------------
    def watch(self, on_give_up: Callable[[Service], None] | None = None) -> None:
        """Restart what stops or hangs, in a background thread, until stop()."""
        def loop() -> None:
            while not self._stopping.wait(self.check_every):
                for service in self.services:
                    if self._stopping.is_set():
                        return
                    try:
                        keep = self._check(service)
                    except Exception as exc:  # noqa: BLE001 - supervision must go on (a full disk...)
                        say(f"could not check or restart the {service.name} ({type(exc).__name__}: {exc})")
                        continue
                    if not keep:
                        self.gave_up = service
                        say(f"the {service.name} was restarted {self.max_restarts} times within "
                            f"{self.window / 60:.0f} min and stopped again; giving up. Its log: {service.log}")
                        if on_give_up:
                            on_give_up(service)
                        return

        self._thread = threading.Thread(target=loop, name="supervisor", daemon=True)
        self._thread.start()

    def _check(self, service: Service) -> bool:
        """Restart `service` if it stopped or hangs; False when it must not be restarted again."""
        if self._stopping.is_set():
            return True
        now = time.monotonic()
        if service.alive():
            if self.healthy(service):
                service.last_healthy, service.answered = now, True
                return True
            # Still loading after a (re)start, or answered before and silent for a while: wait.
            waited = now - (service.last_healthy if service.answered else service.started)
            limit = self.hang_after if service.answered else self.start_grace
            if waited < limit:
                return True
            say(f"the {service.name} has not answered for {waited:.0f} s; restarting it")
            self._end(service, graceful=False)  # a hung server finishes nothing
        else:
            code = service.process.returncode if service.process else None
            say(f"the {service.name} stopped (exit code {code})")
        service.restarts = [t for t in service.restarts if now - t < self.window]
        if len(service.restarts) >= self.max_restarts:
            return False
        delay = self.backoff[min(len(service.restarts), len(self.backoff) - 1)]
        service.restarts.append(now)
        say(f"restarting the {service.name} in {delay:g} s "
            f"(restart {len(service.restarts)} of at most {self.max_restarts} in {self.window / 60:.0f} min)")
        if self._stopping.wait(delay):
            return True
        self._spawn(service)
        return True

    # -- stopping --------------------------------------------------------------------------------
    @staticmethod
    def _end(service: Service, timeout: float = 20.0, graceful: bool = True) -> None:
        p = service.process
        if p is None or p.poll() is not None:
            return
        if not graceful:
            p.kill()
            p.wait(5)
            return
        p.terminate()  # Sanic finishes the requests in flight, then exits
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)

    def stop(self) -> None:
        """Stop restarting, end the services in reverse order of start (Rasa, whose turns in flight
        may still call the action server, before the action server), then stop watching. In that
        order because a child started by the watching thread gets SIGTERM when that thread ends."""
        self._stopping.set()
        for service in reversed(self.services):
            self._end(service)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(35)
