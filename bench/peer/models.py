from django.db import models


class PeerPolicy(models.Model):
    """A row shaped like a policy, with its one-per-order-and-product key."""

    merchant_id = models.BigIntegerField()
    order_ref = models.CharField(max_length=100)
    buyer_ref = models.CharField(max_length=100, blank=True)
    product = models.CharField(max_length=50)
    premium = models.DecimalField(max_digits=14, decimal_places=2)
    cover = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=20, default="active")
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "peer"
        constraints = [
            models.UniqueConstraint(
                fields=["merchant_id", "order_ref", "product"], name="peer_once_per_order"
            )
        ]

    def __str__(self) -> str:
        return self.order_ref
