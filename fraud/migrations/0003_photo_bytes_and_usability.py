from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("fraud", "0002_key_lookup_reads_the_index_only"),
    ]

    operations = [
        # Photos fingerprinted before this have no digest (empty): they match no copy.
        migrations.AddField(
            model_name="photofingerprint",
            name="sha256",
            field=models.BinaryField(default=b"", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="photofingerprint",
            name="unusable",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.AddField(
            model_name="photofingerprint",
            name="measured",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="photofingerprint",
            index=models.Index(fields=["sha256"], name="fingerprint_bytes"),
        ),
    ]
