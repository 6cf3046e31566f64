from django.contrib import admin

from .models import Visit, VisitPlan


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("visited_at", "unit", "visitor", "households")
    list_filter = ("visited_at",)


@admin.register(VisitPlan)
class VisitPlanAdmin(admin.ModelAdmin):
    list_display = ("unit", "cadre", "starts", "ends", "reason", "status")
    list_filter = ("status", "reason")

    def has_delete_permission(self, request, obj=None):
        return False  # a plan is cancelled, never deleted (VisitPlan.delete refuses)
