"""What a signed-in user sees."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.services import pds_client, with_access_token
from files.pds_errors import pds_page


@login_required
@pds_page
def drive_home(request):
    client = pds_client()
    drive = with_access_token(request.user, client.get_default_drive)
    return render(request, "files/drive.html", {"drive": drive})
