from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import LexiconWord, Unit, User


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "phone", "active")
    list_filter = ("level", "active")
    search_fields = ("code", "name")
    readonly_fields = ("path",)

    def get_readonly_fields(self, request, obj=None):
        # Units are never moved: a re-organisation creates new units (docs/decisions/0002).
        return ("path", "parent", "level") if obj else ("path",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "unit", "is_active", "last_login")
    list_filter = ("role", "is_active", "unit__level")
    search_fields = ("username", "display_name", "unit__name")
    fieldsets = BaseUserAdmin.fieldsets + (("民情", {"fields": ("role", "unit", "display_name", "phone")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("民情", {"fields": ("role", "unit", "display_name")}),)

    def has_delete_permission(self, request, obj=None):
        return False  # an account is deactivated (is_active), never deleted: the history names who acted


@admin.register(LexiconWord)
class LexiconWordAdmin(admin.ModelAdmin):
    """The county's lexicon (org/lexicon.py): review discovered words, reject a wrong one, add a missing one.
    The worker's next lexicon job re-segments the cases that hold a changed word."""

    list_display = ("word", "source", "status", "place", "count", "score", "reviewed", "indexed", "updated_at")
    list_filter = ("status", "source", "place", "reviewed")
    list_editable = ("status", "place")
    search_fields = ("word",)
    readonly_fields = ("count", "score", "indexed", "created_at", "updated_at")
    fields = ("word", "source", "status", "place", "count", "score", "reviewed", "indexed", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        from django.utils import timezone

        from .lexicon import changed

        if not change:
            obj.source = LexiconWord.Source.ADMIN
        obj.reviewed, obj.indexed, obj.updated_at = True, False, timezone.now()
        super().save_model(request, obj, form, change)
        changed()
