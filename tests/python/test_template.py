"""Checks of infra/template.yaml and events/ against the route table (DESIGN §4-§7).

- the template lints clean (cfn-lint) and validates offline (sam validate --lint);
- its HTTP API routes, auth and functions are exactly the route table of
  shared/src/http/routes.rs (via `crm-local routes`), no more, no less;
- its table is the store's table (keys, GSIs, TTL, PITR, retained);
- every function's IAM is least privilege: named DynamoDB actions on the table only, no
  scans, writes only where the route writes, events only where it publishes;
- lead counting on a 5-minute schedule (no queue);
- events/ has one realistic sample event per route and per worker trigger.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from cfn import function_environment, function_setting, plain
from conftest import (
    EVENTS,
    ROOT,
    TEMPLATE,
    logical_id,
    offline_aws_env,
    path_params,
    tool,
)

AUTHORIZER = "JwtAuthorizer"

READ_ACTIONS = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"}
WRITE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"}
DELETE_ACTIONS = {"dynamodb:DeleteItem"}
# Functions that publish domain events to the bus (DESIGN §5: lead.captured,
# lead.status_changed; update_lead publishes nothing). Granting PutEvents is a decision: add
# the function here on purpose.
# Every domain event goes out from the table's stream (issue 17's outbox): the functions that
# write what the events report publish nothing themselves.
PUBLISHERS = {"publish_events"}
# Who may seal or open which kind of secret with the stack's key (issue 17): the function,
# its KMS action, and the purposes (encryption context) its policy allows.
SECRET_USERS = {
    "update_settings": ("kms:Encrypt", {"webhook", "meta"}),
    "booking_webhook": ("kms:Decrypt", {"webhook"}),
    "call_webhook": ("kms:Decrypt", {"webhook"}),
    "sms_inbound": ("kms:Decrypt", {"webhook", "sms_provider"}),
    "sms_status": ("kms:Decrypt", {"webhook", "sms_provider"}),
    "send_sms": ("kms:Decrypt", {"sms_provider"}),
    "send_conversions": ("kms:Decrypt", {"meta"}),
}
# Functions allowed to delete items (Write::Delete): a customer's removal, a note's, and a
# profile edit that drops a phone or email (its owner and search items go). Same rule.
DELETERS: set[str] = {"update_customer", "delete_customer", "delete_customer_note", "sms_inbound"}
# Functions that queue texts (sqs:SendMessage on the sms queue), and the sender, which also
# re-queues waiting texts and parks refused ones in its dead-letter queue.
SMS_SENDERS = {
    "send_customer_message",
    "request_review",
    "booking_webhook",
    "ingest_booking",
    "send_sms",
    "call_webhook",
    "missed_call_sms",
    # Texts that go out by themselves (issue 20 item 7).
    "auto_texts",
}
QUEUE_GRANTS = {
    fn: {"SmsQueue.Arn"} | ({"SmsDeadLetterQueue.Arn"} if fn == "send_sms" else set())
    for fn in SMS_SENDERS
}
# Imports (issue 19): starting one queues its run; the worker queues the rest of a long one
# and parks an unreadable one in its dead-letter queue.
QUEUE_GRANTS["start_import"] = {"ImportsQueue.Arn"}
QUEUE_GRANTS["run_import"] = {"ImportsQueue.Arn", "ImportsDeadLetterQueue.Arn"}
# Functions that keep (PutObject) or read (GetObject) uploaded files, under imports/ only.
FILE_USERS = {
    "create_import": {"s3:PutObject"},
    "preview_import": {"s3:GetObject"},
    "run_import": {"s3:GetObject", "s3:DeleteObject"},
    # An import that ends (done, failed, cancelled) takes its uploaded file with it.
    "cancel_import": {"s3:DeleteObject"},
}
IMPORT_FILES = {"${ImportsBucket.Arn}/imports/*"}
IMPORTS_QUEUES = {"ImportsQueue", "ImportsDeadLetterQueue"}
# The daily customer jobs take a due item out when nothing more is due; a booking fact takes
# the customer's segment due item out when it leaves no change ahead.
DELETERS |= {"segment_refresh", "milestones", "ingest_booking", "booking_webhook"}
# Functions that let invited members into the Cognito user pool (the directory port), and
# what they may do there (read a user, create one, ask for a password reset: nothing else).
COGNITO_ADMINS = {"invite_member", "reinvite_member"}
COGNITO_ACTIONS = {"cognito-idp:AdminGetUser", "cognito-idp:AdminCreateUser", "cognito-idp:AdminResetUserPassword"}
# A new invitation changes nothing in the table in the cloud: the identity provider lets the
# member in (the one-time links of crm-local are stored, but not by a Lambda function).
NO_TABLE_WRITES = {"reinvite_member"}
# A preview is a POST (it runs the rows) that writes nothing.
NO_TABLE_WRITES |= {"preview_import"}
# Removing a member takes the person's membership item out.
DELETERS |= {"remove_member"}
# Erasure (issue 17): a person, customer or only a lead, with everything of theirs.
DELETERS |= {"erase_person"}
# A capture gives up the phone claim of a lead it could not write (issue 18: claim and lead
# are two conditional puts, not one transaction).
DELETERS |= {"capture_lead", "create_lead"}
# An imported row filling in an existing customer moves their due work (a due item goes).
DELETERS |= {"run_import"}
# A merge deletes the merged-away customer's items once moved (issue 19).
DELETERS |= {"resolve_duplicate"}
# Reads the table's stream (granted by SAM for the DynamoDB event) and no item.
STREAM_READERS = {"publish_events"}
# Functions that touch neither table nor bus.
NO_DATA_ACCESS = {"openapi"}

TABLE_RESOURCES = {"Table.Arn", "${Table.Arn}/index/*"}
# Queue consumers may send to their own dead-letter queue (a refused message, with its
# reason) and to nothing else.
DEAD_LETTERING = {
    "send_conversions": {"ConversionsDeadLetterQueue.Arn"},
    "publish_events": {"PublishEventsDeadLetterQueue.Arn"},
}
BUS_RESOURCES = {"EventBus.Arn"}


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def resource_name(value) -> str:
    """`!GetAtt Table.Arn` -> "Table.Arn", `!Sub "..."` -> the string, else its JSON."""
    value = plain(value)
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        att = value["Fn::GetAtt"]
        return ".".join(att) if isinstance(att, list) else att
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return value["Fn::Sub"]
    if isinstance(value, dict) and "Ref" in value:
        return f"Ref:{value['Ref']}"
    return json.dumps(value)


def http_events(props):
    return {
        name: ev
        for name, ev in (props.get("Events") or {}).items()
        if ev.get("Type") == "HttpApi"
    }


def schedule_input(props) -> dict:
    """The JSON the counting schedule sends, pseudo parameters filled with sample values."""
    (event,) = [ev for ev in props["Events"].values() if ev["Type"] == "ScheduleV2"]
    raw = event["Properties"]["Input"]
    raw = raw["Fn::Sub"] if isinstance(raw, dict) else raw
    raw = raw.replace("${AWS::AccountId}", "123456789012").replace("${AWS::Region}", "eu-west-1")
    return json.loads(raw)


# --------------------------------------------------------------------------- tools


def test_cfn_lint_passes():
    done = subprocess.run(
        [tool("cfn-lint"), str(TEMPLATE.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=offline_aws_env(),
        timeout=300,
    )
    assert done.returncode == 0, f"cfn-lint exit {done.returncode}:\n{done.stdout}{done.stderr}"


def test_sam_validate_lint_passes_offline():
    done = subprocess.run(
        [tool("sam"), "validate", "--lint", "--template", str(TEMPLATE.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=offline_aws_env(),
        timeout=300,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, f"sam validate exit {done.returncode}:\n{out}"
    assert "is a valid SAM Template" in out, out


# --------------------------------------------------------------------------- routes and functions


def test_http_routes_are_exactly_the_route_table(route_table, functions):
    expected = {(r["method"], r["path"]): logical_id(r["function"]) for r in route_table["routes"]}
    declared: dict[tuple[str, str], list[str]] = {}
    for lid, res in functions.items():
        for name, ev in http_events(res["Properties"]).items():
            p = ev["Properties"]
            assert plain(p.get("ApiId")) == {"Ref": "HttpApi"}, f"{lid}.{name}: ApiId must be HttpApi"
            key = (str(p["Method"]).upper(), p["Path"])
            declared.setdefault(key, []).append(lid)
    dupes = {k: v for k, v in declared.items() if len(v) > 1}
    assert not dupes, f"routes declared more than once: {dupes}"
    actual = {k: v[0] for k, v in declared.items()}
    missing = {f"{m} {p}": f for (m, p), f in expected.items() if (m, p) not in actual}
    extra = {f"{m} {p}": f for (m, p), f in actual.items() if (m, p) not in expected}
    wrong = {
        f"{m} {p}": (actual[(m, p)], f)
        for (m, p), f in expected.items()
        if (m, p) in actual and actual[(m, p)] != f
    }
    assert not missing, f"routes missing from the template: {missing}"
    assert not extra, f"routes in the template but not in routes.rs: {extra}"
    assert not wrong, f"routes served by the wrong function (template, expected): {wrong}"


def test_route_auth_matches_access(route_table, functions, resources):
    api_auth = resources["HttpApi"]["Properties"]["Auth"]
    default = api_auth.get("DefaultAuthorizer")
    by_key = {}
    for lid, res in functions.items():
        for ev in http_events(res["Properties"]).values():
            p = ev["Properties"]
            by_key[(str(p["Method"]).upper(), p["Path"])] = (p.get("Auth") or {}).get("Authorizer")
    for r in route_table["routes"]:
        key = (r["method"], r["path"])
        assert key in by_key, f"{key} not in template"
        effective = by_key[key] or default
        if r["access"] == "public":
            assert by_key[key] == "NONE", f"public route {key} must set Auth.Authorizer: NONE"
        else:
            assert effective == AUTHORIZER, f"{r['access']} route {key} must use {AUTHORIZER}, not {effective}"


def test_jwt_authorizer_is_the_default(resources, template):
    api = resources["HttpApi"]
    assert api["Type"] == "AWS::Serverless::HttpApi"
    auth = api["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == AUTHORIZER
    jwt = auth["Authorizers"][AUTHORIZER]
    assert jwt["IdentitySource"] == "$request.header.Authorization"
    # The stack's user pool unless an external provider is named (JwtIssuer, JwtAudience).
    assert plain(jwt["JwtConfiguration"]["issuer"]) == {
        "Fn::If": [
            "UseCognito",
            {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"},
            {"Ref": "JwtIssuer"},
        ]
    }
    audience = plain(jwt["JwtConfiguration"]["audience"])
    assert audience == [{"Fn::If": ["UseCognito", {"Ref": "UserPoolClient"}, {"Ref": "JwtAudience"}]}], audience
    assert plain(template["Conditions"]["UseCognito"]) == {"Fn::Equals": [{"Ref": "JwtIssuer"}, ""]}
    params = template["Parameters"]
    assert {"JwtIssuer", "JwtAudience", "StageName", "LogRetentionDays"} <= set(params)
    assert params["JwtIssuer"].get("Default") == "" and params["JwtAudience"].get("Default") == ""
    assert params["StageName"].get("Default") == "prod"
    assert plain(api["Properties"]["StageName"]) == {"Ref": "StageName"}


def test_cors_allows_the_admin_spa(resources):
    cors = resources["HttpApi"]["Properties"]["CorsConfiguration"]
    assert {"GET", "POST", "PATCH", "DELETE"} <= set(cors["AllowMethods"])
    assert {"authorization", "content-type", "if-match"} <= {h.lower() for h in cors["AllowHeaders"]}
    assert cors["AllowOrigins"], "no origins allowed"


def test_one_function_per_route_and_worker(route_table, functions):
    wanted = [r["function"] for r in route_table["routes"]] + list(route_table["workers"])
    assert len(wanted) == len(set(wanted)), f"a function is listed twice: {wanted}"
    expected = {logical_id(f): f for f in wanted}
    missing = sorted(set(expected) - set(functions))
    extra = sorted(set(functions) - set(expected))
    assert not missing, f"no function resource for: {missing}"
    assert not extra, f"function resources not in the route table or workers: {extra}"
    for lid, fn in expected.items():
        meta = functions[lid].get("Metadata") or {}
        assert meta.get("BuildMethod") == "rust-cargolambda", f"{lid}: BuildMethod"
        binary = (meta.get("BuildProperties") or {}).get("Binary")
        assert binary == "bootstrap", f"{lid} builds bin {binary!r}: every function runs the one bootstrap"
        handler = functions[lid]["Properties"].get("Handler")
        assert handler == fn, f"{lid} serves {handler!r} (its Handler), expected {fn!r}"
    workers = {logical_id(w) for w in route_table["workers"]}
    for lid in workers:
        assert not http_events(functions[lid]["Properties"]), f"worker {lid} must not be an HTTP route"


def test_function_runtime_and_environment(template, functions):
    for lid, res in functions.items():
        props = res["Properties"]
        assert function_setting(template, props, "Runtime") == "provided.al2023", lid
        assert list(function_setting(template, props, "Architectures")) == [{"Ref": "Architecture"}], lid
        code = function_setting(template, props, "CodeUri")
        assert (TEMPLATE.parent / code / "Cargo.toml").exists(), f"{lid}: CodeUri {code} has no Cargo.toml"
        assert "Role" not in props, f"{lid}: an explicit Role bypasses the per-function policy"
        env = function_environment(template, props)
        assert env.get("TABLE_NAME") == {"Ref": "Table"}, lid
        assert env.get("EVENT_BUS_NAME") == {"Ref": "EventBus"}, lid
        assert env.get("RUST_LOG") == "info", lid


def test_every_function_is_one_build_for_sam(functions, template):
    """SAM builds functions with the same CodeUri, Metadata and architecture once: they must
    not differ in any of them, or each becomes a build of its own (minutes each)."""
    keys = set()
    for lid, res in functions.items():
        props = res["Properties"]
        keys.add(
            (
                str(function_setting(template, props, "CodeUri")),
                str(res.get("Metadata")),
                str(function_setting(template, props, "Architectures")),
                str(function_setting(template, props, "Runtime")),
            )
        )
    assert len(keys) == 1, f"{len(keys)} different builds: {sorted(keys)}"
    assert template["Parameters"]["Architecture"]["Default"] == "arm64"
    assert set(template["Parameters"]["Architecture"]["AllowedValues"]) == {"arm64", "x86_64"}


def test_every_worker_alarms_on_errors_and_throttles(route_table, resources):
    """Scheduled jobs, rule targets, queue consumers and the sign-in trigger fail silently
    otherwise: each has an Errors and a Throttles alarm on the alarm topic."""
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    for worker in route_table["workers"]:
        lid = logical_id(worker)
        for metric in ("Errors", "Throttles"):
            found = [
                a
                for a in alarms
                if a.get("Namespace") == "AWS/Lambda"
                and a.get("MetricName") == metric
                and {"Name": "FunctionName", "Value": {"Ref": lid}} in a.get("Dimensions", [])
            ]
            assert found, f"no {metric} alarm for {lid}"
            assert {"Ref": "AlarmTopic"} in found[0]["AlarmActions"], f"{lid} {metric}: no topic"


def test_the_public_capture_cannot_take_every_concurrent_execution(template, functions):
    props = functions["CaptureLeadFunction"]["Properties"]
    assert props["ReservedConcurrentExecutions"] == {
        "Fn::If": ["ReservesCaptureConcurrency", {"Ref": "CaptureConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    assert template["Parameters"]["CaptureConcurrency"]["Default"] > 0
    # Every function's logs expire.
    groups = {
        str((r["Properties"].get("LogGroupName") or {}).get("Fn::Sub", ""))
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Logs::LogGroup" and "RetentionInDays" in r["Properties"]
    }
    for lid in functions:
        assert f"/aws/lambda/${{{lid}}}" in groups, f"{lid} has no log group with a retention"


def test_public_routes_have_their_own_lower_throttles(resources, functions):
    api = next(r for r in resources.values() if r["Type"] == "AWS::Serverless::HttpApi")
    default = api["Properties"]["DefaultRouteSettings"]
    settings = api["Properties"]["RouteSettings"]
    declared = {
        f'{ev["Properties"]["Method"].upper()} {ev["Properties"]["Path"]}'
        for props in (f["Properties"] for f in functions.values())
        for ev in http_events(props).values()
    }
    # A key naming no route fails the deploy ("Unable to find Route by key").
    assert set(settings) <= declared, set(settings) - declared
    for key in ("POST /public/{tenant}/leads", "GET /p/{tenant}/book", "POST /tenants"):
        assert key in settings, key
        assert settings[key]["ThrottlingRateLimit"] < default["ThrottlingRateLimit"], key
        assert settings[key]["ThrottlingBurstLimit"] < default["ThrottlingBurstLimit"], key


# --------------------------------------------------------------------------- table


def test_table_matches_the_store(route_table, resources):
    spec = route_table["table"]
    table = resources["Table"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert table.get("DeletionPolicy") == "Retain"
    assert table.get("UpdateReplacePolicy") == "Retain"
    p = plain(table["Properties"])
    assert p["BillingMode"] == "PAY_PER_REQUEST"
    assert p["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    key_attrs = {"PK", "SK"} | {g[k] for g in spec["gsis"] for k in ("pk", "sk")}
    defined = {a["AttributeName"]: a["AttributeType"] for a in p["AttributeDefinitions"]}
    assert defined == {a: "S" for a in key_attrs}, defined

    gsis = {g["IndexName"]: g for g in p.get("GlobalSecondaryIndexes", [])}
    assert set(gsis) == {g["name"] for g in spec["gsis"]}, f"GSIs {sorted(gsis)} vs {spec['gsis']}"
    for g in spec["gsis"]:
        index = gsis[g["name"]]
        assert index["KeySchema"] == [
            {"AttributeName": g["pk"], "KeyType": "HASH"},
            {"AttributeName": g["sk"], "KeyType": "RANGE"},
        ], g["name"]
        assert index["Projection"] == {"ProjectionType": "ALL"}, g["name"]
        assert "ProvisionedThroughput" not in index, g["name"]
    assert not p.get("LocalSecondaryIndexes")

    assert p["TimeToLiveSpecification"] == {"AttributeName": spec["ttl"], "Enabled": True}
    assert p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


# --------------------------------------------------------------------------- IAM


def function_statements(lid, props):
    statements = []
    for policy in props.get("Policies") or []:
        policy = plain(policy)
        assert isinstance(policy, dict) and "Statement" in policy, (
            f"{lid}: only inline policy documents are allowed (no managed policies or SAM policy "
            f"templates, which grant more than the function needs): {policy}"
        )
        statements += as_list(policy["Statement"])
    return statements


def granted(lid, props) -> dict[str, set[str]]:
    """Action -> resources granted by the function's own policies; fails on anything broad."""
    out: dict[str, set[str]] = {}
    for st in function_statements(lid, props):
        assert st.get("Effect") == "Allow", f"{lid}: unexpected statement {st}"
        assert "NotAction" not in st and "NotResource" not in st, f"{lid}: {st}"
        actions = [a for a in as_list(st["Action"])]
        res = {resource_name(r) for r in as_list(st["Resource"])}
        for a in actions:
            assert "*" not in a, f"{lid}: wildcard action {a}"
            assert "*" not in res, f"{lid}: wildcard resource for {a}"
            out.setdefault(a, set()).update(res)
    return out


