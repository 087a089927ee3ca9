"""Django admin for the embedded PDS. Client secrets are shown once, when created or
rotated; tokens are listed by owner, client and expiry, never by value."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.hashers import make_password

from pds_server.models import AccessToken, App, Domain, Drive, FilePermission, Group, GroupMember, PdsUser, RefreshToken
from pds_server.models.audit import AuditLog
from pds_server.models.media import Story, StoryFile
from pds_server.services.apps import app_rotate_secret
from pds_server.services.tokens import digest, new_secret


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain_id", "name", "storage_mode", "personal_space_enabled", "default_drive_size", "is_default")
    search_fields = ("domain_id", "name")
    fieldsets = (
        (None, {"fields": (("domain_id", "name"), "storage_mode", "personal_space_enabled", "default_drive_size")}),
        (None, {"fields": ("is_default",)}),
        (
            "Applications",
            {
                "fields": ("app_access_effect", "app_access_except_app_ids"),
                "description": "Which applications may use this domain: all except those listed, or none but "
                "those listed (app ids, one per line). A refused app cannot sign users in and its tokens stop "
                "working. Apps of AccessKey pairs are not affected.",
            },
        ),
        (
            "Image analysis",
            {
                "fields": ("image_analysis_enabled",),
                "description": "Faces, tags, text in photos and similar photos, by local models in the workers of "
                "the 'analysis' queue. Turning it off deletes what the models stored for this domain's drives; "
                "turning it on queues the domain's photos.",
            },
        ),
        (
            "Revision retention",
            {
                "fields": ("revision_keep_count", "revision_keep_days"),
                "description": "Kept per file: at most this many revisions, none older than this many days "
                "(empty: no limit). The latest and those marked keep forever always stay.",
            },
        ),
    )

    def save_model(self, request, obj: Domain, form, change):
        super().save_model(request, obj, form, change)
        if change and "image_analysis_enabled" in form.changed_data:
            from django.db import transaction

            from pds_server.routers import PDS_DB
            from pds_server.tasks import apply_image_analysis_switch

            transaction.on_commit(lambda: apply_image_analysis_switch.delay(obj.pk), using=PDS_DB)
            if obj.image_analysis_enabled:
                self.message_user(request, "Image analysis on: the domain's photos are being queued for analysis.")
            else:
                self.message_user(request, "Image analysis off: what the models stored for it is being deleted.")


@admin.register(App)
class AppAdmin(admin.ModelAdmin):
    list_display = ("name", "app_id", "app_type", "domain", "enabled", "created_at")
    list_filter = ("app_type", "enabled", "domain")
    search_fields = ("name", "app_id")
    readonly_fields = ("created_at",)
    actions = ["rotate_client_secret"]

    def get_readonly_fields(self, request, obj=None):
        # The client id is the app's identity: fixed once the app exists.
        return self.readonly_fields + (("app_id",) if obj else ())

    def save_model(self, request, obj: App, form, change):
        secret = None
        if not change and obj.app_type == App.AppType.WEB_SERVER:
            secret = new_secret()
            obj.client_secret_hash = digest(secret)
        super().save_model(request, obj, form, change)
        if secret:
            messages.warning(request, f"Client secret of {obj.app_id} (shown only this once): {secret}")

    @admin.action(description="Rotate the client secret (web-server apps)")
    def rotate_client_secret(self, request, queryset):
        for app in queryset.filter(app_type=App.AppType.WEB_SERVER):
            messages.warning(
                request, f"New client secret of {app.app_id} (shown only this once): {app_rotate_secret(app=app)}"
            )


class PdsUserForm(forms.ModelForm):
    new_password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current password.",
    )

    class Meta:
        model = PdsUser
        fields = (  # every editable field but the password hash, which new_password sets
            "domain",
            "user_id",
            "user_name",
            "nick_name",
            "email",
            "phone",
            "avatar",
            "description",
            "role",
            "status",
            "default_drive_id",
            "user_data",
            "creator",
            "last_login_time",
        )


@admin.register(PdsUser)
class PdsUserAdmin(admin.ModelAdmin):
    form = PdsUserForm
    list_display = (
        "user_id",
        "user_name",
        "nick_name",
        "domain",
        "role",
        "status",
        "default_drive_id",
        "last_login_time",
    )
    list_filter = ("role", "status", "domain")
    search_fields = ("user_id", "user_name", "nick_name", "email")
    readonly_fields = ("created_at", "updated_at", "last_login_time")

    def save_model(self, request, obj: PdsUser, form, change):
        if form.cleaned_data.get("new_password"):
            obj.password = make_password(form.cleaned_data["new_password"])
        super().save_model(request, obj, form, change)


@admin.register(Drive)
class DriveAdmin(admin.ModelAdmin):
    list_display = ("id", "drive_name", "owner", "owner_type", "total_size", "used_size", "status", "domain")
    list_filter = ("owner_type", "status", "domain")
    search_fields = ("drive_name", "owner")


class TokenAdmin(admin.ModelAdmin):
    """Read-only: who holds a token, for which client, until when. Never the value."""

    list_filter = ("app", "subject_type")
    search_fields = ("user__user_id", "user__user_name", "app__app_id")
    exclude = ("token_hash",)
    actions = ["revoke_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke_selected(self, request, queryset):
        from django.utils import timezone

        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@admin.register(AccessToken)
class AccessTokenAdmin(TokenAdmin):
    list_display = ("id", "user", "app", "subject_type", "grant_type", "expires_at", "revoked_at")


@admin.register(RefreshToken)
class RefreshTokenAdmin(TokenAdmin):
    list_display = ("id", "user", "app", "family", "idle_expires_at", "family_expires_at", "rotated_at", "revoked_at")


# --- Groups and who may reach which files ---------------------------------------------------


class GroupMemberInline(admin.TabularInline):
    model = GroupMember
    extra = 0
    autocomplete_fields = ("user",)  # by name, from PdsUserAdmin's search
    readonly_fields = ("created_at",)


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    """Groups and their user members. Subgroups are groups whose parent is this one; the
    nesting rules (one parent, no cycle, ten levels) are kept by the API's add_member."""

    list_display = ("group_name", "group_id", "parent", "is_root", "domain", "created_at")
    list_filter = ("domain", "is_root")
    search_fields = ("group_name", "group_id")
    readonly_fields = ("group_id", "parent", "creator", "created_at", "updated_at")
    inlines = [GroupMemberInline]

    # Made and deleted through the API: group/create gives the id and checks the nesting;
    # group/delete also takes the roles given to the group, and refuses a group with
    # subgroups or a team drive.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FilePermission)
