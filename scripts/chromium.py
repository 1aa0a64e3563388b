"""Headless Chromium as ``make screenshots`` and the browser tests (tests/e2e) launch it, and the
watch both keep on the static files their pages load.

Debian's build, driven by Playwright (its own browser download is blocked here), with every
background service that would reach the network turned off.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Request, Response

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: What a page loads beside itself: its stylesheets, scripts, images and fonts.
ASSET_TYPES = frozenset({"stylesheet", "script", "image", "font"})


class AssetWatch:
    """Every static asset (a URL under ``/static/``, or any stylesheet, script, image or font) that
    the pages of one browser context ask for: the paths that loaded and those that did not.

    A page whose stylesheet or script answers 404 still renders, unstyled and without its
    countdown, so a walk through the pages says nothing unless it looks at these too. A response
    of 400 or more, or a request that never got one, is a failure; a redirect counts by where it ends.
    The page's icon, which the browser fetches on its own, fails only by its response.
    """

    def __init__(self, context: BrowserContext, static_url: str = "/static/") -> None:
        self.static_url = static_url
        self.loaded: list[str] = []
        self.failed: list[str] = []
        context.on("response", self._response)
        context.on("requestfailed", self._request_failed)

    def _is_asset(self, request: Request) -> bool:
        return request.resource_type in ASSET_TYPES or urlsplit(request.url).path.startswith(self.static_url)

    def _response(self, response: Response) -> None:
        if not self._is_asset(response.request) or 300 <= response.status < 400:
            return
        path = urlsplit(response.url).path
        if response.status >= 400:
            self.failed.append(f"{path}: {response.status}")
        else:
            self.loaded.append(path)

    def _request_failed(self, request: Request) -> None:
        if not self._is_asset(request):
            return
        if request.failure == "net::ERR_ABORTED" and request.resource_type not in ASSET_TYPES:
            # The page's icon, which the browser fetches on its own and drops when the page is left;
            # an icon that answers 404 is still caught by its response.
            return
        self.failed.append(f"{urlsplit(request.url).path}: {request.failure}")
