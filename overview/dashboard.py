"""The home page's figures: precomputed per county, shared by every process, cut down to each user's scope.

PERFORMANCE.md: a GROUP BY over a county's rows costs far too much to run on every page view. So:

- ``compute_snapshot(county)`` runs one grouped query per dataset over the county's rows, grouped down to the
  (town, village) the row belongs to plus the one dimension a panel shows (destination province, completeness,
  stage…). The result is a few thousand small tuples.
- The snapshot is stored in the ``aggregates`` cache (settings.CACHES: a database table, so every gunicorn worker
  and the Celery worker share one copy) under ``dashboard:v<N>:county:<pk>``.
- It is refreshed by the scheduled task ``zyparty.refresh_dashboards`` and after imports (``refresh_soon``); a
  reader finding it missing or older than ``DASHBOARD_MAX_AGE_SECONDS`` recomputes it once, while a lock in the same
  cache lets other processes keep serving the older copy.
- A user's dashboard keeps only the rows whose town or village the user's grants cover — the same keys the scoping
  layer filters on (zyparty.scoping) — and sums them. A clerk's numbers are made of their own town's rows only.

Grants that are not places (an outpost branch, an enterprise, a host-place organization) see live counts of their
own few records instead; those are indexed equalities on one foreign key, not county-wide groupings.
"""

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import ExtractYear, Substr
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ledgers.choices import Direction
from ledgers.models import Activist, HostEnterprise, PartyMember, Worker
from organizations.choices import OrgForm
from organizations.models import CoManagementAgreement, PartyOrganization, Unit
from services.rules import liaison_overdue_period
from zyparty import events, jobs, regions
from zyparty.scoping import scope_of

SNAPSHOT_VERSION = 1
FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'
RED, GOLD, GREY = "#b71c1c", "#d4a017", "#9e9e9e"
LIAISON_ROWS_SHOWN = 12


def _cache():
    return caches["aggregates"]


def _key(county_id):
    return f"dashboard:v{SNAPSHOT_VERSION}:county:{county_id}"


def _model(app_label, model_name):
    """A model of an app that may not define it (services and talent grow separately); None when absent."""
    try:
        return apps.get_model(app_label, model_name)
    except LookupError:
        return None


def _has_fields(model, *names):
    if model is None:
        return False
    existing = {f.name for f in model._meta.get_fields()}
    return all(n in existing for n in names)


# Datasets -------------------------------------------------------------------------------------------------------
# Each returns tuples ``(town_id, village_id, *dimensions, *measures)`` for one county, or None when the records it
# counts do not exist in this installation (the panel then says so).

DATASETS = {}


def dataset(name):
    def decorator(function):
        DATASETS[name] = function
        return function

    return decorator


def _grouped(queryset, *fields, measures=None):
    measures = measures or {"n": Count("pk")}
    rows = queryset.order_by().values(*fields).annotate(**measures)
    return [tuple(row[f] for f in fields) + tuple(row[m] for m in measures) for row in rows]


@dataset("workers")
def _workers(county):
    return _grouped(Worker.objects.filter(county=county), "town_id", "village_id", "direction")


@dataset("destinations")
def _destinations(county):
    qs = (Worker.objects.filter(county=county, direction=Direction.OUTGOING).exclude(destination_code="")
          .annotate(province=Substr("destination_code", 1, 2)))
    return _grouped(qs, "town_id", "village_id", "province")


@dataset("completeness")
def _completeness(county):
    return _grouped(Worker.objects.filter(county=county), "town_id", "village_id", "completeness")


@dataset("enterprises")
def _enterprises(county):
    return [(town, None, n) for town, n in _grouped(HostEnterprise.objects.filter(county=county), "town_id")]


@dataset("members")
def _members(county):
    return _grouped(PartyMember.objects.filter(county=county), "town_id", "village_id", "is_mobile")


@dataset("activists")
def _activists(county):
    return _grouped(Activist.objects.filter(county=county), "town_id", "village_id", "stage")


@dataset("organizations")
def _organizations(county):
    rows = _grouped(PartyOrganization.objects.filter(county=county, is_active=True),
                    "town_id", "home_unit_id", "is_outpost", "form")
    # An organization kept by a village counts under that village; one kept by a town or the county does not.
    return [(town, home if town is not None and home != town else None, outpost, form, n)
            for town, home, outpost, form, n in rows]


