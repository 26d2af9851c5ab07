"""Admin forms that validate through the workflows (the same checks as the API), so a refused step shows the rule's
reason on the form instead of failing on save."""

import re

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from ledgers.models import PartyMember
from talent import choices, workflows
from talent.models import DevelopmentCase, DevelopmentStep, StepParticipant
from zyparty.admin import SafeAutocompleteSelectMultiple

PEOPLE_ROLE = {choices.Step.CONTACTS: choices.ParticipantRole.CONTACT,
               choices.Step.SPONSORS: choices.ParticipantRole.SPONSOR,
               choices.Step.INTERVIEW: choices.ParticipantRole.INTERVIEWER}


def _add_errors(form, exc, aliases=None):
    aliases = aliases or {}
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("没有权限。"))
        return
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            field = aliases.get(field, field)
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


class CaseOpenForm(forms.ModelForm):
    """受理入党申请（步骤①）."""

    application_date = forms.DateField(label=_("申请入党日期"), widget=admin.widgets.AdminDateWidget)
    opinion = forms.CharField(label=_("受理意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = DevelopmentCase
        fields = ["activist", "worker", "application_date", "organization", "committee", "cultivating_organization",
                  "host_organization", "is_mobile", "notes", "opinion"]

    user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.applied_on:
            self.fields["application_date"].initial = self.instance.applied_on

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            case = workflows.development_case_open_check(
                user=self.user, applied_on=data.get("application_date"), organization=data.get("organization"),
                activist=data.get("activist"), worker=data.get("worker"), committee=data.get("committee"),
                cultivating_organization=data.get("cultivating_organization"),
                host_organization=data.get("host_organization"), is_mobile=data.get("is_mobile"),
                notes=data.get("notes", ""))
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(self, exc, {"applied_on": "application_date"})
            return data
        self.instance.place_at(case)
        self.instance.applied_on = case.applied_on
        return data


class CaseChangeForm(forms.ModelForm):
    """Notes, or the organizations after a move (转接: the steps stay, 细则第十二条)."""

    class Meta:
        model = DevelopmentCase
        fields = ["organization", "committee", "cultivating_organization", "host_organization", "is_mobile", "notes"]

    def clean(self):
        data = super().clean()
        moved = {"organization", "committee", "cultivating_organization", "host_organization"} & set(self.changed_data)
        if moved and self.instance.status != choices.CaseStatus.OPEN:
            raise ValidationError(_("该案卷已结束，不能转接。"))
        return data


class CaseCloseForm(forms.Form):
    reason = forms.CharField(label=_("终止原因"), max_length=200)
    on = forms.DateField(label=_("终止日期"), required=False, widget=admin.widgets.AdminDateWidget)


class UndoForm(forms.Form):
    reason = forms.CharField(label=_("撤销理由"), max_length=200, help_text=_("记入审计日志。"))


class StepForm(forms.ModelForm):
    """记录发展步骤: the facts of the step; people as ledger members and/or names."""

    nomination = forms.ChoiceField(label=_("积极分子产生方式"), required=False,
                                   choices=[("", "---------")] + choices.ActivistNomination.choices)
    consulted_home = forms.BooleanField(label=_("已征求户籍所在地意见"), required=False)
    consulted_residence = forms.BooleanField(label=_("已征求现居住地意见"), required=False)
    people = forms.ModelMultipleChoiceField(
        label=_("培养联系人／入党介绍人／谈话人（党员台账）"), queryset=PartyMember.objects.none(), required=False,
        widget=SafeAutocompleteSelectMultiple(StepParticipant._meta.get_field("member"), admin.site))
    people_names = forms.CharField(
        label=_("其他人员姓名"), required=False, max_length=200,
        help_text=_("不在本平台党员台账中的正式党员（或谈话的党委委员、组织员），多人用顿号或逗号分隔；视为正式党员。"))

    class Meta:
        model = DevelopmentStep
        fields = ["case", "step", "done_on", "organization", "host_organization", "members_entitled",
                  "members_present", "votes_yes", "training_days", "training_hours", "notice_start", "notice_end",
                  "host_notice_start", "host_notice_end", "outcome", "extension_months", "expected_leave_on",
                  "exception_reason", "opinion"]

    user = None
    facts = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["people"].queryset = PartyMember.objects.restrict(self.user)
            if "case" in self.fields:
                self.fields["case"].queryset = DevelopmentCase.objects.restrict(self.user).filter(
                    status=choices.CaseStatus.OPEN)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        case, step = data.get("case"), data.get("step")
        facts = {}
        for name in workflows.STEP_FIELDS:
            value = data.get(name)
            if value not in (None, ""):
                facts[name] = value
        for name in ("nomination", "consulted_home", "consulted_residence"):
            if data.get(name):
                facts[name] = data[name]
        role = PEOPLE_ROLE.get(step)
        if role is not None:
            names = [n.strip() for n in re.split(r"[、,，;；\s]+", data.get("people_names") or "") if n.strip()]
            facts["participants"] = ([{"role": role, "member": m} for m in data.get("people") or []]
                                     + [{"role": role, "name": n, "is_full_member": True} for n in names])
        try:
            workflows.development_step_check(case=case, step=step, user=self.user, **facts)
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(self, exc, {"participants": "people"})
            return data
        self.facts = facts
        self.instance.copy_case_keys(case)
        return data
