"""The place keys every record kept at a place derives from its anchor (organizations.models.PlacedModel): one
mixin, each model naming where its place comes from, the columns and migration state of every model unchanged."""

import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import models

from ledgers.models import ImportBatch, ImportKind, PartyMember, Worker
from organizations.models import (
    PLACE_KEYS,
    CoManagementAgreement,
    PartyOrganization,
    PlacedModel,
    ServicePoint,
    Unit,
)
from services import choices
from services.models import (
    EmploymentAgreement,
    OrgLifeRecord,
    ServiceCase,
    Training,
    TrainingAttendee,
    VideoLesson,
)
from services.tests import factories as services_factories
from tests import factories
from zyparty.models import TrackedModel

pytestmark = pytest.mark.django_db


def _placed_models():
    return [m for m in apps.get_models() if issubclass(m, PlacedModel)]


def _keys(record):
    return tuple(getattr(record, f"{key}_id", None) for key in PLACE_KEYS)


def test_every_placed_model_names_real_anchors():
    assert len(_placed_models()) >= 25
    for model in _placed_models():
        assert model.place_from, model._meta.label
        for name in model.place_from:
            field = model._meta.get_field(name)
            assert isinstance(field, models.ForeignKey), (model._meta.label, name)
        keys = [f.name for f in model._meta.concrete_fields if f.name in PLACE_KEYS]
        assert keys[:1] == ["county"] and "town" in keys, model._meta.label
        for key in keys:
            field = model._meta.get_field(key)
            assert field.related_model is Unit and field.remote_field.related_name == "+", (model._meta.label, key)


def test_the_mixin_changes_no_column_or_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_a_unit_anchor_of_any_level_gives_all_keys(world):
    for unit, expected in ((world.county, (world.county.pk, None)), (world.town_a, (world.county.pk, world.town_a.pk)),
                           (world.village_a, (world.county.pk, world.town_a.pk))):
        point = ServicePoint.objects.create(level="village_point", name="点", unit=unit, head_name="王")
        assert (point.county_id, point.town_id) == expected
    batch = ImportBatch.objects.create(kind=ImportKind.WORKERS, file_name="a.xlsx", sha256="0" * 64,
                                       unit=world.village_a2)
    assert (batch.county_id, batch.town_id) == (world.county.pk, world.town_a.pk)
    assert (world.org_a.county_id, world.org_a.town_id) == (world.county.pk, world.town_a.pk)


def test_an_entered_key_gives_the_keys_above_it_and_keeps_those_below(world):
    only_village = EmploymentAgreement(enterprise=world.enterprise_a, village=world.village_b,
                                       signed_on=datetime.date(2025, 1, 2), positions=3)
    only_village.derive_place()
    assert _keys(only_village) == (world.county.pk, world.town_b.pk, world.village_b.pk)
    # A village outside the town entered is the model's validation error, not a silent move.
    mismatch = EmploymentAgreement(enterprise=world.enterprise_a, town=world.town_a, village=world.village_b,
                                   signed_on=datetime.date(2025, 1, 2), positions=3)
    with pytest.raises(ValidationError) as exc:
        mismatch.full_clean()
    assert "village" in exc.value.message_dict and mismatch.town_id == world.town_a.pk
    agreement = CoManagementAgreement.objects.create(town=world.town_b, host_organization=world.host_b,
                                                     signed_on=datetime.date(2020, 1, 1))
    assert (agreement.county_id, agreement.town_id) == (world.county.pk, world.town_b.pk)


def test_a_county_record_keeps_its_county_until_a_town_is_entered(world):
    county_level = services_factories.training(county=world.county)
    assert (county_level.county_id, county_level.town_id) == (world.county.pk, None)
    in_town = Training.objects.create(county=world.other_county, town=world.town_b, held_on=datetime.date(2025, 5, 1),
                                      kind=choices.TrainingKind.COOKING, title="培训")
    assert in_town.county_id == world.county.pk  # the town's county, whatever was entered


def test_a_record_anchor_gives_its_keys_and_none_it_lacks(world):
    member = world.members["b"]
    record = services_factories.org_life(member, world.host_b)
    assert _keys(record) == (member.county_id, member.town_id, member.village_id)
    training = services_factories.training(town=world.town_a)
    secretary = services_factories.secretary_trained(training, world.org_b)
    assert _keys(secretary) == (world.county.pk, world.town_b.pk, None)  # the organization's place, no village
    named = TrainingAttendee.objects.create(training=training, name="赵老师")
    assert _keys(named) == (world.county.pk, world.town_a.pk, None)  # the training's
    worker = world.workers["a2"]
    attendee = TrainingAttendee.objects.create(training=training, worker=worker)
    assert _keys(attendee) == _keys(worker) and attendee.name == worker.name
    lesson = VideoLesson.objects.create(title="党课", held_on=datetime.date(2025, 3, 1), organization=world.org_b)
    assert (lesson.county_id, lesson.town_id) == (world.county.pk, world.town_b.pk)


def test_the_first_anchor_set_wins(world):
    worker = world.workers["b"]
    case = services_factories.case(world.town_a, world.village_a, worker=worker)
    assert _keys(case) == _keys(worker)  # the person's place, not the town entered
    by_name = services_factories.case(None, world.village_a2)
    assert _keys(by_name) == (world.county.pk, world.town_a.pk, world.village_a2.pk)


def test_records_about_a_person_follow_the_person_when_saved_again(world):
    member = world.members["a"]
    record = services_factories.org_life(member, world.host_a)
    PartyMember.objects.filter(pk=member.pk).update(town=world.town_b, village=world.village_b)
    record = OrgLifeRecord.objects.get(pk=record.pk)
    record.topic = "再次保存"
    record.save()
    assert _keys(record) == (world.county.pk, world.town_b.pk, world.village_b.pk)


def test_a_ledger_record_looks_its_town_up_only_when_it_moved(world, django_assert_num_queries):
    worker = Worker.objects.get(pk=world.workers["a"].pk)
    worker.skills = "焊工"
    with django_assert_num_queries(0):
        worker.prepare()  # imports prepare every row: the county is kept, the town not fetched
    assert worker.county_id == world.county.pk
    worker.town, worker.village = Unit.objects.get(code="610925100"), None
    worker.save()
    assert Worker.objects.get(pk=worker.pk).county_id == world.other_county.pk


def test_a_member_without_town_or_village_is_where_the_home_organization_is(world):
    member = PartyMember(name="孙九", id_number=factories.id_number(datetime.date(1980, 1, 1)),
                         home_organization=world.org_b, joined_on=datetime.date(2010, 7, 1))
    member.prepare()
    assert (member.county_id, member.town_id) == (world.county.pk, world.town_b.pk)


def test_placed_models_are_tracked_or_the_import_batch():
    """Every placed record but the import batch keeps the audit trail's bookkeeping (TrackedModel)."""
    assert {m for m in _placed_models() if not issubclass(m, TrackedModel)} == {ImportBatch}
    assert issubclass(PartyOrganization, PlacedModel) and issubclass(ServiceCase, PlacedModel)


def test_a_model_without_a_village_answers_none_for_it(world, django_assert_num_queries):
    """``village = None`` drops the field; its ``village_id`` must not be looked for in the database either."""
    organization = PartyOrganization.objects.only("id", "name").get(pk=world.org_a.pk)
    enterprise = world.enterprise_a
    with django_assert_num_queries(0):
        assert organization.village_id is None and enterprise.village_id is None
    assert "village" not in {f.name for f in PartyOrganization._meta.get_fields()}
