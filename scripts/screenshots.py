"""Screenshots of the portal's pages at 1280 px and 375 px wide, for docs/screenshots/.

Sets up a throw-away SQLite database with the demo offer, serves it as `make run` does (runserver,
with DEBUG off and the same static files) on a free loopback port, and walks through the pages as
the demo employees in headless Chromium. It fails if any stylesheet, script or image of those pages
did not load, so an unstyled page cannot pass for a screenshot:

    .venv/bin/python scripts/screenshots.py
    .venv/bin/python scripts/screenshots.py --only decision-support   # one walk, not them all
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from chromium import ARGS, CHROMIUM, AssetWatch  # scripts/chromium.py, beside this script
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
#: poppler-utils, which `make` installs, turns a PDF's first page into the PNG the README links.
PDFTOPPM = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"
PASSWORD = "soxp-demo-2026"  # noqa: S105  # the demo password, as in the README


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


#: The staff logins' sessions and authenticator keys, kept across walks: the second factor of a stock
#: administrator is set up at their first sign-in and its code works once per 30 seconds.
SESSIONS: dict[str, list] = {}
SECRETS: dict[str, str] = {}
LAST_STEP: dict[str, int] = {}


def totp_code(email: str) -> str:
    """The next six-digit code of the login's authenticator key (RFC 6238: SHA-1, 30 s, six digits),
    for a time step after the last one used (the portal accepts one step ahead)."""
    step = max(int(time.time() // 30), LAST_STEP.get(email, 0) + 1)
    LAST_STEP[email] = step
    key = base64.b32decode(SECRETS[email].replace(" ", ""))
    digest = hmac.new(key, step.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 15
    return f"{(int.from_bytes(digest[offset : offset + 4], 'big') & 0x7FFFFFFF) % 1_000_000:06d}"


def password_step(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def sign_in(page: Page, base: str, email: str) -> None:
    """Signs in by password; a stock administrator also enrols an app (first time) or types its code.
    A staff login's session is kept and used again, so the second factor is met once a run."""
    if email in SESSIONS:
        page.context.clear_cookies()
        page.context.add_cookies(SESSIONS[email])
        return
    password_step(page, base, email)
    if "/two-factor/enrol/" in page.url:
        SECRETS[email] = page.text_content("#totp-secret").strip()
        page.fill("input[name=code]", totp_code(email))
        page.click("main button[type=submit]")
        page.wait_for_load_state()
    elif "/two-factor/" in page.url:
        page.fill("input[name=code]", totp_code(email))
        page.click("main button[type=submit]")
        page.wait_for_load_state()
    else:
        return
    SESSIONS[email] = page.context.cookies()


def shoot(page: Page, name: str, width: int) -> None:
    page.screenshot(path=OUT / f"{name}-{width}.png", full_page=True)


