"""The portal's pages: the front door (/) and the merchant portal (/merchant/, namespace
`merchant`)."""

from django.urls import include, path

from portal.home import home
from portal.views import claims, dashboard, deposit, developer, policies

merchant_patterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("policies/", policies.policy_list, name="policies"),
    path("policies/<int:policy_id>/", policies.policy_detail, name="policy"),
    path("claims/", claims.claim_list, name="claims"),
    path("claims/<int:claim_id>/", claims.claim_detail, name="claim"),
    path("photos/<int:photo_id>/", claims.claim_photo, name="photo"),
    path("deposit/", deposit.deposit, name="deposit"),
    path("deposit/confirm/", deposit.deposit_confirm, name="deposit-confirm"),
    path("developer/", developer.developer, name="developer"),
    path("developer/keys/", developer.api_key_new, name="key-new"),
    path("developer/keys/<int:key_id>/revoke/", developer.api_key_delete, name="key-revoke"),
    path("developer/endpoints/", developer.endpoint_new, name="endpoint-new"),
    path(
        "developer/endpoints/<int:endpoint_id>/rotate-secret/",
        developer.endpoint_rotate_secret,
        name="endpoint-rotate-secret",
    ),
    path(
        "developer/endpoints/<int:endpoint_id>/disable/",
        developer.endpoint_disable,
        name="endpoint-disable",
    ),
    path(
        "developer/deliveries/<int:delivery_id>/resend/",
        developer.delivery_resend,
        name="delivery-resend",
    ),
]

urlpatterns = [
    path("", home, name="home"),
    path("merchant/", include((merchant_patterns, "merchant"))),
]
