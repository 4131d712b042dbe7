from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _forget_rules(**kwargs) -> None:
    from claims.services import claim_rules_forget

    claim_rules_forget()


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"

    def ready(self) -> None:
        from claims.models import ClaimRules

        # Cache invalidation only (claims.services keeps rules a few seconds).
        for signal in (post_save, post_delete):
            signal.connect(_forget_rules, sender=ClaimRules)
