from django.contrib import admin, messages

from config import clock
from outbox.models import OutboxStatus, OutboxTask


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "task_name",
        "status",
        "created_at",
        "sent_at",
        "started_at",
        "available_at",
        "attempts",
        "starts",
        "last_error",
    ]
    # Dead rows (given up after OUTBOX_MAX_ATTEMPTS) are one click away.
    list_filter = ["status", "task_name"]
    readonly_fields = ["kwargs", *list_display[1:]]
    actions = ["send_again"]

    @admin.action(description="Send the selected dead tasks again (after fixing their cause)")
    def send_again(self, request, queryset) -> None:
        revived = queryset.filter(status=OutboxStatus.DEAD).update(
            status=OutboxStatus.PENDING,
            starts=0,
            available_at=clock.now(),
            sent_at=None,
            started_at=None,
        )
        self.message_user(
            request, f"{revived} dead tasks will be sent by the sweeper.", messages.SUCCESS
        )