def invitation_link(base: str, email: str, env: dict[str, str]) -> str:
    code = (
        "from soxp_portal.accounts.invitations import invitation_url; "
        "from soxp_portal.accounts.models import User; "
        f"print(invitation_url(User.objects.get(email='{email}'), base_url='{base}'))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1]


def walk(page: Page, base: str, width: int, env: dict[str, str]) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    shoot(page, "portal-sign-in", width)
    page.goto(f"{base}/accounts/password-reset/")
    shoot(page, "portal-password-reset", width)
    page.goto(invitation_link(base, "lee.leave@example.com", env))
    shoot(page, "portal-invitation", width)
    sign_in(page, base, "sam.slide@example.com")
    shoot(page, "portal-home", width)
    page.goto(f"{base}/offers/demo/grants/")
    shoot(page, "portal-my-options", width)
    page.goto(f"{base}/offers/demo/elect/")
    shoot(page, "portal-election", width)
    page.check("input[name='tender-G-1001'][value='800']")
    page.check("input[name='tender-G-1002'][value='1000']")
    page.click("main button[type=submit]")
    shoot(page, "portal-review", width)
    for box in page.locator("main input[type=checkbox]").all():
        box.check()
    page.fill("input[name=signature]", "Sam Slide")
    page.click("main button[type=submit]")
    shoot(page, "portal-confirmation", width)
    page.goto(f"{base}/offers/demo/withdraw/")
    shoot(page, "portal-withdraw", width)
    # A form loaded before the election changed elsewhere is refused with the election on record.
    stale = page.context.new_page()
    stale.set_viewport_size({"width": width, "height": 900})
    stale.goto(f"{base}/offers/demo/elect/")
    stale.check("input[name='tender-G-1001'][value='0']")
    stale.check("input[name='tender-G-1002'][value='1000']")
    stale.click("main button[type=submit]")
    page.fill("input[name=signature]", "Sam Slide")
    page.check("main input[name=confirm]")
    page.click("main button[type=submit]")
    for box in stale.locator("main input[type=checkbox]").all():
        box.check()
    stale.fill("input[name=signature]", "Sam Slide")
    stale.click("main button[type=submit]")
    shoot(stale, "portal-refused-stale", width)
    stale.close()
    page.goto(f"{base}/offers/demo/elections/")
    shoot(page, "portal-history", width)
    sign_in(page, base, "oscar.officer@example.com")
    shoot(page, "portal-home-not-eligible", width)
    page.goto(f"{base}/offers/demo/grants/")
    shoot(page, "portal-my-options-not-eligible", width)


def walk_decision_support(page: Page, base: str, width: int, env: dict[str, str]) -> None:
    """The Compare page as the slide 9 employee; at 1280 px, the console's decision support section."""
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base, "sam.slide@example.com")
    page.goto(f"{base}/offers/demo/compare/")
    shoot(page, "portal-compare", width)
    page.goto(f"{base}/offers/demo/compare/?split=3")
    shoot(page, "portal-compare-split", width)
    if width == 1280:
        # Every page of the Compare PDF, as the employee downloads it with the 1-for-3 split.
        for old in OUT.glob("pdf-compare-*.png"):
            old.unlink()
        pdf = page.request.get(f"{base}/offers/demo/compare/pdf/?split=3").body()
        subprocess.run([PDFTOPPM, "-png", "-r", "80", "-", str(OUT / "pdf-compare")], input=pdf, check=True)
        sign_in(page, base, "admin@example.com")
        page.goto(f"{base}/console/setup/offers/demo/documents/")
        page.locator("#decision-support").screenshot(path=OUT / f"console-decision-support-{width}.png")


def walk_banded_demo(page: Page, base: str, width: int, env: dict[str, str]) -> None:
    """The two demo offers side by side on the console's dashboard, the banded demo-2009's console page
    and close page (its bands opened), and its employee home as an option holder (US) and an RSU
    holder (GB) see it."""
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base, "admin@example.com")
    page.goto(f"{base}/console/")
    shoot(page, "console-two-demos", width)
    page.goto(f"{base}/console/offers/demo-2009/")
    shoot(page, "console-demo-2009", width)
    page.goto(f"{base}/console/offers/demo-2009/close/")  # the plan is worked out at the first visit
    page.goto(f"{base}/console/offers/demo-2009/close/")
    page.locator("#ratio-terms details").first.evaluate("node => { node.open = true; }")
    shoot(page, "console-close-demo-2009", width)
    for email, name in (("bea.bandone@example.com", "options"), ("rhys.units@example.com", "rsus")):
        sign_in(page, base, email)
        page.goto(f"{base}/")
        shoot(page, f"portal-demo-2009-home-{name}", width)


def walk_how_it_works(page: Page, base: str, width: int, env: dict[str, str]) -> None:
    """How the exchange works as the slide 9 employee; at 1280 px, the first page of its PDF too."""
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base, "sam.slide@example.com")
    page.goto(f"{base}/offers/demo/how-it-works/")
    shoot(page, "portal-how-it-works", width)
    if width == 1280:
        pdf = page.request.get(f"{base}/offers/demo/how-it-works/pdf/").body()
        subprocess.run(
            [
                PDFTOPPM,
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                "-",
                str(OUT / "pdf-how-it-works"),
            ],
            input=pdf,
            check=True,
        )


def choose(page: Page, choices: dict[str, int]) -> None:
    """Ticks, on the election form, Exchange (the grant's shares) or Keep (0) for each grant, in order."""
    for grant_id, shares in choices.items():
        page.check(f"input[name='tender-{grant_id}'][value='{shares}']")


