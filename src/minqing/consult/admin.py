from django.contrib import admin

from .models import Consultation, Statement


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ("title", "unit", "opens_at", "closes_at")


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ("consultation", "seq", "text", "status")
    list_filter = ("status",)