@dataset("service_cases")
def _service_cases(county):
    model = _model("services", "ServiceCase")
    if not _has_fields(model, "kind", "status", "amount_recovered", "opened_on", "town", "village"):
        return None
    qs = model.objects.filter(county=county).annotate(year=ExtractYear("opened_on"))
    return _grouped(qs, "town_id", "village_id", "kind", "status", "year",
                    measures={"n": Count("pk"), "amount": Sum("amount_recovered")})


@dataset("ventures")
def _ventures(county):
    model = _model("talent", "ReturneeVenture")
    if not _has_fields(model, "kind", "jobs_created", "is_active", "town", "village"):
        return None
    return _grouped(model.objects.filter(county=county, is_active=True), "town_id", "village_id", "kind",
                    measures={"n": Count("pk"), "jobs": Sum("jobs_created")})


@dataset("development")
def _development(county):
    model = _model("talent", "DevelopmentCase")
    if not _has_fields(model, "stage", "status", "town", "village"):
        return None
    return _grouped(model.objects.filter(county=county), "town_id", "village_id", "stage", "status")


@dataset("quota")
def _quota(county):
    """The latest evaluated period of each quota rule: subjects met or short, per town and village. A result
    without a town is the county's own (e.g. joint meetings, seed 000 §3)."""
    model = _model("talent", "QuotaResult")
    if not _has_fields(model, "rule", "period_start", "status", "town", "village"):
        return None
    qs = model.objects.filter(county=county, status__in=("met", "short"))
    latest = dict(qs.order_by().values_list("rule_id").annotate(last=Max("period_start")))
    if not latest:
        return []
    q = Q(pk__in=[])
    for rule_id, period_start in latest.items():
        q |= Q(rule_id=rule_id, period_start=period_start)
    rows = _grouped(qs.filter(q), "town_id", "village_id", "rule_id", "status")
    return [(town, village, rule, status, n, latest[rule].isoformat()) for town, village, rule, status, n in rows]


@dataset("liaisons")
def _liaisons(county):
    """Each pair of a town and a host-place organization it works with, and whether they exchanged in the last
    completed half-year (seed 000 §6; the half-year rule is services.rules.liaison_overdue_period). Pairs are the
    co-build agreements in force then, and pairs that had exchanged before it."""
    model = _model("services", "LiaisonRecord")
    if not _has_fields(model, "town", "host_organization", "held_on"):
        return None
    half = liaison_overdue_period(timezone.localdate())
    records = model.objects.filter(county=county, host_organization__isnull=False).order_by()
    pairs = set(CoManagementAgreement.objects.filter(county=county, signed_on__lte=half.end).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=half.start)).values_list("town_id", "host_organization_id"))
    pairs |= set(records.filter(held_on__lt=half.start).values_list("town_id", "host_organization_id").distinct())
    last = {(t, h): d for t, h, d in records.values_list("town_id", "host_organization_id").annotate(
        last=Max("held_on"))}
    in_half = set(records.filter(held_on__gte=half.start, held_on__lte=half.end).values_list(
        "town_id", "host_organization_id").distinct())
    return [(town, None, host, last.get((town, host)), (town, host) in in_half, str(half.label))
            for town, host in sorted(pairs)]


def compute_snapshot(county) -> dict:
    """All figures of one county, grouped down to town and village."""
    units = {u.pk: (u.code, u.name, u.level, u.town_id)
             for u in Unit.objects.filter(county=county).only("code", "name", "level", "town_id")}
    extra = {}
    host_model = _model("organizations", "HostPlaceOrganization")
    extra["hosts"] = dict(host_model.objects.filter(county=county).values_list("pk", "name"))
    rule_model = _model("talent", "QuotaRule")
    if rule_model is not None:
        label = next((f for f in ("name", "title", "label") if _has_fields(rule_model, f)), None)
        extra["rules"] = {r.pk: (getattr(r, label) if label else str(r)) for r in rule_model.objects.all()}
    return {
        "version": SNAPSHOT_VERSION,
        "county_id": county.pk,
        "county_name": county.name,
        "computed_at": timezone.now(),
        "units": units,
        "extra": extra,
        "rows": {name: function(county) for name, function in DATASETS.items()},
    }


def refresh(county) -> dict:
    snapshot = compute_snapshot(county)
    _cache().set(_key(county.pk), snapshot, None)
    return snapshot


