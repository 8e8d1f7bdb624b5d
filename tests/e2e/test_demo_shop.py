"""The demo shop that `make up` serves: a new user clicks around and watches their events arrive."""

from __future__ import annotations

import pytest

from ingestion.models import Event
from organizations.demo import demo_seed


@pytest.mark.timeout(90)
def test_demo_shop_tracks_a_purchase_and_shows_the_events(transactional_db, crow_server, browser):
    seed = demo_seed()
    page = browser.new_page()
    page.goto(f"{crow_server}/demo/")
    page.click("text=Laptop X1")
    page.wait_for_selector("#add_to_cart")
    page.click("#add_to_cart")
    page.wait_for_selector("#checkout")
    page.click("#checkout")
    page.fill("input[name=name]", "Ada Lovelace")
    page.fill("input[name=email]", "ada@example.com")
    page.fill("input[name=card]", "4242424242424242")
    page.click("#place-order")
    page.wait_for_selector("text=Thank you!")
    page.evaluate("window.CROW.flush()")
    # The feed on the page reads the stored events back: the purchase shows up there.
    page.wait_for_selector("#feed >> text=purchase_completed", timeout=15000)
    page.close()

    events = list(Event.objects.for_org(seed.organization).order_by("timestamp"))
    paths = [e.url_path for e in events if e.type == "page_view"]
    assert paths[:4] == ["/demo/", "/demo/products/laptop-x1", "/demo/cart", "/demo/checkout"]
    clicked = [(e.element or {}).get("id") for e in events if e.type == "click"]
    assert "add_to_cart" in clicked and "checkout" in clicked
    purchase = next(e for e in events if e.name == "purchase_completed")
    assert purchase.properties["items"] == ["laptop-x1"] and purchase.properties["amount"] == 1299
    stored = " ".join(str(vars(e)) for e in events)
    assert "4242424242424242" not in stored and "ada@example.com" not in stored
