"""The demo organization that `make up` seeds: an owner, a publishable key and a product catalog."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from organizations.models import ApiKeyKind, Organization
from organizations.selectors import api_key_authenticate
from organizations.services import api_key_create, organization_create, product_upsert

DEMO_NAME = "Demo Shop"
DEMO_OWNER = "owner@demo.shop"

CATALOG = [
    ("laptop-x1", "Laptop X1", "Laptops", "1299.00"),
    ("laptop-air-13", "Laptop Air 13", "Laptops", "999.00"),
    ("ultrabook-pro-16", "Ultrabook Pro 16", "Laptops", "1899.00"),
    ("phone-z5", "Phone Z5", "Phones", "799.00"),
    ("phone-mini", "Phone Mini", "Phones", "549.00"),
    ("tablet-s", "Tablet S", "Tablets", "449.00"),
    ("noise-cancelling-headphones", "Noise-Cancelling Headphones", "Audio", "299.00"),
    ("wireless-earbuds", "Wireless Earbuds", "Audio", "149.00"),
    ("smartwatch-fit", "Smartwatch Fit", "Wearables", "249.00"),
    ("4k-monitor-27", "4K Monitor 27", "Monitors", "399.00"),
    ("mechanical-keyboard", "Mechanical Keyboard", "Accessories", "129.00"),
    ("wireless-mouse", "Wireless Mouse", "Accessories", "49.00"),
    ("usb-c-dock", "USB-C Dock", "Accessories", "179.00"),
    ("webcam-hd", "Webcam HD", "Accessories", "89.00"),
]


@dataclass(frozen=True)
class DemoSeed:
    organization: Organization
    owner_email: str
    owner_password: str
    publishable_key: str


def _secret_file(name: str) -> Path:
    return Path(settings.CROW_DATA_DIR) / "demo" / name


def _remembered(name: str) -> str | None:
    path = _secret_file(name)
    return path.read_text().strip() if path.exists() else None


def _remember(name: str, value: str) -> None:
    # The demo's login and key live in the data dir (mode 0600) so each `make up` can print them;
    # the database holds only the key's hash, as for every key.
    path = _secret_file(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value)
    os.chmod(path, 0o600)


def demo_publishable_key() -> str | None:
    return _remembered("publishable_key")


def demo_seed() -> DemoSeed:
    organization = Organization.objects.filter(slug="demo-shop").first()
    password = _remembered("owner_password")
    if organization is None:
        password = password or secrets.token_urlsafe(9)
        organization, _ = organization_create(name=DEMO_NAME, owner_email=DEMO_OWNER, owner_password=password)
        _remember("owner_password", password)
    elif password is None:  # data dir lost its secrets: reset the demo owner's password
        password = secrets.token_urlsafe(9)
        user = get_user_model().objects.get(email=DEMO_OWNER)
        user.set_password(password)
        user.save(update_fields=["password"])
        _remember("owner_password", password)
    for slug, name, category, price in CATALOG:
        product_upsert(
            organization=organization,
            external_id=slug,
            name=name,
            url_path=f"/products/{slug}",
            category=category,
            price=Decimal(price),
        )
    key = _remembered("publishable_key")
    if key is None or api_key_authenticate(raw=key) is None:
        key = api_key_create(organization=organization, kind=ApiKeyKind.PUBLISHABLE, name="demo").raw
        _remember("publishable_key", key)
    return DemoSeed(organization=organization, owner_email=DEMO_OWNER, owner_password=password, publishable_key=key)
