"""The SDK in real Chromium against the real CROW server, from a page on another origin (real CORS).

The visitor clicks, types, submits a form with a required field, looks at a product card, scrolls,
goes offline and back, changes route in the SPA, and leaves; then the stored events are checked
one by one: nothing missing, nothing twice, nothing the visitor typed.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from ingestion.models import Event

PAGE = """<!doctype html><html><head><title>{title}</title>
<script>window.CROW = [['init', {{apiKey: '{key}', endpoint: '{endpoint}', flushInterval: 300}}]];</script>
<script src="{endpoint}/sdk/crow.js"></script></head>
<body style="margin:0">
<a id="to-page2" href="/page2.html">Next page</a>
<button id="buy" class="btn primary" data-sku="x1"
        style="position:absolute;left:100px;top:60px;width:120px;height:40px">Buy now</button>
<button id="spa" style="position:absolute;left:300px;top:60px"
        onclick="history.pushState({{}}, '', '/spa-route')">Go</button>
<div id="card" data-crow-product-id="laptop-x1" data-crow-product-name="Laptop X1" data-crow-product-price="1299"
     style="position:absolute;top:140px;left:10px;width:300px;height:200px">Laptop X1</div>
<form id="signup" name="signup" onsubmit="event.preventDefault(); this.dataset.done = 1"
      style="position:absolute;top:380px">
  <input id="email" name="email" type="email" required>
  <button id="submit-btn">Sign up</button>
</form>
<div style="height:4000px"></div>
</body></html>"""


def _wait_for_events(org, *, until, timeout: float = 20.0) -> list[Event]:
    deadline = time.monotonic() + timeout
    while True:
        events = list(Event.objects.for_org(org).order_by("timestamp"))
        if until(events) or time.monotonic() > deadline:
            return events
        time.sleep(0.25)


@pytest.mark.timeout(120)
def test_sdk_in_a_real_browser_stores_exactly_what_happened(
    transactional_db, crow_server, browser, site, org_factory, key_factory
):
    org = org_factory.create()
    key = key_factory.create(org, allowed_domains=["localhost"]).raw
    base, folder = site
    for name, title in (("page1.html", "Shop home"), ("page2.html", "Second page")):
        (folder / name).write_text(PAGE.format(title=title, key=key, endpoint=crow_server))

    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    page.goto(f"{base}/page1.html?utm_source=news&email=someone@example.com")
    page.wait_for_function("window.CROW && window.CROW.tracker")

    page.mouse.click(120, 70)  # on #buy, 20 px right and 10 px below its corner; not scrolled
    page.click("#email")
    page.keyboard.type("not-an-email")
    page.click("#submit-btn")  # the browser refuses: `invalid` fires, nothing is submitted
    page.fill("#email", "")
    page.keyboard.type("visitor@example.com")
    page.click("#submit-btn")
    page.wait_for_function("document.getElementById('signup').dataset.done")
    page.wait_for_timeout(1200)  # the product card stays in view for over a second

    # Offline: events are kept and retried, then sent when the browser is back online.
    context.set_offline(True)
    page.evaluate("window.CROW.track('offline_event', {n: 1})")
    page.mouse.click(160, 80)
    page.wait_for_timeout(1500)
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _wait_for_events(org, until=lambda evs: any(e.name == "offline_event" for e in evs))

    page.evaluate("window.scrollTo(0, 2000)")
    page.wait_for_timeout(300)
    page.click("#spa")  # SPA navigation: a page_view for /spa-route, the product view ends
    page.wait_for_timeout(300)
    page.click("#to-page2")  # leaving: pagehide sends what is pending; page 2 resends anything lost
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    page.goto("about:blank")  # leave page 2 too, so its pagehide flushes
    context.close()

    def settled(evs: list[Event]) -> bool:
        paths = {e.url_path for e in evs if e.type == "page_view"}
        return "/page2.html" in paths and sum(e.type == "web_vital" for e in evs) >= 3

    events = _wait_for_events(org, until=settled)
    time.sleep(1.5)  # let any late beacon land, so "nothing twice" is checked on the final state
    events = list(Event.objects.for_org(org).order_by("timestamp"))
    by_type: dict[str, list[Event]] = {}
    for event in events:
        by_type.setdefault(event.type, []).append(event)

    # Page views: page 1 (sensitive query stripped, utm kept), the SPA route, page 2 — each once.
    views = Counter(e.url_path for e in by_type["page_view"])
    assert views == Counter({"/page1.html": 1, "/spa-route": 1, "/page2.html": 1}), views
    first = next(e for e in by_type["page_view"] if e.url_path == "/page1.html")
    assert first.title == "Shop home"
    assert "utm_source=news" in (first.url_query or "")
    assert "someone@example.com" not in (first.url_query or "")
    assert len({e.session_id for e in events}) == 1

    # Clicks: the button twice (once while offline), with element fields and positions.
    buys = [e for e in by_type["click"] if (e.element or {}).get("id") == "buy"]
    assert len(buys) == 2
    buy = buys[0]
    assert (buy.element or {})["tag"] == "button"
    assert (buy.element or {})["selector"] == "#buy"
    assert (buy.element or {})["classes"] == ["btn", "primary"]
    assert (buy.element or {})["text"] == "Buy now"
    assert (buy.element or {})["attributes"] == {"data-sku": "x1"}
    assert (buy.x, buy.y) == (120, 70)
    assert ((buy.properties or {})["rel_x"], (buy.properties or {})["rel_y"]) == (20, 10)
    assert (buy.properties or {})["vw"] == 1000 and (buy.properties or {})["vh"] == 700
    assert (buy.properties or {})["page_h"] >= 4000
    link = next(e for e in by_type["click"] if (e.element or {}).get("id") == "to-page2")
    assert (link.element or {})["href"].endswith("/page2.html")

    # The form: focus, the browser's validation error, the submit; never a typed value.
    assert {(e.properties or {}).get("field_name") for e in by_type["form_focus"]} == {"email"}
    errors = by_type["form_error"]
    assert len(errors) == 1
    assert (errors[0].properties or {})["field_name"] == "email"
    assert (errors[0].properties or {})["message"]  # Chrome's validationMessage, e.g. "Please include an '@'…"
    assert len(by_type["form_submit"]) == 1
    assert (by_type["form_submit"][0].properties or {})["form_id"] == "signup"
    blur = by_type["form_blur"][0]
    assert (blur.properties or {})["duration_ms"] > 0
    stored = " ".join(str(vars(e)) for e in events)
    assert "not-an-email" not in stored and "visitor@example.com" not in stored

    # The product card: viewed for more than a second, with the scroll depth reached.
    product = by_type["product_view"][0]
    assert (product.properties or {})["product_id"] == "laptop-x1"
    assert (product.properties or {})["name"] == "Laptop X1"
    assert (product.properties or {})["duration_ms"] >= 1000
    assert 0 < (product.properties or {})["scroll_depth"] <= 100
    assert max((e.properties or {})["scroll_depth"] for e in by_type["scroll"]) >= 50

    # Performance and web vitals from page 1.
    assert (by_type["performance"][0].properties or {})["load_ms"] >= 0
    vitals = {(e.properties or {})["name"] for e in by_type["web_vital"]}
    assert {"FCP", "TTFB", "LCP"} <= vitals, vitals

    # Nothing lost across the offline period, nothing twice.
    assert [e.name for e in by_type["custom"] if e.name == "offline_event"] == ["offline_event"]
    assert len({e.event_id for e in events}) == len(events)
