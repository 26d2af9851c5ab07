"""Signals that plumbing defines and the apps above send or receive, so that a lower layer never imports a higher one.

``rows_written``: sent by a workflow that wrote records in bulk (COPY, ``bulk_create``, queryset ``update``), which
bypasses ``save()`` and therefore the per-record signals. Arguments: ``sender`` the model written, ``county_ids`` the
counties whose figures may have changed. Sent inside the writing transaction; receivers that enqueue jobs go through
``zyparty.jobs.enqueue``, whose outbox row commits (or rolls back) with the records.
"""

from django.dispatch import Signal

rows_written = Signal()
