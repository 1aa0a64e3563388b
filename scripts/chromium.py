"""Headless Chromium as ``make screenshots`` and the browser tests (tests/e2e) launch it.

Debian's build, driven by Playwright (its own browser download is blocked here), with every
background service that would reach the network turned off.
"""

import shutil

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
