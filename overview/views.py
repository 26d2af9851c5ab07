"""Pages of the overview: the dashboard (the home page) and its refresh button, the statistics table (on screen and
.xlsx) and the printed ledger forms. Every unit is looked up through the scoping layer: a unit outside the user's scope
answers 404, as if absent."""

import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from ledgers.permissions import EXPORT
from organizations.models import Unit
from organizations.permissions import REPORT_PERMISSION
from overview import dashboard, reports
from zyparty import audit
from zyparty.models import AuditAction
from zyparty.scoping import scope_of


def _units_for(user):
    """The units a user may report on: counties and towns in scope (and their own village)."""
    visible = Unit.objects.restrict(user).filter(is_active=True)
    return visible.filter(~Q(level="village") | Q(pk=getattr(user, "unit_id", None))).order_by("code")


def _default_unit(user):
    unit = getattr(user, "unit", None)
    if unit is not None and Unit.objects.restrict(user).filter(pk=unit.pk).exists():
        return unit
    return _units_for(user).first()


class ReportForm(forms.Form):
    unit = forms.ChoiceField(label=_lazy("统计单位"))
    start = forms.DateField(label=_lazy("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_lazy("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {u.code: u for u in _units_for(user).order_by("code")}
        indent = {"county": "", "town": "　", "village": "　　"}
        self.fields["unit"].choices = [(code, f"{indent[u.level]}{u.name}") for code, u in self.units.items()]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("截止日期不能早于起始日期。"))
        if end and end > timezone.localdate() + datetime.timedelta(days=366):
            self.add_error("end", _("截止日期过远，请选择一年以内的日期。"))
        return data

    @property
    def chosen_unit(self):
        return self.units.get(self.cleaned_data.get("unit"))


def _report_form(request):
    """The form bound to the query, or to the defaults (the user's own unit, this year up to today)."""
    if request.GET.get("unit"):
        if request.GET["unit"] not in {u.code for u in _units_for(request.user)}:
            raise Http404  # outside the user's scope: as if absent (CONTRACT.md)
        return ReportForm(request.GET, user=request.user)
    today = timezone.localdate()
    unit = _default_unit(request.user)
    return ReportForm({"unit": unit.code if unit else "", "start": f"{today.year}-01-01", "end": today.isoformat(),
                       **{k: v for k, v in request.GET.items() if k in ("start", "end")}}, user=request.user)


@login_required
@permission_required(REPORT_PERMISSION, raise_exception=True)
def statistics(request):
    form = _report_form(request)
    context = {"form": form, "can_enter_figures": request.user.has_perm("organizations.add_countyyearfigures")}
    if form.is_valid() and form.chosen_unit is not None:
        report = reports.statistics_report(request.user, form.chosen_unit, form.cleaned_data["start"],
                                           form.cleaned_data["end"])
        context.update(
            report=report, groups=_groups(report.columns),
            query=urlencode({"unit": report.unit.code, "start": report.start.isoformat(),
                             "end": report.end.isoformat()}),
            cells=[(row, [(c, reports.format_cell(c, row.values.get(c.key))) for c in report.columns])
                   for row in [*report.rows, report.total]])
    return render(request, "overview/reports/statistics.html", context)


def _groups(cols):
    groups = []
    for c in cols:
        if groups and groups[-1][0] == c.group:
            groups[-1][1] += 1
        else:
            groups.append([c.group, 1])
    return groups


@login_required
@permission_required(REPORT_PERMISSION, raise_exception=True)
def statistics_xlsx(request):
    form = _report_form(request)
    if not form.is_valid() or form.chosen_unit is None:
        return redirect("report-statistics")
    report = reports.statistics_report(request.user, form.chosen_unit, form.cleaned_data["start"],
                                       form.cleaned_data["end"])
    content = reports.statistics_xlsx(report, author=request.user.get_full_name() or request.user.username)
    audit.record(AuditAction.EXPORT, report.unit, detail=f"statistics {report.start}..{report.end}")
    filename = f"statistics-{report.unit.code}-{report.start:%Y%m%d}-{report.end:%Y%m%d}.xlsx"
    response = HttpResponse(content,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _ledger_permissions(user, form):
    return user.has_perm(f"ledgers.view_{form.model._meta.model_name}") and user.has_perm(EXPORT)


@login_required
def ledger_print_index(request):
    """The printable ledgers of each town in scope."""
    forms_ = [f for f in reports.ledger_forms().values() if _ledger_permissions(request.user, f)]
    if not forms_:
        raise PermissionDenied
    towns = Unit.objects.restrict(request.user).filter(level="town", is_active=True).order_by("code")
    villages = []
    scope = scope_of(request.user)
    if not towns and scope.village:
        villages = Unit.objects.restrict(request.user).filter(level="village").order_by("code")
    return render(request, "overview/reports/ledger_index.html", {"forms": forms_, "towns": towns, "villages": villages})


@login_required
def ledger_print(request, ledger, code):
    form = reports.ledger_forms().get(ledger)
    if form is None:
        raise Http404
    if not _ledger_permissions(request.user, form):
        raise PermissionDenied
    unit = Unit.objects.restrict(request.user).filter(code=code).exclude(level="county").first()
    if unit is None:
        raise Http404
    sections, count = reports.ledger_sections(request.user, form, unit)
    audit.record(AuditAction.EXPORT, unit, object_type=f"ledgers.{form.model._meta.model_name}",
                 detail=f"print {form.code} {count} rows (masked)")
    response = render(request, "overview/reports/ledger_print.html", {
        "form": form, "unit": unit, "sections": sections, "count": count,
        "headers": [h for h, _l, _f in form.columns], "printed_at": timezone.localtime(),
        "county": unit.county})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def dashboard_page(request):
    """The home page: the figures of the user's scope (from the county snapshots, see overview.dashboard)."""
    return render(request, "overview/dashboard.html", dashboard.dashboard_context(request.user))


@login_required
@require_POST
def dashboard_refresh(request):
    """Recompute the snapshot of the user's county now (county staff after a batch of edits, for instance)."""
    view = dashboard.view_for(request.user)
    if view is None:
        return redirect("dashboard")
    county_ids = set(Unit.objects.filter(code__in=view.focus).values_list("county_id", flat=True)) or set(
        Unit.objects.filter(level="county").values_list("pk", flat=True))
    refreshed = 0
    for county in Unit.objects.filter(pk__in=county_ids):
        # One recomputation per county per half minute, however many people press the button.
        if caches["aggregates"].add(f"dashboard:refresh-pressed:{county.pk}", 1, 30):
            dashboard.refresh(county)
            refreshed += 1
    if refreshed:
        messages.success(request, _("统计数据已刷新。"))
    else:
        messages.info(request, _("统计数据刚刚已刷新，请稍后再试。"))
    return redirect("dashboard")
