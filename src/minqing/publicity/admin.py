from django.contrib import admin

from .models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "unit", "kind", "published_at", "withdrawn")
    list_filter = ("kind", "withdrawn")
    readonly_fields = ("unit_path", "created_by", "withdrawn_at", "withdrawn_by")

    def has_delete_permission(self, request, obj=None):
        return False
