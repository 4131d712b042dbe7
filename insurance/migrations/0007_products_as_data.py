"""Everything that differs between products becomes a field of the product.

Existing products keep their behaviour: the fields are filled from what the code used to infer
from a product's exposure and claim trigger.
"""

from django.db import migrations, models


def terms_as_data(apps, schema_editor):
    """Fill the new fields of the products the code used to tell apart by their exposure and
    claim trigger (idempotent: tests call it again after a flush)."""
    Product = apps.get_model("insurance", "Product")
    for product in Product.objects.filter(cover_starts=""):
        if product.exposure == "deposit_amount":
            product.cover_starts, product.cover_ends = "issuance", "term"
            product.refund_rule = "pro_rata"
            product.required_inputs = ["term_months"]
            product.claims_per_policy = 0
            product.recover_from_merchant = product.claim_trigger == "platform"
        else:
            product.cover_starts, product.cover_ends = "delivery", "order_completed"
            product.refund_rule = "full_before_start"
            product.required_inputs = ["buyer_ref"] + (
                ["buyer_region"] if product.cover_rule == "distance_band" else []
            )
            product.claims_per_policy = 1
        product.payout_rule = "claimed_amount"
        if product.claim_trigger == "return_shipped":
            product.claim_trigger, product.claim_event = "order_event", "return_shipped"
            product.tracking_number_required = True
            product.payout_rule = "cover_left"
        product.save()


class Migration(migrations.Migration):
    dependencies = [("insurance", "0006_rows_stamped_by_the_platform_clock")]

    operations = [
        migrations.RenameField("policy", "return_shipped_at", "claim_event_at"),
        migrations.RenameField("policy", "return_tracking_number", "claim_event_reference"),
        migrations.AlterField(
            model_name="orderevent", name="kind", field=models.SlugField(max_length=50)
        ),
        migrations.AddField(
            model_name="product",
            name="required_inputs",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="product",
            name="cover_starts",
            field=models.CharField(
                choices=[
                    ("issuance", "When the policy is issued"),
                    ("delivery", "When the order is delivered"),
                ],
                default="",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="product",
            name="cover_ends",
            field=models.CharField(
                choices=[
                    ("order_completed", "When the order completes"),
                    ("term", "At the end of its term in months"),
                ],
                default="",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="product",
            name="refund_rule",
            field=models.CharField(
                choices=[
                    ("none", "Nothing is refunded"),
                    ("full_before_start", "All of it before cover starts, nothing after"),
                    ("pro_rata", "All of it before cover starts, the unexpired share after"),
                ],
                default="",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="product",
            name="claim_event",
            field=models.SlugField(blank=True, max_length=50),
        ),
        migrations.AddField(
            model_name="product",
            name="tracking_number_required",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="product",
            name="claims_per_policy",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="product",
            name="payout_rule",
            field=models.CharField(
                choices=[
                    ("claimed_amount", "The amount claimed, up to the cover left"),
                    ("cover_left", "The cover left, whatever was claimed"),
                ],
                default="",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="product",
            name="recover_from_merchant",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="product",
            name="claim_trigger",
            field=models.CharField(
                choices=[
                    ("order_event", "Opens by itself on an order event"),
                    ("claimant", "Filed by the buyer, with evidence"),
                    ("platform", "Filed by the platform for a buyer against the merchant"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="product",
            name="claim_window_start",
            field=models.CharField(
                choices=[
                    ("delivery", "Delivery of the order"),
                    ("issuance", "Issuance of the policy"),
                    ("cover_start", "The start of cover"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(terms_as_data, migrations.RunPython.noop),
    ]
