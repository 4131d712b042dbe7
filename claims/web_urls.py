"""The reviewers' dashboard (/review/)."""

from django.urls import path

from claims.views import review

app_name = "review"

urlpatterns = [
    path("", review.queue, name="queue"),
    path("claims/<int:claim_id>/", review.claim_detail, name="claim"),
    path("claims/<int:claim_id>/take/", review.claim_take, name="take"),
    path("claims/<int:claim_id>/decide/", review.claim_decide, name="decide"),
    path("claims/<int:claim_id>/undo/", review.claim_undo, name="undo"),
    path("photos/<int:photo_id>/", review.photo, name="photo"),
]
