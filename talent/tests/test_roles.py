"""Who may do what with talent records (talent.permissions.ROLE_GRANTS), checked through the API as users meet it."""

import pytest

from organizations.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

R, W = "read", "write"
# endpoint → {role: what the role may do}; a role not listed may do nothing (403).
MATRIX = {
    "development-cases": {Role.COUNTY_ADMIN: W, Role.COUNTY_STAFF: W, Role.TOWN_CLERK: W, Role.VILLAGE_LIAISON: R,
                          Role.OUTPOST_SECRETARY: W, Role.HOST_ORGANIZATION: R, Role.PARTNER: R},
    "development-steps": {Role.COUNTY_ADMIN: W, Role.COUNTY_STAFF: W, Role.TOWN_CLERK: W, Role.VILLAGE_LIAISON: R,
                          Role.OUTPOST_SECRETARY: W, Role.HOST_ORGANIZATION: W, Role.PARTNER: R},
    "talents": {Role.COUNTY_ADMIN: W, Role.COUNTY_STAFF: W, Role.TOWN_CLERK: W, Role.VILLAGE_LIAISON: R,
                Role.PARTNER: R},
    "reserve-cadres": {Role.COUNTY_ADMIN: W, Role.COUNTY_STAFF: W, Role.TOWN_CLERK: W, Role.VILLAGE_LIAISON: R,
                       Role.PARTNER: R},
    "ventures": {Role.COUNTY_ADMIN: W, Role.COUNTY_STAFF: W, Role.TOWN_CLERK: W, Role.VILLAGE_LIAISON: R,
                 Role.PARTNER: R},
    "quota-results": {Role.COUNTY_ADMIN: R, Role.COUNTY_STAFF: R, Role.TOWN_CLERK: R, Role.VILLAGE_LIAISON: R,
                      Role.OUTPOST_SECRETARY: R, Role.PARTNER: R},
}
MODEL = {"development-cases": "developmentcase", "development-steps": "developmentstep", "talents": "talent",
         "reserve-cadres": "reservecadre", "ventures": "returneeventure", "quota-results": "quotaresult"}


@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_role_matrix(api, w, endpoint):
    for role in Role:
        user = w.users[role]
        allowed = MATRIX[endpoint].get(role)
        api.force_authenticate(user)
        response = api.get(f"/api/v1/{endpoint}/")
        assert response.status_code == (200 if allowed else 403), (endpoint, role, response.status_code)
        write = "add"
        assert user.has_perm(f"talent.{write}_{MODEL[endpoint]}") == (allowed == W), (endpoint, role)


@pytest.mark.parametrize("perm, roles", [
    ("talent.evaluate_quotas", {Role.COUNTY_ADMIN, Role.COUNTY_STAFF}),
    ("talent.undo_developmentstep", {Role.COUNTY_ADMIN, Role.COUNTY_STAFF}),
    ("talent.change_quotarule", {Role.COUNTY_ADMIN}),
    ("talent.change_timelimit", {Role.COUNTY_ADMIN, Role.COUNTY_STAFF}),
    ("talent.change_publicholiday", {Role.COUNTY_ADMIN, Role.COUNTY_STAFF}),
    ("talent.delete_developmentcase", set()),
    ("talent.change_developmentstep", set()),
    ("talent.add_timelimit", set()),
])
def test_special_rights(perm, roles):
    from talent.permissions import ROLE_GRANTS

    assert {role for role, perms in ROLE_GRANTS.items() if perm in perms} == roles


def test_admin_roles_see_nothing_of_talent(w):
    for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR, Role.ENTERPRISE_LIAISON):
        assert not w.users[role].has_module_perms("talent"), role
