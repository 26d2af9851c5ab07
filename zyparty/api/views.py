"""The viewset every ledger and registry endpoint is built from: scoped querysets (out of scope answers 404), scoped
writes, ETag/If-Match, unmasking with a stated reason (audited), no caching (SECURITY.md "scope", "personal data",
"concurrency", "HTTP"; PIPL Art. 28, 51)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions, mixins, viewsets
from rest_framework.response import Response

from ledgers.permissions import UNMASK
from zyparty import audit, context, scoping
from zyparty.api.exceptions import PreconditionFailed, PreconditionRequired
from zyparty.api.serializers import fill_ancestry
from zyparty.models import AuditAction


class ScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Reads through ``restrict`` (out of scope is 404); writes must land inside the caller's scope."""

    select_related: tuple = ()
    prefetch_related: tuple = ()
    scope_error_field = "town"
    require_if_match = True

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Authentication happened just now (session, key or test): the audit trail and created_by read the actor.
        context.current().user = request.user

    def get_queryset(self):
        qs = self.queryset.model.objects.restrict(self.request.user)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs.order_by(*(self.queryset.query.order_by or self.queryset.model._meta.ordering or ["pk"]))

    def get_object(self):
        if self.request.method in ("PUT", "PATCH", "DELETE"):
            # Writers queue on the row, so the second of two concurrent edits sees the first one's version. The lock
            # is taken on the plain scoped row: a subclass's queryset may aggregate, and FOR UPDATE cannot.
            lookup = self.lookup_url_kwarg or self.lookup_field
            if lookup in self.kwargs:
                try:
                    list(self.queryset.model.objects.restrict(self.request.user).select_for_update()
                         .filter(**{self.lookup_field: self.kwargs[lookup]}).values_list("pk", flat=True))
                except (TypeError, ValueError, DjangoValidationError):
                    pass  # a malformed id: the lookup below answers 404
        return super().get_object()

    # Personal data ---------------------------------------------------------------------------------------------
    def wants_unmask(self):
        request = self.request
        if request.query_params.get("unmask") not in {"1", "true"}:
            return False
        if not request.user.has_perm(UNMASK):
            raise exceptions.PermissionDenied(_("您没有查看个人信息明文的权限。"))
        reason = (request.query_params.get("reason") or "").strip()
        if len(reason) < 2:
            raise exceptions.ValidationError({"reason": [_("查看明文须说明事由（reason）。")]})
        return reason

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        if self.request is not None and self.action in ("list", "retrieve"):
            reason = self.wants_unmask()
            ctx["unmask"] = bool(reason)
            ctx["unmask_reason"] = reason or ""
        return ctx

    def _audit_unmask(self, objects, reason):
        for obj in objects:
            audit.record(AuditAction.UNMASK, obj, detail=reason)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        if serializer.context.get("unmask"):
            self._audit_unmask(page, serializer.context["unmask_reason"])
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance)
        if serializer.context.get("unmask"):
            self._audit_unmask([instance], serializer.context["unmask_reason"])
        response = Response(serializer.data)
        if hasattr(instance, "etag"):
            response["ETag"] = instance.etag
        return response

    # Writes -------------------------------------------------------------------------------------------------
    def _check_scope(self, instance):
        if not scoping.permits(self.request.user, instance):
            raise exceptions.ValidationError({self.scope_error_field: [_("不在您的管辖范围内，不能保存到该区划或组织。")]})

    def _save_in_scope(self, serializer):
        """Nobody can create or move a record into a unit outside their scope (SECURITY.md "scope"): judged before
        saving on the record as it will be stored, and again on the saved record, in a savepoint that a refusal
        rolls back."""
        pending = getattr(serializer, "_validated_instance", None)  # set by ModelCleanSerializer.validate
        if pending is not None:
            self._check_scope(fill_ancestry(pending))
        with transaction.atomic():
            instance = serializer.save()
            self._check_scope(instance)
        self._saved_etag = getattr(instance, "etag", None)
        return instance

    def perform_create(self, serializer):
        self._save_in_scope(serializer)

    def perform_update(self, serializer):
        instance = serializer.instance
        if self.require_if_match and hasattr(instance, "etag"):
            given = self.request.headers.get("If-Match")
            if not given:
                raise PreconditionRequired()
            if given.strip() not in {instance.etag, f"W/{instance.etag}"}:
                raise PreconditionFailed()
        self._save_in_scope(serializer)

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        etag = getattr(self, "_saved_etag", None)
        if etag:
            response["ETag"] = etag
        return response

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        etag = getattr(self, "_saved_etag", None)
        if etag:
            response["ETag"] = etag
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response