def snapshot_for(county_id) -> dict:
    """The stored snapshot, recomputed when missing or too old (by one process at a time)."""
    cache = _cache()
    snapshot = cache.get(_key(county_id))
    if snapshot is not None and snapshot.get("version") == SNAPSHOT_VERSION:
        age = (timezone.now() - snapshot["computed_at"]).total_seconds()
        if age <= settings.DASHBOARD_MAX_AGE_SECONDS or not cache.add(f"{_key(county_id)}:lock", 1, 120):
            return snapshot
    else:
        cache.add(f"{_key(county_id)}:lock", 1, 120)
    try:
        return refresh(Unit.objects.get(pk=county_id))
    finally:
        cache.delete(f"{_key(county_id)}:lock")


@receiver(events.rows_written)
def refresh_after_bulk_write(sender, county_ids, **kwargs):
    """Records written in bulk (an import) bypass save(): recompute those counties' snapshots after the commit."""
    refresh_soon(county_ids)


def refresh_soon(county_ids):
    """Ask for the snapshots of ``county_ids`` to be recomputed after the current transaction commits (imports
    call this once per file)."""
    for county_id in sorted({c for c in county_ids if c is not None}):
        jobs.enqueue("zyparty.refresh_dashboard", county_id=county_id)


# The tasks keep their historical "zyparty." names: outbox rows, queued messages and beat entries refer to them.
@shared_task(base=jobs.ReliableTask, name="zyparty.refresh_dashboard")
def refresh_dashboard(county_id):
    county = Unit.objects.filter(pk=county_id, level="county").first()
    if county is not None:
        refresh(county)


@shared_task(base=jobs.ReliableTask, name="zyparty.refresh_dashboards")
def refresh_dashboards():
    """Scheduled: recompute every county's snapshot."""
    counties = list(Unit.objects.filter(level="county", is_active=True))
    for county in counties:
        refresh(county)
    return len(counties)


# A user's view of the snapshots -----------------------------------------------------------------------------------

@dataclass
class View:
    """The snapshot rows one user may see, and how to break them down (by town for a county, by village for a
    town, not at all for a village)."""

    level: str  # "county", "town" or "village"
    units: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)
    extra: dict = field(default_factory=lambda: {"hosts": {}, "rules": {}})
    computed_at: datetime.datetime | None = None
    focus: list = field(default_factory=list)  # the units the user is placed at (codes for links)

    def table(self, name):
        return self.rows.get(name)

    def unit_code(self, pk):
        return self.units[pk][0] if pk in self.units else ""

    def unit_name(self, pk):
        return self.units[pk][1] if pk in self.units else _("未分村")

    def breakdown_key(self, town, village):
        return town if self.level == "county" else village

    def link_unit(self):
        """The ``unit`` parameter that narrows a list to what this view shows ("" for a whole county)."""
        return self.focus[0] if len(self.focus) == 1 and self.level != "county" else ""


def _visible(scope, county_id, town, village):
    if scope.everything or county_id in scope.county:
        return True
    return town in scope.town or (village is not None and village in scope.village)


def view_for(user) -> View | None:
    """The figures ``user`` may see, or None when their grants are not places (see ``live_tiles``)."""
    scope = scope_of(user)
    if scope.everything:
        county_ids = list(Unit.objects.filter(level="county").values_list("pk", flat=True))
        level, focus = "county", []
    elif scope.county or scope.town or scope.village:
        places = Unit.objects.filter(pk__in=set(scope.county | scope.town | scope.village))
        place_rows = list(places.values_list("pk", "county_id", "code", "level"))
        county_ids = sorted({county for _pk, county, _code, _level in place_rows})
        level = "county" if scope.county else "town" if scope.town else "village"
        focus = [code for _pk, _county, code, _level in place_rows]
    else:
        return None
    view = View(level=level, focus=focus)
    for county_id in county_ids:
        snapshot = snapshot_for(county_id)
        view.computed_at = min(filter(None, [view.computed_at, snapshot["computed_at"]]))
        for pk, unit in snapshot["units"].items():
            town = unit[3] if unit[2] != "county" else None
            if _visible(scope, county_id, town, pk if unit[2] == "village" else None):
                view.units[pk] = unit
        for key in ("hosts", "rules"):
            view.extra[key].update(snapshot["extra"].get(key) or {})
        for name, rows in snapshot["rows"].items():
            if rows is None:
                view.rows.setdefault(name, None)
                continue
            kept = [row for row in rows if _visible(scope, county_id, row[0], row[1])]
            if view.rows.get(name) is None:
                view.rows[name] = kept
            else:
                view.rows[name].extend(kept)
    return view


# Links to the lists behind the figures ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def _changelist_path(app_label, model_name):
    try:
        return reverse(f"admin:{app_label}_{model_name}_changelist")
    except NoReverseMatch:
        return ""


