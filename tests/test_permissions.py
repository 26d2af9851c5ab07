"""How the role grants compose (organizations.roles, "How the grants compose"): every app names its permissions and
grants them in its own permissions.py, registered at startup; organizations never imports the apps above it."""

import subprocess
import sys

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured

from ledgers import permissions as ledgers_permissions
from organizations import permissions as organizations_permissions
from organizations.roles import (
    ADMIN_ROLES,
    ROLE_PERMISSIONS,
    Role,
    grant_administrators,
    register_permissions,
)
from services import permissions as services_permissions
from talent import permissions as talent_permissions

APP_GRANTS = (organizations_permissions.ROLE_GRANTS, ledgers_permissions.ROLE_GRANTS,
              services_permissions.ROLE_GRANTS, talent_permissions.ROLE_GRANTS)


def test_role_permissions_are_exactly_the_apps_grants():
    expected = {role: set() for role in Role}
    for grants in (*APP_GRANTS, organizations_permissions.ADMINISTRATOR_GRANTS):
        for role, perms in grants.items():
            expected[role] |= perms
    assert ROLE_PERMISSIONS == expected


def test_each_app_grants_only_its_own_permissions():
    for app_label, module in (("organizations", organizations_permissions), ("ledgers", ledgers_permissions),
                              ("services", services_permissions), ("talent", talent_permissions)):
        for role, perms in module.ROLE_GRANTS.items():
            assert role not in ADMIN_ROLES
            assert {p.split(".")[0] for p in perms} == {app_label}, (app_label, role)


@pytest.mark.django_db
def test_every_granted_permission_exists():
    """Grants name the rows Django creates from the models (Meta.permissions and the default four)."""
    existing = {f"{app}.{codename}" for app, codename in
                Permission.objects.values_list("content_type__app_label", "codename")}
    granted = set().union(*ROLE_PERMISSIONS.values())
    assert granted - existing == set()


def test_only_organizations_grants_the_administrators():
    with pytest.raises(ImproperlyConfigured):
        grant_administrators({Role.TOWN_CLERK: {"organizations.view_user"}})
    with pytest.raises(ImproperlyConfigured):
        grant_administrators({Role.SYSTEM_ADMIN: {"zyparty.view_auditentry"}})
    with pytest.raises(ImproperlyConfigured):
        register_permissions({"mayor": {"ledgers.view_worker"}})


def test_organizations_imports_no_app_above_it():
    """The roles, their grants and the models load without ledgers, services or talent."""
    code = ("import sys; import organizations.roles, organizations.permissions, organizations.apps; "
            "above = sorted(m for m in sys.modules if m.split('.')[0] in ('ledgers', 'services', 'talent')); "
            "print(above); sys.exit(1 if above else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
