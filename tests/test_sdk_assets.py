import pytest

from crow.sdk_assets import sdk_version
from organizations.demo import demo_seed


def test_sdk_is_served_cacheable_and_versioned(client):
    response = client.get("/sdk/crow.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "public, max-age=3600"
    assert b"CROW" in response.content
    versioned = client.get(f"/sdk/{sdk_version()}/crow.js")
    assert versioned["Cache-Control"] == "public, max-age=31536000, immutable"
    assert versioned.content == response.content
    assert client.get("/sdk/0.0.0-old/crow.js").status_code == 404
    assert client.get("/sdk/crow.js", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.django_db
def test_demo_shop_uses_the_sdk_with_the_demo_key(client):
    seed = demo_seed()
    page = client.get("/demo/").content.decode()
    assert f'data-api-key="{seed.publishable_key}"' in page
    assert f"/sdk/{sdk_version()}/crow.js" in page
    assert "Laptop X1" in page and 'data-crow-product-id="' in page
    assert client.get("/demo/products/laptop-x1").status_code == 200  # SPA routes reload fine
