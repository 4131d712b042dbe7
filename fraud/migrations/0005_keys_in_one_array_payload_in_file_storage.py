"""The index gets lean: a photo's lookup keys become one array on its own row (a GIN index on
PostgreSQL) instead of a row per key, and the payload verification compares moves to the file
storage. Existing fingerprints keep their keys (re-encoded) and their payloads (written out)."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations

import fraud.models

LOCAL_KEY_SIGN = 1 << 31


def _key(band: int, value: int) -> int:
    # As fraud.fingerprint now encodes them: a global quarter under its number, a local key
    # with its sign bit set.
    if band < 8:
        return (band << 16) | value
    return (value | LOCAL_KEY_SIGN) - (1 << 32)


def keys_and_payloads_forward(apps, schema_editor):
    PhotoFingerprint = apps.get_model("fraud", "PhotoFingerprint")
    FingerprintKey = apps.get_model("fraud", "FingerprintKey")
    for row in PhotoFingerprint.objects.all().iterator():
        row.keys = sorted(
            {_key(band, value) for band, value in FingerprintKey.objects.filter(
                fingerprint_id=row.pk).values_list("band", "value")}
        )
        row.save(update_fields=["keys"])
        payload, digest = bytes(row.payload), bytes(row.sha256)
        if payload and digest:
            name = f"fraud/fingerprints/{digest.hex()[:2]}/{digest.hex()}.fp"
            if not default_storage.exists(name):
                default_storage.save(name, ContentFile(payload))


def gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # fastupdate off: a lookup never reads a pending list of unsorted recent keys.
        schema_editor.execute(
            "CREATE INDEX fingerprint_keys ON fraud_photofingerprint USING gin (keys) "
            "WITH (fastupdate = off)"
        )


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS fingerprint_keys")


def hash_index_on_bytes(apps, schema_editor):
    # Copies are found by equality only: a hash index holds 4 bytes of each digest, not 32.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX fingerprint_bytes")
        schema_editor.execute(
            "CREATE INDEX fingerprint_bytes ON fraud_photofingerprint USING hash (sha256)"
        )


def btree_index_on_bytes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX fingerprint_bytes")
        schema_editor.execute("CREATE INDEX fingerprint_bytes ON fraud_photofingerprint (sha256)")


class Migration(migrations.Migration):
    dependencies = [
        ("fraud", "0004_rows_stamped_by_the_platform_clock"),
    ]

    operations = [
        migrations.AddField(
            model_name="photofingerprint",
            name="keys",
            field=fraud.models.KeyArray(default=list),
        ),
        migrations.RunPython(keys_and_payloads_forward),
        migrations.DeleteModel(name="FingerprintKey"),
        migrations.RemoveField(model_name="photofingerprint", name="payload"),
        migrations.RunPython(gin_index, drop_gin_index),
        migrations.RunPython(hash_index_on_bytes, btree_index_on_bytes),
    ]
