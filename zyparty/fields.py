"""Model fields for personal data."""

from django.db import models

from zyparty import crypto


class EncryptedTextField(models.TextField):
    """Text stored encrypted (AES-GCM). Not filterable: look records up by the companion digest field."""

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or str(value).startswith(crypto.PREFIX):
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name):
        # Only emptiness can be asked of a ciphertext column; anything else would silently never match.
        if lookup_name not in {"isnull", "exact", "in"}:
            return None
        return super().get_lookup(lookup_name)
