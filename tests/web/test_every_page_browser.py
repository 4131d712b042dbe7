"""Every page of both web UIs, on the demo data, in English and Chinese, at desktop and phone
size, in real Chromium: no serious or critical accessibility violation (axe-core), nothing
scrolls sideways on a phone, no raw code on any page and no English UI string on a Chinese one.
A screenshot of each is saved under test-artifacts/<backend>/page-*.png, and axe's counts in
test-artifacts/axe-<backend>.txt."""

import io
import re
from dataclasses import dataclass, field

import polib
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string
from django.utils import translation

from claims.labels import SIGNALS, TURNS
from claims.models import ClaimOrigin, ClaimStatus, RejectReason, ReviewerRejectReason
from insurance.labels import INPUT_VALUES, PRODUCTS
from insurance.models import Account, PolicyStatus, TransferKind
from tests.web.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
LANGUAGES = {"en": "en-GB,en;q=0.9", "zh-hans": "zh-CN,zh;q=0.9"}
SERIOUS = {"serious", "critical"}
# Codes the API and the rows use; a page shows their labels instead. Codes without an
# underscore ("paid", "fruit") read as words and cannot be told apart from them.
RAW_CODES = sorted(
    code
    for code in {
        *ClaimStatus.values,
        *PolicyStatus.values,
        *RejectReason.values,
        *ReviewerRejectReason.values,
        *ClaimOrigin.values,
        *Account.values,
        *TransferKind.values,
        *SIGNALS,
        *TURNS,
        *PRODUCTS,
        *INPUT_VALUES,
    }
    if "_" in code
)
# Where a single English word would be UI chrome rather than data (a buyer's description, a
# merchant's name): headings of tables and lists, labels, buttons, badges.
CHROME = "th, dt, label, legend, button, summary, nav a, .status, .chip, h2, .figure span"


