"""Cadres' and users' phones encrypted at rest with masked copies for lists (SECURITY.md "personal data"), and the
phones already stored encrypted in place. Values are read and written with SQL: the encrypted field of the historical
model would try to decrypt the clear values it is about to replace."""

from django.db import migrations, models

import zyparty.fields
import zyparty.validators

# (table, phone column, masked column)
PHONES = [
    ("organizations_hostplaceorganization", "contact_phone", "contact_phone_masked"),
    ("organizations_partyorganization", "secretary_phone", "secretary_phone_masked"),
    ("organizations_servicepoint", "head_phone", "head_phone_masked"),
    ("organizations_partyinstructor", "phone", "phone_masked"),
    ("organizations_user", "phone", "phone_masked"),
]


def _rewrite(schema_editor, convert):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column, masked in PHONES:
            # nosec B608: table and column names are the fixed, quoted names above; values are parameters.
            cursor.execute(f"SELECT id, {quote(column)} FROM {quote(table)} "  # nosec B608
                           f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> ''")
            rows = [(pk, *convert(value)) for pk, value in cursor.fetchall()]
            cursor.executemany(f"UPDATE {quote(table)} SET {quote(column)} = %s, {quote(masked)} = %s "  # nosec B608
                               "WHERE id = %s", [(stored, shown, pk) for pk, stored, shown in rows])


def encrypt_phones(apps, schema_editor):
    from zyparty import crypto
    from zyparty.masking import mask_phone

    def convert(value):
        if value.startswith(crypto.PREFIX):  # already encrypted (a re-run)
            return value, mask_phone(crypto.decrypt(value))
        value = value.strip()
        return crypto.encrypt(value), mask_phone(value)

    _rewrite(schema_editor, convert)


def decrypt_phones(apps, schema_editor):
    from zyparty import crypto

    def convert(value):
        clear = crypto.decrypt(value) if value.startswith(crypto.PREFIX) else value
        return clear[:20], ""

    _rewrite(schema_editor, convert)


class Migration(migrations.Migration):

    dependencies = [
        ('organizations', '0003_aggregates_cache_table'),
    ]

    operations = [
        migrations.AddField(
            model_name='hostplaceorganization',
            name='contact_phone_masked',
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name='联系电话'),
        ),
        migrations.AddField(
            model_name='partyinstructor',
            name='phone_masked',
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name='联系电话'),
        ),
        migrations.AddField(
            model_name='partyorganization',
            name='secretary_phone_masked',
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name='书记电话'),
        ),
        migrations.AddField(
            model_name='servicepoint',
            name='head_phone_masked',
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name='负责人电话'),
        ),
        migrations.AddField(
            model_name='user',
            name='phone_masked',
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name='联系电话'),
        ),
        migrations.AlterField(
            model_name='hostplaceorganization',
            name='contact_phone',
            field=zyparty.fields.EncryptedTextField(blank=True, validators=[zyparty.validators.validate_phone], verbose_name='联系电话'),
        ),
        migrations.AlterField(
            model_name='partyinstructor',
            name='phone',
            field=zyparty.fields.EncryptedTextField(blank=True, validators=[zyparty.validators.validate_phone], verbose_name='联系电话'),
        ),
        migrations.AlterField(
            model_name='partyorganization',
            name='secretary_phone',
            field=zyparty.fields.EncryptedTextField(blank=True, validators=[zyparty.validators.validate_phone], verbose_name='书记电话'),
        ),
        migrations.AlterField(
            model_name='servicepoint',
            name='head_phone',
            field=zyparty.fields.EncryptedTextField(blank=True, validators=[zyparty.validators.validate_phone], verbose_name='负责人电话'),
        ),
        migrations.AlterField(
            model_name='user',
            name='phone',
            field=zyparty.fields.EncryptedTextField(blank=True, validators=[zyparty.validators.validate_phone], verbose_name='联系电话'),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones, elidable=False),
    ]
