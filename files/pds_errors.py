"""PDS errors become a clear page for people, in one place: never a 500."""

from __future__ import annotations

import functools
import logging

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render

from accounts.services import CredentialDead, PdsUnavailable
from pds_client import errors as pds_errors

log = logging.getLogger(__name__)


def pds_page(view):
    """Wrap a page view that calls the PDS: an ended sign-in goes back to sign-in with a
    reason; an unreachable PDS or a PDS error shows a page that says so."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except CredentialDead as error:
            logout(request)
            messages.error(request, str(error))
            return redirect(f"/accounts/login/?next={request.path}")
        except (PdsUnavailable, pds_errors.ServiceUnavailable):
            return render(request, "files/unavailable.html", status=503)
        except pds_errors.NotFound:
            return render(request, "files/not_found.html", status=404)
        except pds_errors.PDSError as error:
            log.warning("PDS error on %s: %s (request %s)", request.path, error.code, error.request_id)
            return render(request, "files/pds_error.html", {"message": error.message}, status=error.status if error.status and 400 <= error.status < 500 else 502)

    return wrapped
