"""Users with their PDS link and credential state; never a token."""

from django.contrib import admin, messages

from accounts.errors import CredentialDead, PdsUnavailable
from accounts.models import Credential, PdsIdentity, PendingRevocation
from accounts.services.credentials import credential_refresh
from accounts.services.revocation import credential_revoke


@admin.register(PdsIdentity)
class PdsIdentityAdmin(admin.ModelAdmin):
    list_display = ("user", "domain_id", "pds_user_id", "created_at")
    search_fields = ("user__username", "pds_user_id")
    readonly_fields = ("user", "domain_id", "pds_user_id", "created_at")


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "pds_user",
        "auth_mode",
        "access_expires_at",
        "last_refreshed_at",
        "alive",
        "key_id",
        "refresh_failures",
    )
    list_filter = ("auth_mode", ("dead_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username",)
    readonly_fields = (
        "user",
        "auth_mode",
        "key_id",
        "access_expires_at",
        "scope",
        "default_drive_id",
        "last_refreshed_at",
        "refresh_count",
        "refresh_failures",
        "dead_at",
        "dead_reason",
        "created_at",
        "updated_at",
    )
    exclude = ("access_token_encrypted", "refresh_token_encrypted")
    actions = ["refresh_now", "revoke"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="PDS user")
    def pds_user(self, credential):
        identity = getattr(credential.user, "pds_identity", None)
        return str(identity) if identity else "-"

    @admin.display(boolean=True)
    def alive(self, credential):
        return credential.is_alive

    @admin.action(description="Refresh the access token now")
    def refresh_now(self, request, queryset):
        for credential in queryset:
            try:
                credential_refresh(credential_id=credential.pk, margin=10**9)
            except (CredentialDead, PdsUnavailable) as error:
                messages.error(request, f"{credential.user}: {error}")

    @admin.action(description="Revoke at the PDS and sign out")
    def revoke(self, request, queryset):
        for credential in queryset:
            credential_revoke(user=credential.user)


@admin.register(PendingRevocation)
class PendingRevocationAdmin(admin.ModelAdmin):
    list_display = ("id", "client_id", "attempts", "created_at")
    exclude = ("token_encrypted",)
    readonly_fields = ("client_id", "attempts", "created_at")
