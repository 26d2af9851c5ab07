"""The unread-notice count for the page header: ``{% load services_notices %}`` then ``{% unread_notice_count %}``
(a number) or ``{% notice_badge %}`` (a link to the inbox with the count). One COUNT query per page, cached on the
request."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from zyparty.models import Notice

register = template.Library()


def unread_count(request) -> int:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    cached = getattr(request, "_unread_notice_count", None)
    if cached is None:
        cached = Notice.objects.filter(recipient=user, read_at__isnull=True).count()
        request._unread_notice_count = cached
    return cached


@register.simple_tag(takes_context=True)
def unread_notice_count(context):
    request = context.get("request")
    return unread_count(request) if request is not None else 0


@register.simple_tag(takes_context=True)
def notice_badge(context):
    request = context.get("request")
    count = unread_count(request) if request is not None else 0
    url = reverse("services:notices") + ("?unread=1" if count else "")
    if not count:
        return format_html('<a class="notice-badge" href="{}">{}</a>', url, _("通知提醒"))
    return format_html('<a class="notice-badge" href="{}">{} <span class="badge">{}</span></a>', url, _("通知提醒"),
                       count)
