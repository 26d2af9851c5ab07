"""Town and village of the person ledgers are checked once per statement instead of once per row (PostgreSQL).

A foreign-key constraint checks every inserted row on its own at commit: ~2.6 s of a 100,000-row import into
ledgers_worker (bench/excel_bench.py; the COPY itself takes ~3.9 s). These triggers keep the same guarantees set-wise:

- after each INSERT or UPDATE statement, the units its rows name are taken FOR KEY SHARE (as a foreign key takes
  them, so a concurrent DELETE waits, and a unit deleted meanwhile is not found); a row naming a unit that does not
  exist fails the statement with SQLSTATE 23503 (foreign_key_violation, an IntegrityError in Django);
- a unit that a person record still names cannot be deleted (Django's PROTECT refuses it first for ORM deletes).

SQLite (embedded runs and tests) has no such check: its migrations remake tables, which would silently drop the
triggers; there Django's PROTECT and the forms' and serializers' own lookups guard the references.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLES = ("ledgers_worker", "ledgers_partymember", "ledgers_activist")

FORWARD = """
CREATE OR REPLACE FUNCTION zyparty_person_units_exist() RETURNS trigger AS $$
DECLARE
    wanted bigint;
    found bigint;
BEGIN
    SELECT count(*) INTO wanted FROM (
        SELECT town_id FROM new_rows WHERE town_id IS NOT NULL
        UNION SELECT village_id FROM new_rows WHERE village_id IS NOT NULL) AS named;
    SELECT count(*) INTO found FROM (
        SELECT u.id FROM organizations_unit AS u
        WHERE u.id IN (SELECT town_id FROM new_rows UNION SELECT village_id FROM new_rows)
        FOR KEY SHARE) AS locked;
    IF found <> wanted THEN
        RAISE EXCEPTION '%: a row names a town or village that does not exist', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION zyparty_unit_unreferenced() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledgers_worker WHERE town_id = OLD.id)
       OR EXISTS (SELECT 1 FROM ledgers_worker WHERE village_id = OLD.id)
       OR EXISTS (SELECT 1 FROM ledgers_partymember WHERE town_id = OLD.id)
       OR EXISTS (SELECT 1 FROM ledgers_partymember WHERE village_id = OLD.id)
       OR EXISTS (SELECT 1 FROM ledgers_activist WHERE town_id = OLD.id)
       OR EXISTS (SELECT 1 FROM ledgers_activist WHERE village_id = OLD.id) THEN
        RAISE EXCEPTION 'unit % is still named by person records', OLD.id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS zyparty_unit_unreferenced ON organizations_unit;
CREATE TRIGGER zyparty_unit_unreferenced BEFORE DELETE ON organizations_unit
    FOR EACH ROW EXECUTE FUNCTION zyparty_unit_unreferenced();
""" + "".join(f"""
DROP TRIGGER IF EXISTS {table}_units_inserted ON {table};
CREATE TRIGGER {table}_units_inserted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION zyparty_person_units_exist();
DROP TRIGGER IF EXISTS {table}_units_updated ON {table};
CREATE TRIGGER {table}_units_updated AFTER UPDATE ON {table} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION zyparty_person_units_exist();
""" for table in TABLES)

BACKWARD = "".join(f"""
DROP TRIGGER IF EXISTS {table}_units_inserted ON {table};
DROP TRIGGER IF EXISTS {table}_units_updated ON {table};
""" for table in TABLES) + """
DROP TRIGGER IF EXISTS zyparty_unit_unreferenced ON organizations_unit;
DROP FUNCTION IF EXISTS zyparty_unit_unreferenced();
DROP FUNCTION IF EXISTS zyparty_person_units_exist();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('ledgers', '0005_lean_person_indexes'),
        ('organizations', '0004_cadre_phones_encrypted'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.AlterField(
            model_name='activist',
            name='town',
            field=models.ForeignKey(db_constraint=False, db_index=False, limit_choices_to={'level': 'town'}, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.unit', verbose_name='乡镇'),
        ),
        migrations.AlterField(
            model_name='activist',
            name='village',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, limit_choices_to={'level': 'village'}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.unit', verbose_name='户籍村（社区）'),
        ),
        migrations.AlterField(
            model_name='partymember',
            name='town',
            field=models.ForeignKey(db_constraint=False, db_index=False, limit_choices_to={'level': 'town'}, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.unit', verbose_name='乡镇'),
        ),
        migrations.AlterField(
            model_name='partymember',
            name='village',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, limit_choices_to={'level': 'village'}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.unit', verbose_name='户籍村（社区）'),
        ),
        migrations.AlterField(
            model_name='worker',
            name='town',
            field=models.ForeignKey(db_constraint=False, db_index=False, limit_choices_to={'level': 'town'}, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.unit', verbose_name='乡镇'),
        ),
        migrations.AlterField(
            model_name='worker',
            name='village',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, limit_choices_to={'level': 'village'}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.unit', verbose_name='户籍村（社区）'),
        ),
    ]
