from django.urls import path

from insurance.api import ledger, orders, policies, products, quotes, webhooks

urlpatterns = [
    path("products", products.ProductListView.as_view(), name="product-list"),
    path("quotes", quotes.QuoteListView.as_view(), name="quote-list"),
    path("quotes/<uuid:quote_id>", quotes.QuoteDetailView.as_view(), name="quote-detail"),
    path("policies", policies.PolicyListView.as_view(), name="policy-list"),
    path("policies/batch", policies.PolicyBatchView.as_view(), name="policy-batch"),
    path("policies/<int:policy_id>", policies.PolicyDetailView.as_view(), name="policy-detail"),
    path(
        "policies/<int:policy_id>/cancel", policies.PolicyCancelView.as_view(), name="policy-cancel"
    ),
    path("orders/<str:order_ref>/events", orders.OrderEventView.as_view(), name="order-events"),
    path("webhook-endpoints", webhooks.EndpointListView.as_view(), name="webhook-endpoint-list"),
    path(
        "webhook-endpoints/<int:endpoint_id>",
        webhooks.EndpointDetailView.as_view(),
        name="webhook-endpoint-detail",
    ),
    path(
        "webhook-endpoints/<int:endpoint_id>/rotate-secret",
        webhooks.EndpointRotateSecretView.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path("webhook-deliveries", webhooks.DeliveryListView.as_view(), name="webhook-delivery-list"),
    path(
        "webhook-deliveries/<int:delivery_id>/resend",
        webhooks.DeliveryResendView.as_view(),
        name="webhook-delivery-resend",
    ),
    path("ledger/balances", ledger.LedgerBalanceView.as_view(), name="ledger-balances"),
]
