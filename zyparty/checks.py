"""Deployment checks of the account policy (``manage.py check --deploy``; SECURITY.md "accounts": no default or
shared accounts; 等保三级 8.1.4.2 访问控制 c: 应删除或停用多余的、过期的账户，避免共享账户的存在).

No role is a superuser (三权分立, organizations.roles): a superuser, or an account named like a default or shared one,
fails the deploy check. A database that cannot be read yet (not migrated) has no such accounts; that is reported as
information, not as a failure.

The settings through which plumbing learns about the domain (the "Plumbing learns about the domain" block of
zyparty/settings.py) must name things that exist: a typo there would otherwise show only at run time, as every
request refused or every unmask denied. Checked by ``manage.py check`` (and runserver, migrate), like
AUTH_USER_MODEL.
"""

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.db.models import Q
from django.utils.module_loading import import_string

from zyparty.units import unit_model

DEFAULT_ACCOUNT_NAMES = ("admin", "administrator", "root", "test", "guest", "demo", "user", "sa")


@checks.register(checks.Tags.security, deploy=True)
def check_no_default_accounts(app_configs=None, **kwargs):
    User = get_user_model()
    names = getattr(settings, "ZYPARTY_FORBIDDEN_USERNAMES", DEFAULT_ACCOUNT_NAMES)
    try:
        superusers = list(User._base_manager.filter(is_superuser=True).values_list("username", flat=True)[:20])
        named = Q(pk__in=[])
        for name in names:
            named |= Q(username__iexact=name)
        defaults = list(User._base_manager.filter(named).values_list("username", flat=True)[:20])
    except DatabaseError as exc:
        return [checks.Info(f"无法读取用户表，未检查默认账号：{type(exc).__name__}", id="zyparty.I001")]
    errors = []
    if superusers:
        errors.append(checks.Error(
            f"存在超级用户：{', '.join(superusers)}。各角色权限由 organizations.roles 授予，不应有超级用户（三权分立）。",
            hint="在后台将其改为相应角色，或执行 manage.py shell 取消 is_superuser。", id="zyparty.E001"))
    if defaults:
        errors.append(checks.Error(
            f"存在默认或共享账号名：{', '.join(defaults)}。每个账号应对应一个具体的人或合作系统。",
            hint="停用或删除这些账号，改用实名账号。", id="zyparty.E002"))
    return errors


RESOLVERS = ("ZYPARTY_SCOPE_RESOLVER", "ZYPARTY_API_KEY_RESOLVER")


def _declared_permissions(app_label):
    """The permission codenames the models of ``app_label`` declare (their defaults and Meta.permissions)."""
    codenames = set()
    for model in apps.get_app_config(app_label).get_models():
        opts = model._meta
        codenames.update(f"{action}_{opts.model_name}" for action in opts.default_permissions)
        codenames.update(codename for codename, _name in opts.permissions)
    return codenames


@checks.register()
def check_domain_settings(app_configs=None, **kwargs):
    errors = []
    for name in RESOLVERS:
        try:
            import_string(getattr(settings, name))
        except ImportError as exc:
            errors.append(checks.Error(f"{name} 无法导入：{exc}", id="zyparty.E003"))
    try:
        unit_model()
    except ImproperlyConfigured as exc:
        errors.append(checks.Error(str(exc), id="zyparty.E004"))
    for label in settings.ZYPARTY_COUNTY_WIDE_CHOICES:
        try:
            apps.get_model(label)
        except (ValueError, LookupError):
            errors.append(checks.Error(f"ZYPARTY_COUNTY_WIDE_CHOICES 中的模型 {label} 未安装。", id="zyparty.E005"))
    permission = settings.ZYPARTY_UNMASK_PERMISSION
    app_label, _dot, codename = permission.partition(".")
    try:
        declared = _declared_permissions(app_label)
    except LookupError:
        declared = set()
    if codename not in declared:
        errors.append(checks.Error(f"ZYPARTY_UNMASK_PERMISSION 指向的权限 {permission} 未由任何模型声明。",
                                   hint="格式为 <app_label>.<codename>，与角色授予的权限一致。", id="zyparty.E006"))
    return errors
