"""Optional: ``services.context_processors.notices`` in TEMPLATES puts ``unread_notice_count`` in every template
context (lazily: the COUNT runs only where a template uses it). The template tag in services_notices does the same
without a settings change."""

from django.utils.functional import SimpleLazyObject

from services.templatetags.services_notices import unread_count


def notices(request):
    return {"unread_notice_count": SimpleLazyObject(lambda: unread_count(request))}
