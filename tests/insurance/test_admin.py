"""Staff edit products in the Django admin; a rating table that breaks the rules is refused."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict

from claims.photos import photo_check
from claims.services import claim_submit
from insurance.models import Product
from tests.claims.helpers import photo
from tests.factories import MerchantFactory
from tests.web.conftest import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("staff", password="pw-for-tests-only")
    client.force_login(user)
    return client


def product_form(product: Product, **changes) -> dict:
    data = {**model_to_dict(product), **changes}
    for field in ("rating_factors", "cover_table", "term_months_allowed"):
        if not isinstance(data[field], str):
            data[field] = json.dumps(data[field])
    return data


def test_staff_change_a_product_in_the_admin(staff_client):
    product = Product.objects.get(code="fresh_produce")
    url = f"/admin/insurance/product/{product.pk}/change/"

    response = staff_client.post(url, product_form(product, max_premium="250.00"))

    assert response.status_code == 302, response.content
    assert str(Product.objects.get(pk=product.pk).max_premium) == "250.00"


def test_a_rating_table_that_is_not_monotone_is_refused_with_the_reason(staff_client):
    product = Product.objects.get(code="fresh_produce")
    factors = product.rating_factors
    factors[1]["steps"] = [[0, "1.5"], [3, "1.0"]]  # longer transit made cheaper

    response = staff_client.post(
        f"/admin/insurance/product/{product.pk}/change/",
        product_form(product, rating_factors=json.dumps(factors)),
    )

    assert response.status_code == 200
    assert "must rise with the input" in response.content.decode()
    assert Product.objects.get(pk=product.pk).rating_factors[1]["steps"][0] == [0, "0.8"]


def test_a_distance_band_cover_table_must_name_every_band(staff_client):
    product = Product.objects.get(code="shipping_return")

    response = staff_client.post(
        f"/admin/insurance/product/{product.pk}/change/",
        product_form(product, cover_table='{"same_city": "6.00"}'),
    )

    assert response.status_code == 200
    assert "cover_table needs exactly the bands" in response.content.decode()


def test_the_product_page_shows_rating_tables_readably(staff_client):
    product = Product.objects.get(code="fresh_produce")

    page = staff_client.get(f"/admin/insurance/product/{product.pk}/change/").content.decode()

    assert "&quot;name&quot;: &quot;produce category&quot;,\n" in page  # one key a line
    assert "<td>transit days</td><td><code>transit_days</code></td>" in page
    assert "from 3: x1.5" in page


def test_a_claim_s_photo_in_the_admin_opens_through_the_checked_photo_view(
    staff_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    policy = issue(MerchantFactory(), "ADM-1")
    claim = claim_submit(
        merchant=policy.merchant,
        policy_id=policy.pk,
        claimant_ref="b",
        amount=policy.cover,
        description="",
        photos=[photo_check(photo(5))],
        actor="test",
    )
    photo_id = claim.photos.get().pk

    page = staff_client.get(f"/admin/claims/claim/{claim.pk}/change/").content.decode()

    assert f'<a href="/review/photos/{photo_id}/">' in page
    assert "/media/" not in page
    assert staff_client.get(f"/review/photos/{photo_id}/")["Content-Type"] == "image/jpeg"
