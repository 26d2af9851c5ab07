"""One person across the ledgers (issue 14 item 5): members and activists recorded before the link was kept are linked
to the worker record of the same person (same ID number, compared by its keyed hash) in the same county, as save()
and the import link them from now on. Political statuses are left as they are: the next save or import of the member
or activist makes the worker's follow (ledgers.people)."""

from django.db import migrations
from django.db.models import Exists, OuterRef, Subquery


def link(apps, schema_editor):
    Worker = apps.get_model("ledgers", "Worker")
    for name, related in (("PartyMember", "party_member"), ("Activist", "activist")):
        model = apps.get_model("ledgers", name)
        same = Worker.objects.filter(id_digest=OuterRef("id_digest"), county_id=OuterRef("county_id"),
                                     **{f"{related}__isnull": True})
        model.objects.filter(worker__isnull=True).filter(Exists(same)).update(worker_id=Subquery(same.values("pk")[:1]))


class Migration(migrations.Migration):

    dependencies = [("ledgers", "0010_import_batch_unknown_values")]

    operations = [migrations.RunPython(link, migrations.RunPython.noop)]
