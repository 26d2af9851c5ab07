"""Records of the ledgers app for the access matrix (tests/matrix.py): an import batch made at a place."""

from ledgers.models import ImportBatch
from tests.matrix import scenario


@scenario("ledgers.ImportBatch")
def _import_batch(place):
    return ImportBatch.objects.create(kind="workers", file_name="矩阵.xlsx", sha256="0" * 64, size=1,
                                      unit=place.village or place.town)
