"""Signals that plumbing defines and the apps above send or receive, so that a lower layer never imports a higher one.

``rows_written``: sent by a workflow that wrote records in bulk (COPY, ``bulk_create``, queryset ``update``), which
bypasses ``save()`` and therefore the per-record signals. Arguments: ``sender`` the model written, ``county_ids`` the
counties whose figures may have changed. Sent inside the writing transaction; receivers that enqueue jobs go through
``zyparty.jobs.enqueue``, whose outbox row commits (or rolls back) with the records.

``access_ended``: sent by the audit of accounts (``zyparty.signals``) when a user is deactivated or deleted, inside
the saving or deleting transaction. Arguments: ``sender`` the user model, ``user`` the account, ``revoke_keys``
whether its API keys are to be revoked (False when it is deleted: they go with it). The app owning sessions and keys
ends them (SECURITY.md "sessions"); an exception from a receiver fails the save.
"""

from django.dispatch import Signal

rows_written = Signal()
access_ended = Signal()
