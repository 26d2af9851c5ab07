"""Deployment checks of the account policy (``manage.py check --deploy``; SECURITY.md "accounts": no default or
shared accounts; 等保三级 8.1.4.2 访问控制 c: 应删除或停用多余的、过期的账户，避免共享账户的存在).

No role is a superuser (三权分立, organizations.roles): a superuser, or an account named like a default or shared one,
fails the deploy check. A database that cannot be read yet (not migrated) has no such accounts; that is reported as
information, not as a failure.
"""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError
from django.db.models import Q

DEFAULT_ACCOUNT_NAMES = ("admin", "administrator", "root", "test", "guest", "demo", "user", "sa")


@checks.register(checks.Tags.security, deploy=True)
def check_no_default_accounts(app_configs=None, **kwargs):
    from django.contrib.auth import get_user_model

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
