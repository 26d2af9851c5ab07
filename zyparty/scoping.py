"""The one scoping layer: which records a user may see and write.

Every query for people's data — admin, pages, API, exports, imports and the notices Celery produces — goes
through :func:`restrict` (reads) and :func:`permits` (writes). A user's grants come from their role and their
place in the hierarchy; a model says, in ``scope_paths``, which of its foreign keys each kind of grant filters
on. Paths are single foreign keys (``town``), or ``pk``, so each grant is one indexed equality and ``permits`` can
check an unsaved instance the same way. A model without ``scope_paths`` is never visible through this layer.
"""

import functools
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils.module_loading import import_string

GRANT_KINDS = ("county", "town", "village", "organization", "enterprise", "host_organization")


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    county: frozenset = frozenset()
    town: frozenset = frozenset()
    village: frozenset = frozenset()
    organization: frozenset = frozenset()
    enterprise: frozenset = frozenset()
    host_organization: frozenset = frozenset()

    def grants(self):
        for kind in GRANT_KINDS:
            ids = getattr(self, kind)
            if ids:
                yield kind, ids

    @property
    def is_empty(self):
        return not self.everything and not any(True for _ in self.grants())

    def covers_unit(self, unit) -> bool:
        """Whether a unit (county, town or village) lies inside this scope's part of the hierarchy."""
        if unit is None:
            return False
        if self.everything:
            return True
        return (
            unit.county_id in self.county
            or (unit.town_id is not None and unit.town_id in self.town)
            or unit.pk in self.village
        )


NOTHING = Scope()
EVERYTHING = Scope(everything=True)


@functools.cache
def _resolver():
    """The project's ``ZYPARTY_SCOPE_RESOLVER``: the domain decides what a role grants, plumbing only applies it."""
    return import_string(settings.ZYPARTY_SCOPE_RESOLVER)


def scope_of(user) -> Scope:
    """The grants of a user, computed once per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    cached = getattr(user, "_zyparty_scope", None)
    if cached is None:
        cached = _resolver()(user)
        user._zyparty_scope = cached
    return cached


def _paths(model):
    paths = getattr(model, "scope_paths", None)
    if paths is None:
        raise ImproperlyConfigured(f"{model.__name__} has no scope_paths: it cannot be shown through the scoping layer")
    return paths


def _as_list(value):
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def scope_q(model, scope: Scope) -> Q:
    q = Q(pk__in=[])
    for kind, ids in scope.grants():
        for path in _as_list(_paths(model).get(kind)):
            field = "pk" if path == "pk" else f"{path}_id"
            q |= Q(**{field: next(iter(ids))}) if len(ids) == 1 else Q(**{f"{field}__in": ids})
    return q


def restrict(queryset, user):
    """The records of ``queryset`` that ``user`` may see."""
    scope = scope_of(user)
    if scope.everything:
        return queryset
    _paths(queryset.model)
    if scope.is_empty:
        return queryset.none()
    return queryset.filter(scope_q(queryset.model, scope))


def permits(user, instance) -> bool:
    """Whether ``instance`` (saved or not) lies inside the user's scope, judged from its own foreign keys."""
    scope = scope_of(user)
    if scope.everything:
        return True
    paths = _paths(type(instance))
    for kind, ids in scope.grants():
        for path in _as_list(paths.get(kind)):
            value = instance.pk if path == "pk" else getattr(instance, f"{path}_id", None)
            if value is not None and value in ids:
                return True
    return False
