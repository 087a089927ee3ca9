"""Django admin of what ingest read: each blob's media, why one is not analysable, and an
action to read again."""

from django.contrib import admin, messages

from pds_server.models import MediaInfo
from pds_server.services.media.backfill import media_reread


@admin.register(MediaInfo)
class MediaInfoAdmin(admin.ModelAdmin):
    list_display = ("blob", "kind", "state", "reason", "taken_at", "camera_model", "city", "analysed_at")
    list_filter = ("state", "kind", "rendition_state")
    search_fields = ("blob__sha1", "city", "camera_model", "reason")
    list_select_related = ("blob",)
    actions = ("read_again",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in MediaInfo._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Read the selected media again")
    def read_again(self, request, queryset):
        queued = media_reread(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{queued} file(s) queued to be read again.", messages.SUCCESS)
