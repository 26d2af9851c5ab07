"""The access matrix: every role × every API endpoint and admin page × action × record in and out of scope, with the
expected answer derived from one table (SECURITY.md "access", "scope"; issue 3 "Tests").

How it works
------------
- Endpoints are discovered, not listed: the DRF router registry (``zyparty.urls.router.registry``) and the admin
  registry (``django.contrib.admin.site._registry``). A new viewset or admin page is in the matrix the moment it is
  registered.
- Records come from *scenarios*: for each model, one function that makes a record belonging to a *place*. There are
  three places: ``a`` — the town, village, organization, host-place organization and enterprise every scoped World
  user is attached to; ``b`` — another town of the same county; ``x`` — another county. A model without a scenario
  makes its matrix test fail, telling the developer to declare one.
- Expectations come from ``organizations.roles.ROLE_PERMISSIONS`` (may the role do the action at all?) and from the
  model's ``scope_paths`` (may the role reach the place?): a role reaches place ``a`` when one of its grant kinds
  (county, town, village, organization, enterprise, host organization) filters this model on a foreign key; place ``b``
  only through a county grant; place ``x`` never. Grants through the record's own primary key (``"pk"``) are not
  exercised here — a fresh record is never the user's own organization — and are covered by the scoping tests.
- Reads look at all three places, writes at one place inside and one outside the role's scope; roles that nothing
  distinguishes for a model (same rights, same kind of account, same kinds of grant) are tried through one of them
  (see :func:`role_groups`).

Declaring a scenario for a new model (in ``<app>/tests/scenarios.py``, found automatically)::

    from tests.matrix import scenario

    @scenario("services.ServiceCase")
    def _service_case(place):
        return ServiceCase.objects.create(town=place.town, village=place.village, title="矩阵", ...)

For records without a scope (platform settings, accounts, second-factor devices), ``@scenario(..., scoped=False)``
and a function of no place.
"""

import datetime
import importlib
import itertools
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from ledgers.permissions import EXPORT, IMPORT
from organizations.roles import ADMIN_ROLES, ROLE_PERMISSIONS, Role
from tests import factories
from zyparty import scoping

_serial = itertools.count(1)


# Places -----------------------------------------------------------------------------------------------------------
@dataclass
class Place:
    key: str
    county: object
    town: object
    village: object
    organization: object
    host_organization: object
    enterprise: object


@dataclass
class Matrix:
    world: factories.World
    places: dict
    clients: dict = None
    api_clients: dict = None

    @classmethod
    def build(cls):
        from ledgers.models import HostEnterprise
        from organizations.models import HostPlaceOrganization, PartyOrganization, Unit

        w = factories.World.build()
        other_town = Unit.objects.get(code="610925100")
        other_village = Unit.objects.create(code="610925100201", name="岚河村")
        org_x = PartyOrganization.objects.create(name="岚河村党支部", home_unit=other_village)
        host_x = HostPlaceOrganization.objects.create(name="苏州市流动党员党委", region_code="320505",
                                                      county=w.other_county)
        enterprise_x = HostEnterprise.objects.create(name="苏州某电子厂", credit_code=factories.credit_code("320505"),
                                                     town=other_town, location_code="320505")
        places = {
            "a": Place("a", w.county, w.town_a, w.village_a, w.outpost_a, w.host_a, w.enterprise_a),
            "b": Place("b", w.county, w.town_b, w.village_b, w.org_b, w.host_b, w.enterprise_b),
            "x": Place("x", w.other_county, other_town, other_village, org_x, host_x, enterprise_x),
        }
        return cls(world=w, places=places)

    def user(self, role):
        return self.world.users[role]

    def sign_in_everyone(self):
        """One browser session and one API session per role, made once for the module (signing in is not what the
        matrix tests, and it costs a session, an audit entry and a django-axes log line each time)."""
        from django.test import Client
        from rest_framework.test import APIClient

        self.clients = {role: login(Client(), self.user(role)) for role in roles()}
        self.api_clients = {role: login(APIClient(), self.user(role)) for role in roles()}

    def client(self, role):
        return self.clients[role]

    def api(self, role):
        return self.api_clients[role]


