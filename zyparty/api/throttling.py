"""API rate limit per key (SECURITY.md "API": throttling with 429 + Retry-After; 等保三级 8.1.4.9 资源控制)."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    """Per API key (or per user for sessions, per address otherwise); over ``REST_FRAMEWORK
    ["DEFAULT_THROTTLE_RATES"]["client"]`` (``ZYPARTY_API_RATE``, e.g. ``1200/min``) the answer is 429 with a
    ``Retry-After`` header. Counts live in the default cache: with several processes, point it at Redis."""

    scope = "client"

    def get_rate(self):
        # Read at request time, not at import (DRF binds THROTTLE_RATES when the module loads), so a deployment's
        # or a test's settings apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        client = getattr(request, "auth", None)
        if client is not None and hasattr(client, "key_prefix"):
            ident = f"key:{client.key_prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
