"""Every role × every API endpoint and admin page × list/detail/create/update/delete/export × records in and out of
scope, against one expectation table (tests/matrix.py; SECURITY.md "access", "scope"); and no URL open to anonymous
visitors outside a short allowlist (SECURITY.md "access": deny by default).

One test per endpoint or admin page, looping over the roles, so a failure lists every wrong answer of that endpoint
at once. The World is built once per module; each role's writes are rolled back before the next role.
"""

import re
import uuid

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from tests import matrix

API = matrix.api_registry()
ADMIN = matrix.admin_registry()
PLACES = ("a", "b", "x")


@pytest.fixture(scope="module")
def mx(django_db_setup, django_db_blocker):
    # The sessions are made once and must outlive a slow run: no idle timeout inside this module (tested elsewhere).
    with django_db_blocker.unblock(), override_settings(SESSION_COOKIE_AGE=24 * 3600):
        with transaction.atomic():
            built = matrix.Matrix.build()
            built.sign_in_everyone()
            yield built
            transaction.set_rollback(True)


def _each_role(mx, model, check):
    problems = []
    for group in matrix.role_groups(model, mx.world.users):
        role, label = group[0], group[0] if len(group) == 1 else f"{group[0]} (for {', '.join(group)})"
        with transaction.atomic():
            problems += [f"{label}: {p}" for p in check(role)]
            transaction.set_rollback(True)
    return problems


def _report(problems):
    assert not problems, "access matrix mismatches:\n" + "\n".join(problems)


# API ----------------------------------------------------------------------------------------------------------------
def _api_payload(viewset, scenario, place):
    """What a client would send to create the record ``scenario`` makes at ``place``: the serializer's own
    representation (personal values in clear) of such a record, which is then removed again."""
    obj = scenario.make(place)
    serializer = viewset.serializer_class(obj, context={"unmask": True})
    data = {name: value for name, value in serializer.data.items() if not serializer.fields[name].read_only}
    matrix.discard(obj)
    return data


def _lookup(viewset, obj):
    return getattr(obj, viewset.lookup_field or "pk")


def _ids(response):
    return {row.get("id") for row in response.json().get("results", [])}


@pytest.mark.parametrize("prefix,viewset", API, ids=[prefix for prefix, _ in API])
def test_api_matrix(mx, db, prefix, viewset):
    model = viewset.queryset.model
    scenario = matrix.scenario_for(model)
    base = f"/api/v1/{prefix}/"
    objects = {key: scenario.make(mx.places[key]) for key in PLACES}
    exports = [a for a in viewset.get_extra_actions() if a.__name__ == "export"]
    excel_imports = [a for a in viewset.get_extra_actions() if a.__name__ in ("template", "import_file")]
    # What a client posts to create a record at each place, made once here, outside the roles' rolled-back writes
    # (a scenario may make supporting records the payload refers to).
    payloads = {key: _api_payload(viewset, scenario, mx.places[key]) for key in PLACES} \
        if any(matrix.model_perm(r, model, "add") for r in matrix.roles()) else {}

    def check(role):
        user = mx.user(role)
        api = mx.api(role)
        can = {action: matrix.model_perm(role, model, action) for action in ("view", "add", "change", "delete")}
        problems = []

        def expect(what, response, expected):
            if response.status_code != expected:
                problems.append(f"{what}: expected {expected}, got {response.status_code} {response.content[:200]!r}")
                return False
            return True

        listing = api.get(base, {"page_size": 500})
        if expect("list", listing, 200 if can["view"] else 403) and can["view"]:
            shown = _ids(listing)
            for key, obj in objects.items():
                if (obj.pk in shown) != matrix.reaches(user, model, key):
                    problems.append(f"list: record at {key} {'shown' if obj.pk in shown else 'hidden'}")
        for key, obj in objects.items():
            expected = (200 if matrix.reaches(user, model, key) else 404) if can["view"] else 403
            expect(f"detail {key}", api.get(f"{base}{_lookup(viewset, obj)}/"), expected)

        writes = matrix.write_places(user, model)
        for key in writes if can["add"] else ("a",):
            payload = payloads.get(key, {})
            expected = (201 if matrix.reaches(user, model, key) else 400) if can["add"] else 403
            expect(f"create {key}", api.post(base, payload, format="json"), expected)

        for key in writes if can["change"] else ("a",):
            obj = type(objects[key]).objects.get(pk=objects[key].pk)
            headers = {"HTTP_IF_MATCH": obj.etag} if hasattr(obj, "etag") else {}
            expected = (200 if matrix.reaches(user, model, key) else 404) if can["change"] else 403
            expect(f"update {key}", api.patch(f"{base}{_lookup(viewset, obj)}/", {}, format="json", **headers),
                   expected)

        for key in writes if can["delete"] else ("a",):
            obj = scenario.make(mx.places[key])
            expected = (204 if matrix.reaches(user, model, key) else 404) if can["delete"] else 403
            if expect(f"delete {key}", api.delete(f"{base}{_lookup(viewset, obj)}/"), expected):
                if type(obj).objects.filter(pk=obj.pk).exists() == (expected == 204):
                    problems.append(f"delete {key}: record {'kept' if expected == 204 else 'removed'}")

        for action in exports:
            url = f"{base}{action.url_path}/"
            allowed = matrix.may_export(role, model)
            response = api.get(url)
            if allowed != (200 <= response.status_code < 300) or (not allowed and response.status_code != 403):
                problems.append(f"export: expected {'2xx' if allowed else 403}, got {response.status_code}")
        for action in excel_imports:  # the template, and an import without a file (refused, or asked for one)
            url = f"{base}{action.url_path}/"
            allowed = matrix.may_import(role, model)
            response = api.get(url) if action.__name__ == "template" else api.post(url, {}, format="multipart")
            expected = (200 if action.__name__ == "template" else 400) if allowed else 403
            expect(action.__name__, response, expected)
        return problems

    _report(_each_role(mx, model, check))


