"""Party organizations as clerks name them in a ledger (issue 14 item 3; CONTRACT.md "organizations"): by the full
name or any registered short name (PartyOrganization.short_names, also kept as PartyOrganizationAlias rows), with or
without the 中共 / 中国共产党 prefix, full-width or half-width, with or without spaces and punctuation
(ledgers.matching.normalise). The county's own synonyms of the 党组织 column (ValueSynonym, target: the
organization's id) count as short names too.

:class:`OrganizationIndex` is built once per import from one query (the organizations of the county the importer
may see, joined with their short names) plus the county's synonyms, and answers every cell from dicts: an import
of 100,000 members never queries per row, and a forked worker process never queries at all.

One name naming several organizations is an error that lists them (never a guess); within a row's own town the
organization of that town is taken, as before. A name naming none is an error with up to three close names.
"""

from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from ledgers.matching import SUGGEST_CUTOFF, SUGGESTIONS, format_options, normalise
from ledgers.models import ValueSynonym
from organizations.models import PartyOrganization, split_short_names
from zyparty import excel

PARTY_PREFIXES = ("中国共产党", "中共")
ORG_HELP = "党组织全称或简称（“中共”可写可不写），须在您的管辖范围内；简称在党组织台账中登记。"


def org_key(text) -> str:
    """The form organization names are compared in: normalised (ledgers.matching.normalise), without a leading
    中共 / 中国共产党 (``中共蓬安县相如镇委员会`` and ``蓬安县相如镇委员会`` are one name)."""
    key = normalise(text)
    for prefix in PARTY_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix):]
    return key


class OrganizationIndex:
    """Full names, short names and synonyms of a set of organizations → the organizations. ``orgs``: the
    organizations (each with ``short_names``); ``synonyms``: ``{word: organization id}``."""

    def __init__(self, orgs, synonyms=None):
        self.by_id = {}
        self.by_key = {}  # org_key → [organization], each once, in name order
        for org in orgs:
            self.add(org)
        for word, target in (synonyms or {}).items():
            org = self.by_id.get(_int(target))
            if org is not None:
                self._put(org_key(word), org)

    def add(self, org, names=None):
        """Index ``org`` under its full name and short names (``names``: other names to use than its own)."""
        if org.pk is not None:
            self.by_id.setdefault(org.pk, org)
        for name in names if names is not None else (org.name, *split_short_names(org.short_names)):
            self._put(org_key(name), org)

    def _put(self, key, org):
        if not key:
            return
        found = self.by_key.setdefault(key, [])
        if all(other is not org for other in found):
            found.append(org)

    @classmethod
    def load(cls, user, county):
        """The organizations of ``county`` that ``user`` may see (all of them for the server operator, ``user``
        None), with their short names, in one query; the county's 党组织 synonyms in a second. (The short names
        come from the organization's own ``short_names``; the alias rows kept beside them serve lookups by name in
        the database.)"""
        orgs = PartyOrganization.objects.all() if user is None else PartyOrganization.objects.restrict(user)
        if county is not None:
            orgs = orgs.filter(county=county)
        rows = orgs.only("id", "name", "short_names", "town_id", "county_id", "home_unit_id", "parent_id",
                         "kind").order_by("name", "id")
        synonyms = {}
        if county is not None:
            county_id = county.pk if county.level == "county" else county.county_id
            synonyms = dict(ValueSynonym.objects.filter(county_id=county_id, column="organizations")
                            .values_list("word", "target"))
        return cls(list(rows), synonyms)

    def candidates(self, text) -> list:
        return list(self.by_key.get(org_key(text), ()))

    def resolve(self, text, town_id=None):
        """The one organization ``text`` names, or raises CellError: none (with close names), or several (naming
        them). Among several, those of ``town_id`` (the row's own town) are taken when that leaves one."""
        found = self.candidates(text)
        if len(found) > 1 and town_id is not None:
            found = [o for o in found if o.town_id == town_id] or found
        if len(found) == 1:
            return found[0]
        if not found:
            raise unknown_organization(text, self.suggestions(text))
        raise excel.CellError(_("“%(n)s”对应多个党组织，请填写全称：%(o)s") % {
            "n": text, "o": format_options(sorted({o.name for o in found}), inline=True)}, "organization_ambiguous")

    def suggestions(self, text) -> list:
        """Up to three full names close to ``text`` (rapidfuzz's weighted ratio over names and short names)."""
        key = org_key(text)
        if not key or not self.by_key:
            return []
        keys = list(self.by_key)
        names = []
        for _word, _score, index in process.extract(key, keys, scorer=fuzz.WRatio, processor=None,
                                                    limit=SUGGESTIONS * 3, score_cutoff=SUGGEST_CUTOFF):
            for org in self.by_key[keys[index]]:
                if org.name not in names:
                    names.append(org.name)
        return names[:SUGGESTIONS]


def unknown_organization(text, suggestions=()):
    message = _("您的管辖范围内没有名为“%(n)s”的党组织（按全称或简称查找）。") % {"n": text}
    if suggestions:
        message += _("相近的有：%(o)s") % {"o": format_options(suggestions, inline=True)}
    else:
        message += _("请核对名称，或先导入党组织台账。")
    return excel.CellError(message, "organization_unknown")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
