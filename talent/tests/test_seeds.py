"""The seeded data: every time limit the rules read is in the one table, every seeded quota rule names a metric
this app registers or the services app is due to register, and the schedules install."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from talent.models import QuotaRule, TimeLimit
from zyparty import quotas

pytestmark = pytest.mark.django_db
SERVICES_METRICS = {"agreement_liaisons": "agreement", "outpost_secretary_trainings": "outpost"}


def test_every_limit_the_code_reads_is_seeded():
    source = "".join((Path(__file__).parents[1] / f"{name}.py").read_text() for name in ("rules", "workflows"))
    used = set(re.findall(r'limits\.(?:value|after|text|span_ok)\(\s*"([a-z_]+)"', source))
    assert used and used <= set(TimeLimit.objects.values_list("code", flat=True))
    assert {"notice_min", "approval_within", "approval_max", "probation", "extension_min", "extension_max"} <= used


def test_seeded_rules_name_known_metrics_of_their_subject():
    rules = list(QuotaRule.objects.all())
    assert len(rules) == 14
    registry = quotas.metrics()
    for rule in rules:
        if rule.metric in registry:
            assert registry[rule.metric].subject == rule.subject, rule.code
        else:
            assert SERVICES_METRICS.get(rule.metric) == rule.subject, rule.code
    assert {r.code: r.source.split("，")[0] for r in rules if r.source.startswith("seed")} == {
        "village-reserve-cadres": "seed 000 §18", "village-returnee-reserve": "seed 000 §18",
        "village-migrant-members": "seed 000 §19", "outpost-activists": "seed 002 §4.4",
        "outpost-admissions": "seed 002 §4.4", "town-outpost-branch": "seed 002 §4.2",
        "town-host-liaison": "seed 000 §6", "county-joint-meetings": "seed 000 §3",
        "outpost-secretary-training": "seed 000 §8"}


def test_schedules_install():
    from django_celery_beat.models import PeriodicTask

    call_command("setup_schedules", stdout=open("/dev/null", "w"))
    assert {"talent.evaluate_quotas", "talent.send_development_reminders"} <= set(
        PeriodicTask.objects.values_list("task", flat=True))