def changelist(app_label, model_name, **params):
    url = _changelist_path(app_label, model_name)
    if not url:
        return ""
    params = {k: v for k, v in params.items() if v not in ("", None)}
    return f"{url}?{urlencode(params)}" if params else url


def _page(name, **params):
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    params = {k: v for k, v in params.items() if v not in ("", None)}
    return f"{url}?{urlencode(params)}" if params else url


# Panels -------------------------------------------------------------------------------------------------------------

def _layout(height, **extra):
    layout = {"height": height, "margin": {"l": 90, "r": 20, "t": 10, "b": 40}, "font": {"family": FONT, "size": 12},
              "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)", "showlegend": False,
              "hoverlabel": {"font": {"family": FONT}}}
    layout.update(extra)
    layout["dragmode"] = False  # a click is a link, not the start of a zoom
    for axis in ("xaxis", "yaxis"):
        layout.setdefault(axis, {})["fixedrange"] = True
    return layout


def _hbar(chart_id, labels, values, links, *, unit_label, color=RED, text=None):
    """A horizontal bar chart, largest at the top; clicking a bar opens its link."""
    height = max(160, 26 * len(labels) + 50)
    trace = {"type": "bar", "orientation": "h", "y": labels[::-1], "x": values[::-1], "customdata": links[::-1],
             "marker": {"color": color}, "text": (text or values)[::-1], "textposition": "auto",
             "hovertemplate": "%{y}：%{x} " + unit_label + "<extra></extra>", "cliponaxis": False}
    return {"id": chart_id, "data": [trace],
            "layout": _layout(height, yaxis={"automargin": True, "type": "category"},
                              xaxis={"rangemode": "tozero", "automargin": True})}


def _sum_by(rows, key, value_index=-1):
    totals = defaultdict(int)
    for row in rows:
        totals[key(row)] += row[value_index] or 0
    return totals


def _ordered_units(view, keys):
    return sorted((k for k in keys if k in view.units), key=lambda pk: view.units[pk][0])


def _percent(part, whole):
    return round(part * 100.0 / whole, 1) if whole else 0.0


def _tiles(view):
    workers = view.table("workers") or []
    unit = view.link_unit()
    outgoing = sum(n for *_, d, n in workers if d == Direction.OUTGOING)
    incoming = sum(n for *_, d, n in workers if d == Direction.INCOMING)
    complete_rows = view.table("completeness") or []
    total = sum(r[-1] for r in complete_rows)
    complete = sum(r[-1] for r in complete_rows if r[2] == 6)
    orgs = view.table("organizations") or []
    tiles = [
        {"label": _("外出农民工"), "value": outgoing, "unit": _("人"),
         "url": changelist("ledgers", "worker", unit=unit, direction__exact=Direction.OUTGOING)},
        {"label": _("外来农民工"), "value": incoming, "unit": _("人"),
         "url": changelist("ledgers", "worker", unit=unit, direction__exact=Direction.INCOMING)},
        {"label": _("农民工党员"), "value": sum(r[-1] for r in view.table("members") or []), "unit": _("人"),
         "url": changelist("ledgers", "partymember", unit=unit)},
        {"label": _("入党积极分子"), "value": sum(r[-1] for r in view.table("activists") or []), "unit": _("人"),
         "url": changelist("ledgers", "activist", unit=unit)},
    ]
    if view.level != "village":
        tiles.append({"label": _("聚集地企业"), "value": sum(r[-1] for r in view.table("enterprises") or []),
                      "unit": _("家"), "url": changelist("ledgers", "hostenterprise", unit=unit)})
        tiles.append({"label": _("驻外党组织"), "value": sum(r[-1] for r in orgs if r[2]), "unit": _("个"),
                      "url": changelist("organizations", "partyorganization", unit=unit, is_outpost__exact=1)})
        tiles.append({"label": _("网络党支部"), "value": sum(r[-1] for r in orgs if r[3] == OrgForm.ONLINE),
                      "unit": _("个"),
                      "url": changelist("organizations", "partyorganization", unit=unit, form__exact=OrgForm.ONLINE)})
    tiles.append({"label": _("六清楚全部清楚"), "value": _percent(complete, total), "unit": "%",
                  "url": changelist("ledgers", "worker", unit=unit, completeness__lt=6),
                  "hint": _("点击查看未全部清楚的人员")})
    return tiles


