"""The watch that the browser tests and `make screenshots` keep on the assets of their pages
(scripts/chromium.py) catches a stylesheet, a script or an image that does not load."""

import pytest
from playwright.sync_api import Browser

from scripts.chromium import AssetWatch
from tests.linked_assets import BASE_ASSETS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

#: Adds each element and resolves once every one has loaded or failed.
ADD_MISSING_ASSETS = """() => Promise.all([
  ["link", "href", "/static/css/missing.css"],
  ["script", "src", "/static/js/missing.js"],
  ["img", "src", "/static/img/missing.png"],
].map(([tag, attribute, url]) => new Promise(resolve => {
  const element = document.createElement(tag);
  if (tag === "link") { element.rel = "stylesheet"; }
  element.onload = element.onerror = resolve;
  element[attribute] = url;
  document.body.append(element);
})))"""


def ends_with(suffix: str):
    return lambda request: request.url.endswith(suffix)


def test_assets_that_do_not_load_are_caught(browser: Browser, live_server) -> None:
    context = browser.new_context()
    assets = AssetWatch(context)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert set(assets.loaded) >= BASE_ASSETS
    assert assets.failed == []
    # Chromium ends a stylesheet or a script that answered 404 as a failed request, an image as a
    # finished one: each wait ends once the watch, listening first, has seen the last event of its asset.
    with (
        context.expect_event("requestfailed", predicate=ends_with("/missing.css")),
        context.expect_event("requestfailed", predicate=ends_with("/missing.js")),
        context.expect_event("requestfinished", predicate=ends_with("/missing.png")),
    ):
        page.evaluate(ADD_MISSING_ASSETS)
    assert {failure.split(":")[0] for failure in assets.failed} == {
        "/static/css/missing.css",
        "/static/js/missing.js",
        "/static/img/missing.png",
    }
    assert "/static/img/missing.png: 404" in assets.failed
    context.close()
