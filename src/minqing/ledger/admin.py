"""Admin pages for reference data (taxonomy, time limits, calendar). Cases are read-only here: they
change only through the lifecycle actions, never by editing rows."""

from django.contrib import admin

from .models import CalendarDay, Case, CaseEvent, Category, Rectification, SlaRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("path", "level", "sensitive")
    list_filter = ("level", "sensitive")
    search_fields = ("path",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SlaRule)
class SlaRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "urgency", "contact_days", "resolve_days")
    list_filter = ("urgency",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            kwargs["queryset"] = Category.objects.filter(level=1)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnly):
    list_display = ("number", "title", "status", "unit", "assigned_unit", "received_at", "resolve_due")
    list_filter = ("status", "channel", "urgency")
    search_fields = ("number",)
    exclude = ("search_text",)


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnly):
    list_display = ("case", "at", "action", "actor_label", "from_status", "to_status")
    list_filter = ("action",)


@admin.register(Rectification)
class RectificationAdmin(admin.ModelAdmin):
    list_display = ("title", "unit", "leader", "due", "state")
    list_filter = ("state",)
    search_fields = ("title",)

    def has_delete_permission(self, request, obj=None):
        return False
