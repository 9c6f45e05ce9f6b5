"""The assistant's chat page in the portal: open to anonymous visitors (it answers 24×7),
but only a signed-in customer can be handed over to a person. Works with htmx (the new turn
is returned as a fragment) and without JavaScript (post, redirect, page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from claimdesk.assistant import selectors, services
from claimdesk.cases.services import CaseError
from claimdesk.staff.services import is_staff_member

SESSION_KEY = "assistant_conversation"


def _session_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key or ""


def _conversation(request: HttpRequest):
    conversation_id = request.session.get(SESSION_KEY)
    if not conversation_id:
        return None
    return selectors.conversation_for(
        request.user, conversation_id, session_key=request.session.session_key or ""
    )


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def chat(request: HttpRequest) -> HttpResponse:
    conversation = _conversation(request)
    turns = selectors.conversation_turns(conversation) if conversation else []
    return render(
        request,
        "assistant/chat.html",
        {
            "conversation": conversation,
            "turns": turns,
            "max_length": services.MAX_QUESTION,
            "staff": is_staff_member(request.user),
        },
    )


def _answer(request: HttpRequest, act) -> HttpResponse:
    """Run ``act`` (ask or hand over), remember the conversation, show the new turn."""
    try:
        reply = act()
    except CaseError as exc:
        if _htmx(request):  # htmx swaps only 2xx answers: send the message to its own box
            response = render(request, "assistant/_error.html", {"message": exc.message})
            response["HX-Retarget"] = "#chat-error"
            response["HX-Reswap"] = "innerHTML"
            return response
        messages.error(request, exc.message)
        return redirect("assistant:chat")
    request.session[SESSION_KEY] = str(reply.conversation.pk)
    if _htmx(request):
        return render(
            request,
            "assistant/_turn.html",
            {"turn": reply.turn, "staff": is_staff_member(request.user)},
        )
    return redirect("assistant:chat")


@require_POST
def ask(request: HttpRequest) -> HttpResponse:
    session_key = _session_key(request)
    return _answer(
        request,
        lambda: services.assistant_ask(
            question=request.POST.get("question", ""),
            user=request.user,
            now=timezone.now(),
            conversation=_conversation(request),
            session_key=session_key,
        ),
    )


@require_POST
def hand_over(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        login = redirect_to_login(reverse("assistant:chat"))
        if _htmx(request):  # htmx follows redirects itself: make the browser go instead
            return HttpResponse(headers={"HX-Redirect": login["Location"]})
        return login

    def act():
        conversation = _conversation(request) or services.conversation_start(
            user=request.user, now=timezone.now(), language=request.LANGUAGE_CODE
        )
        return services.assistant_hand_over(
            conversation=conversation, user=request.user, now=timezone.now()
        )

    return _answer(request, act)


@require_POST
def restart(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("assistant:chat")
