"""What every row of one import shares (:class:`ImportContext`): who imports, into which unit, and the lookup
tables of that county, loaded once so that checking rows never queries."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ledgers.matching import MAPPED, format_options
from ledgers.models import HostEnterprise
from ledgers.schemas.coded import UNKNOWN, CodedValues
from ledgers.schemas.orgrefs import OrganizationIndex
from ledgers.synonyms import organization_options
from organizations.models import Unit
from zyparty import crypto, excel, regions
from zyparty.validators import normalize_code

VILLAGE_HEADER = "户籍村(社区)"


@dataclass
class ImportContext(CodedValues):
    """What every row of one import shares: who imports, into which unit, the lookup tables of that county, the
    matchers of its coded columns and the warnings found (ledgers.schemas.coded)."""

    user: object
    unit: Unit  # the unit the import is for (county, town or village); None only for KIND units
    county: Unit = None

    def __post_init__(self):
        self.county = None if self.unit is None else (self.unit if self.unit.level == "county" else self.unit.county)
        self._units = None
        self._orgs = None
        self._enterprises = None
        self._destinations = {}
        self._memo = {}  # cell text → unit (or the CellError): each distinct village/town name resolved once
        self.cell_memos = {}  # column → {cell text: value}: WorkerSchema.new_rows converts each distinct text once
        self.digest = crypto.digester()  # crypto.digest under the current key, for 100,000 rows
        self._init_coded()
        # One person across the ledgers (issue 14; ledgers.importing.people), loaded in the main process before the
        # rows are checked: worker imports, id digest → ledgers.people.Party of every member and activist; member and
        # activist imports, id digest → the facts of the worker record of the same person.
        self.party = {}
        self.people_workers = {}

    def preload(self):
        """Every lookup table now, so that checking rows never queries (the rows may be checked in forked worker
        processes that must not touch the database connection)."""
        if self.county is not None:
            self.units()
            if self._orgs is None:
                self._load_orgs()
        self.enterprise_id("")

    # Units of the county -----------------------------------------------------------------------------------------
    def _load_units(self):
        units = list(Unit.objects.filter(county=self.county).only("id", "code", "name", "level", "kind", "parent_id",
                                                                   "county_id", "town_id"))
        by_id = {u.pk: u for u in units}
        for u in units:  # ancestry objects from the same list, so clean()/prepare() never query
            if u.town_id in by_id:
                u.town = by_id[u.town_id]
            if u.county_id in by_id:
                u.county = by_id[u.county_id]
        self._units = {
            "by_id": by_id,
            "by_code": {u.code: u for u in units},
            "towns_by_name": _group(((u.name, u) for u in units if u.level == "town")),
            "villages_by_town_name": {(u.town_id, u.name): u for u in units if u.level == "village"},
            "villages_by_name": _group(((u.name, u) for u in units if u.level == "village")),
        }

    def units(self):
        if self._units is None:
            self._load_units()
        return self._units

    def town_of(self):
        """The town the import is for, when it is a town or village import."""
        if self.unit is None or self.unit.level == "county":
            return None
        return self.units()["by_code"].get(self.unit.code[:9])

    def resolve_town(self, text, header="所属乡镇"):
        """The town ``text`` names (name or 9-digit code, else as ledgers.schemas.coded matches it); None for a
        mapping to "leave empty"; raises CellError."""
        key = ("town", text, header)
        hit = self._memo.get(key)
        if hit is None:
            try:
                hit = self._memo[key] = self._resolve_town(text, header)
            except excel.CellError as exc:
                hit = self._memo[key] = exc
        if isinstance(hit, excel.CellError):
            raise hit
        return hit

    def resolve_village(self, text, town=None):
        """The village ``text`` names (_resolve_village); None for a mapping to "leave empty"; raises CellError."""
        key = ("village", text, town.pk if town is not None else None)
        hit = self._memo.get(key)
        if hit is None:
            try:
                hit = self._memo[key] = self._resolve_village(text, town)
            except excel.CellError as exc:
                hit = self._memo[key] = exc
        if isinstance(hit, excel.CellError):
            raise hit
        return hit

    def _resolve_town(self, text, header):
        units = self.units()
        code = normalize_code(text)
        if code.isdigit():
            unit = units["by_code"].get(code)
            if unit is None or unit.level != "town":
                raise excel.CellError(_("乡镇区划代码%(c)s不存在或不在本县。") % {"c": code}, "town_unknown")
            return unit
        found = units["towns_by_name"].get(excel.normalize_header(text), [])
        if len(found) == 1:
            return found[0]
        if not found:
            code = self.place_code(header, "towns", text)
            if code is not None:
                return units["by_code"].get(code) if code else None
            raise excel.CellError(_("本县没有名为“%(n)s”的乡镇，请核对名称或填写9位区划代码。") % {"n": text}, UNKNOWN)
        raise excel.CellError(_("本县有多个名为“%(n)s”的乡镇，请填写9位区划代码。") % {"n": text}, "town_ambiguous")

    def _resolve_village(self, text, town=None):
        """A village by 12-digit code, or by name inside ``town`` (the row's own town, else the import's town),
        else by a name unique in the county (CONTRACT.md: 户籍村(社区))."""
        units = self.units()
        code = normalize_code(text)
        if code.isdigit():
            unit = units["by_code"].get(code)
            if unit is None or unit.level != "village":
                raise excel.CellError(_("村（社区）区划代码%(c)s不存在或不在本县。") % {"c": code}, "village_unknown")
            return unit
        name = excel.normalize_header(text)
        town = town or self.town_of()
        if town is not None:
            unit = units["villages_by_town_name"].get((town.pk, name))
            if unit is not None:
                return unit
            elsewhere = units["villages_by_name"].get(name, [])
            if elsewhere:  # a real village of another town: a mistake to correct, not a word to map
                raise excel.CellError(_("%(t)s没有名为“%(n)s”的村（社区）（%(o)s有），请核对名称或填写12位区划代码。") % {
                    "t": town.name, "n": text, "o": format_options(sorted({
                        u.town.name for u in elsewhere if getattr(u, "town", None)}), inline=True)}, "village_unknown")
            code = self.place_code(VILLAGE_HEADER, "villages", text, town)
            if code is not None:
                return units["by_code"].get(code) if code else None
            raise excel.CellError(_("%(t)s没有名为“%(n)s”的村（社区），请核对名称或填写12位区划代码。") % {
                "t": town.name, "n": text}, UNKNOWN)
        found = units["villages_by_name"].get(name, [])
        if len(found) == 1:
            return found[0]
        if not found:
            code = self.place_code(VILLAGE_HEADER, "villages", text)
            if code is not None:
                return units["by_code"].get(code) if code else None
            raise excel.CellError(_("本县没有名为“%(n)s”的村（社区），请核对名称或填写12位区划代码。") % {"n": text},
                                  UNKNOWN)
        towns = format_options(sorted({u.town.name for u in found if getattr(u, "town", None)}), inline=True)
        raise excel.CellError(_("本县有多个“%(n)s”（%(t)s），请填写“所属乡镇”列或12位区划代码。") % {"n": text, "t": towns},
                              "village_ambiguous")

    # Party organizations in scope --------------------------------------------------------------------------------
    def _load_orgs(self):
        """The organizations the user may see in the county, by full name, short name and synonym
        (ledgers.schemas.orgrefs): one query for the whole import."""
        self.org_index = OrganizationIndex.load(self.user, self.county)
        self._orgs = {"by_id": self.org_index.by_id}

    def resolve_org(self, text, town_id=None, header=None):
        """An organization by full name or any short name, with or without 中共, among those the user may see in the
        county; a name used in several towns is taken in the row's town when known; several left is an error
        naming them (CONTRACT.md "organizations"). A name that fits none is the clerk's to map once in the preview,
        like any coded value (issue 14: "each distinct unknown word mapped at most once"): with ``header`` it is
        grouped with the file's other unknown values, and the organization the clerk chose is taken from then on."""
        if self._orgs is None:
            self._load_orgs()
        try:
            return self.org_index.resolve(text, town_id)
        except excel.CellError as exc:
            if exc.code != "organization_unknown" or header is None or self.county is None:
                raise
            found = self.matcher(header, "organizations").match(text)
            if found.how == MAPPED:
                return self.org_index.by_id.get(int(found.code)) if found.code else None
            raise excel.CellError(exc.message, UNKNOWN) from None

    def _organizations_options(self):
        """The organizations a clerk may map an unknown name to: those of the county in the user's scope."""
        if self._orgs is None:
            self._load_orgs()
        return organization_options(sorted(self.org_index.by_id.values(), key=lambda o: o.name))

    # Host enterprises by credit code, and destinations by address ------------------------------------------------
    def enterprise_id(self, credit_code):
        if self._enterprises is None:
            self._enterprises = dict(HostEnterprise.objects.values_list("credit_code", "id"))
        return self._enterprises.get(credit_code)

    def destination(self, text):
        code = self._destinations.get(text)
        if code is None:
            code = self._destinations[text] = regions.parse_address(text)
        return code


def set_fk(obj, name, unit):
    """``obj.<name> = unit`` as the foreign-key descriptor does it (id and cached object), without its per-call
    checks: the units come from the county's own table loaded for this import."""
    obj.__dict__[f"{name}_id"] = None if unit is None else unit.pk
    obj._state.fields_cache[name] = unit


def _group(pairs):
    out = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out
