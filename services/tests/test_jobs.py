"""Reliability of background work (SECURITY.md "jobs"): retries with backoff and a cap then a failed-job row,
enqueue on commit only, JSON arguments, and no work lost while the broker is down."""

import datetime
from unittest import mock

import pytest
from celery import shared_task
from celery.signals import task_retry
from django.db import transaction
from kombu.exceptions import OperationalError

from organizations.roles import Role
from zyparty import jobs
from zyparty.celery import app
from zyparty.models import FailedJob, OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db

CALLS = []


@shared_task(base=jobs.ReliableTask, name="services.tests.record_call")
def record_call(value):
    CALLS.append(value)
    return value


@shared_task(base=jobs.ReliableTask, name="services.tests.always_fails", max_retries=3, retry_jitter=False)
def always_fails(value):
    CALLS.append(value)
    raise RuntimeError("upstream unavailable")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


@pytest.fixture
def no_propagation():
    """As in a worker: a task's failure is its own business (tests otherwise run eager tasks that re-raise)."""
    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


@pytest.fixture
def countdowns(no_propagation):
    seen = []

    def on_retry(sender=None, reason=None, **kwargs):
        if sender is not None and sender.name == "services.tests.always_fails":
            seen.append(reason.when)

    task_retry.connect(on_retry)
    yield seen
    task_retry.disconnect(on_retry)


def test_failing_task_retries_with_backoff_then_leaves_a_failed_job(countdowns):
    result = always_fails.apply(kwargs={"value": 7})
    assert result.failed()
    assert CALLS == [7, 7, 7, 7]  # the first run and three retries
    assert countdowns == [10, 20, 40]  # exponential backoff from ReliableTask.retry_backoff
    [failed] = FailedJob.objects.all()
    assert failed.task == "services.tests.always_fails" and failed.kwargs == {"value": 7}
    assert "RuntimeError: upstream unavailable" in failed.error and "after 3 retries" in failed.error


def test_backoff_is_capped(countdowns):
    with mock.patch.object(always_fails, "retry_backoff_max", 15):
        # autoretry reads the cap when the task is bound; rebuild the wrapper with it.
        from celery.app.autoretry import add_autoretry_behaviour

        always_fails.run = always_fails._orig_run
        del always_fails._orig_run
        add_autoretry_behaviour(always_fails)
        try:
            always_fails.apply(kwargs={"value": 1})
        finally:
            always_fails.run = always_fails._orig_run
            del always_fails._orig_run
            add_autoretry_behaviour(always_fails)
    assert countdowns == [10, 15, 15]


def test_enqueued_task_runs_after_commit_and_never_after_rollback(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                jobs.enqueue("services.tests.record_call", value="rolled back")
                raise RuntimeError("the change failed")
    assert callbacks == [] and CALLS == [] and not OutboxMessage.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            jobs.enqueue("services.tests.record_call", value="committed")
            assert CALLS == []  # not before the commit
    assert CALLS == ["committed"]
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


def test_arguments_must_be_json():
    with pytest.raises(TypeError):
        jobs.enqueue("services.tests.record_call", value=datetime.date(2025, 1, 1))
    assert not OutboxMessage.objects.exists()


def test_a_failed_job_can_be_run_again(django_capture_on_commit_callbacks):
    failed = FailedJob.objects.create(task="services.tests.record_call", kwargs={"value": 5}, error="x")
    with django_capture_on_commit_callbacks(execute=True):
        jobs.retry_failed_job(failed)
    assert CALLS == [5]
    failed.refresh_from_db()
    assert failed.resolved_at is not None


def test_broker_down_loses_nothing(world, api, settings, django_capture_on_commit_callbacks):
    """Redis down: the API still answers 201, the outbox row stays pending, the relay later sends it once."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    api.force_authenticate(world.users[Role.TOWN_CLERK])
    def refused(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with mock.patch("kombu.messaging.Producer._publish", new=refused):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/api/v1/transfers/", {
                "member": world.members["a"].pk, "to_organization": world.org_b.pk, "requested_on": "2025-08-01",
                "reason": "在外地稳定就业"}, format="json")
    assert response.status_code == 201, response.json()
    message = OutboxMessage.objects.get(task="services.transfer_requested")
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert "Connection refused" in message.last_error
    assert message.kwargs == {"transfer_id": response.json()["id"]}

    published = []
    real_send = app.send_task

    def spy(*args, **kwargs):
        published.append(args[0])
        return real_send(*args, **kwargs)

    with mock.patch.object(app, "send_task", side_effect=spy):
        assert jobs.relay_outbox() == 1
        assert jobs.relay_outbox() == 0
    assert published == ["services.transfer_requested"]
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.sent_at is not None and message.attempts == 2
