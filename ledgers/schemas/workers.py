"""农民工台账 (CONTRACT.md "Excel ledgers"; DOMAIN.md "The four ledgers" 1.): cells → a Worker, new rows column by
column, and the export."""

import functools
import re

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Q, Value, When

from ledgers import choices, people
from ledgers.models import Worker, six_clears
from ledgers.schemas.base import PersonSchema, RowErrors, same_place
from ledgers.schemas.columns import (
    ID_NUMBER,
    KEEP,
    MASK_TEXT,
    NAME,
    RECORD_ID,
    REMARKS,
    TOWN,
    VILLAGE,
    Column,
    choice_cell,
)
from ledgers.schemas.columnwise import (
    ABSENT,
    REFUSED,
    NewRows,
    Refused,
    choice_or,
    convert_cells,
    no_record,
    scope_attnames,
    short_text,
    text_pair,
)
from zyparty import excel, regions
from zyparty.masking import mask_id_number, mask_phone
from zyparty.pinyin import initials
from zyparty.validators import (
    id_number_facts,
    normalize_code,
    normalize_text,
    validate_credit_code,
    validate_id_number,
    validate_phone,
)

_HOME_HEADERS = ("所属乡镇", "户籍村(社区)")
_text = excel.cell_text

# Left-behind family (三留守, DOMAIN.md "The four ledgers" 1.): words in the family notes that set the flags.
_LEFT_CHILDREN = re.compile(r"留守(儿童|子女|孩子)|(子女|孩子|小孩|儿童)[^，。；,;]{0,6}(在家|在村|老家|由.{0,4}(照看|照顾|抚养))")
_LEFT_ELDERLY = re.compile(r"留守老人|独居老人|空巢|(父母|老人)[^，。；,;]{0,4}(在家|在村|年迈|独居|多病)")
_LEFT_SPOUSE = re.compile(r"留守(配偶|妇女|丈夫|妻子)|(配偶|妻子|丈夫|爱人)[^，。；,;]{0,4}(在家|在村|务农|留守)")


def left_behind_flags(text: str):
    """(children, elderly, spouse) left behind, as the family notes mention them: 家中有留守儿童两名 → children;
    父母年迈多病 → elderly; 配偶在家务农 → spouse. 子女随迁就读 (children moved along) sets nothing."""
    if not text:
        return False, False, False
    return bool(_LEFT_CHILDREN.search(text)), bool(_LEFT_ELDERLY.search(text)), bool(_LEFT_SPOUSE.search(text))


def in_party_ledgers(digests, party):
    """The rows of people in the members' or activists' ledger (``ctx.party``): the model path applies what those
    records say (ledgers.people), so the one-pass path leaves them to it."""
    return [index for index, digest in enumerate(digests) if digest in party] if party else []


