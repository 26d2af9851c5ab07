"""JSON errors of a stable shape: ``{"detail": …}`` or ``{"field": ["message"]}``; never a 500 for user input
(CONTRACT.md "REST API"). Refusals are audited (SECURITY.md "audit": every denial)."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from zyparty import audit
from zyparty.models import AuditAction

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("与已有记录冲突。")
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("记录已被他人修改，请刷新后重试。")
    default_code = "stale"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = _("修改须带 If-Match 头（取自读取时的 ETag），以免覆盖他人的修改。")
    default_code = "if_match_required"


def exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    elif isinstance(exc, IntegrityError):
        # Two writers passed the serializer's duplicate pre-check at the same time; the unique index decided
        # (SECURITY.md "concurrency": one 201, one 409 with a clear message).
        logger.info("integrity conflict: %s", type(exc).__name__)
        if "id_digest" in str(exc):
            exc = Conflict(_("该身份证号刚刚已被登记（可能是他人同时提交），本次未保存。请刷新后核对，勿重复登记。"))
        else:
            exc = Conflict(_("该记录与已有记录冲突（如身份证号或代码重复），未保存。"))
    elif isinstance(exc, ProtectedError):
        exc = Conflict(_("该记录仍被其他记录引用，不能删除。"))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到。"))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, (exceptions.PermissionDenied, exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        # The request's own transaction is rolled back (whatever it did before the refusal is undone); the denial is
        # written after it, by zyparty.middleware.RequestContextMiddleware, so it is on record all the same.
        request = context.get("request")
        if request is not None:
            http_request = getattr(request, "_request", request)
            http_request._zyparty_denied = {"object_type": "api", "object_repr": request.path[:200],
                                            "detail": f"{request.method} {response.status_code}"}
        else:
            audit.record(AuditAction.DENIED, None, object_type="api", detail=str(response.status_code),
                         result="failure")
    if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, list):
        response.data = {"detail": response.data}
    if response.status_code == 409 and context.get("request") is not None:
        response.data = {"detail": str(exc.detail)}
    return response


def conflict_response(message):
    return Response({"detail": message}, status=status.HTTP_409_CONFLICT)
