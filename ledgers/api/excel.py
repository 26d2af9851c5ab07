"""Excel endpoints added to the ledger viewsets (issue 4; CONTRACT.md "Excel ledgers"):

- ``POST /api/v1/<ledger>/import/`` (multipart ``file``, optional ``unit`` code; ``?dry_run=1`` only checks): 200 with
  the preview, 201 when committed, 400 with every error (nothing written), 400/413 for a bad file, 202 with the
  batch and job for files of ``IMPORT_ASYNC_ROWS`` rows or more (poll ``GET …/import/<batch>/``).
- ``GET /api/v1/<ledger>/export/?<the list's filters>``: a streamed .xlsx with the import headers, masked unless
  ``unmask=1&reason=…`` by a user who may unmask; audited.
- ``GET /api/v1/<ledger>/template/?unit=<code>``: the import template.

Permissions: ``ledgers.import_ledger`` + add/change of the ledger's model for import and template,
``ledgers.export_ledger`` + view for export (organizations.roles). A read-only API key cannot import.
"""

import json
import tempfile

from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from ledgers import matching, tasks, workflows
from ledgers.importing import report
from ledgers.models import ImportBatch
from ledgers.schemas import schema_for
from organizations.models import Unit
from zyparty import excel
from zyparty.api.permissions import ModelPermissions
from zyparty.validators import normalize_code

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class XlsxRenderer(BaseRenderer):
    """Lets clients ask for ``Accept: …spreadsheetml.sheet``; the file itself is a FileResponse."""

    media_type = XLSX_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, (bytes, bytearray)):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


_UNKNOWN = inline_serializer("ImportUnknownValue", {
    "column": serializers.CharField(help_text="列名"), "value": serializers.CharField(help_text="文件中的写法"),
    "count": serializers.IntegerField(help_text="出现的行数"),
    "rows": serializers.ListField(child=serializers.IntegerField(), help_text="最先出现的几行（行号）"),
    "where": serializers.CharField(help_text="如“第 5、9、12…行（共 37 行）”"),
    "suggestions": inline_serializer("ImportSuggestion", {
        "code": serializers.CharField(), "label": serializers.CharField(), "score": serializers.IntegerField()},
        many=True),
    "may_leave_empty": serializers.BooleanField(help_text="该列可以留空（映射目标可写“留空”）")}, many=True)
_ERROR_GROUP = inline_serializer("ImportErrorGroup", {
    "sheet": serializers.CharField(), "column": serializers.CharField(), "code": serializers.CharField(),
    "message": serializers.CharField(), "count": serializers.IntegerField(),
    "rows": serializers.ListField(child=serializers.IntegerField()),
    "text": serializers.CharField(help_text="如“身份证号：校验位不正确：第 5、9、12…行（共 37 行）”")}, many=True)
_WARNING = inline_serializer("ImportWarning", {
    "sheet": serializers.CharField(), "row": serializers.IntegerField(), "column": serializers.CharField(),
    "cell": serializers.CharField(), "message": serializers.CharField(), "code": serializers.CharField()}, many=True)
_MAPPING = inline_serializer("ImportMapping", {
    "column": serializers.CharField(), "value": serializers.CharField(), "code": serializers.CharField()}, many=True)
_ERROR = inline_serializer("ImportCellError", {
    "sheet": serializers.CharField(), "row": serializers.IntegerField(), "column": serializers.CharField(),
    "cell": serializers.CharField(), "value": serializers.CharField(help_text="脱敏后的单元格内容"),
    "message": serializers.CharField(), "code": serializers.CharField()}, many=True)
IMPORT_RESULT = inline_serializer("ImportResult", {
    "batch": serializers.IntegerField(), "kind": serializers.CharField(), "file_name": serializers.CharField(),
    "status": serializers.CharField(), "rows": serializers.IntegerField(), "new": serializers.IntegerField(),
    "changed": serializers.IntegerField(), "unchanged": serializers.IntegerField(),
    "error_count": serializers.IntegerField(), "errors": _ERROR, "error_groups": _ERROR_GROUP,
    "unknown_values": _UNKNOWN, "unknown_rows": serializers.IntegerField(), "mappings": _MAPPING,
    "warnings": _WARNING, "committed": serializers.BooleanField()})
FILE_ERROR = inline_serializer("ImportFileError", {"detail": serializers.CharField(), "code": serializers.CharField()})
IMPORT_REQUEST = inline_serializer("ImportUpload", {
    "file": serializers.FileField(help_text=".xlsx / .xls / .ods"),
    "unit": serializers.CharField(required=False, help_text="导入到的区划代码；默认为本人所属区划"),
    "mappings": serializers.CharField(required=False, help_text=(
        "未识别取值的映射（JSON）：[{\"column\": \"返乡意向\", \"value\": \"暂无打算\", \"target\": \"无返乡意向\"}]，"
        "target 为可选值的名称或代码，\"\" 或 \"留空\" 表示留空（该列允许时）；也可写成字符串列表 "
        "[\"返乡意向:暂无打算=无返乡意向\"]。每个写法映射一次，对整个文件生效。"))})
