"""The admin issues and revokes the Open311 clients' keys here (or with `minqing open311 key …`). A new key
is shown once, in the message after saving; only its hash is stored. Keys are revoked, never deleted."""

from django.contrib import admin, messages
from django.utils import timezone

from .models import ApiKey, Submission


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "contact", "rate", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    fields = ("name", "contact", "rate", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        raw = ApiKey.new_raw()
        obj.digest, obj.prefix = ApiKey.digest_of(raw), raw[:8]
        super().save_model(request, obj, form, change)
        messages.warning(request, f"已为“{obj.name}”签发 Open311 密钥（只显示这一次，请立即转交）：{raw}")

    @admin.action(description="吊销所选密钥")
    def revoke(self, request, queryset):
        n = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, f"已吊销 {n} 个密钥")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("case", "key", "token", "created_at")
    list_filter = ("key",)
    readonly_fields = [f.name for f in Submission._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
