"""The county's administrative units, its service network, party organizations and the people who use the portal,
and ``PlacedModel``: the county, town and village keys every record kept at a place derives from its anchor."""

import functools
import re

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations import choices
from organizations.roles import ADMIN_ROLES, UNIT_ROLES, Role
from zyparty import regions
from zyparty.fields import EncryptedTextField
from zyparty.masking import mask_phone
from zyparty.models import ScopedQuerySet, TrackedModel
from zyparty.validators import validate_phone

CODE_LENGTHS = {6: choices.UnitLevel.COUNTY, 9: choices.UnitLevel.TOWN, 12: choices.UnitLevel.VILLAGE}


def unit_kind(code: str) -> str:
    """Kind from the 统计用区划代码 ranges (DOMAIN.md "Codes")."""
    if len(code) == 6:
        return choices.UnitKind.COUNTY
    if len(code) == 9:
        n = int(code[6:9])
        if 1 <= n <= 99:
            return choices.UnitKind.SUBDISTRICT
        if 100 <= n <= 199:
            return choices.UnitKind.TOWN
        if 200 <= n <= 399:
            return choices.UnitKind.TOWNSHIP
        return choices.UnitKind.OTHER
    n = int(code[9:12])
    if 1 <= n <= 199:
        return choices.UnitKind.COMMUNITY
    if 200 <= n <= 399:
        return choices.UnitKind.VILLAGE
    return choices.UnitKind.OTHER


