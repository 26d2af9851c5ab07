import pytest
from django.core.exceptions import ValidationError

from organizations.models import PartyOrganization, Unit


@pytest.mark.django_db
def test_unit_ancestry_from_code():
    county = Unit.objects.create(code="610924", name="紫阳县")
    town = Unit.objects.create(code="610924100", name="城关镇")
    village = Unit.objects.create(code="610924100201", name="东河村")
    community = Unit.objects.create(code="610924100001", name="城关社区")
    township = Unit.objects.create(code="610924200", name="某乡")
    assert (county.level, county.county_id, county.town_id) == ("county", county.pk, None)
    assert (town.level, town.parent_id, town.county_id, town.town_id) == ("town", county.pk, county.pk, town.pk)
    assert (village.parent_id, village.county_id, village.town_id) == (town.pk, county.pk, town.pk)
    assert (village.kind, community.kind, town.kind, township.kind) == ("village", "community", "town", "township")
    assert village.full_name == "紫阳县城关镇东河村"


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["61092", "6109241001", "61092410020A"])
def test_unit_code_shape(code):
    with pytest.raises(ValidationError) as exc:
        Unit(code=code, name="x").full_clean()
    assert "区划代码" in str(exc.value)


@pytest.mark.django_db
def test_unit_needs_parent():
    Unit.objects.create(code="610924", name="紫阳县")
    with pytest.raises(ValidationError) as exc:
        Unit(code="610924100201", name="孤村").full_clean()
    assert "610924100" in str(exc.value)


@pytest.mark.django_db
def test_outpost_needs_host_place(world):
    org = PartyOrganization(name="驻外支部", home_unit=world.town_a, is_outpost=True)
    with pytest.raises(ValidationError) as exc:
        org.full_clean()
    assert "host_place_code" in exc.value.message_dict
    org.host_place_code = "999999"
    with pytest.raises(ValidationError):
        org.full_clean()
    org.host_place_code = "440306"
    org.full_clean()
    org.save()
    assert (org.county_id, org.town_id) == (world.county.pk, world.town_a.pk)