# Scenarios --------------------------------------------------------------------------------------------------------
@dataclass
class Scenario:
    label: str
    make: object
    scoped: bool = True


SCENARIOS: dict = {}


def scenario(label, scoped=True):
    """Declare how to make a record of model ``label`` ("app.Model") at a place (or, unscoped, anywhere)."""

    def register(make):
        SCENARIOS[label.lower()] = Scenario(label.lower(), make, scoped)
        return make

    return register


def scenario_for(model):
    _discover()
    found = SCENARIOS.get(model._meta.label_lower)
    if found is None:
        raise LookupError(
            f"No access-matrix scenario for {model._meta.label}. Declare one in "
            f"{model._meta.app_label}/tests/scenarios.py with @tests.matrix.scenario('{model._meta.label}') — a "
            "function making a record at a Place (see tests/matrix.py) — so that every role is tested against it.")
    return found


_discovered = False


def _discover():
    global _discovered
    if _discovered:
        return
    _discovered = True
    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.tests.scenarios")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{config.name}.tests", f"{config.name}.tests.scenarios"):
                raise


def _n():
    return next(_serial)


@scenario("organizations.Unit")
def _unit(place):
    return _model("organizations.Unit").objects.create(code=f"{place.town.code}{300 + _n() % 99:03d}",
                                                       name=f"矩阵村{_n()}")


@scenario("organizations.PartyOrganization")
def _organization(place):
    return _model("organizations.PartyOrganization").objects.create(
        name=f"矩阵党支部{_n()}", home_unit=place.village, host_partner=place.host_organization)


@scenario("organizations.HostPlaceOrganization")
def _host_organization(place):
    return _model("organizations.HostPlaceOrganization").objects.create(
        name=f"矩阵流入地党委{_n()}", region_code="330106", county=place.county, contact_phone="13800138000")


@scenario("organizations.CoManagementAgreement")
def _agreement(place):
    return _model("organizations.CoManagementAgreement").objects.create(
        town=place.town, host_organization=place.host_organization, organization=place.organization,
        signed_on=datetime.date(2024, 1, 1), annual_funding=10000)


@scenario("organizations.ServicePoint")
def _service_point(place):
    return _model("organizations.ServicePoint").objects.create(
        level="village_point", name=f"矩阵联络点{_n()}", unit=place.village, head_name="矩阵", head_phone="13800138000")


@scenario("organizations.PartyInstructor")
def _instructor(place):
    return _model("organizations.PartyInstructor").objects.create(
        name=f"矩阵指导员{_n()}", enterprise=place.enterprise, county=place.county,
        appointed_on=datetime.date(2024, 1, 1))


@scenario("organizations.JointMeeting")
def _joint_meeting(place):
    return _model("organizations.JointMeeting").objects.create(
        county=place.county, held_on=datetime.date(2024, 3, _n() % 28 + 1), departments=["organization"], topics="矩阵")


@scenario("organizations.CountyYearFigures")
def _county_figures(place):
    return _model("organizations.CountyYearFigures").objects.create(
        county=place.county, year=2000 + _n() % 100, population=350000, party_members_total=13092)


@scenario("ledgers.Worker")
def _worker(place):
    return factories.worker(place.town, place.village, name=f"矩阵工{_n()}", enterprise=place.enterprise,
                            family_situation="留守老人一位")


@scenario("ledgers.HostEnterprise")
def _enterprise(place):
    return _model("ledgers.HostEnterprise").objects.create(
        name=f"矩阵企业{_n()}", credit_code=factories.credit_code("330106"), town=place.town, location_code="330106",
        party_organization=place.organization)


@scenario("ledgers.PartyMember")
def _member(place):
    return factories.member(place.town, place.village, place.organization, name=f"矩阵党员{_n()}",
                            activity_organization=place.organization, co_manager=place.host_organization)


@scenario("ledgers.Activist")
def _activist(place):
    return factories.activist(place.town, place.village, name=f"矩阵积极分子{_n()}",
                              cultivating_organization=place.organization, home_organization=place.organization,
                              co_manager=place.host_organization)