class Unit(models.Model):
    """A county (6-digit GB/T 2260 code), town (9) or village/community (12); a code's prefix is its ancestry.

    ``county`` and ``town`` are cached on every unit (a county and a town point at themselves) so that scoping
    and ``unit=`` filters are one indexed equality, never a walk up the tree. With ``village_id`` they answer as a
    placed record's keys do, so a unit can be the anchor of a record's place (PlacedModel).
    """

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("层级"), max_length=8, choices=choices.UnitLevel.choices, editable=False)
    kind = models.CharField(_("类别"), max_length=12, choices=choices.UnitKind.choices, editable=False)
    parent = models.ForeignKey("self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children", editable=False)
    county = models.ForeignKey("self", verbose_name=_("所属县"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", editable=False)
    town = models.ForeignKey("self", verbose_name=_("所属乡镇"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", editable=False)
    is_active = models.BooleanField(_("有效"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"county": "county", "town": "town", "village": "pk"}

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def full_name(self):
        names, unit = [], self
        while unit is not None:
            names.append(unit.name)
            unit = unit.parent
        return "".join(reversed(names))

    @property
    def village_id(self):
        return self.pk if self.level == choices.UnitLevel.VILLAGE else None

    def clean(self):
        self.code = (self.code or "").strip()
        if not re.fullmatch(r"\d{6}|\d{9}|\d{12}", self.code):
            raise ValidationError({"code": _("区划代码应为6位（县）、9位（乡镇）或12位（村、社区）数字。")})
        if len(self.code) > 6:
            parent_code = self.code[:-3]
            if not Unit.objects.filter(code=parent_code).exists():
                raise ValidationError({"code": _("上级区划 %(code)s 不存在，请先建立上级。") % {"code": parent_code}})
        self.resolve_ancestry()

    def resolve_ancestry(self):
        """Level, kind, parent and the cached county/town keys, all from the code."""
        self.level = CODE_LENGTHS[len(self.code)]
        self.kind = unit_kind(self.code)
        if self.level == choices.UnitLevel.COUNTY:
            self.parent = None
            self.county_id, self.town_id = self.pk, None
        else:
            if self.parent_id is None or self.parent.code != self.code[:-3]:
                self.parent = Unit.objects.get(code=self.code[:-3])
            self.county_id = self.parent.county_id
            self.town_id = self.pk if self.level == choices.UnitLevel.TOWN else self.parent_id

    def save(self, *args, **kwargs):
        self.resolve_ancestry()
        super().save(*args, **kwargs)
        if self.level == choices.UnitLevel.COUNTY and self.county_id != self.pk:
            self.county_id = self.pk
            Unit.objects.filter(pk=self.pk).update(county_id=self.pk)
        if self.level == choices.UnitLevel.TOWN and self.town_id != self.pk:
            self.town_id = self.pk
            Unit.objects.filter(pk=self.pk).update(town_id=self.pk)


PLACE_KEYS = ("county", "town", "village")


def unit_key(verbose_name, level=None, *, null=False, editable=False, **options):
    """A foreign key to a unit as records hold it: never followed back from the unit (``related_name="+"``), never
    letting a unit with records go (PROTECT), optional exactly when nullable unless ``blank`` says otherwise.
    ``level`` limits the choices where the key is entered in a form; a derived key is not editable."""
    options.setdefault("blank", null)
    return models.ForeignKey(Unit, verbose_name=verbose_name, null=null, on_delete=models.PROTECT, related_name="+",
                             editable=editable, limit_choices_to={"level": level} if level else None, **options)


@functools.cache
def _place_keys(model) -> tuple:
    names = {field.name for field in model._meta.concrete_fields}
    return tuple(key for key in PLACE_KEYS if key in names)


class PlacedModel(models.Model):
    """A record kept at a place of the county: its county, town and village keys, derived from one anchor.

    Every placed record stores the three keys so that scoping and ``unit=`` filters are one indexed equality, never a
    join up to the person or the unit it hangs on (STYLE.md). A model says where its place comes from in
    ``place_from``: the names of its foreign keys that can carry it, in order of preference; the first one set is the
    anchor, and

    - if the anchor is one of the record's own keys, entered in a form (``"town"``, ``"village"``), the keys above it
      are that unit's and the keys below it stay as entered (a village outside the town is the model's validation
      error, never a silent fix);
    - if it is another key to a unit (``"unit"``, ``"home_unit"``), of any level, all the keys are that unit's (a
      unit answers ``county_id``, ``town_id`` and ``village_id`` as a placed record does);
    - if it is a placed record (a person of the ledgers, an organization, a training, a talent, a case), all the keys
      are that record's; a key it has not (an organization has no village) is left empty.

    The keys are declared here as derived: indexed, not editable, town required, village optional. A model declares a
    key again with :func:`unit_key` for its own label, level or nullability (the same column, so the same migration
    state), and drops a key it does not have with ``village = None``.

    ``derive_place()`` runs on every save; models call it in ``clean()`` before checks that read the keys, and bulk
    writers set the keys themselves. ``place_is_current()`` lets a model keep keys that cannot be stale and spare
    the anchor's lookup. ``place_at(anchor)`` copies the keys from an anchor given explicitly.
    """

    county = unit_key(_("县"))
    town = unit_key(_("乡镇"))
    village = unit_key(_("村（社区）"), null=True)

    place_from: tuple = ()
    # A placed record is seen by the county, town and village it is in (zyparty.scoping); models add their own paths.
    scope_paths = {"county": "county", "town": "town", "village": "village"}

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # ``village = None`` removes the inherited field, but the field's ``village_id`` attribute would still be
        # found on this class and try to load a column the model has not; the model answers None for it instead.
        for key in PLACE_KEYS:
            if key in cls.__dict__ and cls.__dict__[key] is None:
                setattr(cls, f"{key}_id", None)

    def place_anchor_name(self):
        """The first ``place_from`` key that is set, or None."""
        return next((name for name in self.place_from if getattr(self, f"{name}_id") is not None), None)

    def place_is_current(self, anchor_name) -> bool:
        """Whether the keys may stay as they are without looking at the anchor; never, unless a model says so."""
        return False

    def place_at(self, anchor, anchor_name=None):
        """Copy the keys from ``anchor``; when ``anchor_name`` is one of the record's keys, only the keys above it."""
        keys = _place_keys(type(self))
        if anchor_name in keys:
            keys = keys[:keys.index(anchor_name)]
        for key in keys:
            setattr(self, f"{key}_id", getattr(anchor, f"{key}_id", None))

    def derive_place(self):
        """The keys from the record's anchor (see the class docstring); nothing while no anchor is set."""
        name = self.place_anchor_name()
        if name is not None and not self.place_is_current(name):
            self.place_at(getattr(self, name), name)

    def save(self, *args, **kwargs):
        self.derive_place()
        super().save(*args, **kwargs)


class UserQuerySet(ScopedQuerySet, UserManager):
    pass


class EncryptedPhones:
    """Cadres' and users' phones are personal information as much as a worker's (PIPL Art. 28; SECURITY.md "personal
    data"): stored encrypted like the ledgers' phones (ledgers.models.PersonRecord), with a masked copy beside each
    for lists, forms and the API. ``masked_phones`` maps each encrypted phone field to its masked copy."""

    masked_phones: dict = {}

    def prepare_phones(self):
        """Normalise the phones and derive their masked copies; save() calls it, and so do bulk writers (the demo)."""
        for name, masked in self.masked_phones.items():
            value = (getattr(self, name) or "").strip()
            setattr(self, name, value)
            setattr(self, masked, mask_phone(value))
        return self


class User(EncryptedPhones, AbstractUser):
    """A person (or partner system) using the portal, with one role and a place in the hierarchy."""

    role = models.CharField(_("角色"), max_length=24, choices=Role.choices, default=Role.TOWN_CLERK)
    unit = models.ForeignKey(Unit, verbose_name=_("所属区划"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="users", help_text=_("县级角色选县，镇级选乡镇，村级选村（社区）。"))
    organization = models.ForeignKey("PartyOrganization", verbose_name=_("所属党组织"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="users")
    enterprise = models.ForeignKey("ledgers.HostEnterprise", verbose_name=_("所属企业"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="users")
    host_organization = models.ForeignKey("HostPlaceOrganization", verbose_name=_("流入地党组织"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="users")
    phone = EncryptedTextField(_("联系电话"), blank=True, validators=[validate_phone])
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    objects = UserManager()
    scope_paths = {"county": "unit", "town": "unit"}
    masked_phones = {"phone": "phone_masked"}

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.get_full_name() or self.username

    def clean(self):
        super().clean()

        needed = UNIT_ROLES.get(self.role)
        if needed and (self.unit is None or self.unit.level != needed):
            raise ValidationError({"unit": _("该角色须指定一个%(level)s级区划。") % {
                "level": choices.UnitLevel(needed).label}})
        if self.role == Role.HOST_ORGANIZATION and not self.host_organization_id:
            raise ValidationError({"host_organization": _("流入地党组织角色须指定所代表的党组织。")})
        if self.role == Role.OUTPOST_SECRETARY and not self.organization_id:
            raise ValidationError({"organization": _("驻外党支部书记须指定所在党组织。")})
        if self.role == Role.ENTERPRISE_LIAISON and not (self.enterprise_id or self.organization_id):
            raise ValidationError({"enterprise": _("企业党建联络员须指定所联系的企业。")})
        if self.role in ADMIN_ROLES and self.is_superuser:
            raise ValidationError({"role": _("三员角色不能同时为超级用户。")})

    def save(self, *args, **kwargs):
        # Everyone but partner systems works in the admin; no role is a superuser (三权分立).
        self.is_staff = self.role != Role.PARTNER
        if self.role in ADMIN_ROLES:
            self.is_superuser = False
        self.prepare_phones()
        # The account change and its audit entry (zyparty.signals) commit together, in a request or not.
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(type(self), instance=self)):
            super().save(*args, **kwargs)

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def is_admin_role(self):
        return self.role in ADMIN_ROLES


class HostPlaceOrganization(EncryptedPhones, TrackedModel):
    """A party organization at the destination (流入地党组织) that co-manages the county's people (seed 003)."""

    name = models.CharField(_("名称"), max_length=100)
    region_code = models.CharField(_("所在地代码"), max_length=6, help_text=_("GB/T 2260 代码，如 330106。"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=30, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True, validators=[validate_phone])
    contact_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    county = models.ForeignKey(Unit, verbose_name=_("合作县"), on_delete=models.PROTECT, related_name="+",
                               limit_choices_to={"level": "county"})

    scope_paths = {"county": "county", "host_organization": "pk"}
    personal_fields = {"contact_phone": mask_phone}
    masked_phones = {"contact_phone": "contact_phone_masked"}
    # The trail shows the phone itself, masked (zyparty.signals); its masked copy would say it twice.
    audit_exclude = ("contact_phone_masked",)

    class Meta:
        verbose_name = _("流入地党组织")
        verbose_name_plural = _("流入地党组织")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.prepare_phones()
        super().save(*args, **kwargs)

    @property
    def region_label(self):
        return regions.region_label(self.region_code)


class PartyOrganization(EncryptedPhones, PlacedModel, TrackedModel):
    """A party committee, general branch, branch or group, including outpost branches (seed 002) and online ones."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=16, choices=choices.OrgKind.choices, default=choices.OrgKind.BRANCH)
    form = models.CharField(_("组建形式"), max_length=16, choices=choices.OrgForm.choices,
                            default=choices.OrgForm.INDEPENDENT)
    host_subject = models.CharField(_("依托主体"), max_length=24, choices=choices.HostSubject.choices, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("上级党组织"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    home_unit = models.ForeignKey(Unit, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+",
                                  help_text=_("组建或管理该组织的乡镇或村。"))
    town = unit_key(_("乡镇"), null=True)  # county-level organizations have none
    village = None  # a village organization is seen by its village through home_unit
    is_outpost = models.BooleanField(_("驻外党组织"), default=False, db_index=True)
    outpost_build = models.CharField(_("组建方式"), max_length=12, choices=choices.OutpostBuild.choices, blank=True)
    outpost_basis = models.CharField(_("组建依托"), max_length=20, choices=choices.OutpostBasis.choices, blank=True)
    host_place_code = models.CharField(_("所在地代码"), max_length=6, blank=True,
                                       help_text=_("驻外组织所在地 GB/T 2260 代码。"))
    host_partner = models.ForeignKey(HostPlaceOrganization, verbose_name=_("流入地共建党组织"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="organizations")
    secretary_name = models.CharField(_("书记"), max_length=30, blank=True)
    secretary_phone = EncryptedTextField(_("书记电话"), blank=True, validators=[validate_phone])
    secretary_phone_masked = models.CharField(_("书记电话"), max_length=20, blank=True, editable=False)
    online_group = models.CharField(_("网上支部群"), max_length=60, blank=True,
                                    help_text=_("网络型支部的微信群或QQ群名称。"))
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    term_ends_on = models.DateField(_("届满日期"), null=True, blank=True)
    short_names = models.CharField(_("简称"), max_length=200, blank=True,
                                   help_text=_("一个或几个简称，用顿号“、”或分号“；”分隔，如：相如镇党委。导入台账时按全称或简称识别党组织。"))
    remarks = models.TextField(_("备注"), blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    place_from = ("home_unit",)
    scope_paths = {"county": "county", "town": "town", "village": "home_unit", "organization": "pk",
                   "host_organization": "host_partner"}
    personal_fields = {"secretary_phone": mask_phone}
    masked_phones = {"secretary_phone": "secretary_phone_masked"}
    audit_exclude = ("secretary_phone_masked",)  # the phone is audited masked; its copy would repeat it

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["name"]
        indexes = [models.Index(fields=["town", "is_outpost"], name="org_town_outpost_idx")]

    def __str__(self):
        return self.name

    @property
    def short_name_list(self) -> list:
        """The short names as written, one each (CONTRACT.md "organizations": several, separated by 、 or ；)."""
        return split_short_names(self.short_names)

    def clean(self):
        self.short_names = "、".join(self.short_name_list)
        if self.is_outpost and not self.host_place_code:
            raise ValidationError({"host_place_code": _("驻外党组织须填写所在地。")})
        if self.host_place_code and not regions.region(self.host_place_code):
            raise ValidationError({"host_place_code": _("所在地代码 %(code)s 不是有效的行政区划代码。") % {
                "code": self.host_place_code}})
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("上级党组织不能是其本身。")})

    def save(self, *args, **kwargs):
        self.prepare_phones()
        self.short_names = "、".join(self.short_name_list)
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(type(self), instance=self)):
            adding = self._state.adding
            super().save(*args, **kwargs)
            self.sync_aliases(new=adding)

    def sync_aliases(self, new=False):
        """The alias rows (:class:`PartyOrganizationAlias`) exactly as ``short_names`` says, written only where they
        differ; their county follows the organization's."""
        wanted = self.short_name_list
        if new and not wanted:
            return
        have = {a.name: a for a in self.aliases.all()}
        stale = [a.pk for name, a in have.items() if name not in wanted or a.county_id != self.county_id]
        if stale:
            PartyOrganizationAlias.objects.filter(pk__in=stale).delete()
        kept = {name for name, a in have.items() if a.pk not in stale}
        PartyOrganizationAlias.objects.bulk_create([
            PartyOrganizationAlias(organization=self, county_id=self.county_id, name=name)
            for name in wanted if name not in kept])

    @property
    def host_place_label(self):
        return regions.region_label(self.host_place_code)


SHORT_NAME_SEPARATORS = re.compile(r"[、；;，,\n]+")


def split_short_names(text) -> list:
    """``"相如镇党委；相如党委、相如镇党委"`` → ``["相如镇党委", "相如党委"]``: trimmed, empty and repeated ones dropped."""
    names = (name.strip() for name in SHORT_NAME_SEPARATORS.split(text or ""))
    return list(dict.fromkeys(name for name in names if name))


class PartyOrganizationAlias(models.Model):
    """One short name of a party organization (相如镇党委 for 中共蓬安县相如镇委员会), kept in step with the
    organization's ``short_names`` by its save(). The rows make "which organization is called X in this county" one
    indexed lookup (county, name); the import matches names in their normalised form (ledgers.schemas.orgrefs)."""

    organization = models.ForeignKey(PartyOrganization, verbose_name=_("党组织"), on_delete=models.CASCADE,
                                     related_name="aliases")
    county = models.ForeignKey(Unit, verbose_name=_("县"), on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("简称"), max_length=100)

    class Meta:
        verbose_name = _("党组织简称")
        verbose_name_plural = _("党组织简称")
        ordering = ["organization_id", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="org_alias_once")]
        indexes = [models.Index(fields=["county", "name"], name="org_alias_county_name_idx")]

    def __str__(self):
        return self.name


class CoManagementAgreement(PlacedModel, TrackedModel):
    """A signed co-build co-manage agreement (共建共管协议, seed 003) between a town and a host-place organization."""

    town = unit_key(_("乡镇党委"), level="town", editable=True)
    village = None
    host_organization = models.ForeignKey(HostPlaceOrganization, verbose_name=_("流入地党组织"),
                                          on_delete=models.PROTECT, related_name="agreements")
    organization = models.ForeignKey(PartyOrganization, verbose_name=_("共管党组织"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="agreements")
    signed_on = models.DateField(_("签订日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    annual_funding = models.DecimalField(_("年度经费（元）"), max_digits=12, decimal_places=2, default=0)
    terms = models.TextField(_("协议要点"), blank=True,
                             help_text=_("组织共建、党员共管、工作共商、经费共担、活动共办。"))

    place_from = ("town",)
    scope_paths = {"county": "county", "town": "town", "organization": "organization",
                   "host_organization": "host_organization"}

    class Meta:
        verbose_name = _("共建共管协议")
        verbose_name_plural = _("共建共管协议")
        ordering = ["-signed_on"]

    def __str__(self):
        return f"{self.town} — {self.host_organization}"

    def clean(self):
        if self.valid_until and self.signed_on and self.valid_until < self.signed_on:
            raise ValidationError({"valid_until": _("有效期不能早于签订日期。")})


class ServicePoint(EncryptedPhones, PlacedModel, TrackedModel):
    """One node of the four-level service network (seed 000 §2) and its head."""

    level = models.CharField(_("层级"), max_length=20, choices=choices.ServiceLevel.choices)
    name = models.CharField(_("名称"), max_length=100)
    unit = models.ForeignKey(Unit, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+")
    town = unit_key(_("乡镇"), null=True)  # the county centre has none
    village = None  # a village point is seen by its village through unit
    enterprise = models.ForeignKey("ledgers.HostEnterprise", verbose_name=_("企业"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="service_points")
    head_name = models.CharField(_("负责人"), max_length=30)
    head_title = models.CharField(_("负责人职务"), max_length=40, blank=True,
                                  help_text=_("如：党委副书记、组织委员、村支部书记。"))
    head_phone = EncryptedTextField(_("负责人电话"), blank=True, validators=[validate_phone])
    head_phone_masked = models.CharField(_("负责人电话"), max_length=20, blank=True, editable=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    established_on = models.DateField(_("设立日期"), null=True, blank=True)

    place_from = ("unit",)
    scope_paths = {"county": "county", "town": "town", "village": "unit", "enterprise": "enterprise"}
    personal_fields = {"head_phone": mask_phone}
    masked_phones = {"head_phone": "head_phone_masked"}
    audit_exclude = ("head_phone_masked",)  # the phone is audited masked; its copy would repeat it

    class Meta:
        verbose_name = _("服务网络站点")
        verbose_name_plural = _("服务网络站点")
        ordering = ["level", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        expected = {
            choices.ServiceLevel.COUNTY_CENTER: "county",
            choices.ServiceLevel.TOWN_STATION: "town",
            choices.ServiceLevel.VILLAGE_POINT: "village",
        }.get(self.level)
        if expected and self.unit_id and self.unit.level != expected:
            raise ValidationError({"unit": _("%(level)s应设在%(unit)s级区划。") % {
                "level": choices.ServiceLevel(self.level).label, "unit": choices.UnitLevel(expected).label}})
        if self.level == choices.ServiceLevel.ENTERPRISE_LIAISON and not self.enterprise_id:
            raise ValidationError({"enterprise": _("企业党建联络员须指定企业。")})

    def save(self, *args, **kwargs):
        self.prepare_phones()
        super().save(*args, **kwargs)


class PartyInstructor(EncryptedPhones, TrackedModel):
    """A party-building instructor (党建指导员) sent to a host enterprise (seed 000 §8)."""

    name = models.CharField(_("姓名"), max_length=30)
    department = models.CharField(_("派出单位"), max_length=100, blank=True)
    phone = EncryptedTextField(_("联系电话"), blank=True, validators=[validate_phone])
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    enterprise = models.ForeignKey("ledgers.HostEnterprise", verbose_name=_("指导企业"), on_delete=models.PROTECT,
                                   related_name="instructors")
    county = models.ForeignKey(Unit, verbose_name=_("县"), on_delete=models.PROTECT, related_name="+",
                               limit_choices_to={"level": "county"})
    appointed_on = models.DateField(_("选派日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    scope_paths = {"county": "county", "enterprise": "enterprise"}
    personal_fields = {"phone": mask_phone}
    masked_phones = {"phone": "phone_masked"}
    audit_exclude = ("phone_masked",)  # the phone is audited masked; its copy would repeat it

    class Meta:
        verbose_name = _("党建指导员")
        verbose_name_plural = _("党建指导员")
        ordering = ["-appointed_on"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.prepare_phones()
        super().save(*args, **kwargs)


class JointMeeting(TrackedModel):
    """A meeting of the county joint-meeting system (联席会议), held at least twice a year (seed 000 §3)."""

    county = models.ForeignKey(Unit, verbose_name=_("县"), on_delete=models.PROTECT, related_name="+",
                               limit_choices_to={"level": "county"})
    held_on = models.DateField(_("召开日期"), db_index=True)
    departments = models.JSONField(_("参会部门"), default=list, blank=True,
                                   help_text=_("组织、宣传、统战、人社、发改、农业、司法等。"))
    topics = models.TextField(_("议题"), blank=True)
    decisions = models.TextField(_("议定事项"), blank=True)

    scope_paths = {"county": "county"}

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")
        ordering = ["-held_on"]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self._meta.verbose_name}"

    def clean(self):
        valid = set(choices.Department.values)
        unknown = [d for d in self.departments or [] if d not in valid]
        if unknown:
            raise ValidationError({"departments": _("未知的参会部门：%(d)s") % {"d": "、".join(unknown)}})


class ApiClient(models.Model):
    """A partner system's key (CONTRACT.md "Auth"): stored hashed, scoped through its own service user,
    optionally read-only, expiring and revocable. Deactivating the user revokes the key."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    user = models.OneToOneField(User, verbose_name=_("接口用户"), on_delete=models.CASCADE, related_name="api_client")
    key_prefix = models.CharField(_("密钥前缀"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    read_only = models.BooleanField(_("只读"), default=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    last_used_ip = models.CharField(_("最近使用IP"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_usable(self):
        now = timezone.now()
        return (self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
                and self.user.is_active)


class CountyYearFigures(TrackedModel):
    """The county figures the ledgers cannot count, entered once a year by county staff: resident population and
    all party members of the county (seed 001 §1 reports 350,000 people and 13,092 members). The statistics report
    divides by them (share working away, share of migrant members)."""

    county = models.ForeignKey(Unit, verbose_name=_("县"), on_delete=models.PROTECT, related_name="+",
                               limit_choices_to={"level": "county"})
    year = models.PositiveSmallIntegerField(_("年度"))
    population = models.PositiveIntegerField(_("总人口"))
    party_members_total = models.PositiveIntegerField(_("党员总数"), help_text=_("全县党员人数（含非农民工党员）。"))
    notes = models.TextField(_("说明"), blank=True, help_text=_("数据来源、统计口径等。"))

    scope_paths = {"county": "county"}

    class Meta:
        verbose_name = _("县年度基础数据")
        verbose_name_plural = _("县年度基础数据")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="county_year_figures_once")]
        permissions = [("view_statistics_report", _("查看统计报表"))]

    def __str__(self):
        return f"{self.county} {self.year}"

    def clean(self):
        if self.county_id and self.county.level != choices.UnitLevel.COUNTY:
            raise ValidationError({"county": _("请选择县级区划。")})
        if self.year is not None and not 2000 <= self.year <= 2100:
            raise ValidationError({"year": _("年度应在2000年至2100年之间。")})

