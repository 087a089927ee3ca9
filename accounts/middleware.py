"""A user whose PDS grant died (invalid_grant) is signed out on their next request,
with a message saying why; so is a BasicUI session whose handed token is no longer the
user's live credential (accounts.services.basicui)."""

from django.contrib import messages
from django.contrib.auth import logout

from accounts.selectors import credential_state, request_credential
from accounts.services.basicui import basicui_session_check


class DeadCredentialMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        ended = user is not None and user.is_authenticated and basicui_session_check(request.session, user)
        if ended:
            logout(request)
            messages.error(request, ended)
        elif user is not None and user.is_authenticated and not user.is_staff:
            credential = request_credential(request)  # this request's one read of the row
            state = credential_state(user, credential=credential) if credential is not None else None
            if state is not None and not state.alive:
                logout(request)
                messages.error(request, state.reason or "Your sign-in has ended. Please sign in again.")
        return self.get_response(request)