def _ledgers_panel(view):
    """The four ledgers by town (county view) or by village (town view)."""
    if view.level == "village":
        return None
    by = "town" if view.level == "county" else "village"
    specs = [("workers", _("农民工台账"), "worker", _("人"), RED),
             ("members", _("农民工党员台账"), "partymember", _("人"), RED),
             ("activists", _("入党积极分子台账"), "activist", _("人"), GOLD)]
    if by == "town":
        specs.insert(1, ("enterprises", _("聚集地企业台账"), "hostenterprise", _("家"), GOLD))
    charts, tables = [], []
    keys = [pk for pk, u in view.units.items() if u[2] == by]
    ordered = _ordered_units(view, keys)
    for name, title, model_name, unit_label, color in specs:
        totals = _sum_by(view.table(name) or [], lambda r: view.breakdown_key(r[0], r[1]))
        items = sorted(((pk, totals.get(pk, 0)) for pk in ordered), key=lambda kv: (-kv[1], view.unit_code(kv[0])))
        labels = [view.unit_name(pk) for pk, _n in items]
        values = [n for _pk, n in items]
        links = [changelist("ledgers", model_name, unit=view.unit_code(pk)) for pk, _n in items]
        chart = _hbar(f"ledger-{name}", labels, values, links, unit_label=unit_label, color=color)
        chart["title"] = title
        charts.append(chart)
        tables.append({"title": title, "rows": list(zip(labels, values, links))})
    return {"id": "ledgers", "title": _("四本台账·分乡镇") if by == "town" else _("四本台账·分村（社区）"),
            "charts": charts, "tables": tables}


def _province_name(prefix):
    region = regions.region(f"{prefix}0000")
    if region is None:
        return prefix
    name = region.name
    for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _destinations_panel(view):
    totals = _sum_by(view.table("destinations") or [], lambda r: r[2])
    items = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    unit = view.link_unit()
    labels = [_province_name(p) for p, _n in items]
    values = [n for _p, n in items]
    links = [changelist("ledgers", "worker", unit=unit, direction__exact=Direction.OUTGOING,
                        destination_code__startswith=p) for p, _n in items]
    chart = _hbar("destinations", labels, values, links, unit_label=_("人"))
    return {"id": "destinations", "title": _("外出务工流向（按省份）"), "charts": [chart],
            "tables": [{"title": _("外出务工流向"), "rows": list(zip(labels, values, links))}],
            "empty": not items}


def _completeness_panel(view):
    """Six clears (seed 000 §5): share of each village's workers whose six items are all clear."""
    rows = view.table("completeness") or []
    total = _sum_by(rows, lambda r: r[1])
    complete = _sum_by([r for r in rows if r[2] == 6], lambda r: r[1])
    villages = [pk for pk in _ordered_units(view, total) if view.units[pk][2] == "village"]
    table_rows = []
    for pk in villages:
        share = _percent(complete.get(pk, 0), total[pk])
        link = changelist("ledgers", "worker", unit=view.unit_code(pk), completeness__lt=6)
        table_rows.append((view.unit_name(pk), share, link, view.units[pk][3]))
    panel = {"id": "completeness", "title": _("六清楚完成率·分村（社区）"),
             "tables": [{"title": _("六清楚全部清楚的比例（%）"),
                         "rows": [(name, share, link) for name, share, link, _t in table_rows]}],
             "empty": not table_rows, "charts": []}
    if not table_rows:
        return panel
    if view.level == "county":
        towns = _ordered_units(view, {t for *_x, t in table_rows})
        width = max(sum(1 for r in table_rows if r[3] == t) for t in towns)
        z, text, links = [], [], []
        for town in towns:
            cells = [r for r in table_rows if r[3] == town]
            z.append([c[1] for c in cells] + [None] * (width - len(cells)))
            text.append([f"{c[0]} {c[1]}%" for c in cells] + [""] * (width - len(cells)))
            links.append([c[2] for c in cells] + [""] * (width - len(cells)))
        trace = {"type": "heatmap", "z": z[::-1], "text": text[::-1], "customdata": links[::-1],
                 "y": [view.unit_name(t) for t in towns][::-1], "x": [str(i + 1) for i in range(width)],
                 "zmin": 0, "zmax": 100, "xgap": 2, "ygap": 2,
                 "colorscale": [[0, "#fbe9e7"], [0.6, "#ef9a9a"], [1, RED]],
                 "hovertemplate": "%{text}<extra></extra>", "texttemplate": "%{z:.0f}",
                 "colorbar": {"title": {"text": "%"}, "thickness": 12}}
        chart = {"id": "completeness", "data": [trace],
                 "layout": _layout(max(220, 26 * len(towns) + 60), xaxis={"title": {"text": _("村（社区）序号")},
                                                                           "type": "category"},
                                   yaxis={"automargin": True, "type": "category"})}
    elif view.level == "town":
        ordered = sorted(table_rows, key=lambda r: r[1])
        chart = _hbar("completeness", [r[0] for r in ordered][::-1], [r[1] for r in ordered][::-1],
                      [r[2] for r in ordered][::-1], unit_label="%")
    else:
        # One village: how many of its workers have 0, 1, … 6 of the six items clear.
        counts = _sum_by(rows, lambda r: r[2])
        unit = view.link_unit()
        labels = [_("%(n)s项清楚") % {"n": k} for k in range(7)]
        values = [counts.get(k, 0) for k in range(7)]
        links = [changelist("ledgers", "worker", unit=unit, completeness__exact=k) for k in range(7)]
        chart = _hbar("completeness", labels[::-1], values[::-1], links[::-1], unit_label=_("人"))
        panel["title"] = _("六清楚完成情况（按清楚项数）")
        panel["tables"] = [{"title": _("人数"), "rows": list(zip(labels, values, links))}]
    panel["charts"] = [chart]
    return panel