XLSX_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="Excel 文件（.xlsx）")


class _LedgerPermission(ModelPermissions):
    def extra(self, view):
        raise NotImplementedError

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.user.has_perms(self.extra(view))  # nosec B610 - a permission class method named extra, not QuerySet.extra


class ImportPermission(_LedgerPermission):
    """Import: the model permissions of the method plus ``ledgers.import_ledger`` and add/change of the model."""

    def extra(self, view):
        return workflows.import_permissions(view.ledger_kind)


class ExportPermission(_LedgerPermission):
    def extra(self, view):
        return workflows.export_permissions(view.ledger_kind)


def _file_response(handle, name):
    handle.seek(0)
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def _error_response(exc):
    return Response({"detail": exc.message, "code": exc.code}, status=exc.status)


class ExcelImportActions:
    """Import and template actions; ``ledger_kind`` names the schema (ledgers.schemas)."""

    ledger_kind = ""

    def _import_unit(self, request):
        code = normalize_code(request.data.get("unit") or request.query_params.get("unit") or "")
        if not code:
            unit = workflows.default_unit(request.user)
            if unit is None and self.ledger_kind != "units":
                raise exceptions.ValidationError({"unit": [_("请指定导入到哪个区划（unit）。")]})
            return unit if self.ledger_kind != "units" or request.user.unit_id else None
        unit = Unit.objects.restrict(request.user).filter(code=code).first()
        if unit is None:
            raise exceptions.ValidationError({"unit": [_("区划代码 %(c)s 不存在或不在您的管辖范围内。") % {"c": code}]})
        return unit

    @extend_schema(
        summary="导入 Excel 台账", request={"multipart/form-data": IMPORT_REQUEST},
        parameters=[OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="只校验、不写入（预览）")],
        responses={200: IMPORT_RESULT, 201: IMPORT_RESULT, 202: OpenApiResponse(
            description="大文件转入后台任务：返回 batch、job 与 status_url"), 400: IMPORT_RESULT, 413: FILE_ERROR},
        description="未识别的取值（如返乡意向写作“暂无打算”）不逐行报错，而按列和写法分组列在 unknown_values 中（行数、最先几行、"
                    "最多三个建议）；用 mappings 为每个写法映射一次后再提交。一个原因重复出现的错误在 error_groups 中合为一行。"
                    "warnings（如公式单元格没有保存计算结果）不影响写入。"
                    "整个文件全部正确才写入（按身份证号/统一社会信用代码/区划代码更新或新增），否则返回 400 和每个错误的"
                    "（工作表、行、列、脱敏值、说明、代码）。文件类型不对、损坏、加密、过大或解压炸弹返回 400/413。")
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser],
            permission_classes=[ImportPermission], filter_backends=[], pagination_class=None)
    def import_file(self, request):
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.IMPORT_MAX_FILE_BYTES + 1024 * 1024:  # refuse before reading the body
            return Response({"detail": _("文件过大，上限为%(m)d MB。") % {
                "m": settings.IMPORT_MAX_FILE_BYTES // 1024 // 1024}, "code": "file_too_large"},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": [_("请上传文件（字段名 file）。")]})
        dry_run = request.query_params.get("dry_run") in {"1", "true", "yes"}
        unit = self._import_unit(request)
        wanted = _mappings_of(request.data.get("mappings"))
        try:
            batch = workflows.ledger_import_store(user=request.user, kind=self.ledger_kind, file=upload, unit=unit,
                                                  file_name=upload.name)
            if wanted:
                workflows.ledger_import_map(user=request.user, batch=batch, mappings=_resolve_mappings(
                    wanted, request.user, batch))
        except excel.ExcelFileError as exc:
            return _error_response(exc)
        except workflows.MappingError as exc:
            return Response({"detail": "\n".join(exc.messages), "code": "mapping"}, status=status.HTTP_400_BAD_REQUEST)
        except workflows.ImportRefused as exc:
            raise exceptions.PermissionDenied(str(exc))
        if workflows.needs_job(batch):
            job = tasks.start_import_job(batch=batch, action="check" if dry_run else "commit", user=request.user)
            return Response({"batch": batch.pk, "job": job.pk, "status": batch.status, "rows": batch.rows,
                             "status_url": request.build_absolute_uri(self._batch_url(batch))},
                            status=status.HTTP_202_ACCEPTED)
        if dry_run:
            result = workflows.ledger_import_check(batch=batch, user=request.user)
            return Response(result.as_dict(), status=status.HTTP_200_OK)
        result = workflows.ledger_import_commit(user=request.user, batch=batch)
        return Response(result.as_dict(), status=status.HTTP_201_CREATED if result.committed
                        else status.HTTP_400_BAD_REQUEST)

    def _batch_url(self, batch):
        return reverse(f"{self.basename}-import-status", kwargs={"batch_id": batch.pk})

    @extend_schema(summary="导入批次状态", responses={200: IMPORT_RESULT}, parameters=[
        OpenApiParameter("batch_id", OpenApiTypes.INT, OpenApiParameter.PATH)])
    @action(detail=False, methods=["get"], url_path=r"import/(?P<batch_id>[0-9]+)",
            permission_classes=[ImportPermission], filter_backends=[], pagination_class=None)
    def import_status(self, request, batch_id=None):
        batch = ImportBatch.objects.select_related("job").filter(pk=batch_id, kind=self.ledger_kind,
                                                                  user=request.user).first()
        if batch is None:
            raise exceptions.NotFound(_("未找到。"))
        data = workflows.result_of(batch).as_dict()
        if batch.job_id:
            job = batch.job
            data["job"] = {"id": job.pk, "status": job.status, "done": job.done, "total": job.total,
                           "percent": job.percent, "message": job.message}
        return Response(data)

    @extend_schema(summary="下载导入模板", responses={200: XLSX_RESPONSE}, parameters=[
        OpenApiParameter("unit", OpenApiTypes.STR, description="区划代码：下拉列表中列出该乡镇的村（社区）")])
    @action(detail=False, methods=["get"], url_path="template", permission_classes=[ImportPermission],
            renderer_classes=[JSONRenderer, XlsxRenderer], filter_backends=[], pagination_class=None)
    def template(self, request):
        code = normalize_code(request.query_params.get("unit", ""))
        unit = None
        if code:
            unit = Unit.objects.restrict(request.user).filter(code=code).first()
            if unit is None:
                raise exceptions.ValidationError({"unit": [_("区划代码 %(c)s 不存在或不在您的管辖范围内。") % {"c": code}]})
        handle = tempfile.TemporaryFile()
        name = workflows.ledger_template(user=request.user, kind=self.ledger_kind, target=handle, unit=unit)
        return _file_response(handle, name)


def _mappings_of(raw):
    """The ``mappings`` field as a list (JSON text in a multipart form); 400 when it is not."""
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise exceptions.ValidationError({"mappings": [_("mappings 须为 JSON 列表。")]})
    if not isinstance(raw, list) or not all(isinstance(item, (dict, str)) for item in raw):
        raise exceptions.ValidationError({"mappings": [_("mappings 须为 JSON 列表。")]})
    return raw


def _resolve_mappings(items, user, batch):
    """``{(column, value): target}`` of the request's mappings: objects with column/value/target (or code), or
    strings ``列:原值=对应为``; columns by header or alias (ledgers.matching)."""
    matchers = report.coded_matchers(user=user, kind=batch.kind, unit=batch.unit)
    aliases = schema_for(batch.kind).aliases
    found = []
    for item in items:
        if isinstance(item, str):
            found.append(matching.parse_map_arg(item, matchers, aliases))
        else:
            target = item.get("target", item.get("code", ""))
            found.append(matching.value_mapping(item.get("column"), item.get("value"), target, matchers, aliases))
    return matching.mapping_dict(found)


class ExcelExportActions:
    ledger_kind = ""

    @extend_schema(
        summary="导出筛选结果为 Excel", responses={200: XLSX_RESPONSE, 400: OpenApiResponse(description="筛选条件无效或超过行数上限")},
        parameters=[OpenApiParameter("unit", OpenApiTypes.STR, description="区划代码（含下级）"),
                    OpenApiParameter("search", OpenApiTypes.STR),
                    OpenApiParameter("updated_since", OpenApiTypes.DATETIME),
                    OpenApiParameter("unmask", OpenApiTypes.BOOL, description="明文导出（须有权限并填写 reason，记入审计）"),
                    OpenApiParameter("reason", OpenApiTypes.STR)],
        description="接受与列表相同的筛选参数；表头与导入模板一致，导出的文件修改后可直接导入。个人信息默认脱敏，"
                    "以“=、+、-、@”开头的内容按文本写入。")
    @action(detail=False, methods=["get"], url_path="export", permission_classes=[ExportPermission],
            renderer_classes=[JSONRenderer, XlsxRenderer], pagination_class=None)
    def export(self, request):
        reason = self.wants_unmask() if request.query_params.get("unmask") else ""
        model = self.queryset.model
        queryset = model.objects.restrict(request.user)
        filterset = self.filterset_class(request.query_params, queryset=queryset, request=request)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        queryset = filterset.qs.order_by("pk")
        filters = {k: v for k, v in request.query_params.items() if k not in ("unmask", "reason", "format")}
        handle = tempfile.TemporaryFile()
        try:
            workflows.ledger_export(user=request.user, kind=self.ledger_kind, queryset=queryset, target=handle,
                                    unmask=bool(reason), reason=reason or "", filters=filters)
        except workflows.ExportTooLarge as exc:
            handle.close()
            raise exceptions.ValidationError({"detail": [exc.message]})
        return _file_response(handle, workflows.export_file_name(self.ledger_kind))
