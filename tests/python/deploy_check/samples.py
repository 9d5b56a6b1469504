"""Which sample events of events/ each function gets, made ready to send, and what it must
answer (events/expected.json, which the replay test reads too).

A function's trigger in the template says where its samples are: an HttpApi route
events/http/<handler>.json (answer: the expected status code), an SQS queue
events/sqs/<handler>.json (answer: a batch response with no batchItemFailures), a schedule
events/schedule/<handler>.json and an EventBridge rule events/eventbridge/<detail-type>.json
for each detail-type of its pattern (answer: success), a Cognito user pool trigger the
sample expected.json names (answer: the claims it names). A missing sample is a failure."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from cfn import plain
from .runtime_api import Run

SIGNATURE = "x-crm-signature"


class NoSample(Exception):
    pass


@dataclass
class Case:
    handler: str
    kind: str  # http, sqs, stream, schedule, rule, cognito
    samples: list[Path]
    status: int | None = None
    claims: dict | None = None
    # The stub service (stubs.py) the function must call: it sends something out.
    calls_out_to: str | None = None
    notes: list[str] = field(default_factory=list)


def _cognito_triggers(template: dict) -> dict[str, str]:
    """Logical id of a function -> the user pool trigger it is (LambdaConfig key)."""
    found = {}
    for res in template["Resources"].values():
        if res.get("Type") != "AWS::Cognito::UserPool":
            continue
        for trigger, config in plain(res.get("Properties", {}).get("LambdaConfig") or {}).items():
            arn = config.get("LambdaArn") if isinstance(config, dict) else config
            if isinstance(arn, dict) and "Fn::GetAtt" in arn:
                att = arn["Fn::GetAtt"]
                found[(att.split(".")[0] if isinstance(att, str) else att[0])] = trigger
    return found


def case_for(logical: str, props: dict, template: dict, expected: dict, events: Path) -> Case:
    handler = str(props["Handler"])
    triggers = {ev["Type"]: ev.get("Properties", {}) for ev in plain(props.get("Events") or {}).values()}
    outbound = expected.get("calls_out", {}).get(handler)
    if "HttpApi" in triggers:
        statuses = expected["http_status"]
        case = Case(handler, "http", [events / "http" / f"{handler}.json"], status=int(statuses.get(handler, statuses["default"])))
    elif "SQS" in triggers:
        case = Case(handler, "sqs", [events / "sqs" / f"{handler}.json"])
    elif "DynamoDB" in triggers:
        case = Case(handler, "stream", [events / "dynamodb" / f"{handler}.json"])
    elif "ScheduleV2" in triggers or "Schedule" in triggers:
        case = Case(handler, "schedule", [events / "schedule" / f"{handler}.json"])
    elif "EventBridgeRule" in triggers:
        types = triggers["EventBridgeRule"].get("Pattern", {}).get("detail-type") or []
        if not types:
            raise NoSample(f"{handler}: its rule names no detail-type to take samples of")
        case = Case(handler, "rule", [events / "eventbridge" / f"{t}.json" for t in types])
    elif logical in _cognito_triggers(template):
        spec = expected.get("cognito", {}).get(handler)
        if not spec:
            raise NoSample(f"{handler}: a Cognito trigger without a sample in events/expected.json")
        case = Case(handler, "cognito", [events / spec["sample"]], claims=spec["claims"])
    else:
        raise NoSample(f"{handler}: no trigger the check has samples for ({', '.join(triggers) or 'none'})")
    missing = [str(p.relative_to(events.parent)) for p in case.samples if not p.exists()]
    if missing:
        raise NoSample(f"{handler}: missing sample {', '.join(missing)}")
    case.calls_out_to = outbound
    return case


def prepare(case: Case, path: Path, ids: dict[str, str], secret: str, now: float | None = None) -> bytes:
    """The sample's bytes as the function gets them: placeholders replaced by the seeded ids,
    an HTTP request stamped now, and a signed webhook signed again now (a signature is good
    for five minutes; the samples' are from when they were written)."""
    text = path.read_text()
    for placeholder, real in ids.items():
        text = text.replace(placeholder, real)
    event = json.loads(text)
    if case.kind == "http":
        now = time.time() if now is None else now
        context = event.get("requestContext", {})
        if "timeEpoch" in context:
            context["timeEpoch"] = int(now * 1000)
            context["time"] = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))
        headers = event.get("headers", {})
        if SIGNATURE in headers:
            headers[SIGNATURE] = sign(secret, int(now), event.get("body") or "")
    return json.dumps(event).encode()


def sign(secret: str, t: int, body: str) -> str:
    """`X-Crm-Signature` (crm_shared::http::signature): HMAC-SHA256 of "<t>.<body>"."""
    mac = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verdict(case: Case, run: Run, calls: list[tuple[str, str, str]]) -> tuple[bool, str]:
    """Whether the run answered as the case expects, and what it answered (short)."""
    if run.failure:
        return False, run.failure
    if len(run.answers) != len(case.samples):
        return False, f"{len(run.answers)} answers to {len(case.samples)} samples"
    said = []
    for path, answer in zip(case.samples, run.answers):
        if answer.kind != "response":
            return False, f"{path.name}: invocation error {answer.body[:300].decode(errors='replace')}"
        try:
            body = answer.json()
        except json.JSONDecodeError:
            return False, f"{path.name}: not JSON: {answer.body[:200]!r}"
        ok, text = _answer(case, body)
        if not ok:
            return False, f"{path.name}: {text}"
        said.append(text)
    if case.calls_out_to and not any(service == case.calls_out_to for service, _, _ in calls):
        return False, f"sent nothing to the {case.calls_out_to} stub"
    summary = said[0] if len(set(said)) == 1 else ", ".join(said)
    if len(said) > 1:
        summary = f"{len(said)} x {summary}" if len(set(said)) == 1 else summary
    if case.calls_out_to:
        summary += f", {sum(1 for s, _, _ in calls if s == case.calls_out_to)} call(s) to {case.calls_out_to}"
    return True, summary


def _answer(case: Case, body) -> tuple[bool, str]:
    if case.kind == "http":
        status = body.get("statusCode") if isinstance(body, dict) else None
        if status != case.status:
            return False, f"status {status}, expected {case.status}: {str(body.get('body') if isinstance(body, dict) else body)[:300]}"
        return True, str(status)
    if case.kind in ("sqs", "stream"):
        failures = body.get("batchItemFailures") if isinstance(body, dict) else None
        if failures != []:
            return False, f"expected batchItemFailures [], got {json.dumps(body)[:300]}"
        return True, "batchItemFailures []"
    if case.kind == "cognito":
        details = (body.get("response") or {}).get("claimsAndScopeOverrideDetails") or {}
        for token in ("idTokenGeneration", "accessTokenGeneration"):
            got = (details.get(token) or {}).get("claimsToAddOrOverride")
            if got != case.claims:
                return False, f"{token} adds {got}, expected {case.claims}"
        return True, "claims " + ",".join(f"{k}={v}" for k, v in case.claims.items())
    return True, "success " + json.dumps(body, separators=(",", ":"))[:60]
