"""Attempts refused by the old address guard kept what the host resolved to, which the merchant
reads in the delivery log; they now say only that the address was refused."""

from django.db import migrations

REFUSED = "refused: not a public address"


def scrub_refusals(apps, schema_editor):
    WebhookAttempt = apps.get_model("insurance", "WebhookAttempt")
    WebhookAttempt.objects.filter(error__contains="resolves to a non-public address").update(
        error=REFUSED, response_excerpt=""
    )


class Migration(migrations.Migration):
    dependencies = [("insurance", "0002_default_products")]

    operations = [migrations.RunPython(scrub_refusals, migrations.RunPython.noop)]
