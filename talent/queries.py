"""Reads that the talent pages share: the compliance grid and the evidence of a quota result."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from organizations.models import Unit
from talent import choices, rules
from talent.models import QuotaResult, QuotaRule
from zyparty.scoping import scope_of


@dataclass
class Cell:
    status: str = "none"  # met / short / partial / none
    value: str = ""
    threshold: str = ""
    link: str = ""
    title: str = ""


@dataclass
class Row:
    label: str
    link: str = ""
    cells: list = field(default_factory=list)


@dataclass
class Grid:
    title: str
    rules: list
    rows: list


def _fmt(value):
    if value is None:
        return "—"
    return str(int(value)) if value == int(value) else str(value)


def _own(result):
    return Cell(status=result["status"] if result["status"] in ("met", "short") else "none",
                value=_fmt(result["value"]), threshold=f"{result['comparison_display']}{_fmt(result['threshold'])}",
                link=f"/talent/compliance/result/{result['id']}/",
                title=f"{result['subject_label']}：{_fmt(result['value'])}")


def _aggregate(results, link):
    if not results:
        return Cell()
    met = sum(r["status"] == choices.ResultStatus.MET for r in results)
    status = "met" if met == len(results) else "short" if met == 0 else "partial"
    return Cell(status=status, value=f"{met}/{len(results)}", threshold="达标", link=link,
                title="；".join(f"{r['subject_label']} {_fmt(r['value'])}" for r in results[:20]))


def _default_town(user, scope):
    """A town clerk (or a village liaison) looks at the own town; county staff at the whole county (None)."""
    if scope.everything or scope.county:
        return None
    if scope.town and len(scope.town) == 1:
        return Unit.objects.filter(pk=next(iter(scope.town))).first()
    if scope.village:
        village = Unit.objects.filter(pk=next(iter(scope.village))).select_related("town").first()
        return village.town if village else None
    return None


SUBJECT_GRIDS = (("outpost", "驻外党组织"), ("organization", "乡镇及驻外党组织（不在村一级的）"),
                 ("agreement", "与流入地党组织的共建共管"))


def _subject_grids(rule_list, by_rule, skip_village_orgs):
    """One grid per kind of subject that is not a unit: rows the subjects, columns the rules of that kind."""
    grids = []
    for kind, title in SUBJECT_GRIDS:
        kind_rules = [r for r in rule_list if r.subject == kind]
        subjects = {}
        for rule in kind_rules:
            for r in by_rule[rule.pk]:
                if skip_village_orgs and kind == "organization" and r["village_id"]:
                    continue
                subjects.setdefault(r["subject_id"], r["subject_label"])
        if not subjects:
            continue
        rows = []
        for subject_id, label in sorted(subjects.items(), key=lambda item: item[1]):
            row = Row(label=label)
            for rule in kind_rules:
                mine = [r for r in by_rule[rule.pk] if r["subject_id"] == subject_id]
                row.cells.append(_own(mine[0]) if mine else Cell())
            rows.append(row)
        grids.append(Grid(title=title, rules=kind_rules, rows=rows))
    return grids


def compliance(user, on: datetime.date, town_code=""):
    """The grids of the compliance page for ``user`` on the day ``on``: by town for county staff, by village (and
    the town's outposts, organizations and agreements) for a town, always through the scoping layer."""
    scope = scope_of(user)
    rule_list = list(QuotaRule.objects.filter(active=True).order_by("subject", "code"))
    comparison = dict(choices.Comparison.choices)
    town = Unit.objects.restrict(user).filter(level="town", code=town_code).first() if town_code else None
    if town is None:
        town = _default_town(user, scope)
    results = QuotaResult.objects.restrict(user).filter(rule__active=True, period_start__lte=on, period_end__gte=on)
    if town is not None:
        results = results.filter(town=town)
    rows = list(results.values("id", "rule_id", "subject_kind", "subject_id", "subject_label", "town_id", "village_id",
                               "value", "threshold", "comparison", "status"))
    by_rule = defaultdict(list)
    for r in rows:
        r["comparison_display"] = comparison.get(r["comparison"], "")
        by_rule[r["rule_id"]].append(r)
    headline = [(rule, _own(by_rule[rule.pk][0]) if by_rule[rule.pk] else Cell())
                for rule in rule_list if rule.subject == ("town" if town is not None else "county")]
    grids = []
    if town is None:
        towns = list(Unit.objects.restrict(user).filter(level="town").order_by("code"))
        columns = [r for r in rule_list if r.subject != "county"]
        grid_rows = []
        for unit in towns:
            row = Row(label=unit.name, link=f"?town={unit.code}&on={on:%Y-%m-%d}")
            for rule in columns:
                mine = [r for r in by_rule[rule.pk] if r["town_id"] == unit.pk]
                if rule.subject == "town":
                    row.cells.append(_own(mine[0]) if mine else Cell())
                else:
                    row.cells.append(_aggregate(mine, row.link))
            grid_rows.append(row)
        grids.append(Grid(title="各乡镇达标情况", rules=columns, rows=grid_rows))
    else:
        villages = list(Unit.objects.restrict(user).filter(level="village", town=town).order_by("code"))
        columns = [r for r in rule_list if r.subject in ("village", "organization")]
        grid_rows = []
        for unit in villages:
            row = Row(label=unit.name)
            for rule in columns:
                mine = [r for r in by_rule[rule.pk] if r["village_id"] == unit.pk]
                if rule.subject == "village" or len(mine) == 1:  # a village has one branch, as a rule
                    row.cells.append(_own(mine[0]) if mine else Cell())
                else:
                    row.cells.append(_aggregate(mine, ""))
            grid_rows.append(row)
        grids.append(Grid(title=f"{town.name}各村（社区）达标情况", rules=columns, rows=grid_rows))
        grids += _subject_grids(rule_list, by_rule, skip_village_orgs=True)
    if town is None and not grids[0].rows:
        # Neither a town nor the county (an outpost secretary, a host-place organization): its own subjects.
        grids = _subject_grids(rule_list, by_rule, skip_village_orgs=False)
    return {"town": town, "headline": headline, "grids": grids, "rules": rule_list,
            "unavailable": [r for r in rule_list if r.last_status in ("unavailable", "error")]}


def evidence(user, result):
    """The records a result counted, each as (label, text, admin link), read in one query per model and through
    the scoping layer: a record the user may not see is listed without its content."""
    by_model = defaultdict(list)
    for label, pk in result.evidence:
        by_model[label].append(pk)
    shown = {}
    for label, pks in by_model.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        queryset = model.objects.filter(pk__in=pks)
        if getattr(model, "scope_paths", None) is not None:
            queryset = queryset.restrict(user)
        for obj in queryset:
            try:
                link = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
            except NoReverseMatch:
                link = ""
            shown[(label, obj.pk)] = (str(model._meta.verbose_name), str(obj), link)
    items = []
    for label, pk in result.evidence:
        items.append(shown.get((label, pk), (label, f"#{pk}（无权查看或已删除）", "")))
    return items


def period_text(result):
    return rules.period_label(result.rule.period, result.period_start, result.period_end)
