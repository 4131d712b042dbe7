"""CPU of the group writer alone, in this process: carts of ITEMS policies, GROUP carts a
group, ROUNDS groups, through policies_issue_group and the lean path's answer (no HTTP), under
pyinstrument. Prints policies/s and the profile (wall time; pyinstrument's "CPU time" is the
figure to compare on a busy machine).

    DATABASE_URL=postgres://.../scratch .venv/bin/python bench/profile_group_writer.py 20 4 30
"""

import os
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from insurance.api.fastpath import _answer  # noqa: E402
from insurance.models import Merchant  # noqa: E402
from insurance.services.api_keys import merchant_create  # noqa: E402
from insurance.services.policies import (  # noqa: E402
    BindRequest,
    CoverRequest,
    IssueRequest,
    policies_issue_group,
)


def cart(merchant: Merchant, items: int) -> IssueRequest:
    binds = [
        BindRequest(
            order_ref=f"O-{uuid.uuid4().hex}",
            cover=CoverRequest(
                product="shipping_return",
                order_value=Decimal("199.00"),
                buyer_ref=f"b{n}",
                category="apparel",
                buyer_region="CN-31",
            ),
        )
        for n in range(items)
    ]
    return IssueRequest(
        merchant=merchant,
        actor="bench",
        binds=binds,
        batch=items > 1,
        idempotency_key=uuid.uuid4().hex,
        fingerprint="f",
    )


def main() -> None:
    items, group, rounds = (int(arg) for arg in sys.argv[1:4])
    call_command("migrate", verbosity=0)
    merchant = Merchant.objects.first() or merchant_create(name="Profile", slug="profile")
    warm = policies_issue_group(
        requests=[cart(merchant, items) for _ in range(group)], answer=_answer
    )
    assert all(answer is not None for answer in warm), warm
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    profiler.start()
    for _ in range(rounds):
        requests = [cart(merchant, items) for _ in range(group)]
        policies_issue_group(requests=requests, answer=_answer)
    profiler.stop()
    elapsed = time.perf_counter() - started
    print(f"policies_per_s={items * group * rounds / elapsed:.0f}")
    print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
