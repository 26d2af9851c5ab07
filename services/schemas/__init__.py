"""The services records a clerk keeps by Excel (issue 14 item 6), registered with the ledgers' import engine from
``ServicesConfig.ready()`` (ledgers.schemas.register_schema): trainings and their sign-in sheets, job fairs, service
cases, liaison records, employment agreements. Each module documents its natural keys."""

from services.schemas.agreements import AgreementSchema
from services.schemas.cases import LiaisonSchema, ServiceCaseSchema
from services.schemas.trainings import AttendeeSchema, JobFairSchema, TrainingSchema

SCHEMAS = (TrainingSchema(), AttendeeSchema(), JobFairSchema(), ServiceCaseSchema(), LiaisonSchema(),
           AgreementSchema())

__all__ = ["SCHEMAS", "TrainingSchema", "AttendeeSchema", "JobFairSchema", "ServiceCaseSchema", "LiaisonSchema",
           "AgreementSchema"]
