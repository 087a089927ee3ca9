"""Django admin for AccessKey pairs: create (the secret is shown once), rotate (the old
secret keeps working for a day), disable and enable (with the tokens the key obtained)."""

from __future__ import annotations

from django.contrib import admin, messages

from pds_server.models import AccessKey
from pds_server.services.accesskeys import accesskey_create, accesskey_rotate, accesskey_set_enabled


@admin.register(AccessKey)
class AccessKeyAdmin(admin.ModelAdmin):
    list_display = ("access_key_id", "domain", "role", "description", "enabled", "created_at", "last_used_at")
    list_filter = ("enabled", "role", "domain")
    search_fields = ("access_key_id", "description")
    fields = ("domain", "role", "description", "access_key_id", "enabled", "created_at", "rotated_at", "last_used_at")
    readonly_fields = ("access_key_id", "enabled", "created_at", "rotated_at", "last_used_at")
    actions = ["rotate_secret", "disable_keys", "enable_keys"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("domain",) if obj else ())

    def save_model(self, request, obj: AccessKey, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = accesskey_create(domain=obj.domain, role=obj.role, description=obj.description)
        obj.pk = created.access_key.pk
        obj.access_key_id = created.access_key.access_key_id
        messages.warning(
            request, f"AccessKey {obj.access_key_id}: its secret (shown only this once) is {created.secret}"
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # disable instead: a deleted key would leave its app, and the tokens it got, working

    @admin.action(description="Rotate the secret (the old one works for 24 more hours)")
    def rotate_secret(self, request, queryset):
        for key in queryset:
            secret = accesskey_rotate(access_key=key)
            self.log_change(request, key, "Rotated the secret.")
            messages.warning(request, f"New secret of {key.access_key_id} (shown only this once): {secret}")

    @admin.action(description="Disable (its signatures and the user tokens it obtained stop working)")
    def disable_keys(self, request, queryset):
        for key in queryset:
            accesskey_set_enabled(access_key=key, enabled=False)
            self.log_change(request, key, "Disabled.")

    @admin.action(description="Enable")
    def enable_keys(self, request, queryset):
        for key in queryset:
            accesskey_set_enabled(access_key=key, enabled=True)
            self.log_change(request, key, "Enabled.")
