"""The audit trail is append-only in the database itself (SECURITY.md "audit"; 等保三级 8.1.4.3 c).

On PostgreSQL a trigger refuses every UPDATE of ``zyparty_auditentry`` and every DELETE, except a DELETE of an entry
older than 180 days inside a transaction that set ``zyparty.audit_purge = 'on'`` with ``SET LOCAL`` /
``set_config(…, true)`` — which only ``zyparty.audit.audit_purge`` does. The 180-day floor is written here, not read
from settings, so not even the application can shorten it. SQLite (embedded runs and tests) relies on the
append-only queryset in zyparty.models.

TRUNCATE bypasses row triggers: the production database role of the application should not own the table (grant it
SELECT, INSERT and DELETE only), see the README's deployment notes.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION zyparty_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND coalesce(current_setting('zyparty.audit_purge', true), '') = 'on'
       AND OLD.at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'zyparty_auditentry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS zyparty_auditentry_append_only ON zyparty_auditentry;
CREATE TRIGGER zyparty_auditentry_append_only
    BEFORE UPDATE OR DELETE ON zyparty_auditentry
    FOR EACH ROW EXECUTE FUNCTION zyparty_audit_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS zyparty_auditentry_append_only ON zyparty_auditentry;
DROP FUNCTION IF EXISTS zyparty_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("zyparty", "0002_plumbing_jobs_notices"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
