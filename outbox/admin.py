from django.contrib import admin

from outbox.models import OutboxTask


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    list_display = ["id", "task_name", "created_at", "available_at", "attempts", "last_error"]
    list_filter = ["task_name"]
    readonly_fields = [
        "task_name",
        "kwargs",
        "created_at",
        "available_at",
        "attempts",
        "last_error",
    ]
