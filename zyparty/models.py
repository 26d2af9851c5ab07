"""Project-wide base models and the records the platform keeps about itself (audit trail)."""

import contextvars

from django.conf import settings
from django.db import models, router, transaction
from django.utils.translation import gettext_lazy as _

from zyparty import context, scoping


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user):
        """Only the rows ``user`` may see (see zyparty.scoping)."""
        return scoping.restrict(self, user)


class TrackedModel(models.Model):
    """Who created and last changed a record, when, and its version for optimistic locking.

    The values a row had when loaded are remembered so the audit trail can write "before → after".
    """

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+", db_constraint=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("最后修改人"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+", db_constraint=False,
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    # Fields holding personal data, with how each is shown when masked (see zyparty.masking).
    personal_fields: dict = {}

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded = dict(zip(field_names, values))
        return instance

    def loaded_values(self):
        return getattr(self, "_loaded", None)

    def save(self, *args, **kwargs):
        user = context.current_user()
        if user is not None:
            if self._state.adding and self.created_by_id is None:
                self.created_by = user
            self.updated_by = user
        if not self._state.adding:
            self.version = (self.version or 0) + 1
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {"updated_at", "updated_by", "version"}
        # The row and its audit entry (written by the post_save receiver, zyparty.signals) commit together or not at
        # all, also outside a request (shell, Celery) where Django's save_base commits the row before post_save runs
        # (SECURITY.md "audit": fail-closed).
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(type(self), instance=self)):
            super().save(*args, **kwargs)
        self._loaded = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}

    def delete(self, *args, **kwargs):
        # As save(): the deletion and its audit entry (post_delete) are one transaction wherever delete() is called.
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(type(self), instance=self)):
            return super().delete(*args, **kwargs)

    @property
    def etag(self):
        return f'"{self.pk}-{self.version}"'


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    LOGIN = "login", _("登录")
    LOGOUT = "logout", _("退出")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账号锁定")
    DENIED = "denied", _("拒绝访问")
    UNMASK = "unmask", _("查看明文")
    IMPORT = "import", _("导入")
    EXPORT = "export", _("导出")
    ROLE_CHANGE = "role_change", _("角色变更")
    KEY = "api_key", _("接口密钥")
    PURGE = "purge", _("日志清理")
    SYSTEM = "system", _("系统")


class AuditTrailIsAppendOnly(PermissionError):
    """An attempt to change or remove audit entries other than by the retention purge (SECURITY.md "audit")."""


# Set only by zyparty.audit.audit_purge while it removes entries older than the retention period.
_purging = contextvars.ContextVar("zyparty_audit_purging", default=False)


class AuditQuerySet(models.QuerySet):
    """Refuses bulk UPDATE and DELETE through the ORM (等保三级 8.1.4.3 c: audit records protected from deletion
    and modification). PostgreSQL enforces the same with a trigger (zyparty migration 0003); this is the guard that
    also holds on SQLite and gives a clear error before the database does."""

    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("audit entries cannot be modified")

    def delete(self):
        if not _purging.get():
            raise AuditTrailIsAppendOnly("audit entries are removed only by the retention purge")
        # One DELETE statement: the purge may remove millions of rows, and entries have no relations or signals.
        deleted = self._raw_delete(self.db)
        return deleted, {self.model._meta.label: deleted}

    # bulk_update() goes through update(); _raw_delete() is private and not part of the ORM's public surface.


class AuditEntry(models.Model):
    """One line of the audit trail: append-only and hash-chained (see zyparty.audit)."""

    at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    actor_role = models.CharField(_("角色"), max_length=32, blank=True)
    ip = models.CharField(_("IP地址"), max_length=64, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True, db_index=True)
    channel = models.CharField(_("渠道"), max_length=16, blank=True)
    action = models.CharField(_("操作"), max_length=16, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    result = models.CharField(_("结果"), max_length=16, default="success")
    detail = models.TextField(_("说明"), blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AuditTrailIsAppendOnly("audit entries cannot be modified")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not _purging.get():
            raise AuditTrailIsAppendOnly("audit entries are removed only by the retention purge")
        return super().delete(*args, **kwargs)


class JobStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class BackgroundJob(models.Model):
    """A long job a person waits for (import, export, quota evaluation): its progress survives a page reload."""

    kind = models.CharField(_("类型"), max_length=32, db_index=True)
    title = models.CharField(_("名称"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-id"]

    def __str__(self):
        return self.title or self.kind

    @property
    def percent(self):
        if self.status == JobStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class Notice(models.Model):
    """A message in a person's in-app inbox (reminders, shortfalls, job results). ``dedup_key`` makes producing
    the same notice twice for one period a no-op, so scheduled jobs can be re-run safely."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE,
                                  related_name="notices")
    kind = models.CharField(_("类别"), max_length=40, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    dedup_key = models.CharField(max_length=200, editable=False)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "dedup_key"], name="notice_once_per_key")]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_inbox_idx")]

    def __str__(self):
        return self.title


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")


class OutboxMessage(models.Model):
    """A task to enqueue, written in the same transaction as the change that asks for it, and relayed to the
    broker after commit (and again by a periodic relay if the broker was down): nothing is lost when Redis is."""

    task = models.CharField(_("任务"), max_length=200)
    kwargs = models.JSONField(_("参数"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING,
                              db_index=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待发任务")
        verbose_name_plural = _("待发任务")
        ordering = ["id"]

    def __str__(self):
        return self.task


class FailedJob(models.Model):
    """A task that still failed after its last retry: kept for a person to look at and re-run."""

    task = models.CharField(_("任务"), max_length=200, db_index=True)
    task_id = models.CharField(max_length=64, blank=True)
    args = models.JSONField(_("参数"), default=list, blank=True)
    kwargs = models.JSONField(_("关键字参数"), default=dict, blank=True)
    error = models.TextField(_("错误"))
    failed_at = models.DateTimeField(_("失败时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("失败任务")
        verbose_name_plural = _("失败任务")
        ordering = ["-id"]

    def __str__(self):
        return self.task
