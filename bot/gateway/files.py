"""Filled-in forms for download on the gateway's public port: GET /files/<token>/<filename>.

The files and their expiry live in bot.forms.delivery.FileStore (a folder + SQLite), written by
the action server; the gateway only reads them. Unknown, expired or malformed links all get the
same 404, so nothing can be probed; tokens are never logged. Expired files are purged every
10 minutes.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import quote

from aiohttp import web

from bot.forms.delivery import FileStore

log = logging.getLogger(__name__)
STORE_KEY = web.AppKey("files", FileStore)
PURGER_KEY = web.AppKey("files_purger", asyncio.Task)
PURGE_EVERY_S = 600
NOT_FOUND = "Không tìm thấy tệp, hoặc đường dẫn đã hết hạn.\n"


async def download(request: web.Request) -> web.StreamResponse:
    store = request.app[STORE_KEY]
    found = await asyncio.to_thread(store.find, request.match_info["token"], request.match_info["name"])
    if found is None:
        return web.Response(status=404, text=NOT_FOUND, headers={"Cache-Control": "no-store"})
    path, meta = found
    return web.FileResponse(path, headers={  # streamed from disk, off the event loop
        "Content-Type": meta.content_type,
        "Content-Disposition": f"attachment; filename=\"{meta.filename}\"; filename*=UTF-8''{quote(meta.filename)}",
        "Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer",
    })


async def _purge_forever(app: web.Application) -> None:
    while True:
        await asyncio.sleep(PURGE_EVERY_S)
        try:
            removed = await asyncio.to_thread(app[STORE_KEY].purge)
            if removed:
                log.info("purged %d expired form file(s)", removed)
        except Exception:  # noqa: BLE001 - keep purging later
            log.warning("purging expired form files failed", exc_info=True)


def setup(app: web.Application, store: FileStore | None = None) -> None:
    app[STORE_KEY] = store or FileStore()
    app.router.add_get("/files/{token}/{name}", download)

    async def start(app: web.Application) -> None:
        app[PURGER_KEY] = asyncio.create_task(_purge_forever(app))

    async def stop(app: web.Application) -> None:
        app[PURGER_KEY].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app[PURGER_KEY]

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
