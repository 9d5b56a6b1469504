"""The deploy check's harness fails when it should: a fake artifact (a small Runtime API
client standing in for `bootstrap`) answering wrong, failing, hanging or dying makes the
verdict a failure, and only the right answer passes. No moto, no build: a second or so."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from deploy_check import runtime_api, samples

FAKE = textwrap.dedent(
    """\
    #!{python}
    import json, os, sys, urllib.request
    api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
    mode, answer = os.environ["FAKE_MODE"], os.environ.get("FAKE_ANSWER", "null")

    def post(url, body):
        request = urllib.request.Request(url, data=body.encode(), method="POST")
        urllib.request.urlopen(request).read()

    if mode == "exit":
        sys.exit(3)
    if mode == "init_error":
        post(api + "/init/error", '{{"errorType": "Config"}}')
        sys.exit(1)
    while True:
        with urllib.request.urlopen(api + "/invocation/next") as r:
            request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
            json.load(r)
        if mode == "hang":
            continue
        kind = "error" if mode == "error" else "response"
        post(f"{{api}}/invocation/{{request_id}}/{{kind}}", answer)
    """
)


@pytest.fixture(scope="module")
def fake(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("artifact") / "bootstrap"
    path.write_text(FAKE.format(python=sys.executable))
    path.chmod(0o755)
    return path


def outcome(fake: Path, tmp_path: Path, case: samples.Case, mode: str, answer=None, timeout=5.0):
    env = {"FAKE_MODE": mode, "FAKE_ANSWER": json.dumps(answer), "PATH": "/usr/bin:/bin"}
    run = runtime_api.run(fake, env, [b"{}"] * len(case.samples), timeout,
                          "arn:aws:lambda:us-east-1:123456789012:function:fake", tmp_path / "log")
    return samples.verdict(case, run, [])


CAPTURE = samples.Case("capture_lead", "http", [Path("capture_lead.json")], status=201)


def test_the_expected_status_passes(fake, tmp_path):
    ok, said = outcome(fake, tmp_path, CAPTURE, "answer", {"statusCode": 201, "body": "{}"})
    assert ok, said
    assert said == "201"


@pytest.mark.parametrize(
    "mode, answer, says",
    [
        ("answer", {"statusCode": 500, "body": "boom"}, "status 500, expected 201"),
        ("error", {"errorType": "Panic", "errorMessage": "boom"}, "invocation error"),
        ("init_error", None, "init error"),
        ("exit", None, "exited with 3 before asking for an event"),
    ],
)
def test_a_wrong_answer_fails(fake, tmp_path, mode, answer, says):
    ok, said = outcome(fake, tmp_path, CAPTURE, mode, answer)
    assert not ok
    assert says in said


def test_no_answer_within_the_timeout_fails(fake, tmp_path):
    ok, said = outcome(fake, tmp_path, CAPTURE, "hang", timeout=0.3)
    assert not ok
    assert "no answer within the function's timeout" in said


def test_a_queue_consumer_reporting_a_failed_message_fails(fake, tmp_path):
    case = samples.Case("send_sms", "sqs", [Path("send_sms.json")])
    ok, said = outcome(fake, tmp_path, case, "answer", {"batchItemFailures": [{"itemIdentifier": "m1"}]})
    assert not ok and "batchItemFailures" in said
    assert outcome(fake, tmp_path, case, "answer", {"batchItemFailures": []})[0]


def test_a_consumer_that_calls_nothing_out_fails(fake, tmp_path):
    case = samples.Case("send_sms", "sqs", [Path("send_sms.json")], calls_out_to="twilio")
    ok, said = outcome(fake, tmp_path, case, "answer", {"batchItemFailures": []})
    assert not ok and "sent nothing to the twilio stub" in said


def test_wrong_claims_fail(fake, tmp_path):
    case = samples.Case("pre_token", "cognito", [Path("p.json")], claims={"tenant_id": "demo"})
    wrong = {"response": {"claimsAndScopeOverrideDetails": {
        "idTokenGeneration": {"claimsToAddOrOverride": {"tenant_id": "rival"}},
        "accessTokenGeneration": {"claimsToAddOrOverride": {"tenant_id": "demo"}}}}}
    ok, said = outcome(fake, tmp_path, case, "answer", wrong)
    assert not ok and "idTokenGeneration" in said


def test_a_function_without_a_sample_fails(tmp_path):
    (tmp_path / "events" / "http").mkdir(parents=True)
    props = {"Handler": "new_route", "Events": {"Api": {"Type": "HttpApi", "Properties": {}}}}
    with pytest.raises(samples.NoSample, match="missing sample events/http/new_route.json"):
        samples.case_for("NewRouteFunction", props, {"Resources": {}}, {"http_status": {"default": 200}}, tmp_path / "events")


def test_a_signed_sample_is_signed_again_now(tmp_path):
    sample = tmp_path / "hook.json"
    sample.write_text(json.dumps({
        "headers": {"x-crm-signature": "t=1,v1=00"},
        "requestContext": {"timeEpoch": 1000},
        "body": '{"id":"PLACEHOLDER"}',
    }))
    case = samples.Case("hook", "http", [sample], status=200)
    event = json.loads(samples.prepare(case, sample, {"PLACEHOLDER": "real"}, "secret", now=1_800_000_000))
    assert event["body"] == '{"id":"real"}'
    assert event["requestContext"]["timeEpoch"] == 1_800_000_000_000
    assert event["headers"]["x-crm-signature"] == samples.sign("secret", 1_800_000_000, '{"id":"real"}')


def test_a_bootstrap_linked_as_pie_fails(tmp_path):
    from deploy_check.check import _pie

    def elf(kind: int) -> Path:
        path = tmp_path / f"elf-{kind}"
        # e_ident: magic, 64-bit, little-endian, version; then e_type at offset 16.
        path.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(9) + kind.to_bytes(2, "little"))
        return path

    assert _pie(elf(2)) is None, "ET_EXEC: linked without PIE"
    assert "not linked as a position-dependent executable" in (_pie(elf(3)) or "")
