"""Errors become answers in one place for each kind of endpoint, from the one table of
files.errors: the drive pages, the public share pages and the JSON upload API. Never a 500."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render

from files.errors import HANDLED, Kind, Problem, problem_for
from pds_client import errors as pds_errors

log = logging.getLogger(__name__)
P = ParamSpec("P")
PageView = Callable[Concatenate[HttpRequest, P], HttpResponseBase]


def _signed_out(request: HttpRequest, problem: Problem) -> HttpResponseBase:
    logout(request)
    messages.error(request, problem.message)
    return redirect(f"/accounts/login/?next={request.path}")


def problem_page(request: HttpRequest, problem: Problem, *, not_found: str, failed: str) -> HttpResponseBase:
    """The page for a problem of the table: sign-in again, unavailable, not found (the
    `not_found` template), or the message in the `failed` template."""
    if problem.kind is Kind.SIGNED_OUT:
        return _signed_out(request, problem)
    if problem.kind is Kind.UNAVAILABLE:
        return render(request, "files/unavailable.html", status=problem.status)
    if problem.kind is Kind.NOT_FOUND:
        return render(request, not_found, status=problem.status)
    return render(request, failed, {"message": problem.message}, status=problem.status)


def pds_page(view: PageView[P]) -> PageView[P]:
    """Wrap a page view that calls the PDS: an ended sign-in goes back to sign-in with a
    reason; an unreachable PDS or a PDS error shows a page that says so."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except HANDLED as error:
            problem = problem_for(error)
            assert problem is not None
            if problem.kind is Kind.FAILED or problem.kind is Kind.REFUSED:
                log.warning("PDS error on %s: %s (request %s)", request.path, problem.code, problem.request_id)
            return problem_page(request, problem, not_found="files/not_found.html", failed="files/pds_error.html")

    return wrapped


def share_page(view: PageView[P]) -> PageView[P]:
    """Public share pages: an unknown, cancelled or expired link is a plain 404 page, and a
    share token that ran out asks for the link's password again."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except pds_errors.ShareLinkTokenInvalid:
            return redirect("files:share_public", share_id=kwargs["share_id"])
        except HANDLED as error:
            problem = problem_for(error)
            assert problem is not None
            return problem_page(request, problem, not_found="files/share_gone.html", failed="files/share_gone.html")

    return wrapped


ApiView = Callable[Concatenate[HttpRequest, dict[str, Any], P], dict[str, Any]]


def json_api(view: ApiView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """The upload module's endpoints: a JSON body in, a JSON object out; errors as
    {"error": message} with the table's status, plus what the module does next."""

    @login_required
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        try:
            body = json.loads(request.body or b"{}") if request.method == "POST" else {}
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            return JsonResponse({"error": "The request is not valid JSON."}, status=400)
        try:
            return JsonResponse(view(request, body, *args, **kwargs))
        except HANDLED as error:
            problem = problem_for(error)
            assert problem is not None
            if problem.kind is Kind.SIGNED_OUT:
                return JsonResponse({"error": problem.message, "signed_out": True}, status=problem.status)
            if problem.kind is Kind.UNAVAILABLE:
                # The module retries these with backoff.
                return JsonResponse({"error": f"{problem.message} Retrying…", "retry": True}, status=problem.status)
            return JsonResponse({"error": problem.message, "code": problem.code}, status=problem.status)

    return wrapped
