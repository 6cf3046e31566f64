from django.contrib import admin

from .models import ImportMapping


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ("name", "date_format", "created_at")
    search_fields = ("name",)
