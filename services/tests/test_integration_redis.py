"""End to end on real infrastructure: a `celery -A zyparty worker --beat` subprocess, Redis as the broker and the
test's own PostgreSQL database. Beat fires two PeriodicTasks — a reminder, and the outbox relay that sends a task
left pending as if Redis had been down — and the worker delivers both notices.

Runs where REDIS_URL and a PostgreSQL DATABASE_URL are set (CI); the subprocess cannot open the in-memory SQLite
database of the default suite.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from organizations.roles import Role
from services.choices import NoticeKind
from services.tests.factories import agreement, more_users
from tests.factories import World
from zyparty.models import Notice, OutboxMessage, OutboxStatus

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis server (REDIS_URL)"),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="the worker subprocess needs a database it can open (PostgreSQL DATABASE_URL)"),
]

WAIT_SECONDS = 60


def database_url():
    db = connection.settings_dict
    auth = f"{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}@" if db["USER"] else ""
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(log_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "zyparty.settings", "CELERY_BROKER_URL": os.environ["REDIS_URL"],
           "DATABASE_URL": database_url()}
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "zyparty", "worker", "--beat", "--loglevel=INFO", "--concurrency=1",
         "--without-gossip", "--without-mingle", f"--schedule={log_path}.beat"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return process, log


def stop_worker(process, log):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
    finally:
        log.close()


@pytest.mark.django_db(transaction=True)
def test_worker_and_beat_deliver_notices_through_redis(tmp_path):
    world = more_users(World.build())
    agreement(world.town_b, world.host_b)  # no liaison in 2025H1: overdue on 2025-07-02 (seed 000 §6)
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="测试：双向联系提醒", task="services.semiannual_liaison", interval=every_second,
                                kwargs=json.dumps({"on": "2025-07-02"}))
    PeriodicTask.objects.create(name="测试：转发待发任务", task="zyparty.relay_outbox", interval=every_second)
    # Left pending, as when Redis was unreachable at commit: the relay must send it and the worker run it.
    pending = OutboxMessage.objects.create(task="services.joint_meetings", kwargs={"on": "2025-11-01"})

    log_path = tmp_path / "celery.log"
    process, log = start_worker(log_path)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            delivered = (Notice.objects.filter(recipient=world.clerk_b, kind=NoticeKind.LIAISON_OVERDUE).exists()
                         and Notice.objects.filter(recipient=world.users[Role.COUNTY_STAFF],
                                                   kind=NoticeKind.JOINT_MEETINGS).exists())
            if delivered:
                break
            time.sleep(0.5)
    finally:
        stop_worker(process, log)
    output = Path(log_path).read_text(errors="replace")[-4000:]
    assert Notice.objects.filter(recipient=world.clerk_b, kind=NoticeKind.LIAISON_OVERDUE).count() == 1, output
    assert Notice.objects.filter(recipient=world.users[Role.COUNTY_STAFF], kind=NoticeKind.JOINT_MEETINGS).count() == 1
    pending.refresh_from_db()
    assert pending.status == OutboxStatus.SENT
    # Beat fired the reminder many times; the notice is there once (idempotent per period).
    assert not Notice.objects.filter(recipient=world.users[Role.TOWN_CLERK]).exists()