class WorkerSchema(PersonSchema):
    kind = "workers"
    label = "农民工台账"
    model = Worker
    columns = (
        NAME, ID_NUMBER,
        Column("联系电话", field="phone", aliases=("电话", "手机", "手机号", "手机号码", "联系方式"), width=14, text=True),
        VILLAGE,
        Column("外出/外来", field="direction", aliases=("外出外来", "类型", "流动类型"), width=9, options="direction",
               help="外出（本县人员外出务工）或外来（外地人员在本县务工）。"),
        Column("务工地", field="destination_text", aliases=("务工地点", "流动去向", "外出地点", "务工地址"), width=22,
               help="写明省、市、县（区），如：广东省深圳市宝安区。"),
        Column("务工单位", field="employer_name", aliases=("工作单位", "务工企业"), width=22),
        Column("统一社会信用代码", field="employer_credit_code", aliases=("信用代码", "企业信用代码"), width=22, text=True,
               help="务工单位的18位统一社会信用代码；与已登记的聚集地企业一致时自动关联。"),
        Column("从事行业", field="industry", aliases=("行业",), width=14, options="industry"),
        Column("就业技能", field="skills", aliases=("技能", "专业技能"), width=12),
        Column("月收入(元)", field="monthly_income", aliases=("月收入", "收入", "月均收入", "收入水平"), width=10),
        Column("政治面貌", field="political_status", width=12, options="political_status"),
        Column("家庭情况", field="family_situation", width=24,
               help="如：家中有留守儿童两名、父母年迈独居、配偶在家务农。提到留守儿童、老人、配偶时自动标记“三留守”。"),
        Column("返乡意向", field="return_intention", width=12, options="return_intention"),
        Column("入党意愿", field="party_wish", width=9, options="wish"),
        Column("任职意愿", field="post_wish", width=9, options="wish"),
        Column("外出时间", field="left_on", aliases=("外出日期",), width=12, date=True,
               help="如 2020-06-26、2020.6.26 或 2020年6月26日。"),
        REMARKS, TOWN, RECORD_ID,
    )
    error_headers = {**PersonSchema.error_headers, "destination_code": "务工地", "destination_text": "务工地",
                     "enterprise": "统一社会信用代码"}

    # (header, field, choice kind, blank keeps the stored value, "******" keeps it) — the coded columns
    CHOICE_COLUMNS = (("外出/外来", "direction", "direction", True, False),
                      ("从事行业", "industry", "industry", False, False),
                      ("政治面貌", "political_status", "political_status", False, True),
                      ("返乡意向", "return_intention", "return_intention", False, False),
                      ("入党意愿", "party_wish", "wish", False, False),
                      ("任职意愿", "post_wish", "wish", False, False))
    TEXT_COLUMNS = (("务工单位", "employer_name"), ("就业技能", "skills"))

    def __init__(self):
        super().__init__()
        field = self.model._meta.get_field
        self._max_name = field("name").max_length
        self._max_text = {name: field(name).max_length for name in ("destination_text", "employer_name", "skills")}

    def set_choices(self, d, cells, ctx, errors):
        """The coded columns into the instance dict ``d`` (:func:`choice_cell`)."""
        for header, field, kind, keep_blank, maskable in self.CHOICE_COLUMNS:
            if header not in cells:
                continue
            try:
                value = choice_cell(ctx, header, kind, _text(cells[header]), keep_blank, maskable)
            except excel.CellError as exc:
                errors.add(header, exc.code, exc.message)
                continue
            if value is not KEEP:
                d[field] = value

    def apply(self, obj, cells, ctx, errors, key, existing):
        self.apply_common(obj, cells, ctx, errors, key, existing)
        d = obj.__dict__  # plain field attributes: what setattr would do, without the descriptor lookups
        self.set_choices(d, cells, ctx, errors)
        # One person across the ledgers (ledgers.people): the member's or activist's record leads; the import has
        # loaded them (ctx.party), so Worker.clean() asks nothing of the database. A contradiction is a warning
        # (ledgers.importing.people), and the row takes the party ledgers' values.
        standing = d["_party"] = ctx.party.get(ctx.digest(key[1]) if key[0] == "id" else (
            existing.id_digest if existing is not None else ""), people.NONE)
        d["political_status"], d["party_wish"] = people.followed(d["political_status"], d["party_wish"], standing)
        if "务工地" in cells:
            text = _text(cells["务工地"])
            if existing is None or not same_place(text, existing.destination_text, existing.destination_code):
                if self.check_length("务工地", text, errors):
                    d["destination_text"] = text
                    d["destination_code"] = ctx.destination(text) if text else ""
        for header, field in self.TEXT_COLUMNS:
            if header in cells:
                text = _text(cells[header])
                if self.check_length(header, text, errors):
                    d[field] = text
        if "统一社会信用代码" in cells:
            try:
                code = excel.cell_code(cells["统一社会信用代码"])
            except excel.CellError as exc:
                errors.add("统一社会信用代码", exc.code, exc.message)
            else:
                d["employer_credit_code"] = code
                if code:
                    obj.enterprise_id = ctx.enterprise_id(normalize_code(code)) or (
                        existing.enterprise_id if existing is not None and existing.employer_credit_code == code
                        else None)
        if "月收入(元)" in cells:
            try:
                d["monthly_income"] = excel.cell_int(cells["月收入(元)"])
            except excel.CellError as exc:
                errors.add("月收入(元)", exc.code, exc.message)
        if "家庭情况" in cells:
            text = _text(cells["家庭情况"])
            if text != MASK_TEXT and (existing is None or text != existing.family_situation):
                d["family_situation"] = text
                d["left_behind_children"], d["left_behind_elderly"], d["left_behind_spouse"] = left_behind_flags(text)
        self.set_date(obj, "left_on", "外出时间", cells, errors)

    def digest_extra(self, cells, ctx) -> str:
        """The host enterprise the credit code names now (registered after the last import, it links the worker)."""
        raw = cells.get("统一社会信用代码")
        if raw is None or raw == "":
            return ""
        memo = ctx.cell_memos.setdefault("digest_enterprise", {})
        found = memo.get(raw) if type(raw) is str else None
        if found is None:
            try:
                found = str(ctx.enterprise_id(normalize_code(excel.cell_code(raw))) or "")
            except excel.CellError:
                found = "!"
            if type(raw) is str:
                memo[raw] = found
        return found

    def new_rows(self, entries, ctx, admit):  # noqa: C901 — one column pass (hot path); its steps are small closures
        """New rows in one pass, column by column: for ``entries`` (the import's ``(sheet, row, cells, cols, key,
        None)``), which rows are clean and the values :meth:`apply`, ``Worker.clean()`` and ``Worker.prepare()`` would
        leave in a new instance for each, made by the same rule functions (validators, regions, pinyin, the choice
        and home rules of this schema). A cell's text is converted once per distinct text of the file (villages,
        choices, dates repeat; ``ctx.cell_memos``). ``admit(instance)`` says whether a row with these units is inside
        the import's scope (asked once per distinct place). A row is refused at the first sign of anything else — an
        error, a masked cell, a record id, a place out of scope — and the caller takes the model path for it, which
        finds and words every error. An import checks 100,000 rows this way in a third of the time a row at a time
        takes (issue 4 bench, PERFORMANCE.md); ``ledgers/tests/test_import_fast_path.py`` proves both paths agree."""
        size = len(entries)
        defaults = self._defaults()
        memos = ctx.cell_memos
        refused = set()
        limits = self._max_text
        cells = [entry[2] for entry in entries]

        def column(header):
            return [c.get(header, ABSENT) for c in cells]

        def each(header, convert, absent, memo_name=None, width=1):
            return convert_cells(column(header), convert, absent, None if memo_name is None else memos.setdefault(
                memo_name, {}), refused, width)

        # Identity: the key (an ID number), the name, the phone; never the same twice, so never memoised.
        numbers = []
        for index, entry in enumerate(entries):
            key = entry[4]
            try:
                if key[0] != "id":
                    raise Refused
                numbers.append(validate_id_number(key[1]))
            except (Refused, ValidationError):
                refused.add(index)
                numbers.append("")
        each("记录编号", no_record, None, "record")

        def name_of(value):
            text = _text(value)
            if not text or len(text) > self._max_name:
                raise Refused
            return normalize_text(text)

        names = each("姓名", name_of, REFUSED)
        phones = each("联系电话", lambda value: validate_phone(excel.cell_code(value)), "")

        # Home: town and village by this schema's own rule (set_home), once per distinct pair of cells.
        def home(pair):
            obj = self.model()
            errors = RowErrors()
            self.set_home(obj, {h: v for h, v in zip(_HOME_HEADERS, pair) if v is not ABSENT}, ctx, errors, True)
            cache = obj._state.fields_cache
            if errors or obj.town_id is None or (obj.village_id is not None
                                                 and cache["village"].town_id != obj.town_id):
                raise Refused
            return cache["town"].county_id, obj.town_id, obj.village_id

        pairs = list(zip(column(_HOME_HEADERS[0]), column(_HOME_HEADERS[1])))
        homes = convert_cells(pairs, home, None, memos.setdefault("home", {}), refused, 3, keyed=text_pair)
        values = {"county_id": homes[0], "town_id": homes[1], "village_id": homes[2]}

        # Coded columns, free text, codes, numbers and dates.
        for header, field, kind, keep_blank, maskable in self.CHOICE_COLUMNS:
            default = defaults[field]
            values[field] = each(header, functools.partial(choice_or, ctx, header, kind, keep_blank, maskable, default),
                                 default, field)

        def destination(value):
            text = _text(value)
            if len(text) > limits["destination_text"]:
                raise Refused
            code = ctx.destination(text) if text else ""
            if text and not (code and regions.region(code)):
                raise Refused
            return text, code

        values["destination_text"], values["destination_code"] = each(
            "务工地", destination, (defaults["destination_text"], defaults["destination_code"]), "destination", 2)
        for header, field in self.TEXT_COLUMNS:
            values[field] = each(header, functools.partial(short_text, limits[field]), defaults[field], field)

        def credit_code(value):
            code = excel.cell_code(value)
            if not code:
                return code, defaults["enterprise_id"]
            return validate_credit_code(code), ctx.enterprise_id(normalize_code(code))

        values["employer_credit_code"], values["enterprise_id"] = each(
            "统一社会信用代码", credit_code, (defaults["employer_credit_code"], defaults["enterprise_id"]), "credit_code", 2)
        values["monthly_income"] = each("月收入(元)", excel.cell_int, defaults["monthly_income"], "income")
        values["left_on"] = each("外出时间", excel.cell_date, defaults["left_on"], "date")

        def family(value):
            text = _text(value)
            if text == MASK_TEXT:  # masked: the stored value (a new row's default) stays
                return family_default
            return (text, *left_behind_flags(text))

        family_default = (defaults["family_situation"], defaults["left_behind_children"],
                          defaults["left_behind_elderly"], defaults["left_behind_spouse"])
        (values["family_situation"], values["left_behind_children"], values["left_behind_elderly"],
         values["left_behind_spouse"]) = each("家庭情况", family, family_default, "family", 4)
        values["remarks"] = each("备注", _text, defaults["remarks"], "remarks")

        # Worker.prepare(): the stored companions.
        digest = ctx.digest
        values["name"] = names
        values["name_initials"] = [initials(name) if name is not REFUSED else "" for name in names]
        values["id_number"] = numbers
        values["id_digest"] = [digest(number) for number in numbers]
        refused.update(in_party_ledgers(values["id_digest"], ctx.party))
        values["id_masked"] = [mask_id_number(number) for number in numbers]
        facts = [id_number_facts(number) if number else (None, None) for number in numbers]
        values["gender"], values["birth_date"] = [f[0] for f in facts], [f[1] for f in facts]
        values["phone"] = phones
        values["phone_digest"] = [digest(phone) if phone is not REFUSED else "" for phone in phones]
        values["phone_masked"] = [mask_phone(phone) if phone is not REFUSED else "" for phone in phones]
        values["completeness"] = [sum(six_clears(*row)) for row in zip(
            values["destination_code"], values["direction"], values["employer_name"], values["enterprise_id"],
            values["industry"], values["political_status"], values["return_intention"], values["party_wish"],
            values["post_wish"])]

        # Scope: once per distinct place (the model's scope paths), by the caller's rule.
        scope_names = scope_attnames(self.model)
        allowed = memos.setdefault("scope", {})
        places = zip(*[values[name] if name in values else [defaults[name]] * size for name in scope_names])
        for index, place in enumerate(places):
            if index in refused:
                continue
            ok = allowed.get(place)
            if ok is None:
                probe = self.model()
                probe.__dict__.update(zip(scope_names, place))
                ok = allowed[place] = bool(admit(probe))
            if not ok:
                refused.add(index)
        return NewRows([index not in refused for index in range(size)], values, defaults)

    _defaults_cache = None

    def _defaults(self):
        """The field values of a blank instance (what a new row keeps where the file says nothing)."""
        if self._defaults_cache is None:
            fields = self.model._meta.concrete_fields
            assert not any(f.has_default() and callable(f.default) for f in fields), "one blank serves every row"
            blank = self.model()
            self._defaults_cache = {f.attname: blank.__dict__[f.attname] for f in self.model._meta.concrete_fields}
        return self._defaults_cache

    # Export ------------------------------------------------------------------------------------------------------
    MASKED_VALUES = ("name", "id_masked", "phone_masked", "village__name", "direction", "destination_text",
                     "destination_code", "employer_name", "employer_credit_code", "industry", "skills",
                     "monthly_income", "political_status", "has_family", "return_intention", "party_wish",
                     "post_wish", "left_on", "remarks", "town__name", "id")

    def export_rows(self, queryset, unmask):
        """Cell values per record, in column order; masked unless ``unmask`` (values() rows: no decryption)."""
        direction = {v: str(label) for v, label in choices.Direction.choices}
        industry = {v: str(label) for v, label in choices.Industry.choices}
        political = {v: str(label) for v, label in choices.PoliticalStatus.choices}
        intention = {v: str(label) for v, label in choices.Intention.choices}
        wish = {v: str(label) for v, label in choices.Wish.choices}
        direction[""] = industry[""] = political[""] = intention[""] = wish[""] = ""
        if unmask:
            names = [n for n in self.MASKED_VALUES if n not in ("id_masked", "phone_masked", "has_family")]
            qs = queryset.values_list(*names[:1], "id_number", "phone", *names[1:], "family_situation")
        else:
            qs = queryset.annotate(has_family=Case(When(Q(family_situation=""), then=Value(False)), default=Value(True),
                                                   output_field=BooleanField())).values_list(*self.MASKED_VALUES)
        for row in qs.iterator(chunk_size=2000):
            if unmask:
                (name, id_number, phone, village, dir_, dest_text, dest_code, employer, credit, ind, skills, income,
                 pol, intent, pwish, postwish, left_on, remarks, town, pk, family) = row
                pol_label = political.get(pol, pol)
            else:
                (name, id_number, phone, village, dir_, dest_text, dest_code, employer, credit, ind, skills, income,
                 pol, has_family, intent, pwish, postwish, left_on, remarks, town, pk) = row
                family = MASK_TEXT if has_family else ""
                pol_label = MASK_TEXT if pol else ""
            yield [name, id_number, phone, village or "", direction.get(dir_, dir_),
                   dest_text or regions.region_label(dest_code), employer, credit, industry.get(ind, ind), skills,
                   income, pol_label, family, intention.get(intent, intent), wish.get(pwish, pwish),
                   wish.get(postwish, postwish), left_on, remarks, town or "", pk]