def test_policies_are_least_privilege(route_table, functions):
    allowed = READ_ACTIONS | WRITE_ACTIONS | DELETE_ACTIONS
    names = [r["function"] for r in route_table["routes"]] + list(route_table["workers"])
    problems = []
    for fn in names:
        lid = logical_id(fn)
        grants = granted(lid, functions[lid]["Properties"])
        for action, res in grants.items():
            if action.startswith("dynamodb:"):
                if action == "dynamodb:Scan":
                    problems.append(f"{lid}: Scan (DESIGN §4: no request and no job scans)")
                elif action not in allowed:
                    problems.append(f"{lid}: unexpected DynamoDB action {action}")
                if not res <= TABLE_RESOURCES:
                    problems.append(f"{lid}: {action} on {sorted(res - TABLE_RESOURCES)}")
            elif action == "events:PutEvents":
                if res != BUS_RESOURCES:
                    problems.append(f"{lid}: PutEvents on {sorted(res)}, not only the bus")
            elif action == "sqs:SendMessage":
                expected = QUEUE_GRANTS.get(fn, set()) | DEAD_LETTERING.get(fn, set())
                if res != expected:
                    problems.append(f"{lid}: SendMessage on {sorted(res)}, expected {sorted(expected)}")
            elif action.startswith("s3:"):
                if action not in FILE_USERS.get(fn, set()) or res != IMPORT_FILES:
                    problems.append(f"{lid}: {action} on {sorted(res)}")
            elif action.startswith("kms:"):
                if SECRET_USERS.get(fn, (None,))[0] != action or res != {"SecretsKey.Arn"}:
                    problems.append(f"{lid}: {action} on {sorted(res)}")
            elif action in COGNITO_ACTIONS and fn in COGNITO_ADMINS:
                if res != {"UserPool.Arn"}:
                    problems.append(f"{lid}: {action} on {sorted(res)}, not only the user pool")
            else:
                problems.append(f"{lid}: unexpected action {action}")
        if fn in NO_DATA_ACCESS and grants:
            problems.append(f"{lid}: needs no data access but is granted {sorted(grants)}")
        if fn not in NO_DATA_ACCESS | STREAM_READERS and not READ_ACTIONS & set(grants):
            problems.append(f"{lid}: grants no table access at all")
    assert not problems, "\n".join(problems)


