"""The department's own details (data/department.yml): name, one-stop centre, hotline, hours."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import paths


@dataclass(frozen=True)
class Department:
    name: str
    short_name: str
    centre_name: str
    centre_address: str
    postal_address: str
    hotline: str
    email: str
    working_hours: str
    provincial_portal: str
    national_portal: str
    website: str
    popular_procedures: tuple[str, ...]
    example: bool = True


def load_department(path: Path | None = None) -> Department:
    raw = yaml.safe_load((path or paths.DEPARTMENT).read_text(encoding="utf-8")) or {}
    centre = raw.get("one_stop_centre") or {}
    return Department(
        name=raw["name"],
        short_name=raw.get("short_name", raw["name"]),
        centre_name=centre.get("name", ""),
        centre_address=centre.get("address", ""),
        postal_address=centre.get("postal_address", centre.get("address", "")),
        hotline=str(raw["hotline"]),
        email=raw.get("email", ""),
        working_hours=raw.get("working_hours", ""),
        provincial_portal=raw.get("provincial_portal", ""),
        national_portal=raw.get("national_portal", "https://dichvucong.gov.vn"),
        website=raw.get("website", ""),
        popular_procedures=tuple(raw.get("popular_procedures") or ()),
        example=bool(raw.get("example", True)),
    )
