"""Write one benchmark's results into its own section of docs/benchmarks.md."""
from __future__ import annotations

import datetime as dt
import os
import platform
import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
INTRO = """# Benchmarks

Every section below is written by the command it shows; rerun that command to reproduce it.
Numbers come from the machine named in each section (the project's reference machine is a
2-core VM with 24 GiB RAM, no GPU).
"""


def machine() -> str:
    cpu = ""
    try:
        cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
    except OSError:
        pass
    return f"{os.cpu_count()} CPU ({cpu or platform.processor()}), Python {platform.python_version()}"


def write_section(title: str, command: str, body: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else INTRO
    begin, end = f"<!-- BEGIN {title} -->", f"<!-- END {title} -->"
    section = (f"{begin}\n## {title}\n\n`{command}` — {dt.date.today().isoformat()}, {machine()}\n\n"
               f"{body.rstrip()}\n{end}")
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text, encoding="utf-8")
