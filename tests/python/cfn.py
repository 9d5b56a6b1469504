"""Reading a CloudFormation/SAM template: shared by the template checks (test_template.py)
and the deploy check (deploy_check/), so both read it the one way, cfn-lint's decoder."""

from __future__ import annotations

import json
from pathlib import Path

from cfnlint.decode import decode


def load(path: Path) -> dict:
    """The template at `path` (YAML or JSON, short-form tags included) as cfn-lint reads it."""
    decoded, errors = decode(str(path))
    if errors or decoded is None:
        raise ValueError(f"{path}: " + "; ".join(str(e) for e in errors or ["not a template"]))
    return decoded


def plain(value):
    """cfn-lint's node classes -> plain dicts/lists/str for comparisons and messages."""
    return json.loads(json.dumps(value, default=str))


def function_setting(template, props, name):
    """A function property, falling back to Globals.Function."""
    if name in props:
        return props[name]
    return template.get("Globals", {}).get("Function", {}).get(name)


def function_environment(template, props) -> dict:
    """A function's environment variables, unresolved: Globals.Function's, then its own."""
    env = dict(plain(template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables") or {}))
    env.update(plain((props.get("Environment") or {}).get("Variables") or {}))
    return env
