"""The API keeps its OpenAPI contract, as an outsider's fuzzer sees it.

Schemathesis runs against the live production server (config.server, the lean issuance path in
front of Django) on the test database, with a fixed seed, through its examples, coverage,
fuzzing and stateful phases (the stateful phase follows the schema's links: quote -> bind ->
order event -> claim). Every check is on: no 5xx, no undocumented status, no
response outside its schema, schema-valid requests accepted (a business rule may answer 422,
see tests/config/schemathesis.toml), schema-violating ones refused. Any failure fails the build.
"""

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from insurance.services.api_keys import api_key_create
from insurance.services.orders import order_event_record
from insurance.services.policies import BindRequest, CoverRequest, policy_bind
from tests.factories import MerchantFactory
from tests.processes import PROJECT_DIR, VENV_BIN

pytestmark = pytest.mark.slow

CONFIG = Path(__file__).with_name("schemathesis.toml")
ARTIFACTS = PROJECT_DIR / "test-artifacts"
SEED = "20261202"
MAX_EXAMPLES = "30"


def _business(merchant) -> None:
    """A few policies, one delivered, so that lists have pages and orders have policies."""
    for n in range(3):
        policy_bind(
            merchant=merchant,
            bind=BindRequest(
                order_ref=f"CONTRACT-{n}",
                cover=CoverRequest(
                    product="fresh_produce", buyer_ref=f"buyer-{n}", order_value=Decimal("80.00")
                ),
            ),
            actor="test",
        )
    order_event_record(
        merchant=merchant,
        order_ref="CONTRACT-0",
        kind="delivered",
        occurred_at=timezone.now(),
        actor="test",
    )


def test_the_live_api_keeps_its_openapi_contract(web_server, tmp_path):
    merchant = MerchantFactory()
    _, raw_key = api_key_create(merchant=merchant, name="schemathesis")
    _business(merchant)

    run = subprocess.run(
        [
            str(VENV_BIN / "schemathesis"),
            "--config-file",
            str(CONFIG),
            "run",
            f"{web_server}/api/schema/",
            "--header",
            f"Authorization: Bearer {raw_key}",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            SEED,
            "--generation-database",
            "none",
            "--request-timeout",
            "30",
            "--no-color",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "schemathesis.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    summary = run.stdout[run.stdout.index("SUMMARY") :]
    operations = sum(
        method in ("get", "post", "put", "patch", "delete")
        for path_item in SchemaGenerator().get_schema(request=None, public=True)["paths"].values()
        for method in path_item
    )
    assert f"Tested: {operations}" in summary, summary
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in summary, summary
