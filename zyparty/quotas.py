"""The registry of quota metrics: how a quota rule's number is counted for a batch of subjects.

A quota rule (talent.QuotaRule, data a county edits) names a metric code; the apps that own the records register
the function that counts them (``services`` registers liaison and training metrics, ``talent`` the development and
reserve-cadre ones). A metric is computed for many subjects at once — one grouped query, never one per subject.

    @register_metric("village_reserve_cadres", subject="village", label="后备力量人数")
    def reserve_cadres(subjects, start, end):
        ...
        return {village.pk: Measure(value=3, evidence=[("talent.reservecadre", 17), ...]) for village in subjects}

Subject kinds: ``county``, ``town``, ``village`` (organizations.Unit), ``organization`` and ``outpost``
(organizations.PartyOrganization), ``agreement`` (organizations.CoManagementAgreement: one town × one host-place
organization).
"""

from dataclasses import dataclass, field

SUBJECT_KINDS = ("county", "town", "village", "organization", "outpost", "agreement")


@dataclass
class Measure:
    value: float
    evidence: list = field(default_factory=list)  # [(app_label.model_name, pk), …] — the records counted


@dataclass(frozen=True)
class Metric:
    code: str
    subject: str
    label: str
    function: object


_registry: dict[str, Metric] = {}


def register_metric(code, *, subject, label):
    if subject not in SUBJECT_KINDS:
        raise ValueError(f"unknown subject kind {subject}")

    def decorator(function):
        _registry[code] = Metric(code=code, subject=subject, label=label, function=function)
        return function

    return decorator


def metric(code) -> Metric:
    return _registry[code]


def metrics() -> dict[str, Metric]:
    return dict(_registry)
