"""The administrative unit (county / town / village) that placed records point to, named in settings.

``unit_model()`` is to ``settings.ZYPARTY_UNIT_MODEL`` what ``django.contrib.auth.get_user_model()`` is to
``AUTH_USER_MODEL``: plumbing filters and links records by unit without importing the app that defines units.
The model has a ``code`` (the national division code), a ``level`` (``county``, ``town`` or ``village``), the
``county_id``/``town_id`` of its ancestors, and a :class:`zyparty.models.ScopedQuerySet` as default manager.
"""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def unit_model():
    """The unit model class; like ``get_user_model()``, only once the app registry has loaded the models."""
    try:
        return apps.get_model(settings.ZYPARTY_UNIT_MODEL)
    except ValueError as exc:
        raise ImproperlyConfigured("ZYPARTY_UNIT_MODEL must be of the form 'app_label.model_name'") from exc
    except LookupError as exc:
        raise ImproperlyConfigured(
            f"ZYPARTY_UNIT_MODEL refers to model '{settings.ZYPARTY_UNIT_MODEL}' that has not been installed"
        ) from exc


def unit_by_code(code):
    """The unit with this division code, or None."""
    return unit_model()._default_manager.filter(code=code).first()
