"""Request bodies a checkout system would send."""

SHIPPING = {
    "product": "shipping_return",
    "buyer_ref": "buyer-1",
    "order_value": "129.00",
    "category": "apparel",
    "buyer_region": "CN-SH/Shanghai",
}
PRODUCE = {
    "product": "fresh_produce",
    "buyer_ref": "buyer-1",
    "order_value": "200.00",
    "category": "live_seafood",
    "transit_days": 2,
}
DEPOSIT = {"product": "merchant_deposit", "deposit_amount": "10000.00", "term_months": 12}


def issue(api, order_ref: str, body: dict | None = None, **headers) -> dict:
    response = api.post(
        "/api/v1/policies", {**(body or PRODUCE), "order_ref": order_ref}, format="json", **headers
    )
    assert response.status_code == 201, response.content
    return response.json()


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]
