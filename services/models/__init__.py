"""Services and two-place co-management (seed 000 §6–16, seed 003, seed 004), one module per sub-domain:

- ``liaison``: two-way liaison records (seed 000 §6) and festival outreach (§11);
- ``cases``: service cases and their status history (§10, §12–16);
- ``training``: trainings and attendees (§8, §13), video party lessons (§9), job fairs and directed-employment
  agreements (§14);
- ``comanagement``: org life, dues, evaluations and activist inspections recorded for co-managed people, and
  funding (seed 003);
- ``transfers``: mobile-member certificates and relation transfers (DOMAIN.md "Mobile members");
- ``base``: the abstract bases they share.

Every record keeps its county, town and (where it has one) village as cached foreign keys, derived on save from the
person, organization or unit it belongs to, so that scoping and ``unit=`` filters are single indexed equalities
(STYLE.md). Co-management records (org life, dues, evaluations, activist inspections) name the host-place
organization that wrote them: a host organization sees and writes only the records of the people it co-manages.
Joint meetings are ``organizations.JointMeeting``.

Everything is importable from ``services.models`` as before; the app label, table names and migration state are
those of the former single module.
"""

from services.models.base import PersonLinked, ServiceRecord, StatusEvent
from services.models.cases import ServiceCase, ServiceCaseEvent
from services.models.comanagement import (
    ActivistInspection,
    DuesPayment,
    Funding,
    MemberEvaluation,
    OrgLifeRecord,
)
from services.models.liaison import LiaisonRecord, OutreachCampaign
from services.models.training import (
    EmploymentAgreement,
    JobFair,
    Training,
    TrainingAttendee,
    VideoLesson,
)
from services.models.transfers import (
    CERTIFICATE_NUMBER,
    MobileCertificate,
    RelationTransfer,
    RelationTransferEvent,
)

__all__ = [
    "CERTIFICATE_NUMBER",
    "ActivistInspection",
    "DuesPayment",
    "EmploymentAgreement",
    "Funding",
    "JobFair",
    "LiaisonRecord",
    "MemberEvaluation",
    "MobileCertificate",
    "OrgLifeRecord",
    "OutreachCampaign",
    "PersonLinked",
    "RelationTransfer",
    "RelationTransferEvent",
    "ServiceCase",
    "ServiceCaseEvent",
    "ServiceRecord",
    "StatusEvent",
    "Training",
    "TrainingAttendee",
    "VideoLesson",
]
