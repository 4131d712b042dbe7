"""The merchant portal's pages (/merchant/)."""

from django.urls import path

from claims.views import merchant as claim_pages
from insurance import views

app_name = "merchant"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/<int:policy_id>/", claim_pages.policy_detail, name="policy"),
    path("claims/", claim_pages.claim_list, name="claims"),
    path("claims/<int:claim_id>/", claim_pages.claim_detail, name="claim"),
    path("photos/<int:photo_id>/", claim_pages.claim_photo, name="photo"),
    path("deposit/", claim_pages.deposit, name="deposit"),
    path("deposit/confirm/", claim_pages.deposit_confirm, name="deposit-confirm"),
    path("developer/", views.developer, name="developer"),
    path("developer/keys/", views.api_key_new, name="key-new"),
    path("developer/keys/<int:key_id>/revoke/", views.api_key_delete, name="key-revoke"),
    path("developer/endpoints/", views.endpoint_new, name="endpoint-new"),
    path(
        "developer/endpoints/<int:endpoint_id>/rotate-secret/",
        views.endpoint_rotate_secret,
        name="endpoint-rotate-secret",
    ),
    path(
        "developer/endpoints/<int:endpoint_id>/disable/",
        views.endpoint_disable,
        name="endpoint-disable",
    ),
    path(
        "developer/deliveries/<int:delivery_id>/resend/",
        views.delivery_resend,
        name="delivery-resend",
    ),
]
