"""The message log (报文日志): every message sent to customs and every receipt received, with filters, and one
message's raw XML (only for users allowed to see personal data) and decoded content.

Thin: reads through customs.queries_console.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from ecerp.core.permissions import require_permission
from ecerp.core.views import page_context
from ecerp.customs import queries_console as console
from ecerp.customs.queries_declarations import can_see_personal_data
from ecerp.customs.states import MessageDirection, MessageStatus
from ecerp.customs.views.declarations import PAGE_SIZE, _date

VIEW = "customs.view_customsmessage"


def _render(request, template: str, title, **context):
    return render(request, f"customs/messages/{template}", page_context(request, title=title, **context))


@require_permission(VIEW)
def message_list(request):
    """Messages and receipts, newest first; filters: direction, type, status, declaration/order no, dates."""
    filters = {"direction": request.GET.get("direction", ""), "message_type": request.GET.get("type", ""),
               "status": request.GET.get("status", ""), "q": request.GET.get("q", "").strip(),
               "date_from": _date(request.GET.get("date_from")), "date_to": _date(request.GET.get("date_to"))}
    page = Paginator(console.list_log_messages(user=request.user, **filters), PAGE_SIZE).get_page(
        request.GET.get("page"))
    rows = [{"message": message, "receipts": console.receipt_summaries(message)} for message in page]
    return _render(request, "list.html", _("报文日志"), page=page, rows=rows, filters=filters,
                   directions=MessageDirection.choices, statuses=MessageStatus.choices,
                   types=console.message_types(), nav="messages")


@require_permission(VIEW)
def message_detail(request, pk: int):
    """One message: its type, direction, status, sending attempts, the receipts in it, decoded and raw."""
    message = console.get_log_message(user=request.user, pk=pk)
    if message is None:
        raise Http404
    revealed = can_see_personal_data(request.user)
    return _render(request, "detail.html", _("报文 %(type)s %(guid)s") % {"type": message.message_type,
                                                                        "guid": message.guid},
                   message=message, receipts=console.receipt_summaries(message), revealed=revealed,
                   xml=console.readable_xml(message.raw) if revealed else None,
                   decoded=console.decoded_json(message), nav="messages")
