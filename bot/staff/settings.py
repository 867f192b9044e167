"""What the staff pages need from the gateway's configuration, fixed when the app is built."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import sqlalchemy as sa
from aiohttp import web

from bot import paths
from bot.analytics import db
from bot.catalog import Catalog, CatalogError, CatalogStore


@dataclass(frozen=True)
class StaffSettings:
    db_url: str  # the console database (CONSOLE_DB_URL, else .var/console.db)
    procedures: Path  # the catalog directory the officers edit
    trust_proxy: bool  # X-Forwarded-Proto is believed (GATEWAY_TRUST_X_FORWARDED_FOR)
    own_hosts: tuple[str, ...] = ()  # host[:port] of the public address, besides the Host header
    department: str = "Sở Văn hóa, Thể thao và Du lịch"
    catalogs: CatalogStore = field(default=None, repr=False)  # type: ignore[assignment]

    @property
    def engine(self) -> sa.engine.Engine:
        return db.engine(self.db_url)

    def catalog(self) -> Catalog | None:
        """The current catalog (cached, reloaded when a file changes), or None if unreadable."""
        try:
            return self.catalogs.get()
        except CatalogError:
            return None


SETTINGS_KEY = web.AppKey("staff_settings", StaffSettings)


def from_gateway(public_url: str, trust_proxy: bool) -> StaffSettings:
    """Settings for a gateway: the environment is read now (VHTTDL_PROCEDURES_DIR, CONSOLE_DB_URL)."""
    procedures = Path(os.environ.get("VHTTDL_PROCEDURES_DIR") or paths.PROCEDURES)
    host = urlparse(public_url).netloc.lower() if public_url else ""
    department = "Sở Văn hóa, Thể thao và Du lịch"
    try:
        from bot.department import load_department

        department = load_department().name
    except (OSError, KeyError, ValueError):
        pass
    return StaffSettings(db.url(), procedures, trust_proxy, (host,) if host else (), department,
                         CatalogStore(procedures))
