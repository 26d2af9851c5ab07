"""The talent records a clerk keeps by Excel (issue 14 item 6), registered with the ledgers' import engine from
``TalentConfig.ready()`` (ledgers.schemas.register_schema): returnee ventures. The module documents its natural key."""

from talent.schemas.ventures import VentureSchema

SCHEMAS = (VentureSchema(),)

__all__ = ["SCHEMAS", "VentureSchema"]