# Admin --------------------------------------------------------------------------------------------------------------
def _admin_url(model, view, obj=None):
    info = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    return {"changelist": info, "add": f"{info}add/", "change": f"{info}{getattr(obj, 'pk', '')}/change/",
            "delete": f"{info}{getattr(obj, 'pk', '')}/delete/"}[view]


def _check_admin_scoped(mx, model, model_admin, scenario, objects, role, client, expect, problems, forms):
    user = mx.user(role)
    can = {action: matrix.model_perm(role, model, action) for action in ("view", "add", "change", "delete")}
    sees = can["view"] or can["change"]  # Django's admin: the right to change includes the right to look

    listing = client.get(_admin_url(model, "changelist"))
    if expect("changelist", listing, 200 if sees else 403) and sees:
        page = listing.content.decode()
        for key, obj in objects.items():
            shown = _admin_url(model, "change", obj) in page
            if shown != matrix.reaches(user, model, key):
                problems.append(f"changelist: record at {key} {'shown' if shown else 'hidden'}")
    writes = matrix.write_places(user, model)
    for key in writes if sees else ("a",):  # the list above showed all three places; a page per answer here
        expected = (200 if matrix.reaches(user, model, key) else 302) if sees else 403
        expect(f"change page {key}", client.get(_admin_url(model, "change", objects[key])), expected)

    for key in writes if can["add"] else ("a",):
        data = forms.get(key, {})
        before = model._default_manager.count()
        reached = matrix.reaches(user, model, key)
        expected = (302 if reached else 200) if can["add"] else 403
        if expect(f"add {key}", client.post(_admin_url(model, "add"), data), expected):
            if (model._default_manager.count() > before) != (expected == 302):
                problems.append(f"add {key}: record {'not ' if expected == 302 else ''}created")

    for key in writes if can["change"] else ("a",):
        obj = model._default_manager.get(pk=objects[key].pk)
        data = matrix.admin_form_data(model_admin, user, obj, change=True)
        response = client.post(_admin_url(model, "change", obj), data)
        reached = matrix.reaches(user, model, key)
        if not can["change"]:
            expect(f"change {key}", response, 403)
        elif expect(f"change {key}", response, 302):
            went_to = response["Location"]
            saved = went_to.rstrip("/").endswith(model._meta.model_name)
            if saved != reached:
                problems.append(f"change {key}: {'saved' if saved else 'refused'} (redirect to {went_to})")
            version = getattr(model._default_manager.get(pk=obj.pk), "version", None)
            if version is not None and (version > obj.version) != reached:
                problems.append(f"change {key}: version {obj.version} → {version}")

    for key in writes if can["delete"] else ("a",):
        obj = scenario.make(mx.places[key])
        reached = matrix.reaches(user, model, key)
        expected = 302 if can["delete"] else 403
        if expect(f"delete {key}", client.post(_admin_url(model, "delete", obj), {"post": "yes"}), expected):
            if model._default_manager.filter(pk=obj.pk).exists() == (can["delete"] and reached):
                problems.append(f"delete {key}: record {'kept' if reached else 'removed'}")