@dataclass
class Visit:
    name: str
    path: str
    status: int = 200


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def english_ui_strings() -> tuple[set[str], set[str]]:
    """The English of every translated message: phrases (two words or more) and words."""
    po = polib.pofile(str(settings.LOCALE_PATHS[0] / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    phrases, words = set(), set()
    for entry in po.translated_entries():
        if entry.msgstr == entry.msgid:
            continue
        # The text around placeholders and markup, each part on its own.
        for part in re.split(r"%\(\w+\)s|<[^>]+>|[:;()·…]", entry.msgid):
            part = part.strip(" .,")
            if len(part.split()) >= 2:
                phrases.add(part)
            elif re.fullmatch(r"[A-Z][a-z]{2,}", part):
                words.add(part)
    return phrases, words


def find_link(page, selector: str) -> str:
    return page.locator(selector).first.get_attribute("href")


def merchant_pages(page, site: str) -> list[Visit]:
    page.goto(f"{site}/merchant/claims/?product=fresh_produce&status=paid")
    produce_claim = find_link(page, "tbody a[href*='/claims/']")
    page.goto(f"{site}/merchant/claims/?product=shipping_return")
    return_claim = find_link(page, "tbody a[href*='/claims/']")
    page.goto(f"{site}/merchant/policies/?product=fresh_produce")
    policy = find_link(page, "tbody a[href*='/policies/']")
    return [
        Visit("merchant-dashboard", "/merchant/"),
        Visit("merchant-dashboard-90-days", "/merchant/?days=90"),
        Visit("merchant-policies", "/merchant/policies/"),
        Visit("merchant-policy", policy),
        Visit("merchant-claims", "/merchant/claims/"),
        Visit("merchant-claim-with-photo", produce_claim),
        Visit("merchant-claim-of-a-return", return_claim),
        Visit("merchant-deposit", "/merchant/deposit/"),
        Visit("merchant-developer", "/merchant/developer/"),
        Visit("merchant-404", "/merchant/claims/999999/", 404),
        Visit("merchant-403", "/review/", 403),
    ]


def reviewer_pages(page, site: str) -> list[Visit]:
    page.goto(f"{site}/review/")
    claims = [a.get_attribute("href") for a in page.locator("#queue-table tbody a").all()]
    return [
        Visit("review-queue", "/review/"),
        Visit("review-queue-one-reason", "/review/?reason=photo_reused_other_claimant"),
        *(Visit(f"review-claim-{n}", path) for n, path in enumerate(claims, 1)),
        Visit("review-403", "/merchant/", 403),
    ]


def anonymous_pages() -> list[Visit]:
    return [
        Visit("home", "/"),
        Visit("login", "/accounts/login/"),
        Visit("404", "/no-such-page/", 404),
        Visit("500", "/__server-error__", 500),  # Django's handler500 page, served below
    ]


def serve_the_500_page(page, site: str, language: str) -> None:
    """No page fails on purpose: the handler's page (500.html, rendered without a request,
    as Django's server_error does) is served at a made-up address of the site."""
    with translation.override(language):
        html = render_to_string("500.html")
    page.route(
        f"{site}/__server-error__",
        lambda route: route.fulfill(status=500, body=html, content_type="text/html"),
    )


def check(page, site: str, visit: Visit, variant: tuple[str, str], english, report, shot) -> None:
    language, size = variant
    where = f"{visit.name} [{language}, {size}]"
    response = page.goto(site + visit.path)
    page.wait_for_load_state("networkidle")
    if response.status != visit.status:
        report.failures.append(f"{where}: status {response.status}, expected {visit.status}")
    violations = Axe().run(page).response["violations"]
    serious = [v for v in violations if v["impact"] in SERIOUS]
    report.lines.append(
        f"{visit.name:32} {language:8} {size:8} violations {len(violations):2}  "
        f"serious/critical {len(serious)}"
    )
    for violation in serious:
        targets = [node["target"] for node in violation["nodes"]][:3]
        report.failures.append(f"{where}: axe {violation['id']} ({violation['impact']}) {targets}")
    if size == "phone":
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            report.failures.append(f"{where}: scrolls sideways by {overflow}px on a phone")
    text = page.inner_text("body")
    if legends := page.evaluate(
        "window.dashboardCharts ? window.dashboardCharts.flatMap("
        "c => c.data.datasets.map(d => d.label)).join(' | ') : ''"
    ):
        text += "\n" + legends
    for code in RAW_CODES:
        if re.search(rf"\b{code}\b", text):
            report.failures.append(f"{where}: raw code {code!r} on the page")
    if language == "zh-hans":
        phrases, words = english
        for phrase in phrases:
            if phrase in text:
                report.failures.append(f"{where}: English {phrase!r} on a Chinese page")
        for chrome in page.locator(CHROME).all_inner_texts():
            for word in re.findall(r"[A-Z][a-z]{2,}", chrome):
                if word in words:
                    report.failures.append(f"{where}: English {word!r} in {chrome!r}")
    shot(page, f"page-{visit.name}-{language}-{size}")


@pytest.fixture
def demo(backend):
    call_command("seed_demo", stdout=io.StringIO())


def test_every_page_in_both_languages_and_sizes(browser, site, demo, backend, screenshot):
    english = english_ui_strings()
    report = Report()
    for language, accept in LANGUAGES.items():
        for size, viewport in SIZES.items():
            variant = (language, size)
            context = {"viewport": viewport, "extra_http_headers": {"Accept-Language": accept}}
            anonymous = browser.new_context(**context).new_page()
            serve_the_500_page(anonymous, site, language)
            for visit in anonymous_pages():
                check(anonymous, site, visit, variant, english, report, screenshot)
            anonymous.context.close()
            for username, pages in (("merchant", merchant_pages), ("reviewer", reviewer_pages)):
                page = log_in(browser, site, username, password=username, **context)
                for visit in pages(page, site):
                    check(page, site, visit, variant, english, report, screenshot)
                page.context.close()

    summary = "\n".join(report.lines)
    (ARTIFACTS / f"axe-{backend.name}.txt").write_text(summary + "\n")
    # 4 anonymous pages, 11 of the merchant's, the queue twice, 3 claims and a 403 of the
    # reviewer's; each in two languages at two sizes.
    assert len(report.lines) == 4 * (4 + 11 + 6), summary
    assert not report.failures, "\n".join(report.failures)