def _funnel_panel(view):
    """The member-development pipeline (发展党员工作细则: five stages): how many cases reached each stage, and how
    many ended in full membership."""
    rows = view.table("development")
    if rows is None:
        return {"id": "funnel", "title": _("发展党员流程"), "charts": [], "tables": [], "empty": True,
                "missing": _("发展党员案卷（人才模块）尚未启用。")}
    model = _model("talent", "DevelopmentCase")
    stages = [(value, str(label)) for value, label in model._meta.get_field("stage").choices]
    at_stage = _sum_by(rows, lambda r: r[2])
    completed = sum(r[-1] for r in rows if r[3] == "completed")
    unit = view.link_unit()
    names, values, links = [], [], []
    for i, (value, label) in enumerate(stages):
        reached = [v for v, _label in stages[i:]]
        names.append(label)
        values.append(sum(at_stage.get(v, 0) for v in reached))
        links.append(changelist("talent", "developmentcase", unit=unit, stage__in=",".join(reached)))
    names.append(_("转为正式党员"))
    values.append(completed)
    links.append(changelist("talent", "developmentcase", unit=unit, status__exact="completed"))
    trace = {"type": "funnel", "y": names, "x": values, "customdata": links, "textinfo": "value",
             "marker": {"color": [RED, "#c62828", "#d84315", "#ef6c00", GOLD, "#2e7d32"][:len(names)]},
             "connector": {"fillcolor": "#f3e5e5"}, "hovertemplate": "%{y}：%{x} 人<extra></extra>"}
    chart = {"id": "funnel", "data": [trace], "layout": _layout(max(220, 44 * len(names) + 30),
                                                                 yaxis={"automargin": True, "type": "category"},
                                                                 margin={"l": 20, "r": 20, "t": 10, "b": 10})}
    empty = not any(values)
    return {"id": "funnel", "title": _("发展党员流程（漏斗：到达各阶段的人数）"),
            "more_url": changelist("talent", "developmentcase", unit=unit),
            "charts": [] if empty else [chart],
            "tables": [{"title": _("到达各阶段的人数"), "rows": list(zip(names, values, links))}], "empty": empty}


def _service_panel(view):
    rows = view.table("service_cases")
    if rows is None:
        return {"id": "services", "title": _("服务与维权"), "charts": [], "tables": [], "empty": True,
                "missing": _("服务事项记录（服务模块）尚未启用。")}
    model = _model("services", "ServiceCase")
    kind_labels = dict(model._meta.get_field("kind").choices or [])
    this_year = timezone.localdate().year
    count = _sum_by(rows, lambda r: r[2], value_index=5)
    amount = _sum_by(rows, lambda r: r[2], value_index=6)
    year_count = sum(r[5] for r in rows if r[4] == this_year)
    year_amount = sum(r[6] or 0 for r in rows if r[4] == this_year)
    unit = view.link_unit()
    kinds = sorted(count, key=lambda k: -count[k])
    names = [str(kind_labels.get(k, k)) for k in kinds]
    links = [changelist("services", "servicecase", unit=unit, kind__exact=k) for k in kinds]
    chart = _hbar("services", names, [count[k] for k in kinds], links, unit_label=_("件"))
    table = [(f"{n}（{_('挽回')} {float(amount[k] or 0):,.0f} {_('元')}）", count[k], link)
             for n, k, link in zip(names, kinds, links)]
    return {"id": "services", "title": _("服务案件与挽回损失"), "charts": [chart] if kinds else [],
            "more_url": changelist("services", "servicecase", unit=unit),
            "tables": [{"title": _("按类别"), "rows": table}], "empty": not kinds,
            "figures": [(_("累计案件"), sum(count.values()), _("件")),
                        (_("累计挽回损失"), f"{float(sum(v or 0 for v in amount.values())) / 10000:,.1f}", _("万元")),
                        (_("本年案件"), year_count, _("件")),
                        (_("本年挽回损失"), f"{float(year_amount) / 10000:,.1f}", _("万元"))]}