def walk_lookback(page: Page, base: str, width: int, env: dict[str, str]) -> None:
    """The lookback rule as the slide 9 employee meets it (G-1004 is the lookback grant): another grant
    brings it along on the form and the review; alone, it is reviewed as such; Keep for all is not an
    election; without JavaScript the server explains. Nothing is submitted."""
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base, "sam.slide@example.com")
    page.goto(f"{base}/offers/demo/elect/")
    choose(page, {"G-1001": 800, "G-1002": 0})
    shoot(page, "portal-election-lookback-brought-along", width)
    page.click("text=Review my election")
    shoot(page, "portal-review-lookback-brought-along", width)

    page.goto(f"{base}/offers/demo/elect/")
    choose(page, {"G-1001": 0, "G-1002": 0, "G-1004": 500})
    page.click("text=Review my election")
    shoot(page, "portal-review-lookback-alone", width)

    page.goto(f"{base}/offers/demo/elect/")
    choose(page, {"G-1001": 0, "G-1002": 0, "G-1004": 0})
    page.click("text=Review my election")
    shoot(page, "portal-election-keep-all", width)

    if width == 1280:
        without_script = page.context.browser.new_context(java_script_enabled=False)
        watch = AssetWatch(without_script)
        plain = without_script.new_page()
        plain.set_viewport_size({"width": width, "height": 900})
        sign_in(plain, base, "sam.slide@example.com")
        plain.goto(f"{base}/offers/demo/elect/")
        choose(plain, {"G-1001": 800, "G-1002": 0, "G-1004": 0})
        plain.click("text=Review my election")
        shoot(plain, "portal-election-lookback-no-javascript", width)
        without_script.close()
        if watch.failed:
            sys.exit(f"These assets did not load without JavaScript: {sorted(set(watch.failed))}")


IN_PROGRESS = """
from datetime import timedelta
from django.utils import timezone
from soxp_portal.accounts.models import User
from soxp_portal.closing.models import ExportFile, StepRun
from soxp_portal.offers.models import Offer
offer, now = Offer.objects.get(slug="soxp-2003"), timezone.now()
admin = User.objects.get(email="admin@example.com")
StepRun.objects.filter(offer=offer).delete()
ExportFile.objects.filter(offer=offer).delete()
asked = dict(offer=offer, requested_by=admin, requested_at=now - timedelta(seconds=24))
running = dict(state="running", attempts=1, started_at=now - timedelta(seconds=23), heartbeat_at=now)
StepRun.objects.create(
    step="accept", stage="Deciding each final election", done=21000, total=55725, **asked, **running
)
ExportFile.objects.create(
    export="eligibility", fmt="xlsx", stage="Writing the rows", done=152000, total=400000, **asked, **running
)
"""


PLAN = """
import uuid
from soxp_portal.closing.models import ClosePreviewRun, StepRun
from soxp_portal.offers.actions import ElectionError, submit_election
from soxp_portal.offers.models import Election, Employee, Grant, Offer
offer = Offer.objects.get(slug="demo")
StepRun.objects.filter(offer=offer).delete()
ClosePreviewRun.objects.filter(offer=offer).delete()
if not Election.objects.filter(offer=offer).exists():
    for employee in Employee.objects.select_related("user").order_by("employee_id"):
        tendered = {g.grant_id: g.outstanding_shares for g in employee.grants.all() if g.outstanding_shares}
        for grant_id in list(tendered):
            try:
                submit_election(offer, employee, tendered, actor=employee.user, signature=employee.full_name,
                                expected_version=0, submission_token=uuid.uuid4())
                break
            except ElectionError:
                tendered.pop(grant_id)
    elected = list(Election.objects.filter(offer=offer).order_by("employee__employee_id"))
    gone = elected[0].employee
    gone.status, gone.termination_date = Employee.Status.TERMINATED, offer.cancellation_date()
    gone.save()
    line = elected[1].tendered_grants.select_related("grant").first()
    line.grant.shares_exercised = line.grant.shares_granted // 4
    line.grant.save()
"""
CENSUS_CHANGE = """
from soxp_portal.offers.models import Employee
employee = Employee.objects.order_by("-employee_id").first()
employee.save()
"""


def walk_close_preview(page: Page, base: str, width: int, env: dict[str, str]) -> None:
    """The demo offer's close page with its plan (the pre-close reconciliation) worked out by its run, at
    the first visit (the immediate task backend of `make run`), then out of date after a census change."""
    for snippet in (PLAN, None, CENSUS_CHANGE, None):
        if snippet is None:
            page.goto(f"{base}/console/offers/demo/close/")
            shoot(
                page,
                "console-close-preview"
                if page.locator("#plan-out-of-date").count() == 0
                else "console-close-preview-out-of-date",
                width,
            )
            continue
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", snippet],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        page.set_viewport_size({"width": width, "height": 900})
        sign_in(page, base, "admin@example.com")


