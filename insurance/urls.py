from django.urls import path

from insurance import api

urlpatterns = [
    path("policies", api.PolicyListView.as_view(), name="policy-list"),
    path("policies/<int:policy_id>", api.PolicyDetailView.as_view(), name="policy-detail"),
]