def test_secrets_are_sealed_and_opened_only_by_the_functions_that_use_them(route_table, functions, resources, template):
    """The stack's key seals the settings' secrets; each function that seals or opens one is
    granted exactly that action, for its purposes only (kms:EncryptionContext:purpose), and
    no other function may use the key at all: the capture and the landing page read the
    settings item but cannot open what it seals."""
    key = plain(resources["SecretsKey"]["Properties"])
    assert key["EnableKeyRotation"] is True
    assert resources["SecretsKey"]["DeletionPolicy"] == "Retain", "losing the key loses every secret"
    env = plain(template["Globals"]["Function"]["Environment"]["Variables"])
    assert env["SECRETS_KEY_ID"] == {"Ref": "SecretsKey"}
    problems = []
    for fn in [r["function"] for r in route_table["routes"]] + list(route_table["workers"]):
        lid = logical_id(fn)
        kms = [st for st in function_statements(lid, functions[lid]["Properties"])
               if any(str(a).startswith("kms:") for a in as_list(st["Action"]))]
        if fn not in SECRET_USERS:
            if kms:
                problems.append(f"{fn}: uses the key but opens no secret: {kms}")
            continue
        action, purposes = SECRET_USERS[fn]
        if len(kms) != 1:
            problems.append(f"{fn}: expected one KMS statement, found {kms}")
            continue
        (st,) = kms
        allowed = as_list(st.get("Condition", {}).get("StringEquals", {}).get("kms:EncryptionContext:purpose"))
        if as_list(st["Action"]) != [action] or set(allowed) != purposes:
            problems.append(f"{fn}: {st['Action']} for {allowed}, expected {action} for {sorted(purposes)}")
    assert not problems, "\n".join(problems)
    token = template["Parameters"]["TwilioAuthToken"]
    assert token.get("NoEcho") is True
    assert re.fullmatch(token["AllowedPattern"], "sealed:kms:AQICAHh0cGxhY2Vob2xkZXI=")
    assert re.fullmatch(token["AllowedPattern"], "")
    assert not re.fullmatch(token["AllowedPattern"], "f3a9c0d1e2b4a5968778695a4b3c2d1e"), "a plain token is refused"
    assert plain(template["Outputs"]["SecretsKeyId"]["Value"]) == {"Ref": "SecretsKey"}


