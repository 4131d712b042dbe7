from django.urls import path

from claims import api

urlpatterns = [
    path("claims", api.ClaimListView.as_view(), name="claim-list"),
    path("claims/<int:claim_id>", api.ClaimDetailView.as_view(), name="claim-detail"),
]
