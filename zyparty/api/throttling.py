from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    """Per API key (or per user for sessions); over the rate the answer is 429 with Retry-After."""

    scope = "client"

    def get_cache_key(self, request, view):
        client = getattr(request, "auth", None)
        if client is not None and hasattr(client, "key_prefix"):
            ident = f"key:{client.key_prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
