"""Records of the ledgers app for the access matrix (tests/matrix.py): an import batch and a county's value synonym
made at a place."""

import itertools

from ledgers.models import ImportBatch, ValueSynonym
from tests.matrix import scenario

_serial = itertools.count(1)


@scenario("ledgers.ImportBatch")
def _import_batch(place):
    return ImportBatch.objects.create(kind="workers", file_name="矩阵.xlsx", sha256="0" * 64, size=1,
                                      unit=place.village or place.town)


@scenario("ledgers.ValueSynonym")
def _value_synonym(place):
    return ValueSynonym.objects.create(county=place.county, column="industry", word=f"矩阵行当{next(_serial)}",
                                       target="other")