def test_reads_do_not_write_and_only_publishers_publish(route_table, functions):
    problems = []
    for r in route_table["routes"]:
        fn = r["function"]
        grants = set(granted(logical_id(fn), functions[logical_id(fn)]["Properties"]))
        if r["method"] == "GET" and grants & (WRITE_ACTIONS | DELETE_ACTIONS):
            problems.append(f"{fn} (GET) may write: {sorted(grants & (WRITE_ACTIONS | DELETE_ACTIONS))}")
        if (
            r["method"] != "GET"
            and fn not in NO_DATA_ACCESS | NO_TABLE_WRITES
            and not grants & (WRITE_ACTIONS | DELETE_ACTIONS)
        ):
            problems.append(f"{fn} ({r['method']}) cannot write")
    for fn in [r["function"] for r in route_table["routes"]] + list(route_table["workers"]):
        grants = set(granted(logical_id(fn), functions[logical_id(fn)]["Properties"]))
        if ("events:PutEvents" in grants) != (fn in PUBLISHERS):
            problems.append(f"{fn}: PutEvents granted={'events:PutEvents' in grants}, publisher={fn in PUBLISHERS}")
        if ("dynamodb:DeleteItem" in grants) != (fn in DELETERS):
            problems.append(f"{fn}: DeleteItem granted={'dynamodb:DeleteItem' in grants}, expected={fn in DELETERS}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- async pipeline


def test_lead_counting_runs_on_a_schedule_only(template, resources, functions):
    """count_leads runs every 5 minutes over every tenant; no per-lead queue wake-up (readers
    fold in the uncounted tail, so counting late costs no correctness)."""
    r = {k: plain(v) for k, v in resources.items()}
    assert r["EventBus"]["Type"] == "AWS::Events::EventBus"
    queues = {k for k, v in r.items() if v["Type"] == "AWS::SQS::Queue"}
    stream_dlq = {"PublishEventsDeadLetterQueue"}
    auto_texts_dlq = {"AutoTextsDeadLetterQueue"}
    assert queues == {"BookingDeadLetterQueue", "SmsQueue", "SmsDeadLetterQueue"} | CONVERSIONS_QUEUES | stream_dlq | IMPORTS_QUEUES | auto_texts_dlq, (
        f"unexpected queues: {queues}"
    )
    rules = {k for k, v in r.items() if v["Type"] == "AWS::Events::Rule"}
    assert rules == {"LeadConversionsRule"}, f"no counting rule, only the conversions one: {rules}"
    counter = functions["CountLeadsFunction"]["Properties"]
    events = {ev["Type"]: ev["Properties"] for ev in plain(counter["Events"]).values()}
    assert set(events) == {"ScheduleV2"}, events
    assert events["ScheduleV2"]["ScheduleExpression"] == "rate(5 minutes)"
    (statement,) = plain(counter["Policies"])[0]["Statement"]
    assert sorted(statement["Action"]) == ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"]


BOOKING_FACTS = ["BookingCreated", "BookingRescheduled", "BookingCompleted", "BookingCancelled", "BookingNoShow"]


def test_booking_facts_reach_their_consumer_and_failures_are_kept(resources, functions, route_table):
    """The rule on the bus sends every Booking* fact from the platform's booking source to
    ingest_booking; what it cannot apply is retried and then kept in the dead-letter queue,
    never dropped."""
    fn = plain(functions["IngestBookingFunction"]["Properties"])
    (event,) = fn["Events"].values()
    assert event["Type"] == "EventBridgeRule"
    p = event["Properties"]
    assert p["EventBusName"] == {"Ref": "EventBus"}
    assert p["Pattern"] == {"source": [route_table["booking_source"]], "detail-type": BOOKING_FACTS}
    assert p["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["BookingDeadLetterQueue", "Arn"]}
    assert p["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert fn["DeadLetterQueue"] == {"Type": "SQS", "TargetArn": {"Fn::GetAtt": ["BookingDeadLetterQueue", "Arn"]}}
    queue = plain(resources["BookingDeadLetterQueue"]["Properties"])
    assert queue["MessageRetentionPeriod"] == 1209600 and queue["SqsManagedSseEnabled"] is True
    (st,) = plain(resources["BookingDeadLetterQueuePolicy"]["Properties"])["PolicyDocument"]["Statement"]
    assert st["Principal"] == {"Service": "events.amazonaws.com"} and st["Action"] == "sqs:SendMessage"
    samples = sorted(f.stem for f in (EVENTS / "eventbridge").glob("Booking*.json"))
    assert samples == sorted(BOOKING_FACTS), samples
    for kind in BOOKING_FACTS:
        sample = load_event(EVENTS / "eventbridge" / f"{kind}.json")
        assert sample["detail-type"] == kind and sample["detail"]["tenant_id"] == "demo", kind


def test_texts_go_through_a_queue_with_a_dead_letter_queue(template, resources, functions):
    """send_sms consumes the sms queue with partial batch failures; five receives and a
    message is parked (DESIGN section 5); visibility is at least 6x the consumer's timeout."""
    queue = plain(resources["SmsQueue"]["Properties"])
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["SmsDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    consumer = plain(functions["SendSmsFunction"]["Properties"])
    assert queue["VisibilityTimeout"] >= 6 * consumer["Timeout"]
    (event,) = consumer["Events"].values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["SmsQueue", "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["Properties"]["BatchSize"] <= 10
    env = consumer["Environment"]["Variables"]
    assert {"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_BASE_URL"} <= set(env)
    assert template["Parameters"]["TwilioAuthToken"].get("NoEcho") is True
    # Twilio's own callbacks are checked with the same token (X-Twilio-Signature).
    for hook in ("SmsInboundFunction", "SmsStatusFunction"):
        hook_env = plain(functions[hook]["Properties"])["Environment"]["Variables"]
        assert hook_env["TWILIO_AUTH_TOKEN"] == {"Ref": "TwilioAuthToken"}, hook
        assert hook_env["TWILIO_ACCOUNT_SID"] == {"Ref": "TwilioAccountSid"}, hook
    globals_env = plain(template["Globals"]["Function"]["Environment"]["Variables"])
    assert globals_env["SMS_QUEUE_URL"] == {"Ref": "SmsQueue"}
    assert globals_env["SMS_DLQ_URL"] == {"Ref": "SmsDeadLetterQueue"}


def test_every_dead_letter_queue_has_a_depth_alarm(resources):
    r = {k: plain(v) for k, v in resources.items()}
    dlqs = {k for k, v in r.items() if v["Type"] == "AWS::SQS::Queue" and "DeadLetter" in k}
    assert dlqs, "no dead-letter queues"
    watched = set()
    for k, v in r.items():
        if v["Type"] != "AWS::CloudWatch::Alarm" or v["Properties"]["Namespace"] != "AWS/SQS":
            continue
        p = v["Properties"]
        assert p["MetricName"] == "ApproximateNumberOfMessagesVisible", k
        assert p["ComparisonOperator"] == "GreaterThanThreshold" and p["Threshold"] == 0, k
        assert p["AlarmActions"] == [{"Ref": "AlarmTopic"}], k
        (dim,) = p["Dimensions"]
        watched.add(dim["Value"]["Fn::GetAtt"][0])
    assert dlqs <= watched, f"dead-letter queues without an alarm: {sorted(dlqs - watched)}"


def test_outputs(template):
    assert {"ApiUrl", "TableName", "EventBusName"} <= set(template["Outputs"])
    assert plain(template["Outputs"]["TableName"]["Value"]) == {"Ref": "Table"}
    assert plain(template["Outputs"]["EventBusName"]["Value"]) == {"Ref": "EventBus"}


# --------------------------------------------------------------------------- sample events


def load_event(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        pytest.fail(f"{path.relative_to(ROOT)} is not JSON: {e}")


def test_every_event_file_is_json():
    files = sorted(EVENTS.rglob("*.json"))
    assert files, "no sample events"
    for f in files:
        assert isinstance(load_event(f), dict), f


# POST routes that take no body (the member named in the path is all they need).
BODYLESS = {"reinvite_member", "preview_import", "start_import", "cancel_import"}
# POST routes whose body is a file, not JSON (an uploaded client list), by content type.
FILE_BODIES = {"create_import": "text/csv"}


def test_one_http_event_per_route(route_table, template):
    stage = template["Parameters"]["StageName"]["Default"]
    routes = {r["function"]: r for r in route_table["routes"]}
    files = {f.stem: f for f in (EVENTS / "http").glob("*.json")}
    assert set(files) == set(routes), (
        f"missing: {sorted(set(routes) - set(files))}, extra: {sorted(set(files) - set(routes))}"
    )
    for fn, r in routes.items():
        ev = load_event(files[fn])
        where = f"events/http/{fn}.json"
        key = f"{r['method']} {r['path']}"
        ctx = ev["requestContext"]
        assert ev["version"] == "2.0", where
        assert ev["routeKey"] == key and ctx["routeKey"] == key, where
        assert ctx["http"]["method"] == r["method"], where
        assert ctx["stage"] == stage, where

        params = ev.get("pathParameters") or {}
        assert set(params) == set(path_params(r["path"])), where
        concrete = re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], r["path"])
        assert ev["rawPath"] == f"/{stage}{concrete}" == ctx["http"]["path"], where
        if "tenant" in params:
            assert params["tenant"] == "demo", where

        query = ev.get("queryStringParameters") or {}
        assert dict(parse_qsl(ev.get("rawQueryString", ""))) == query, where

        headers = ev["headers"]
        assert all(h == h.lower() for h in headers), f"{where}: HTTP API lowercases header names"
        if fn in FILE_BODIES:
            assert ev["body"] and headers.get("content-type") == FILE_BODIES[fn], where
            assert ev["isBase64Encoded"] is False, where
        elif r["method"] in {"POST", "PATCH", "PUT"} and fn not in BODYLESS:
            assert isinstance(json.loads(ev["body"]), dict), f"{where}: body must be a JSON object"
            assert headers.get("content-type") == "application/json", where
            assert ev["isBase64Encoded"] is False, where
        else:
            assert ev.get("body") is None, f"{where}: {r['method']} carries no body"

        if r["access"] == "public":
            assert "authorizer" not in ctx, f"{where}: public routes have no authorizer context"
            assert "authorization" not in headers, where
        elif r["access"] == "person":
            # A person route: the identity provider's ID token claims, no tenant yet.
            claims = ctx["authorizer"]["jwt"]["claims"]
            assert claims["sub"] and "@" in claims["email"], where
            assert claims["email_verified"] == "true", where
            assert not {"tenant_id", "role", "mid", "mv"} & set(claims), where
            assert headers.get("authorization", "").startswith("Bearer "), where
        else:
            jwt = ctx["authorizer"]["jwt"]
            # Tokens may name their membership (mid, mv: the sample owner's, version 1).
            claims = {k: v for k, v in jwt["claims"].items() if k not in {"mid", "mv"}}
            assert claims == {"tenant_id": "demo", "role": "owner", "sub": "user-1"}, where
            assert {"mid", "mv"} <= set(jwt["claims"]) or not {"mid", "mv"} & set(jwt["claims"]), where
            assert jwt["scopes"] is None, where
            assert headers.get("authorization", "").startswith("Bearer "), where


def test_route_specific_event_details():
    def ev(fn):
        return load_event(EVENTS / "http" / f"{fn}.json")

    assert json.loads(ev("capture_lead")["body"]) == {
        "name": "Ann Murphy", "phone": "087 123 4567", "service": "Massage", "utm_source": "facebook",
    }
    assert ev("update_lead")["headers"]["if-match"] == '"1"'
    signed = ev("booking_webhook")
    t, v1 = (part.split("=", 1)[1] for part in signed["headers"]["x-crm-signature"].split(","))
    expected = hmac.new(b"demo-webhook-secret", f"{t}.{signed['body']}".encode(), hashlib.sha256)
    assert v1 == expected.hexdigest(), "the sample webhook is signed with the demo secret"
    assert int(t) * 1000 == signed["requestContext"]["timeEpoch"]
    assert ev("list_leads")["rawQueryString"] == "status=new&limit=10"
    assert json.loads(ev("change_lead_status")["body"]) == {"status": "contacted"}


def test_schedule_events_are_what_the_schedules_send(functions):
    for fn in ("count_leads", "stale_leads", "segment_refresh", "milestones"):
        sample = load_event(EVENTS / "schedule" / f"{fn}.json")
        sent = schedule_input(functions[logical_id(fn)]["Properties"])
        assert set(sample) == set(sent), (fn, sorted(sample), sorted(sent))
        for k in ("version", "detail-type", "source", "detail"):
            assert sample[k] == sent[k], (fn, k)


def test_stale_leads_run_hourly(functions):
    props = plain(functions["StaleLeadsFunction"]["Properties"])
    (event,) = props["Events"].values()
    assert event["Type"] == "ScheduleV2"
    assert event["Properties"]["ScheduleExpression"] == "rate(1 hour)"


# --------------------------------------------------------------------------- Meta Conversions API

CONVERSIONS_QUEUES = {"ConversionsQueue", "ConversionsDeadLetterQueue"}


def test_conversions_queue_has_a_dead_letter_queue_and_room_for_retries(resources, functions):
    """DESIGN §5: maxReceiveCount 5, visibility at least 6x the consumer's timeout, encrypted."""
    queue = plain(resources["ConversionsQueue"]["Properties"])
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["ConversionsDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    assert queue["SqsManagedSseEnabled"] is True
    timeout = plain(functions["SendConversionsFunction"]["Properties"])["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * timeout, (queue["VisibilityTimeout"], timeout)
    dlq = plain(resources["ConversionsDeadLetterQueue"]["Properties"])
    assert dlq["MessageRetentionPeriod"] == 1209600 and dlq["SqsManagedSseEnabled"] is True


def test_lead_events_reach_the_conversions_queue(resources):
    rule = plain(resources["LeadConversionsRule"]["Properties"])
    assert rule["EventBusName"] == {"Ref": "EventBus"}
    assert rule["EventPattern"] == {
        "source": ["pipeline.crm"],
        "detail-type": ["lead.captured", "lead.status_changed"],
    }
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["ConversionsQueue", "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["ConversionsDeadLetterQueue", "Arn"]}
    policy = plain(resources["ConversionsQueuePolicy"]["Properties"])
    assert {"Ref": "ConversionsQueue"} in policy["Queues"]
    (st,) = policy["PolicyDocument"]["Statement"]
    assert st["Principal"] == {"Service": "events.amazonaws.com"} and st["Action"] == "sqs:SendMessage"
    assert {"Fn::GetAtt": ["ConversionsQueue", "Arn"]} in as_list(st["Resource"])
    assert st["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Fn::GetAtt": ["LeadConversionsRule", "Arn"]}


def test_send_conversions_consumes_the_queue_with_partial_failures(functions):
    props = plain(functions["SendConversionsFunction"]["Properties"])
    (event,) = props["Events"].values()
    assert event["Type"] == "SQS"
    p = event["Properties"]
    assert p["Queue"] == {"Fn::GetAtt": ["ConversionsQueue", "Arn"]}
    assert p["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= p["BatchSize"] <= 10
    env = props["Environment"]["Variables"]
    assert env["CONVERSIONS_QUEUE_URL"] == {"Ref": "ConversionsQueue"}
    assert env["CONVERSIONS_DLQ_URL"] == {"Ref": "ConversionsDeadLetterQueue"}
    assert env["META_GRAPH_URL"] == {"Ref": "MetaGraphUrl"}


def test_meta_graph_url_defaults_to_meta(template):
    assert template["Parameters"]["MetaGraphUrl"]["Default"] == "https://graph.facebook.com"


def test_conversions_dead_letters_raise_an_alarm(resources):
    alarm = plain(resources["ConversionsDeadLetterAlarm"])
    assert alarm["Type"] == "AWS::CloudWatch::Alarm"
    p = alarm["Properties"]
    assert (p["Namespace"], p["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert p["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["ConversionsDeadLetterQueue", "QueueName"]}}
    ]
    assert p["ComparisonOperator"] == "GreaterThanThreshold" and p["Threshold"] == 0


def test_the_conversions_sample_is_what_the_queue_delivers():
    sample = load_event(EVENTS / "sqs" / "send_conversions.json")
    (record,) = sample["Records"]
    assert record["eventSource"] == "aws:sqs"
    body = json.loads(record["body"])
    assert body["source"] == "pipeline.crm" and body["detail-type"] == "lead.captured"
    assert body["detail"]["tenant_id"] == "demo" and body["detail"]["lead_id"]
def test_daily_customer_jobs_run_hourly(functions):
    """03:00 local is a different UTC hour in each zone: the daily jobs run every hour and
    act on the buckets of the hours that passed (DESIGN §5)."""
    for fn in ("segment_refresh", "milestones"):
        props = plain(functions[logical_id(fn)]["Properties"])
        (event,) = props["Events"].values()
        assert event["Type"] == "ScheduleV2", fn
        assert event["Properties"]["ScheduleExpression"] == "rate(1 hour)", fn
        assert event["Properties"]["FlexibleTimeWindow"]["Mode"] == "OFF", fn
# --------------------------------------------------------------------------- landing page (issue 6)


def test_landing_page_is_public_and_reads_only_the_settings(route_table, functions):
    (route,) = [r for r in route_table["routes"] if r["function"] == "landing_page"]
    assert (route["method"], route["path"], route["access"]) == ("GET", "/p/{tenant}/book", "public")
    props = functions["LandingPageFunction"]["Properties"]
    (event,) = http_events(props).values()
    assert event["Properties"]["Auth"]["Authorizer"] == "NONE"
    grants = granted("LandingPageFunction", props)
    assert grants == {"dynamodb:GetItem": {"Table.Arn"}}, grants


def test_landing_page_sample_carries_ad_click_parameters():
    ev = load_event(EVENTS / "http" / "landing_page.json")
    assert ev["pathParameters"] == {"tenant": "demo"}
    query = ev["queryStringParameters"]
    assert query["utm_source"] == "facebook" and query["fbclid"], query
    assert ev["headers"]["accept"].startswith("text/html")


# --------------------------------------------------------------------------- accounts (issue 15)


def test_the_user_pool_signs_people_up_by_verified_email(resources):
    pool = resources["UserPool"]
    assert pool["Type"] == "AWS::Cognito::UserPool"
    assert pool.get("DeletionPolicy") == "Retain" and pool.get("UpdateReplacePolicy") == "Retain"
    p = plain(pool["Properties"])
    assert p["UsernameAttributes"] == ["email"] and p["AutoVerifiedAttributes"] == ["email"]
    assert p["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False, "self sign-up"
    assert p["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    assert p["UserAttributeUpdateSettings"]["AttributesRequireVerificationBeforeUpdate"] == ["email"]
    # Pre token generation V2 (access token claims) needs the Essentials feature plan or above.
    assert p["UserPoolTier"] in {"ESSENTIALS", "PLUS"}
    assert p["LambdaConfig"]["PreTokenGenerationConfig"] == {
        "LambdaArn": {"Fn::GetAtt": ["PreTokenFunction", "Arn"]},
        "LambdaVersion": "V2_0",
    }
    # No custom attributes: nothing a user writes can pass for a tenant or a role.
    assert all(not a["Name"].startswith("custom") for a in p.get("Schema", [])), p["Schema"]


def test_the_admin_app_client_is_public_and_uses_the_code_flow(resources):
    p = plain(resources["UserPoolClient"]["Properties"])
    assert p["UserPoolId"] == {"Ref": "UserPool"}
    assert p["GenerateSecret"] is False
    assert p["AllowedOAuthFlows"] == ["code"] and p["AllowedOAuthFlowsUserPoolClient"] is True
    assert set(p["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert {"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"} <= set(p["ExplicitAuthFlows"])
    assert not {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"} & set(p["ExplicitAuthFlows"])
    assert p["CallbackURLs"] == [{"Fn::Sub": "https://${AdminDistribution.DomainName}/admin/callback"}]
    assert "email_verified" not in p["WriteAttributes"]
    domain = plain(resources["UserPoolDomain"]["Properties"])
    assert domain["UserPoolId"] == {"Ref": "UserPool"}


def test_the_pre_token_trigger_may_be_invoked_by_the_pool_only(resources, functions):
    fn = plain(functions["PreTokenFunction"]["Properties"])
    assert not fn.get("Events"), "Cognito invokes it, nothing else"
    assert fn["Timeout"] <= 5, "Cognito waits 5 s for a trigger"
    assert set(granted("PreTokenFunction", fn)) == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}
    (permission,) = [plain(r) for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
    p = permission["Properties"]
    assert p["FunctionName"] == {"Fn::GetAtt": ["PreTokenFunction", "Arn"]}
    assert p["Principal"] == "cognito-idp.amazonaws.com"
    assert p["SourceArn"] == {"Fn::GetAtt": ["UserPool", "Arn"]}


def test_only_the_invite_functions_know_the_user_pool(functions):
    for lid, res in functions.items():
        env = plain((res["Properties"].get("Environment") or {}).get("Variables") or {})
        fn = next((f for f in COGNITO_ADMINS if logical_id(f) == lid), None)
        if fn:
            assert env.get("USER_POOL_ID") == {"Fn::If": ["UseCognito", {"Ref": "UserPool"}, ""]}, lid
            assert set(granted(lid, res["Properties"])) & COGNITO_ACTIONS == COGNITO_ACTIONS, lid
        else:
            assert "USER_POOL_ID" not in env, lid


def _matches(pattern, value) -> bool:
    """Lambda event filtering, the operators the template uses: lists of exact values,
    {"exists": true}, {"prefix": "…"}; nested objects must all match."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            _matches(p, value.get(k)) if not _is_exists(p) else (k in value) == _exists_wanted(p)
            for k, p in pattern.items()
        )
    if isinstance(pattern, list):
        for option in pattern:
            if isinstance(option, dict) and "prefix" in option:
                if isinstance(value, str) and value.startswith(option["prefix"]):
                    return True
            elif option == value:
                return True
        return False
    return pattern == value


def _is_exists(p) -> bool:
    return isinstance(p, dict) and any(
        isinstance(v, list) and v and isinstance(v[0], dict) and "exists" in v[0] for v in p.values()
    )


def _exists_wanted(p) -> bool:
    return next(iter(p.values()))[0]["exists"]


def test_lead_and_status_events_come_from_the_table_stream(resources, functions):
    """Issue 17's outbox: the table streams its new images to publish_events, which retries a
    failed batch for a day, then parks the records' coordinates in a dead-letter queue; its
    filter lets the sample's lead, status-event, segment and milestone inserts through, and
    not the lead's modification or a note."""
    table = plain(resources["Table"]["Properties"])
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    props = plain(functions["PublishEventsFunction"]["Properties"])
    (stream,) = [e["Properties"] for e in props["Events"].values() if e["Type"] == "DynamoDB"]
    assert stream["Stream"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert stream["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert stream["BisectBatchOnFunctionError"] is True
    assert stream["MaximumRecordAgeInSeconds"] == 86400
    assert stream["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["PublishEventsDeadLetterQueue", "Arn"]
    }
    patterns = [json.loads(f["Pattern"]) for f in stream["FilterCriteria"]["Filters"]]
    sample = json.loads((EVENTS / "dynamodb" / "publish_events.json").read_text())
    passed = [r["eventName"] for r in sample["Records"] if any(_matches(p, r) for p in patterns)]
    passed_sk = [r["dynamodb"]["Keys"]["SK"]["S"][:3] for r in sample["Records"] if any(_matches(p, r) for p in patterns)]
    assert len(passed) == 5 and set(passed) == {"INSERT"}, passed
    assert passed_sk == ["01J", "E#0", "E#0", "TL#", "TL#"], passed_sk
    assert "PublishEventsDeadLetterAlarm" in resources
    assert "PublishEventsIteratorAgeAlarm" in resources


def test_automatic_texts_take_their_events_from_the_bus_and_failures_are_kept(resources, functions):
    """auto_texts (issue 20 item 7) takes lead.captured and milestone.reached from the bus
    (the stream's events, source pipeline.crm); what it cannot handle is retried, then kept
    in its own dead-letter queue, which alarms; it may queue texts and nothing else."""
    fn = plain(functions["AutoTextsFunction"]["Properties"])
    (event,) = fn["Events"].values()
    assert event["Type"] == "EventBridgeRule"
    pattern = event["Properties"]["Pattern"]
    assert pattern == {"source": ["pipeline.crm"], "detail-type": ["lead.captured", "milestone.reached"]}
    dlq = {"Fn::GetAtt": ["AutoTextsDeadLetterQueue", "Arn"]}
    assert event["Properties"]["DeadLetterConfig"]["Arn"] == dlq
    assert fn["DeadLetterQueue"]["TargetArn"] == dlq
    alarm = plain(resources["AutoTextsDeadLetterAlarm"]["Properties"])
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["AutoTextsDeadLetterQueue", "QueueName"]}
    for name in ("lead.captured", "milestone.reached"):
        assert (EVENTS / "eventbridge" / f"{name}.json").exists(), name