def _check_admin_unscoped(mx, model, scenario, obj, role, client, expect, problems):
    can = {action: matrix.model_perm(role, model, action) for action in ("view", "add", "change", "delete")}
    sees = can["view"] or can["change"]
    listing = client.get(_admin_url(model, "changelist"))
    if expect("changelist", listing, 200 if sees else 403) and sees:
        if _admin_url(model, "change", obj) not in listing.content.decode():
            problems.append("changelist: record hidden")
    expect("change page", client.get(_admin_url(model, "change", obj)), 200 if sees else 403)
    expect("add page", client.get(_admin_url(model, "add")), 200 if can["add"] else 403)
    if not can["change"]:
        expect("change", client.post(_admin_url(model, "change", obj), {}), 403)
    if can["delete"]:
        expect("delete page", client.get(_admin_url(model, "delete", obj)), 200)
    else:
        expect("delete", client.post(_admin_url(model, "delete", obj), {"post": "yes"}), 403)
        if not model._default_manager.filter(pk=obj.pk).exists():
            problems.append("delete: record removed")


@pytest.mark.parametrize("model,model_admin", ADMIN, ids=[m._meta.label for m, _ in ADMIN])
def test_admin_matrix(mx, db, model, model_admin):
    scenario = matrix.scenario_for(model)
    forms = {}
    if scenario.scoped:
        objects = {key: scenario.make(mx.places[key]) for key in PLACES}
        adder = next((r for r in matrix.roles() if matrix.model_perm(r, model, "add")), None)
        for key in PLACES if adder else ():  # what the add page posts, made once outside the roles' writes
            made = scenario.make(mx.places[key])
            forms[key] = matrix.admin_form_data(model_admin, mx.user(adder), made, change=False)
            matrix.discard(made)
    else:
        shared = scenario.make(mx)

    def check(role):
        client = mx.client(role)
        problems = []

        def expect(what, response, expected):
            if not matrix.is_staff_role(role):  # partner service users never get into the admin
                expected = 302
                if response.status_code == 302 and not response["Location"].startswith("/admin/login/"):
                    problems.append(f"{what}: redirected to {response['Location']}, not to the admin login")
            if response.status_code != expected:
                problems.append(f"{what}: expected {expected}, got {response.status_code}")
                return False
            return matrix.is_staff_role(role)

        if scenario.scoped:
            _check_admin_scoped(mx, model, model_admin, scenario, objects, role, client, expect, problems, forms)
        else:
            _check_admin_unscoped(mx, model, scenario, shared, role, client, expect, problems)
        return problems

    _report(_each_role(mx, model, check))


# Deny by default ----------------------------------------------------------------------------------------------------
# Views anyone may open without signing in: the sign-in pages themselves and sign-out (which only ends a session).
ANONYMOUS_ALLOWED = {"login", "logout", "admin:login", "admin:logout"}
SAMPLES = {"int": "1", "path": "1", "str": "1", "slug": "x", "uuid": str(uuid.UUID(int=1)),
           "drf_format_suffix": ".json"}


def _sample(route):
    """A concrete path for a URL pattern: converters and regex groups replaced by sample values."""
    def group(match):
        body = match.group(2)
        if "|" in body and not any(c in body for c in "[]\\+*"):
            return body.split("|")[0]
        if "a-z0-9" in body:
            return "json"
        return "1"

    route = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", group, route)
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES.get(m.group(1) or "str", "1"), route)
    route = route.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/").replace("\\Z", "")
    return route


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}" if entry.name else None, entry


# DRF's ".json"-style format suffixes reach the same views as the plain URLs: one of each is enough.
URLS = sorted({(_sample(route), name) for route, name, _ in _walk(get_resolver().url_patterns)
               if "<format>" not in route and "drf_format_suffix" not in route}, key=lambda item: item[0])
GUARDED = [(path, name) for path, name in URLS if name not in ANONYMOUS_ALLOWED]


def test_url_samples_resolve():
    """Every sampled URL reaches its own view: otherwise the anonymous walk below would test nothing for it."""
    def resolves_to(path, name):
        try:
            return resolve("/" + path).view_name == name
        except Resolver404:
            return False

    wrong = [f"/{path} ({name})" for path, name in URLS if name and not resolves_to(path, name)]
    assert not wrong, "extend tests/test_access_matrix.SAMPLES for: " + ", ".join(wrong)


def _refused(response):
    if response.status_code == 302:
        return re.match(r"^/(accounts|admin)/login/", response["Location"]) is not None
    return response.status_code in (401, 403)


@pytest.mark.parametrize("path,name", GUARDED, ids=[f"/{p}" for p, _ in GUARDED])
def test_no_anonymous_access(db, client, path, name):
    response = client.get("/" + path)
    if response.status_code == 405:  # a view that only takes POST must refuse anonymous POSTs
        response = client.post("/" + path)
    assert _refused(response), f"/{path} ({name}) answered {response.status_code} to an anonymous visitor"