class FilePermissionAdmin(admin.ModelAdmin):
    list_display = ("drive", "file_id", "identity_type", "identity_id", "role_id", "expire_time", "granted_by")
    list_filter = ("identity_type", "role_id")
    search_fields = ("identity_id", "file_id", "drive__drive_name")
    raw_id_fields = ("drive",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only (only the retention task deletes)."""

    list_display = ("acted_at", "action_type", "actor_type", "actor_id", "actor_name", "object_name", "result")
    list_filter = ("action_category", "action_type", "actor_type", "result", "domain")
    search_fields = ("actor_id", "actor_name", "object_id", "object_name", "file_path", "drive_id", "log_id")
    date_hierarchy = "acted_at"
    ordering = ("-acted_at", "-pk")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Albums (PDS stories) -------------------------------------------------------------------


class StoryFileInline(admin.TabularInline):
    model = StoryFile
    extra = 0
    raw_id_fields = ("file",)  # an album holds up to 10,000 files: no select of every file
    readonly_fields = ("added_at",)
    ordering = ("position", "pk")


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    """Albums and their files. Made and filled through the API (image/create_story,
    add_story_files), which checks who may read each file and the album's limits."""

    list_display = ("story_name", "story_id", "story_type", "drive", "creator", "created_at", "updated_at")
    list_filter = ("story_type",)
    search_fields = ("story_name", "story_id", "creator")
    readonly_fields = ("story_id", "drive", "creator", "created_at", "updated_at")
    inlines = [StoryFileInline]

    def has_add_permission(self, request):
        return False


# Kept apart to keep this module short; importing them registers their models.
from pds_server import (  # noqa: E402
    admin_accesskeys,  # noqa: F401  (AccessKey)
    admin_federation,  # noqa: F401  (FederationProvider, FederatedIdentity)
    admin_media,  # noqa: F401  (MediaInfo)
    admin_signin,  # the sign-in methods on the domain's page
)

DomainAdmin.inlines = [*DomainAdmin.inlines, *admin_signin.SIGNIN_INLINES]
