from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from zyparty import context


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>`` for partner systems (CONTRACT.md "Auth"). Whose key it is, and whether it is
    still usable, is the domain's answer: ``settings.ZYPARTY_API_KEY_RESOLVER``, read with ``import_string``."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="ignore").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Authorization 头格式应为：Bearer <密钥>。"))
        client = import_string(settings.ZYPARTY_API_KEY_RESOLVER)(header[1])
        if client is None:
            raise exceptions.AuthenticationFailed(_("接口密钥无效、已过期或已吊销。"))
        now = timezone.now()
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
            type(client).objects.filter(pk=client.pk).update(last_used_at=now, last_used_ip=context.current().ip)
        actor = context.current()
        actor.user = client.user
        return client.user, client

    def authenticate_header(self, request):
        return self.keyword
