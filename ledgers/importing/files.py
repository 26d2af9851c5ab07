"""Where uploads are kept: ``MEDIA_ROOT/imports``, outside the web root (SECURITY.md "uploads"), one file a batch."""

from pathlib import Path

from django.conf import settings

from ledgers.models import ImportBatch


def import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def batch_path(batch) -> Path | None:
    return import_dir() / batch.stored_name if batch.stored_name else None


def remove_file(batch) -> int:
    path = batch_path(batch)
    if path is None:
        return 0
    path.unlink(missing_ok=True)
    ImportBatch.objects.filter(pk=batch.pk).update(stored_name="")
    batch.stored_name = ""
    return 1


def remove_stored(stored_name):
    if stored_name:
        (import_dir() / stored_name).unlink(missing_ok=True)