def _ventures_panel(view):
    rows = view.table("ventures")
    if rows is None:
        return {"id": "ventures", "title": _("返乡创业"), "charts": [], "tables": [], "empty": True,
                "missing": _("返乡创业记录（人才模块）尚未启用。")}
    model = _model("talent", "ReturneeVenture")
    kind_labels = dict(model._meta.get_field("kind").choices or [])
    count = _sum_by(rows, lambda r: r[2], value_index=3)
    jobs_created = _sum_by(rows, lambda r: r[2], value_index=4)
    unit = view.link_unit()
    kinds = sorted(count, key=lambda k: (-count[k], k))
    names = [str(kind_labels.get(k, k)) for k in kinds]
    links = [changelist("talent", "returneeventure", unit=unit, kind__exact=k, is_active__exact=1) for k in kinds]
    chart = _hbar("ventures", names, [count[k] for k in kinds], links, unit_label=_("个"), color=GOLD)
    return {"id": "ventures", "title": _("返乡创业（在营）"), "charts": [chart] if kinds else [],
            "more_url": changelist("talent", "returneeventure", unit=unit, is_active__exact=1),
            "tables": [{"title": _("按类型"), "rows": list(zip(names, [count[k] for k in kinds], links))}],
            "empty": not kinds,
            "figures": [(_("创业实体"), sum(count.values()), _("个")),
                        (_("带动就业"), sum(jobs_created.values()), _("人"))]}


def _quota_panel(view):
    """Quota compliance as a heat map: the quota rules down the side, towns (villages in a town's view) across, each
    cell the share of that place's subjects meeting the rule in its latest evaluated period."""
    rows = view.table("quota")
    if rows is None:
        return {"id": "quota", "title": _("指标完成情况"), "charts": [], "tables": [], "empty": True,
                "missing": _("配额评估结果（人才模块）尚未启用。")}
    by_village = view.level != "county"
    met, total, periods = defaultdict(int), defaultdict(int), {}
    for town, village, rule, status, n, period_start in rows:
        periods[rule] = period_start
        place = (village or town) if by_village else town
        key = (place or "county", rule)
        total[key] += n
        if status == "met":
            met[key] += n
    rule_ids = sorted({k[1] for k in total}, key=lambda r: str(view.extra["rules"].get(r, r)))
    places = sorted({k[0] for k in total}, key=lambda p: "" if p == "county" else view.unit_code(p))

    def place_name(p):
        return _("全县") if p == "county" else view.unit_name(p)

    def place_code(p):
        return view.link_unit() if p == "county" else view.unit_code(p)

    rule_names = [str(view.extra["rules"].get(r, r)) for r in rule_ids]
    names = [place_name(p) for p in places]
    # Rules down the side (their names are long), places across; each cell is one rule at one place.
    z, text, links, table = [], [], [], []
    for rule, rule_name in zip(rule_ids, rule_names):
        z_row, t_row, l_row = [], [], []
        for p in places:
            if (p, rule) not in total:
                z_row.append(None)
                t_row.append("")
                l_row.append("")
                continue
            share = _percent(met[(p, rule)], total[(p, rule)])
            link = changelist("talent", "quotaresult", unit=place_code(p), rule__id__exact=rule,
                              period_start=periods[rule], status__in="met,short")
            z_row.append(share)
            t_row.append(f"{place_name(p)} · {rule_name}：{met[(p, rule)]}/{total[(p, rule)]} {_('达标')}")
            l_row.append(link)
            table.append((f"{place_name(p)} · {rule_name}", f"{met[(p, rule)]}/{total[(p, rule)]}", link))
        z.append(z_row)
        text.append(t_row)
        links.append(l_row)
    chart = {"id": "quota", "data": [{
        "type": "heatmap", "z": z[::-1], "text": text[::-1], "customdata": links[::-1], "x": names,
        "y": _short_labels(rule_names)[::-1], "zmin": 0, "zmax": 100, "xgap": 2, "ygap": 2,
        "colorscale": [[0, "#c62828"], [0.5, "#ffca28"], [1, "#2e7d32"]], "texttemplate": "%{z:.0f}",
        "hovertemplate": "%{text}<extra></extra>", "colorbar": {"title": {"text": _("达标%")}, "thickness": 12}}],
        "layout": _layout(max(220, 28 * len(rule_names) + 70),
                          xaxis={"type": "category", "automargin": True, "side": "top"},
                          yaxis={"type": "category", "automargin": True},
                          margin={"l": 20, "r": 20, "t": 40, "b": 10})}
    return {"id": "quota", "title": _("配额达标情况（热力图：达标对象占比%）"), "charts": [chart] if table else [],
            "tables": [{"title": _("达标数/考核对象数"), "rows": table}], "empty": not table, "wide": True,
            "more_url": _page("talent:compliance", town=view.link_unit() if view.level == "town" else "")}