@scenario("organizations.User", scoped=False)
def _user(matrix):
    return factories.user(f"matrix{_n()}", Role.TOWN_CLERK, unit=matrix.world.town_a)


@scenario("organizations.ApiClient", scoped=False)
def _api_client(matrix):
    from organizations.apikeys import api_client_create

    return api_client_create(name=f"矩阵接口{_n()}", unit=matrix.world.town_a)[0]


@scenario("zyparty.AuditEntry", scoped=False)
def _audit_entry(matrix):
    from zyparty import audit
    from zyparty.models import AuditAction

    return audit.record(AuditAction.SYSTEM, None, object_type="matrix", detail="matrix")


@scenario("otp_totp.TOTPDevice", scoped=False)
def _totp_device(matrix):
    return TOTPDevice.objects.create(user=matrix.world.clerk_b, name=f"矩阵{_n()}", confirmed=True)


@scenario("django_celery_beat.CrontabSchedule", scoped=False)
def _crontab(matrix):
    return _model("django_celery_beat.CrontabSchedule").objects.create(minute=str(_n() % 60), hour="3")


@scenario("django_celery_beat.IntervalSchedule", scoped=False)
def _interval(matrix):
    return _model("django_celery_beat.IntervalSchedule").objects.create(every=_n(), period="minutes")


@scenario("django_celery_beat.SolarSchedule", scoped=False)
def _solar(matrix):
    return _model("django_celery_beat.SolarSchedule").objects.create(event="sunrise", latitude=32.5,
                                                                     longitude=108.5 + _n() / 1000)


@scenario("django_celery_beat.ClockedSchedule", scoped=False)
def _clocked(matrix):
    return _model("django_celery_beat.ClockedSchedule").objects.create(
        clocked_time=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(minutes=_n()))


@scenario("django_celery_beat.PeriodicTask", scoped=False)
def _periodic_task(matrix):
    return _model("django_celery_beat.PeriodicTask").objects.create(name=f"矩阵任务{_n()}", task="zyparty.relay_outbox",
                                                                    interval=_interval(matrix))


def _axes_row(model_label):
    def make(matrix):
        fields = {"username": "matrix", "ip_address": "10.0.0.1", "user_agent": "matrix", "path_info": "/login/",
                  "http_accept": "*/*"}
        model = _model(model_label)
        if model._meta.model_name == "accessattempt":
            fields.update(get_data="", post_data="", failures_since_start=1)
        return model.objects.create(**fields)

    return make


for _label in ("axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog"):
    scenario(_label, scoped=False)(_axes_row(_label))


def _model(label):
    return apps.get_model(label)


def discard(obj):
    """Remove a record made only to learn what a form or payload for it looks like. One DELETE, without Django's
    collector (which would ask every table referring to the model) and without an audit entry: nothing refers to
    the record yet, and the test's transaction is rolled back anyway."""
    queryset = type(obj)._base_manager.filter(pk=obj.pk)
    queryset._raw_delete(queryset.db)


# Expectations -----------------------------------------------------------------------------------------------------
def has_perm(role, perm):
    return perm in ROLE_PERMISSIONS.get(role, ())


def model_perm(role, model, action):
    return has_perm(role, f"{model._meta.app_label}.{action}_{model._meta.model_name}")


def grant_kinds(user):
    return {kind for kind, _ids in scoping.scope_of(user).grants()}


def reaches(user, model, place_key) -> bool:
    """Whether ``user``'s scope covers records of ``model`` made at ``place_key`` (see the module doc)."""
    if scoping.scope_of(user).everything:
        return True
    paths = getattr(model, "scope_paths", None) or {}
    kinds = grant_kinds(user)

    def by_foreign_key(kind):
        value = paths.get(kind)
        values = [value] if isinstance(value, str) else list(value or [])
        return any(v != "pk" for v in values)

    if place_key == "a":
        return any(by_foreign_key(kind) for kind in kinds)
    if place_key == "b":
        return "county" in kinds and by_foreign_key("county")
    return False


