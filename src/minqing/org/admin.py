from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Unit, User


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