def _short_labels(names, size=20):
    """Axis labels cut to ``size`` characters, kept distinct (a category axis merges equal labels)."""
    seen, out = set(), []
    for name in names:
        label = name if len(name) <= size else name[: size - 1] + "…"
        base, n = label, 2
        while label in seen:
            label, n = f"{base}（{n}）", n + 1
        seen.add(label)
        out.append(label)
    return out


def _liaison_panel(view):
    """Town × host-place pairs without an exchange in the last completed half-year (seed 000 §6)."""
    rows = view.table("liaisons")
    if rows is None:
        return {"id": "liaisons", "title": _("双向联系"), "charts": [], "tables": [], "empty": True,
                "missing": _("双向联系记录（服务模块）尚未启用。")}
    if view.level == "village":
        return None
    overdue = sorted((r for r in rows if not r[4]), key=lambda r: (r[3] is not None, r[3] or datetime.date.min))
    period = rows[0][5] if rows else ""
    table = [(f"{view.unit_name(town)} — {view.extra['hosts'].get(host, host)}",
              _("从未联系") if last is None else _("最近 %(date)s") % {"date": last},
              changelist("services", "liaisonrecord", unit=view.unit_code(town), host_organization__id__exact=host))
             for town, _v, host, last, _in_half, _label in overdue[:LIAISON_ROWS_SHOWN]]
    if len(overdue) > LIAISON_ROWS_SHOWN:
        table.append((_("……另有 %(n)s 对") % {"n": len(overdue) - LIAISON_ROWS_SHOWN}, "",
                      changelist("services", "liaisonrecord", unit=view.link_unit())))
    title = _("%(period)s未联系的对子（每半年至少一次）") % {"period": period} if period else _("双向联系逾期")
    return {"id": "liaisons", "title": title, "charts": [],
            "more_url": changelist("services", "liaisonrecord", unit=view.link_unit()),
            "tables": [{"title": _("乡镇 — 流入地党组织"), "rows": table}], "empty": not table,
            "figures": [(_("联系对子"), len(rows), _("对")), (_("逾期"), len(overdue), _("对"))],
            "empty_text": _("所有联系对子均已按期联系。")}


def live_tiles(user):
    """For grants that are not places: counts of the user's own few records (one indexed filter each)."""
    scope = scope_of(user)
    kinds = {kind for kind, _ids in scope.grants()}
    tiles = []
    for model, label, unit_label in ((PartyMember, _("农民工党员"), _("人")), (Activist, _("入党积极分子"), _("人")),
                                     (HostEnterprise, _("聚集地企业"), _("家")), (Worker, _("农民工"), _("人"))):
        if not user.has_perm(f"ledgers.view_{model._meta.model_name}") or not kinds & set(model.scope_paths):
            continue
        tiles.append({"label": label, "value": model.objects.restrict(user).count(), "unit": unit_label,
                      "url": changelist("ledgers", model._meta.model_name)})
    return tiles


def dashboard_context(user):
    scope = scope_of(user)
    if scope.is_empty:
        return {"scope_empty": True}
    view = view_for(user)
    if view is None:
        return {"tiles": live_tiles(user), "panels": [], "charts": [], "computed_at": None}
    panels = [p for p in (_ledgers_panel(view), _destinations_panel(view), _completeness_panel(view),
                          _quota_panel(view), _funnel_panel(view), _service_panel(view), _ventures_panel(view),
                          _liaison_panel(view)) if p is not None]
    charts = [chart for panel in panels for chart in panel["charts"]]
    return {"tiles": _tiles(view), "panels": panels, "charts": charts, "computed_at": view.computed_at,
            "level": view.level}