def write_places(user, model):
    """The places a role's writes are tried at: one its scope covers (if any) and one it does not. Reads look at
    all three places; for writes one of each kind exercises both answers at half the cost."""
    inside = [key for key in ("a", "b") if reaches(user, model, key)][:1]
    outside = [key for key in ("b", "x") if not reaches(user, model, key)][:1]
    return inside + outside


def may_export(role, model):
    return model_perm(role, model, "view") and has_perm(role, EXPORT)


def may_import(role, model):
    """Excel import and its template (ledgers.importing.access.import_permissions): the import permission and
    adding and changing the model's records."""
    return has_perm(role, IMPORT) and model_perm(role, model, "add") and model_perm(role, model, "change")


def is_staff_role(role):
    return role != Role.PARTNER


def roles():
    return list(Role)


def role_groups(model, users):
    """The roles to try against ``model``, as groups that must answer alike; the first of each group is tried.

    Two roles answer alike when nothing the code looks at differs: the same rights on the model (and export), the
    same kind of account (partners never enter the admin, the administrator roles pass a second factor) and the same
    kinds of grant (county, town, village, …). Roles holding no right at all are refused before any record or scope
    is looked at (DRF's ``has_permission``, the admin's ``has_*_permission``), so their grants do not matter."""
    groups = {}
    for role in roles():
        rights = frozenset(a for a in ("view", "add", "change", "delete") if model_perm(role, model, a))
        account = (is_staff_role(role), role in ADMIN_ROLES)
        if rights:
            key = (rights, may_export(role, model), may_import(role, model), account,
                   frozenset(grant_kinds(users[role])))
        else:
            key = ("none", account)
        groups.setdefault(key, []).append(role)
    return list(groups.values())


# Clients ------------------------------------------------------------------------------------------------------------
def login(client, user):
    """Sign ``user`` in; the three administrator roles also pass the second factor (a confirmed TOTP device)."""
    client.force_login(user)
    if user.role in ADMIN_ROLES:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="matrix", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def admin_request(user, method="get", path="/admin/"):
    request = getattr(RequestFactory(), method)(path)
    request.user = user
    request.session = {}
    request._messages = None
    return request


# Admin form data ----------------------------------------------------------------------------------------------------
def form_data(form):
    """What a browser would post for ``form`` as rendered: every field's current value, widget by widget."""
    data = {}
    for bound in form:
        widget = bound.field.widget
        inner = getattr(widget, "widget", widget)  # the admin wraps related widgets
        value = bound.value()
        if isinstance(inner, forms.MultiWidget):
            parts = value if isinstance(value, (list, tuple)) else inner.decompress(value)
            for suffix, sub, part in zip(inner.widgets_names, inner.widgets, parts):
                formatted = sub.format_value(part)
                data[bound.html_name + suffix] = "" if formatted is None else formatted
        elif isinstance(inner, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif getattr(inner, "allow_multiple_selected", False):
            data[bound.html_name] = [str(v) for v in (value or [])]
        elif isinstance(inner, forms.Select):
            data[bound.html_name] = "" if value in (None, "") else str(value)
        else:
            formatted = inner.format_value(value)
            data[bound.html_name] = "" if formatted is None else formatted
    return data


def admin_form_data(model_admin, user, obj, change):
    """What the admin's add or change page posts for ``obj``: only the fields the page renders."""
    from django.contrib.admin.utils import flatten_fieldsets

    request = admin_request(user)
    shown = set(flatten_fieldsets(model_admin.get_fieldsets(request, obj if change else None)))
    form_class = model_admin.get_form(request, obj if change else None, change=change)
    data = {name: value for name, value in form_data(form_class(instance=obj)).items()
            if name.split("_")[0] in shown or name in shown or name.rsplit("_", 1)[0] in shown}
    for inline in model_admin.get_inline_instances(request, obj if change else None):
        prefix = inline.get_formset(request, obj if change else None).get_default_prefix()
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0",
                     f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data


def admin_registry():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def api_registry():
    from zyparty.urls import router

    return sorted(((prefix, viewset) for prefix, viewset, _basename in router.registry), key=lambda item: item[0])


def admin_registry_dict():
    return dict(admin.site._registry)
