"""The table behind the "aggregates" cache (settings.CACHES): the dashboard's precomputed figures, shared by every
portal process and the Celery worker (overview.dashboard). Created here so ``migrate`` is all a deployment runs;
``createcachetable`` skips a table that already exists."""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    if any(c["BACKEND"].endswith("DatabaseCache") for c in settings.CACHES.values()):
        call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("organizations", "0002_county_year_figures")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
