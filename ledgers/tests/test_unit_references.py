"""The town and village a person record names must exist, on PostgreSQL checked once per statement (migration 0006)
instead of by row-by-row foreign keys: the same guarantees, proved here against the real database."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from ledgers.models import Activist, PartyMember, Worker
from organizations.models import Unit

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL (DATABASE_URL)")]

MISSING = 987_654_321


def _row_sql(model, column):
    table = model._meta.db_table
    return f"UPDATE {table} SET {column} = %s WHERE id = %s"  # nosec B608 - test: names from model metadata


@pytest.mark.parametrize("model", [Worker, PartyMember, Activist])
@pytest.mark.parametrize("column", ["town_id", "village_id"])
def test_an_update_naming_a_missing_unit_fails_the_statement(world, model, column):
    record = model.objects.filter(town=world.town_a).first()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_row_sql(model, column), [MISSING, record.pk])
    record.refresh_from_db()
    assert getattr(record, column) != MISSING


def test_an_insert_naming_a_missing_village_fails_and_a_valid_one_passes(world):
    worker = Worker.objects.get(pk=world.workers["a"].pk)
    worker.pk, worker.id_digest = None, "x" * 64
    with pytest.raises(IntegrityError), transaction.atomic():
        Worker.objects.bulk_create([Worker(**{**_fields(worker), "village_id": MISSING})])
    Worker.objects.bulk_create([Worker(**_fields(worker))])  # the same row naming a real village
    assert Worker.objects.filter(id_digest="x" * 64).exists()


def test_a_unit_still_named_cannot_be_deleted_even_by_raw_sql(world):
    with pytest.raises(ProtectedError):
        world.village_a.delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM organizations_unit WHERE id = %s", [world.village_b.pk])
    assert Unit.objects.filter(pk=world.village_b.pk).exists()
    spare = Unit.objects.create(code="610924100299", name="新建村")
    spare.delete()  # a unit nobody names goes
    assert not Unit.objects.filter(code="610924100299").exists()


def _fields(worker):
    return {f.attname: getattr(worker, f.attname) for f in Worker._meta.concrete_fields if not f.primary_key}