def walk_close_progress(page: Page, base: str, width: int, env: dict[str, str]) -> None:
    """The close page of the 2003 offer while its tenders are being accepted in the background, and its
    exports page while a spreadsheet file is made (runs recorded as a worker would leave them halfway)."""
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", IN_PROGRESS],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base, "admin@example.com")
    page.goto(f"{base}/console/offers/soxp-2003/close/")
    page.wait_for_selector("[data-progress-url]")
    shoot(page, "console-close-step-in-progress", width)
    page.goto(f"{base}/console/offers/soxp-2003/exports/")
    page.wait_for_selector("[data-progress-url]")
    shoot(page, "console-exports-file-in-progress", width)


def walk_banded(page: Page, base: str, width: int, env: dict[str, str]) -> None:
    """The Compare page of the banded demo-2009 (issue 15): Ben Bandwidth (US) receives new options for
    grants in three price bands, Rhys Units (GB) RSUs; My options banded, and at 1280 px an RSU review."""
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base, "ben.bandwidth@example.com")
    page.goto(f"{base}/offers/demo-2009/compare/")
    shoot(page, "portal-compare-banded", width)
    page.goto(f"{base}/offers/demo-2009/grants/")
    shoot(page, "portal-my-options-banded", width)
    sign_in(page, base, "rhys.units@example.com")
    page.goto(f"{base}/offers/demo-2009/compare/")
    shoot(page, "portal-compare-rsu", width)
    if width == 1280:
        page.goto(f"{base}/offers/demo-2009/elect/")
        for choice in page.locator("main input[data-choice=exchange]").all():
            choice.check()
        page.click("main button[type=submit]")
        shoot(page, "portal-review-rsu", width)


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """runserver as `make run` starts it, on a free loopback port, once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=1)  # noqa: S310
            break
        except OSError:
            time.sleep(0.1)
    return server, base


def walk_sign_in_security(page: Page, base: str, width: int, env: dict[str, str]) -> None:
    """The second factor as the demo auditor meets it (enrolment, recovery codes, the code), the
    console's resets as the administrator; then single sign-on through the test suite's OpenID Connect
    provider on 127.0.0.1, with a server of its own configured for it (and one with passwords off).
    At 1280 px only."""
    if width != 1280:
        return
    page.set_viewport_size({"width": width, "height": 900})
    auditor = "auditor@example.com"
    if auditor not in SECRETS:
        password_step(page, base, auditor)
        shoot(page, "accounts-second-factor-enrol", width)
        SECRETS[auditor] = page.text_content("#totp-secret").strip()
        page.fill("input[name=code]", totp_code(auditor))
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        shoot(page, "accounts-recovery-codes", width)
    password_step(page, base, auditor)
    shoot(page, "accounts-second-factor", width)
    sign_in(page, base, "admin@example.com")
    page.goto(f"{base}/console/setup/second-factors/")
    shoot(page, "console-second-factors", width)

    sys.path.insert(0, str(ROOT))
    from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

    provider = Provider().start()
    sso = {
        **env,
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_PROVIDER_NAME": "Example Corp",
    }
    servers = []
    try:
        server, sso_base = serve(sso)
        servers.append(server)
        page.context.clear_cookies()
        page.goto(f"{sso_base}/accounts/login/")
        shoot(page, "accounts-sign-in-sso", width)
        provider.claims = {"sub": "stranger", "email": "stranger@example.com"}
        page.click("#sso-sign-in")
        page.wait_for_load_state()
        shoot(page, "accounts-sso-refused", width)
        provider.claims = {"sub": "sam", "email": "sam.slide@example.com", "email_verified": True}
        page.goto(f"{sso_base}/accounts/login/")
        page.click("#sso-sign-in")
        page.wait_for_load_state()
        page.click("nav form[action$='/logout/'] button")
        page.wait_for_load_state()
        shoot(page, "accounts-signed-out", width)
        server, only_base = serve({**sso, "PASSWORD_SIGN_IN": "false"})
        servers.append(server)
        page.goto(f"{only_base}/accounts/login/")
        shoot(page, "accounts-sign-in-sso-only", width)
    finally:
        for server in servers:
            server.terminate()
            server.wait()
        provider.stop()


#: Three option bands on the demo offer (which has one flat ratio), for the Exchange ratios page.
DEMO_BANDS = (
    "from decimal import Decimal as D; from soxp_portal.offers.models import Offer, PriceBand; "
    "offer = Offer.objects.get(slug='demo'); "
    "[PriceBand.objects.get_or_create(offer=offer, position=n, defaults=dict(lower=D(lo), "
    "upper=None if hi is None else D(hi), ratio_new=D(1), ratio_tendered=D(t))) "
    "for n, lo, hi, t in ((1, '0', '5', '1.5'), (2, '5', '10', '2'), (3, '10', None, '3'))]"
)


def walk_ratios(page: Page, base: str, width: int, env: dict[str, str]) -> None:
    """The console's Exchange ratios page with its Black-Scholes working, the demo offer given three
    price bands; at 1280 px (the working is a wide table)."""
    if width != 1280:
        return
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", DEMO_BANDS],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base, "admin@example.com")
    page.goto(f"{base}/console/setup/offers/demo/ratios/")
    for name, value in (
        ("share_price", "4.20"),
        ("volatility_percent", "55"),
        ("risk_free_rate_percent", "2.5"),
        ("new_term_years", "4"),
        ("old_term_years", "3"),
        ("target_percent", "90"),
    ):
        page.fill(f"input[name={name}]", value)
    page.click("button[value=propose]")
    page.wait_for_selector("#working")
    shoot(page, "console-ratios", width)


#: A banded offer still to open, so that its terms can be edited: exchange-2009's terms and bands moved by
#: whole weeks to open about four months from now, created by the console's own action.
UPCOMING_BANDED = (
    "from datetime import date, timedelta; "
    "from soxp_portal.accounts.models import User; "
    "from soxp_portal.offers.actions import TERM_FIELDS, create_offer; "
    "from soxp_portal.offers.demo import shift_date, shift_instant; "
    "from soxp_portal.offers.models import Offer; "
    "source = Offer.objects.get(slug='exchange-2009'); "
    "weeks = (date.today() + timedelta(days=120) - source.opens_at.date()).days // 7; "
    "values = {name: getattr(source, name) for name in TERM_FIELDS}; "
    "values.update(slug='exchange-next', name='Next Option Exchange', "
    "opens_at=shift_instant(source.opens_at, weeks, source.zone), "
    "expires_at=shift_instant(source.expires_at, weeks, source.zone), "
    "hire_cutoff_date=shift_date(source.hire_cutoff_date, weeks)); "
    "Offer.objects.filter(slug='exchange-next').exists() or create_offer(values, "
    "covered_plans=source.covered_plans.all(), price_bands=source.terms.price_bands, "
    "actor=User.objects.get(email='admin@example.com'))"
)


def walk_offer_bands(page: Page, base: str, width: int, env: dict[str, str]) -> None:
    """The console's terms page of a banded offer not yet open, its bands in the formset; at 1280 px
    also the page refusing an overlap, named beside the bands."""
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", UPCOMING_BANDED],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base, "admin@example.com")
    page.goto(f"{base}/console/setup/offers/exchange-next/terms/")
    shoot(page, "console-offer-bands", width)
    if width == 1280:
        page.fill("input[name='bands-1-lower']", "20.00")
        page.click("main button[type=submit]")
        page.wait_for_selector("#price-bands .alert-danger")
        page.locator("#price-bands").screenshot(path=OUT / f"console-offer-bands-refused-{width}.png")


WALKS = {
    "offer-bands": walk_offer_bands,
    "banded-demo": walk_banded_demo,
    "ratios": walk_ratios,
    "close-preview": walk_close_preview,
    "close-progress": walk_close_progress,
    "lookback": walk_lookback,
    "employee": walk,
    "decision-support": walk_decision_support,
    "how-it-works": walk_how_it_works,
    "sign-in-security": walk_sign_in_security,
    "compare-banded": walk_banded,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(WALKS), action="append", help="take only this walk's shots")
    walks = [WALKS[name] for name in parser.parse_args().only or WALKS]
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # The settings of `make run` in a fresh shell: only the database is another.
        env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "PRODUCTION"}}
        env["DATABASE_URL"] = f"sqlite:///{tmp}/screens.sqlite3"
        manage("migrate", env=env)
        manage("loaddata", "soxp-2003", "exchange-2009", env=env)
        manage("setup_demo", env=env)
        server, base = serve(env)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                context = browser.new_context()
                assets = AssetWatch(context)
                page = context.new_page()
                for width in (1280, 375):
                    for take in walks:
                        take(page, base, width, env)
                browser.close()
        finally:
            server.terminate()
            server.wait()
    if assets.failed:
        sys.exit(
            f"These assets did not load, so the screenshots in {OUT} are wrong: {sorted(set(assets.failed))}"
        )
    print(f"Screenshots written to {OUT}")


if __name__ == "__main__":
    main()
