"""One person across the ledgers (issue 14 item 5): what a worker's record must say when the same person — the same ID
number, compared by its keyed hash, never decrypted — is in the members' or the activists' ledger, the age rule of both,
and the contradictions a file may hold. Plain rules on values, no queries: the models (save, clean), the admin, the
API and the import (ledgers.importing.people) all decide by these functions.

Sources:
- 中国共产党章程 第一条 and 发展党员工作细则 第五条: 年满十八岁 may apply for and be admitted to membership.
- DOMAIN.md "The four ledgers": the workers' ledger records political status (政治面貌) and the wish to join the party
  (入党意愿); a migrant party member (农民工党员台账) is by definition a migrant worker, so the member's worker record
  says 中共党员 (full member, 转正日期 known) or 中共预备党员 (probationary); an activist (入党积极分子台账) has not
  joined yet: 群众 or 共青团员, with 入党意愿 有.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ledgers.choices import ActivistStage, Direction, Intention, PoliticalStatus, Wish
from zyparty.dates import add_years, age_on

ADULT_AGE = 18  # 中国共产党章程 第一条: 年满十八岁

# Stages of the activists' ledger in which the person has not joined (yet): their worker record follows the activist's.
OPEN_STAGES = (ActivistStage.APPLICANT, ActivistStage.ACTIVIST, ActivistStage.TARGET)
MEMBER_STATUSES = (PoliticalStatus.MEMBER, PoliticalStatus.PROBATIONARY)
ACTIVIST_STATUSES = (PoliticalStatus.MASSES, PoliticalStatus.LEAGUE)


# Age ---------------------------------------------------------------------------------------------------------------
def old_enough_to_join(birth_date: datetime.date, day: datetime.date) -> bool:
    """Whether someone born on ``birth_date`` is 年满十八岁 on ``day`` (中国共产党章程 第一条; 发展党员工作细则 第五条 for
    the application): by exact date, the 18th birthday itself counts; born on 29 February, 28 February of a common
    year is the birthday (zyparty.dates)."""
    return add_years(birth_date, ADULT_AGE) <= day


def under_age_message(birth_date, day, what):
    """The message for an applying or joining date before the 18th birthday; ``what`` is 入党 or 申请入党."""
    return _("%(w)s时应年满十八岁：出生于%(b)s，%(w)s日期%(d)s，时年%(a)d周岁（中国共产党章程第一条）。") % {
        "w": what, "b": birth_date.isoformat(), "d": day.isoformat(), "a": age_on(birth_date, day)}


def _label(value):
    """The label of a political status (built only when a message is: Choices.choices is slow per row)."""
    try:
        return PoliticalStatus(value).label
    except ValueError:
        return value


# What a worker's record must say -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Party:
    """The person's standing in the party ledgers: a member record (and whether a full member), or an activist record
    still open (not joined, not withdrawn). ``NONE`` when in neither."""

    member: bool = False
    full: bool = False
    activist: bool = False

    @classmethod
    def of(cls, *, member_full_on=None, is_member=False, activist_stage=None):
        if is_member:
            return cls(member=True, full=member_full_on is not None)
        return cls(activist=activist_stage in OPEN_STAGES)

    @property
    def status(self):
        """The political status the worker's record must hold, or None where the ledgers leave it free."""
        if self.member:
            return PoliticalStatus.MEMBER if self.full else PoliticalStatus.PROBATIONARY
        return None


NONE = Party()


def followed(political_status, party_wish, party: Party):
    """(political_status, party_wish) of a worker's record after following the party ledgers: a member's says 中共党员
    / 中共预备党员; an open activist's says 群众 (or 共青团员, kept) with 入党意愿 有; anyone else's is left as it is."""
    if party.member:
        return party.status, party_wish
    if party.activist:
        return (political_status if political_status in ACTIVIST_STATUSES else PoliticalStatus.MASSES), Wish.YES
    return political_status, party_wish


def status_conflict(political_status, party_wish, party: Party):
    """The (field, message) when a worker's values contradict the party ledgers, else None. A blank value is no
    contradiction: it is filled in (:func:`followed`). The party ledgers lead: the remedy is made there."""
    if party.member and political_status and political_status != party.status:
        return "political_status", _("该人员在党员台账中为%(s)s，请在党员台账中处理（政治面貌随党员台账）。") % {
            "s": _label(party.status)}
    if party.activist and not party.member:
        if political_status and political_status not in ACTIVIST_STATUSES:
            return "political_status", _("该人员在入党积极分子台账中，尚未入党：政治面貌应为群众或共青团员，请在党员台账、"
                                         "积极分子台账中处理。")
        if party_wish == Wish.NO:
            return "party_wish", _("该人员在入党积极分子台账中，入党意愿应为“有”，请在积极分子台账中处理。")
    return None


# Contradictions within a file (issue 14: warnings in the preview, never silent) -------------------------------------
def worker_row_warnings(direction, return_intention, political_status, party_wish, party: Party):
    """The contradictions of one worker row, as (column, code, message): 外出 with 已返乡; 中共党员 without a member
    record; a political status or wish the party ledgers override (the row is imported with theirs)."""
    found = []
    if direction == Direction.OUTGOING and return_intention == Intention.RETURNED:
        found.append(("返乡意向", "out_but_returned",
                      _("外出/外来为“外出”，返乡意向却为“已返乡”，请核对该人员是否仍在外务工。")))
    if political_status in MEMBER_STATUSES and not party.member:
        found.append(("政治面貌", "member_without_record",
                      _("政治面貌为%(s)s，但党员台账中没有该人员，请在党员台账中登记或核对政治面貌。") % {
                          "s": _label(political_status)}))
    conflict = status_conflict(political_status, party_wish, party)
    if conflict is not None:
        status, wish = followed(political_status, party_wish, party)
        if conflict[0] == "political_status":
            found.append(("政治面貌", "status_follows_ledgers",
                          _("政治面貌“%(a)s”与党员台账、积极分子台账不符，已按其记为“%(b)s”。") % {
                              "a": _label(political_status), "b": _label(status)}))
        else:
            found.append(("入党意愿", "wish_follows_ledgers",
                          _("入党意愿“无”与入党积极分子台账不符，已记为“有”。")))
    return found


def worker_change_warning(political_status, party_wish, party: Party):
    """For a member or activist row: the message when the worker record of the same person will change to follow
    it, else None. A blank status or wish is filled in without a word: nothing is contradicted."""
    status, wish = followed(political_status, party_wish, party)
    if political_status and status != political_status:
        return _("农民工台账中该人员的政治面貌为“%(a)s”，导入后随本台账改为“%(b)s”。") % {
            "a": _label(political_status), "b": _label(status)}
    if party_wish == Wish.NO and wish == Wish.YES:
        return _("农民工台账中该人员的入党意愿为“无”，导入后随本台账改为“有”。")
    return None
