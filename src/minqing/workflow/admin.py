from django.contrib import admin

from .models import RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("area", "category", "unit", "note")
    list_filter = ("category",)
    search_fields = ("area__name", "unit__name")
    autocomplete_fields = ("area", "unit")
