"""Shared fixtures for the Python checks of the deployment artefacts (run by scripts/test).

The route table comes from the Rust side, so the template, the sample events and the local
server all answer to one list: `cargo run -q -p crm-local -- routes` prints

    {"routes": [{"method", "path", "function", "access": "public"|"person"|"staff"|"admin"|"owner"}],
     "workers": ["count_leads", "ingest_booking", "stale_leads"],
     "table": {"name", "gsis": [{"name", "pk", "sk"}], "ttl"}}

Set CRM_ROUTES_JSON=<file> to use a saved copy of that output instead of running cargo (faster
when iterating on the template; CI should let it run cargo).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cfn import load

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"
EVENTS = ROOT / "events"

ROUTES_COMMAND = ["cargo", "run", "-q", "-p", "crm-local", "--", "routes"]


def logical_id(function: str) -> str:
    """`capture_lead` -> `CaptureLeadFunction`, the template's naming rule."""
    return "".join(part.capitalize() for part in function.split("_")) + "Function"


def path_params(path: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", path)


def tool(name: str) -> str:
    """A console script of the venv running pytest, else whatever is on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found next to {sys.executable} or on PATH (is .venv installed?)")
    return found


def offline_aws_env() -> dict[str, str]:
    """Environment for AWS tools that must not reach AWS: a region, dummy credentials, no
    profile, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_EC2_METADATA_DISABLED="true",
        SAM_CLI_TELEMETRY="0",
    )
    return env


@pytest.fixture(scope="session")
def route_table() -> dict:
    override = os.environ.get("CRM_ROUTES_JSON")
    if override:
        text = Path(override).read_text()
        source = override
    else:
        try:
            done = subprocess.run(
                ROUTES_COMMAND, cwd=ROOT, capture_output=True, text=True, timeout=1800
            )
        except FileNotFoundError:
            pytest.fail("cargo is not on PATH: the route table comes from `crm-local routes`")
        if done.returncode != 0:
            pytest.fail(
                f"`{' '.join(ROUTES_COMMAND)}` exited {done.returncode}:\n{done.stderr[-3000:]}"
            )
        text = done.stdout
        source = " ".join(ROUTES_COMMAND)
    try:
        table = json.loads(text)
    except json.JSONDecodeError as e:
        pytest.fail(f"{source} did not print JSON ({e}); output starts: {text[:500]!r}")
    assert isinstance(table.get("routes"), list) and table["routes"], f"{source}: no routes"
    assert isinstance(table.get("workers"), list), f"{source}: no workers list"
    assert isinstance(table.get("table"), dict), f"{source}: no table"
    for r in table["routes"]:
        assert set(r) >= {"method", "path", "function", "access"}, r
        assert r["access"] in {"public", "person", "staff", "admin", "owner"}, r
    return table


@pytest.fixture(scope="session")
def template() -> dict:
    return load(TEMPLATE)


@pytest.fixture(scope="session")
def resources(template) -> dict:
    return template["Resources"]


@pytest.fixture(scope="session")
def functions(resources) -> dict:
    """Logical id -> properties of every AWS::Serverless::Function."""
    return {
        lid: res
        for lid, res in resources.items()
        if res.get("Type") == "AWS::Serverless::Function"
    }
