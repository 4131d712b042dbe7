"""Staff edit products in the Django admin; a rating table that breaks the rules is refused."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict

from claims.photos import photo_check
from claims.services import claim_submit
from insurance.models import Product
from insurance.rating import DISTANCE_BANDS
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
    """The product's change form as a browser posts it: the rating factors as JSON, the terms
    as `6, 12`, a box per distance band, the inputs ticked."""
    data = {**model_to_dict(product), **changes}
    if not isinstance(data["rating_factors"], str):
        data["rating_factors"] = json.dumps(data["rating_factors"])
    if not isinstance(data["term_months_allowed"], str):
        data["term_months_allowed"] = ", ".join(map(str, data["term_months_allowed"]))
    table = data.pop("cover_table")
    for n, band in enumerate(DISTANCE_BANDS):
        data[f"cover_table_{n}"] = table.get(band, "")
    return {name: value for name, value in data.items() if value is not None}


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
        product_form(product, cover_table={"same_city": "6.00"}),
    )

    assert response.status_code == 200
    assert "cover_table needs exactly the bands" in str(response.context["adminform"].form.errors)


def test_staff_set_inputs_terms_and_band_covers_with_their_own_controls(staff_client):
    product = Product.objects.get(code="merchant_deposit")
    url = f"/admin/insurance/product/{product.pk}/change/"

    page = staff_client.get(url).content.decode()
    response = staff_client.post(
        url,
        product_form(
            product, required_inputs=["buyer_ref", "category"], term_months_allowed="12, 3"
        ),
    )

    saved = Product.objects.get(pk=product.pk)
    assert response.status_code == 302, response.content
    assert (saved.required_inputs, saved.term_months_allowed) == (
        ["buyer_ref", "category"],
        [3, 12],
    )
    assert 'type="checkbox" name="required_inputs" value="term_months"' in page
    assert 'name="term_months_allowed" value="6, 12"' in page
    assert 'name="cover_table_0"' in page
    shipping = Product.objects.get(code="shipping_return")
    bands = staff_client.get(f"/admin/insurance/product/{shipping.pk}/change/").content.decode()
    assert f'name="cover_table_0" value="{shipping.cover_table["same_city"]}"' in bands


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("term_months_allowed", "6, twelve", "Whole numbers above 0 separated by commas"),
        ("term_months_allowed", "0", "Whole numbers above 0 separated by commas"),
        ("term_months_allowed", "", "Cover that ends with its term needs a term."),
        ("required_inputs", ["buyer_ref", "shoe_size"], "Select a valid choice."),
    ],
)
def test_a_bad_setting_is_refused_next_to_its_field(staff_client, field, value, message):
    product = Product.objects.get(code="merchant_deposit")

    response = staff_client.post(
        f"/admin/insurance/product/{product.pk}/change/", product_form(product, **{field: value})
    )

    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors[field])
    assert Product.objects.get(pk=product.pk).term_months_allowed == [6, 12]


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
