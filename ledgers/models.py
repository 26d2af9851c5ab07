"""The four ledgers (四本台账, seed 000 §5): migrant workers, host enterprises, migrant party members, activists.

Every person record stores its county, town and village as foreign keys (indexed together with the common filters)
so that scoping and ``unit=`` filters are single equalities. ID numbers and phones are stored encrypted, with a
keyed hash for lookup and uniqueness and a masked copy for lists (SECURITY.md "personal data").
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledgers import choices, people
from ledgers.matching import (
    CHOICE_CLASSES,
    PLACE_COLUMNS,
    ColumnMatcher,
    MappingError,
    SynonymColumn,
    choice_options,
    normalise,
)
from organizations.models import (
    HostPlaceOrganization,
    PartyOrganization,
    PlacedModel,
    Unit,
    unit_key,
)
from zyparty import crypto, regions
from zyparty.fields import EncryptedTextField
from zyparty.masking import mask_id_number, mask_phone, mask_text
from zyparty.models import ScopedQuerySet, TrackedModel
from zyparty.pinyin import initials
from zyparty.validators import (
    id_number_facts,
    normalize_text,
    validate_credit_code,
    validate_id_number,
    validate_phone,
)


class LedgerPlace(PlacedModel):
    """The place keys of a ledger record. Imports set the county together with the town from their preloaded units,
    and a saved record's county changes only with its town, so the town is looked up only when the county is missing
    or the town changed since the record was loaded (PERFORMANCE.md: no query per imported row)."""

    class Meta:
        abstract = True

    def place_is_current(self, anchor_name):
        if anchor_name != "town" or self.county_id is None:
            return False
        loaded = self.loaded_values() or {}
        return loaded.get("town_id", self.town_id) == self.town_id


class PersonRecord(LedgerPlace, TrackedModel):
    """What every person ledger records: identity from the ID number, contact, and place in the hierarchy."""

    name = models.CharField(_("姓名"), max_length=30)
    name_initials = models.CharField(_("拼音首字母"), max_length=20, blank=True, editable=False)
    id_number = EncryptedTextField(_("身份证号"))
    id_digest = models.CharField(max_length=64, editable=False)
    id_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=choices.Gender.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    ethnicity = models.CharField(_("民族"), max_length=10, blank=True, default="汉族")
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_digest = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    # Town and village are checked set-wise on PostgreSQL: a statement trigger (migration 0006) takes each unit a
    # statement names once, FOR KEY SHARE as a foreign key would, and refuses a row naming a unit that does not
    # exist; a unit still referenced cannot be deleted. Row-by-row foreign-key checks cost an import ~2.6 s per
    # 100,000 rows (bench/excel_bench.py); the statement check ~0.05 s. Django's PROTECT guards ORM deletes as
    # before. county is town.county, copied for one-equality scoping (prepare() keeps it so), and carries no check
    # of its own. The single-column indexes of these keys are left out: the (key, id) indexes of each ledger's Meta
    # serve the same lookups.
    county = unit_key(_("县"), db_index=False, db_constraint=False)
    town = unit_key(_("乡镇"), level="town", editable=True, db_index=False, db_constraint=False)
    village = unit_key(_("户籍村（社区）"), level="village", null=True, editable=True, db_index=False,
                       db_constraint=False)
    remarks = models.TextField(_("备注"), blank=True)
    # Keyed hash (zyparty.crypto.digest) of the ledger row an import last wrote into this record, bound to the
    # version it wrote (ledgers.importing.checking.row_digest): a re-import whose row hashes the same under the
    # record's current version leaves it unchanged without loading or decrypting it (issue 14 item 7). save()
    # clears it (and bumps the version), so a record edited since is compared in full. No index: it is read with the
    # records the file names, by their keys.
    import_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    # Who created / last changed the row: TrackedModel's fields without their indexes (nothing lists a ledger by its
    # editor; users are deactivated, never deleted). The audit trail is the record of who changed what.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("最后修改人"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False,
    )

    personal_fields = {"id_number": mask_id_number, "phone": mask_phone}
    # The town as entered, else the village's (an import may name only the village).
    place_from = ("town", "village")
    scope_paths = {"county": "county", "town": "town", "village": "village"}
    # Left out of the audit trail (zyparty.signals): companions derived from the name, ID number and phone, which
    # the trail shows themselves (masked); a keyed hash there would be a lookup key for the clear value.
    audit_exclude = ("name_initials", "id_digest", "id_masked", "phone_digest", "phone_masked", "import_digest")

    class Meta:
        abstract = True
        # The indexes every person ledger needs besides its own (key, id) list indexes. Each index costs an import
        # ~0.35 s per 100,000 rows (PERFORMANCE.md, bench/excel_bench.py), so there is one per lookup and no more:
        # the ID number's keyed hash is unique (a constraint, not unique=True, which on PostgreSQL adds a second
        # LIKE index nobody uses); the phone hash is looked up by equality; pinyin initials by prefix, which under
        # a non-C collation needs the pattern operator class (it serves equality too).
        indexes = [
            models.Index(fields=["phone_digest"], name="%(class)s_phone_idx"),
            models.Index(fields=["name_initials"], name="%(class)s_initials_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_digest"], name="%(app_label)s_%(class)s_id_digest_uniq",
                                    violation_error_message=_("该身份证号已登记。")),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        try:
            self.id_number = validate_id_number(self.id_number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages
        try:
            self.phone = validate_phone(self.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
        if self.village_id and self.town_id and self.village.town_id != self.town_id:
            errors["village"] = [_("所选村（社区）不属于所选乡镇。")]
        if errors:
            raise ValidationError(errors)

    def prepare(self):
        """Derive the stored companions of the entered values; called by save() and by bulk import paths."""
        self.name = normalize_text(self.name)
        self.name_initials = initials(self.name)
        number = (self.id_number or "").strip().upper()
        self.id_number = number
        self.id_digest = crypto.digest(number)
        self.id_masked = mask_id_number(number)
        if len(number) == 18:
            self.gender, self.birth_date = id_number_facts(number)
        self.phone = (self.phone or "").strip()
        self.phone_digest = crypto.digest(self.phone)
        self.phone_masked = mask_phone(self.phone)
        self.derive_place()

    def save(self, *args, **kwargs):
        self.prepare()
        adding = self._state.adding
        self.before_write(kwargs)
        self.import_digest = ""  # edited outside an import: the next re-import compares this record in full
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"import_digest"}
        super().save(*args, **kwargs)
        self.after_write(adding, kwargs.get("update_fields"))

    def before_write(self, kwargs):
        """Hook of save(), after prepare() and before the write (one person across the ledgers, ledgers.people)."""

    def after_write(self, adding, update_fields):
        """Hook of save(), after the write."""

    @classmethod
    def by_id_number(cls, number):
        return cls.objects.filter(id_digest=crypto.digest(validate_id_number(number)))

    @classmethod
    def id_number_clash(cls, number, pk=None):
        """The message for an ID number (normalised) already registered in this ledger by another record, or None.
        Uniqueness is county-wide and beyond: the record may be in a town the user cannot see."""
        clash = cls._default_manager.filter(id_digest=crypto.digest(number))
        if pk is not None:
            clash = clash.exclude(pk=pk)
        if number and clash.exists():
            return _("该身份证号已登记在%(l)s中（可能在其他乡镇），请勿重复登记。") % {"l": cls._meta.verbose_name_plural}
        return None

    def validate_constraints(self, exclude=None):
        """Forms (the admin) check constraints here. The ID number's keyed hash is derived at save, never a form
        field, so Django leaves its unique constraint unchecked: the clash is reported on the ID number itself
        instead of failing at the database. (Imports check uniqueness against their own preloaded keys.)"""
        super().validate_constraints(exclude=exclude)
        if exclude and "id_number" in exclude:
            return
        message = self.id_number_clash((self.id_number or "").strip().upper(),
                                       None if self._state.adding else self.pk)
        if message:
            raise ValidationError({"id_number": [message]})


def six_clears(destination_code, direction, employer_name, enterprise_id, industry, political_status,
               return_intention, party_wish, post_wish) -> tuple:
    """Whether each of the six clears (seed 000 §5; Worker.CLEARS) is clear, from a worker's values — for one record
    (Worker.clears) and for the rows of an import, made column by column (WorkerSchema.new_rows)."""
    return (bool(destination_code or direction == choices.Direction.INCOMING),
            bool(employer_name or enterprise_id or industry), bool(political_status), bool(return_intention),
            bool(party_wish), bool(post_wish))


class Worker(PersonRecord):
    """A migrant worker (农民工台账): outgoing or incoming, with the "six clears" (六清楚) of seed 000 §5."""

    direction = models.CharField(_("外出/外来"), max_length=3, choices=choices.Direction.choices,
                                 default=choices.Direction.OUTGOING)
    destination_code = models.CharField(_("务工地代码"), max_length=6, blank=True)
    destination_text = models.CharField(_("务工地"), max_length=100, blank=True)
    employer_name = models.CharField(_("务工单位"), max_length=100, blank=True)
    employer_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    enterprise = models.ForeignKey("HostEnterprise", verbose_name=_("聚集地企业"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="workers", db_index=False)
    industry = models.CharField(_("从事行业"), max_length=16, choices=choices.Industry.choices, blank=True)
    skills = models.CharField(_("就业技能"), max_length=100, blank=True)
    monthly_income = models.PositiveIntegerField(_("月收入（元）"), null=True, blank=True)
    political_status = models.CharField(_("政治面貌"), max_length=12, choices=choices.PoliticalStatus.choices,
                                        blank=True)
    family_situation = EncryptedTextField(_("家庭情况"), blank=True)
    left_behind_children = models.BooleanField(_("有留守儿童"), default=False)
    left_behind_elderly = models.BooleanField(_("有留守老人"), default=False)
    left_behind_spouse = models.BooleanField(_("有留守配偶"), default=False)
    return_intention = models.CharField(_("返乡意向"), max_length=12, choices=choices.Intention.choices, blank=True)
    party_wish = models.CharField(_("入党意愿"), max_length=3, choices=choices.Wish.choices, blank=True)
    post_wish = models.CharField(_("任职意愿"), max_length=3, choices=choices.Wish.choices, blank=True)
    left_on = models.DateField(_("外出时间"), null=True, blank=True)
    completeness = models.PositiveSmallIntegerField(_("六清楚完成项"), default=0, editable=False)

    personal_fields = {"id_number": mask_id_number, "phone": mask_phone, "family_situation": mask_text,
                       "political_status": mask_text}
    # An enterprise liaison (企业党建联络员) serves the workers of their host enterprise (seed 000 §4).
    scope_paths = {**PersonRecord.scope_paths, "enterprise": "enterprise"}

    class Meta:
        verbose_name = _("农民工")
        verbose_name_plural = _("农民工台账")
        # Lists page in insertion order: with a scope filter on an indexed key the first page is read without a
        # sort (PERFORMANCE.md: a filtered page is ~5 ms; a sort over a county's rows is not).
        ordering = ["id"]
        # The scope and unit= filters are equalities on these keys, read in id order (PERFORMANCE.md); a filter on
        # direction or completeness within a town reads the town's index. Destinations are filtered by code prefix
        # (province, city). Most workers name no host enterprise: its index holds only those who do.
        indexes = [
            *PersonRecord.Meta.indexes,
            models.Index(fields=["town", "id"], name="worker_town_idx"),
            models.Index(fields=["village", "id"], name="worker_village_idx"),
            models.Index(fields=["county", "id"], name="worker_county_idx"),
            models.Index(fields=["destination_code"], name="worker_destination_idx",
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["enterprise"], name="worker_enterprise_idx",
                         condition=models.Q(enterprise__isnull=False)),
        ]
        constraints = PersonRecord.Meta.constraints
        permissions = [
            ("unmask_personal_data", _("查看身份证号、电话等个人信息明文")),
            ("export_ledger", _("导出台账")),
            ("import_ledger", _("导入台账")),
        ]

    SIX_CLEARS = ("destination", "employment", "political_status", "return_intention", "party_wish", "post_wish")

    CLEARS = ("destination", "employment", "political_status", "return_intention", "party_wish", "post_wish")

    def clears(self) -> dict:
        """Which of the six clears (seed 000 §5) this record makes clear."""
        return dict(zip(self.CLEARS, six_clears(
            self.destination_code, self.direction, self.employer_name, self.enterprise_id, self.industry,
            self.political_status, self.return_intention, self.party_wish, self.post_wish)))

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if self.destination_text and not self.destination_code:
            self.destination_code = regions.parse_address(self.destination_text)
            if not self.destination_code:
                errors["destination_text"] = [_("无法识别务工地“%(t)s”，请写明省、市、县（区）。") % {
                    "t": self.destination_text}]
        if self.destination_code and not regions.region(self.destination_code):
            errors["destination_code"] = [_("务工地代码 %(c)s 不是有效的行政区划代码。") % {
                "c": self.destination_code}]
        if self.employer_credit_code:
            try:
                self.employer_credit_code = validate_credit_code(self.employer_credit_code)
            except ValidationError as exc:
                errors["employer_credit_code"] = exc.messages
        if "id_number" not in errors:
            conflict = people.status_conflict(self.political_status, self.party_wish, self.party_standing())
            if conflict is not None:
                errors.setdefault(conflict[0], []).append(conflict[1])
        if errors:
            raise ValidationError(errors)

    # One person across the ledgers (issue 14; ledgers.people) ----------------------------------------------------
    def party_standing(self) -> people.Party:
        """The person's member or activist record (same ID number, by its keyed hash; any county), as
        ledgers.people sees it. An import sets ``_party`` from its preloaded tables, so that no row queries."""
        hint = self.__dict__.get("_party")
        if hint is not None:
            return hint
        digest = crypto.digest((self.id_number or "").strip().upper()) if self.id_number else self.id_digest
        if not digest:
            return people.NONE
        full = list(PartyMember.objects.filter(id_digest=digest).values_list("full_member_on", flat=True)[:1])
        if full:
            return people.Party.of(is_member=True, member_full_on=full[0])
        return people.Party.of(activist_stage=Activist.objects.filter(id_digest=digest).values_list(
            "stage", flat=True).first())

    def before_write(self, kwargs):
        """Political status and 入党意愿 follow the party ledgers (a blank is filled; clean() refuses a
        contradiction in a form); a save limited to other fields leaves them alone."""
        fields = kwargs.get("update_fields")
        if fields is not None and not {"political_status", "party_wish"} & set(fields):
            return
        status, wish = people.followed(self.political_status, self.party_wish, self.party_standing())
        if (status, wish) != (self.political_status, self.party_wish):
            self.political_status, self.party_wish = status, wish
            self.completeness = sum(self.clears().values())
            if fields is not None:
                kwargs["update_fields"] = {*fields, "political_status", "party_wish", "completeness"}

    def after_write(self, adding, update_fields):
        """A new worker record links the member and activist records of the same person in its county."""
        if adding:
            for model in (PartyMember, Activist):
                model.objects.filter(id_digest=self.id_digest, county_id=self.county_id, worker__isnull=True).update(
                    worker=self, version=models.F("version") + 1)

    def prepare(self):
        super().prepare()
        if self.destination_code and not self.destination_text:
            self.destination_text = regions.region_label(self.destination_code)
        self.completeness = sum(self.clears().values())

    @property
    def destination_label(self):
        return regions.region_label(self.destination_code) or self.destination_text


class HostEnterprise(LedgerPlace, TrackedModel):
    """An enterprise where the county's workers gather (聚集地企业台账), keyed by its unified social credit code."""

    name = models.CharField(_("企业名称"), max_length=100)
    name_initials = models.CharField(_("拼音首字母"), max_length=20, blank=True, editable=False, db_index=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    location_code = models.CharField(_("所在地代码"), max_length=6, blank=True, db_index=True)
    address = models.CharField(_("所在地"), max_length=200, blank=True)
    industry = models.CharField(_("行业"), max_length=16, choices=choices.Industry.choices, blank=True)
    liaison_name = models.CharField(_("党建联络员"), max_length=30, blank=True)
    liaison_phone = EncryptedTextField(_("联络员电话"), blank=True)
    liaison_phone_masked = models.CharField(_("联络员电话"), max_length=20, blank=True, editable=False)
    party_organization = models.ForeignKey(PartyOrganization, verbose_name=_("党组织"), null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="enterprises")
    town = unit_key(_("建档乡镇"), level="town", editable=True, help_text=_("负责联系该企业、维护其台账的乡镇服务站。"))
    village = None
    paired_villages = models.ManyToManyField(Unit, verbose_name=_("企村联建村"), blank=True, related_name="+",
                                             limit_choices_to={"level": "village"})
    remarks = models.TextField(_("备注"), blank=True)

    personal_fields = {"liaison_phone": mask_phone}
    place_from = ("town",)
    scope_paths = {"county": "county", "town": "town", "enterprise": "pk", "organization": "party_organization"}
    audit_exclude = ("name_initials", "liaison_phone_masked")  # derived from the audited name and phone

    class Meta:
        verbose_name = _("聚集地企业")
        verbose_name_plural = _("聚集地企业台账")
        ordering = ["name"]
        indexes = [models.Index(fields=["town", "id"], name="enterprise_town_idx"),
                   models.Index(fields=["county", "id"], name="enterprise_county_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        try:
            self.credit_code = validate_credit_code(self.credit_code)
        except ValidationError as exc:
            errors["credit_code"] = exc.messages
        try:
            self.liaison_phone = validate_phone(self.liaison_phone)
        except ValidationError as exc:
            errors["liaison_phone"] = exc.messages
        if self.address and not self.location_code:
            self.location_code = regions.parse_address(self.address)
        if self.location_code and not regions.region(self.location_code):
            errors["location_code"] = [_("所在地代码 %(c)s 不是有效的行政区划代码。") % {"c": self.location_code}]
        if errors:
            raise ValidationError(errors)

    def prepare(self):
        self.name = normalize_text(self.name)
        self.name_initials = initials(self.name)
        self.liaison_phone = (self.liaison_phone or "").strip()
        self.liaison_phone_masked = mask_phone(self.liaison_phone)
        self.derive_place()

    def save(self, *args, **kwargs):
        self.prepare()
        self.import_digest = ""  # edited outside an import: the next re-import compares this record in full
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"import_digest"}
        super().save(*args, **kwargs)

    @property
    def location_label(self):
        return regions.region_label(self.location_code) or self.address


class FollowedByWorker:
    """Members and activists: linked, on save, to the worker record of the same person (same ID number, by its
    keyed hash) in the same county, whose political status and 入党意愿 then follow (ledgers.people). Creating a
    missing worker record needs a user allowed to add it: ledgers.workflows.person_worker_link, and the import."""

    def before_write(self, kwargs):
        if self.worker_id is not None or not self.id_digest or self.county_id is None:
            return
        related = "party_member" if isinstance(self, PartyMember) else "activist"
        worker_id = Worker.objects.filter(id_digest=self.id_digest, county_id=self.county_id,
                                          **{f"{related}__isnull": True}).values_list("pk", flat=True).first()
        if worker_id is not None:
            self.worker_id = worker_id
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "worker"}

    def after_write(self, adding, update_fields):
        if self.worker_id is None:
            return
        worker = Worker.objects.get(pk=self.worker_id)
        standing = worker.__dict__["_party"] = worker.party_standing()
        if people.followed(worker.political_status, worker.party_wish, standing) != (worker.political_status,
                                                                                      worker.party_wish):
            worker.save(update_fields=["political_status", "party_wish"])  # its before_write makes it follow


class PartyMember(FollowedByWorker, PersonRecord):
    """A migrant party member (农民工党员台账) with the fields of the 2017 national member record form."""

    worker = models.OneToOneField(Worker, verbose_name=_("农民工台账记录"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="party_member")
    education = models.CharField(_("学历"), max_length=10, choices=choices.Education.choices, blank=True)
    category = models.CharField(_("人员类别"), max_length=14, choices=choices.MemberCategory.choices,
                                default=choices.MemberCategory.FULL)
    joined_on = models.DateField(_("入党日期"))
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    home_organization = models.ForeignKey(PartyOrganization, verbose_name=_("组织关系所在党组织"),
                                          on_delete=models.PROTECT, related_name="home_members")
    activity_organization = models.ForeignKey(PartyOrganization, verbose_name=_("参加活动党组织"), null=True,
                                              blank=True, on_delete=models.SET_NULL,
                                              related_name="activity_members")
    co_manager = models.ForeignKey(HostPlaceOrganization, verbose_name=_("流入地共管党组织"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="members")
    job_post = models.CharField(_("工作岗位"), max_length=50, blank=True)
    home_address = models.CharField(_("家庭住址"), max_length=200, blank=True)
    is_mobile = models.BooleanField(_("流动党员"), default=True)
    destination_code = models.CharField(_("外出流向代码"), max_length=6, blank=True, db_index=True)
    out_since = models.DateField(_("外出日期"), null=True, blank=True)
    certificate_no = models.CharField(_("流动党员活动证号"), max_length=30, blank=True)
    certificate_issued_on = models.DateField(_("活动证发放日期"), null=True, blank=True)
    membership_status = models.CharField(_("党籍状态"), max_length=10, choices=choices.MembershipStatus.choices,
                                         default=choices.MembershipStatus.NORMAL)
    lost_contact = models.BooleanField(_("失联"), default=False)
    lost_contact_since = models.DateField(_("失联日期"), null=True, blank=True)
    last_org_life_on = models.DateField(_("最近参加组织生活日期"), null=True, blank=True)
    last_dues_paid_on = models.DateField(_("最近交纳党费日期"), null=True, blank=True)

    # Without town or village, the member is where the home organization is.
    place_from = ("town", "village", "home_organization")
    scope_paths = {**PersonRecord.scope_paths, "organization": ("home_organization", "activity_organization"),
                   "host_organization": "co_manager"}

    class Meta:
        verbose_name = _("农民工党员")
        verbose_name_plural = _("农民工党员台账")
        ordering = ["id"]
        indexes = [
            *PersonRecord.Meta.indexes,
            models.Index(fields=["town", "id"], name="member_town_idx"),
            models.Index(fields=["town", "is_mobile", "id"], name="member_town_mobile_idx"),
            models.Index(fields=["village", "id"], name="member_village_idx"),
            models.Index(fields=["county", "id"], name="member_county_idx"),
        ]
        constraints = PersonRecord.Meta.constraints

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if self.full_member_on and self.joined_on and self.full_member_on <= self.joined_on:
            errors["full_member_on"] = [_("转正日期应晚于入党日期。")]
        if self.lost_contact and not self.lost_contact_since:
            errors["lost_contact_since"] = [_("失联党员须填写失联日期。")]
        if self.birth_date and self.joined_on and not people.old_enough_to_join(self.birth_date, self.joined_on):
            errors["joined_on"] = [people.under_age_message(self.birth_date, self.joined_on, _("入党"))]
        if errors:
            raise ValidationError(errors)

    def prepare(self):
        super().prepare()
        self.category = (choices.MemberCategory.FULL if self.full_member_on
                         else choices.MemberCategory.PROBATIONARY)


class Activist(FollowedByWorker, PersonRecord):
    """A membership activist (入党积极分子台账): cultivated by the host organization, inspected by both (seed 000 §7)."""

    worker = models.OneToOneField(Worker, verbose_name=_("农民工台账记录"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="activist")
    applied_on = models.DateField(_("申请入党日期"))
    activist_on = models.DateField(_("确定积极分子日期"), null=True, blank=True)
    cultivation_contacts = models.CharField(_("培养联系人"), max_length=100, blank=True)
    cultivating_organization = models.ForeignKey(PartyOrganization, verbose_name=_("培养党组织"), null=True,
                                                 blank=True, on_delete=models.PROTECT,
                                                 related_name="cultivated_activists")
    home_organization = models.ForeignKey(PartyOrganization, verbose_name=_("户籍地党组织"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="home_activists")
    co_manager = models.ForeignKey(HostPlaceOrganization, verbose_name=_("流入地共管党组织"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="activists")
    stage = models.CharField(_("阶段"), max_length=14, choices=choices.ActivistStage.choices,
                             default=choices.ActivistStage.ACTIVIST)

    place_from = ("town", "village", "home_organization")  # as a member's
    scope_paths = {**PersonRecord.scope_paths, "organization": ("cultivating_organization", "home_organization"),
                   "host_organization": "co_manager"}

    class Meta:
        verbose_name = _("入党积极分子")
        verbose_name_plural = _("入党积极分子台账")
        ordering = ["id"]
        indexes = [
            *PersonRecord.Meta.indexes,
            models.Index(fields=["town", "id"], name="activist_town_idx"),
            models.Index(fields=["town", "stage", "id"], name="activist_town_stage_idx"),
            models.Index(fields=["village", "id"], name="activist_village_idx"),
            models.Index(fields=["county", "id"], name="activist_county_idx"),
        ]
        constraints = PersonRecord.Meta.constraints

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if self.activist_on and self.applied_on and self.activist_on < self.applied_on:
            errors["activist_on"] = [_("确定积极分子日期不能早于申请入党日期。")]
        if self.birth_date and self.applied_on and not people.old_enough_to_join(self.birth_date, self.applied_on):
            # 发展党员工作细则 第五条: 年满十八岁 may apply (the same rule as joining, ledgers.people).
            errors["applied_on"] = [people.under_age_message(self.birth_date, self.applied_on, _("申请入党"))]
        if errors:
            raise ValidationError(errors)


class ImportKind(models.TextChoices):
    WORKERS = "workers", _("农民工台账")
    ENTERPRISES = "enterprises", _("聚集地企业台账")
    MEMBERS = "members", _("农民工党员台账")
    ACTIVISTS = "activists", _("入党积极分子台账")
    UNITS = "units", _("行政区划")
    ORGANIZATIONS = "organizations", _("党组织")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    CHECKING = "checking", _("校验中")
    VALID = "valid", _("校验通过，待提交")
    INVALID = "invalid", _("有错误")
    COMMITTING = "committing", _("写入中")
    COMMITTED = "committed", _("已导入")
    FAILED = "failed", _("导入失败")
    ABANDONED = "abandoned", _("已放弃")


class ImportBatch(PlacedModel):
    """One uploaded ledger file and what became of it (issue 4): who, when, which file (name, size, SHA-256), the
    counts, every error, and the audit entry of its commit. The file itself lives under MEDIA_ROOT/imports (outside
    the web root) until the batch is committed or abandoned."""

    kind = models.CharField(_("台账"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("文件名"), max_length=255)
    stored_name = models.CharField(_("存储文件"), max_length=100, blank=True, editable=False)
    file_format = models.CharField(_("格式"), max_length=4, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    user = models.ForeignKey("organizations.User", verbose_name=_("导入人"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("导入区划"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    county = unit_key(_("县"), null=True)
    town = unit_key(_("乡镇"), null=True)
    village = None
    status = models.CharField(_("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED,
                              db_index=True)
    rows = models.PositiveIntegerField(_("数据行"), default=0)
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    changed_count = models.PositiveIntegerField(_("修改"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    sheets = models.JSONField(_("工作表"), default=list, blank=True)
    # Map once, not per row (issue 14): the coded values no option matched, grouped by column and distinct value
    # (ledgers.matching.UnknownValue.as_dict plus "cells"), the clerk's mappings of them ({column, value, code}),
    # applied when the same stored file is checked again, and the warnings (never blocking; ImportContext.warn).
    unknown_values = models.JSONField(_("未识别的取值"), default=list, blank=True)
    value_mappings = models.JSONField(_("取值映射"), default=list, blank=True)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    job = models.ForeignKey("zyparty.BackgroundJob", verbose_name=_("后台任务"), null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+")
    audit_entry_id = models.BigIntegerField(_("审计日志编号"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True, db_index=True)
    checked_at = models.DateTimeField(_("校验时间"), null=True, blank=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    place_from = ("unit",)
    scope_paths = {"county": "county", "town": "town", "village": "unit"}

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.file_name}"

    def place_is_current(self, anchor_name):
        return self.county_id is not None  # set once, from the unit the batch was imported for

    @property
    def is_open(self):
        """Still waiting for the clerk: it may be committed or abandoned."""
        return self.status in (ImportStatus.UPLOADED, ImportStatus.VALID, ImportStatus.INVALID)


# Coded values as clerks write them (issue 14) ---------------------------------------------------------------------

class ValueSynonym(TrackedModel):
    """A word clerks write in a coded column and the option it means (issue 14: "the county's own synonyms, data,
    editable in the admin"). ``county`` empty: built in, for every county (seeded by migration 0008); a county's own
    word overrides a built-in one with the same normalised form, for that county only. ``target`` is the option's
    code: a choice value, a unit's 区划代码, or a party organization's id; "" means "leave empty"."""

    county = models.ForeignKey(Unit, verbose_name=_("县"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", limit_choices_to={"level": "county"},
                               help_text=_("留空为内置同义词，各县通用，仅系统维护。"))
    column = models.CharField(_("列"), max_length=20, choices=SynonymColumn.choices)
    word = models.CharField(_("填写的写法"), max_length=60, help_text=_("表格中的写法，如：暂无、居民服务业。"))
    normalised = models.CharField(_("规范形式"), max_length=120, editable=False,
                                  help_text=_("全角转半角、去掉空格和标点、去掉末尾的“业/行业”后的写法，用于比对。"))
    target = models.CharField(_("对应为"), max_length=32, blank=True,
                              help_text=_("可选值的名称或代码；村（社区）、乡镇填区划代码，党组织填全称。留空表示该写法视为空白。"))

    scope_paths = {"county": "county"}

    class Meta:
        verbose_name = _("取值同义词")
        verbose_name_plural = _("取值同义词")
        ordering = ["column", "normalised"]
        constraints = [
            models.UniqueConstraint(fields=["county", "column", "normalised"], condition=Q(county__isnull=False),
                                    name="value_synonym_once_per_county"),
            models.UniqueConstraint(fields=["column", "normalised"], condition=Q(county__isnull=True),
                                    name="value_synonym_builtin_once"),
        ]

    def __str__(self):
        return f"{self.get_column_display()}：{self.word} → {self.target_label}"

    @property
    def target_label(self):
        if self.column in CHOICE_CLASSES:
            return dict(choice_options(self.column)).get(self.target, self.target) or _("（留空）")
        return self.target or _("（留空）")

    def prepare(self):
        """The stored comparison form; save() calls it, and so does the admin's scope check (fill_ancestry)."""
        self.word = (self.word or "").strip()
        self.normalised = normalise(self.word)[:120]

    def clean(self):
        self.prepare()
        errors = {}
        if self.county_id is not None and self.county.level != "county":
            errors["county"] = [_("请选择县级区划。")]
        if self.word and not self.normalised:
            errors["word"] = [_("该写法去掉空格和标点后为空，不能作为同义词。")]
        try:
            self.target = self._target_code()
        except MappingError as exc:
            errors["target"] = exc.messages
        if not errors and self.normalised and ValueSynonym.objects.filter(
                county_id=self.county_id, column=self.column, normalised=self.normalised).exclude(pk=self.pk).exists():
            errors["word"] = [_("已有相同写法（忽略全半角、空格、标点和末尾的“业”）的同义词。")]
        if errors:
            raise ValidationError(errors)

    def _target_code(self):
        """The target as the option's code, whether the label or the code was entered."""
        if self.column in CHOICE_CLASSES:
            matcher = ColumnMatcher(choice_options(self.column), name=self.get_column_display())
            return matcher.target_code(self.target)
        if self.column not in PLACE_COLUMNS:
            return self.target
        if self.county_id is None:
            raise MappingError(_("村（社区）、乡镇、党组织的同义词须属于某个县。"))
        if self.column == SynonymColumn.ORGANIZATIONS:
            options = PartyOrganization.objects.filter(county_id=self.county_id).values_list("pk", "name")
        else:
            level = "town" if self.column == SynonymColumn.TOWNS else "village"
            options = Unit.objects.filter(county_id=self.county_id, level=level).values_list("code", "name")
        return ColumnMatcher(options, allow_empty=False, name=self.get_column_display()).target_code(self.target)

    def save(self, *args, **kwargs):
        self.prepare()
        self.import_digest = ""  # edited outside an import: the next re-import compares this record in full
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"import_digest"}
        super().save(*args, **kwargs)

