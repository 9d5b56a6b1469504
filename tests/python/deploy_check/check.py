"""Runs every function of the built template on its samples and says how each answered."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3

from cfn import function_environment, function_setting, load, plain
from . import runtime_api, samples
from .intrinsics import Resolver, Unresolved
from .resources import TABLE, Resources, of_type
from .stubs import Stubs

ROOT = Path(__file__).resolve().parents[3]
ACCOUNT = "123456789012"  # moto's
LOG_TAIL_LINES = 30


@dataclass
class Function:
    """A function of the built template, and what the check makes of it."""

    logical: str
    props: dict
    handler: str
    case: samples.Case | None = None
    env: dict | None = None
    problem: str | None = None  # why it cannot even run


@dataclass
class Outcome:
    handler: str
    ok: bool
    said: str
    init_ms: float | None = None
    invoke_ms: float | None = None
    log: str = ""


def parse_args(argv):
    p = argparse.ArgumentParser(prog="deploy_check", description=__doc__)
    p.add_argument("--template", type=Path, default=ROOT / "infra" / "template.yaml",
                   help="the source template, whose resources are created on moto")
    p.add_argument("--built", type=Path, default=ROOT / ".aws-sam" / "build" / "template.yaml",
                   help="the template `sam build` wrote: its functions' CodeUri and Handler")
    p.add_argument("--seeder", type=Path, required=True,
                   help="the seed_samples example binary (functions/examples/seed_samples.rs)")
    p.add_argument("--events", type=Path, default=ROOT / "events")
    p.add_argument("--only", nargs="*", default=None, help="only the functions with these handlers")
    args = p.parse_args(argv)
    # The artifacts run in their own directory (LAMBDA_TASK_ROOT): no path may be relative.
    for name in ("template", "built", "seeder", "events"):
        setattr(args, name, getattr(args, name).resolve())
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not os.environ.get("AWS_ENDPOINT_URL"):
        print("deploy_check: AWS_ENDPOINT_URL (moto) is not set", file=sys.stderr)
        return 2
    started = time.monotonic()
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    stack = f"deploy-check-{uuid.uuid4().hex[:8]}"
    stubs = Stubs()
    resources = Resources(boto3.Session(region_name=region), stack, region, ACCOUNT)
    try:
        return _check(args, stack, region, stubs, resources, started)
    finally:
        for problem in resources.delete():
            print(f"  (not deleted: {problem})")
        stubs.close()


def _check(args, stack, region, stubs, resources, started) -> int:
    source, built = load(args.template), load(args.built)
    expected = json.loads((args.events / "expected.json").read_text())
    functions = _functions(built, expected, args)

    t = time.monotonic()
    resolver = Resolver(source, _parameters(source, stubs), _pseudo(stack, region), {})
    resolver = resources.shared(source, resolver)
    # The provider's token as a deployment passes it: sealed by the stack's own key.
    resolver = resolver.with_parameters(TwilioAuthToken=resources.seal_platform_secret(
        resolver(plain(source["Globals"]["Function"]["Environment"]["Variables"]["SECRETS_KEY_ID"])),
        "sms_provider", TWILIO_TOKEN))
    # The HTTP API is not made on moto (the check calls functions directly); its id only
    # names URLs in functions' environments (where the provider reports deliveries).
    resolver = resolver.with_physical(**{
        lid: {"Ref": f"{stack}-api"}
        for lid, res in source["Resources"].items()
        if res.get("Type") == "AWS::Serverless::HttpApi"
    })
    _deploy(functions, source, built, resolver, resources, stack)
    print(f"resources: {len(resources.created)} created on {os.environ['AWS_ENDPOINT_URL']} "
          f"in {time.monotonic() - t:.1f} s (stack {stack})")

    t = time.monotonic()
    runnable = [f for f in functions if not f.problem]
    seeded = _seed(args.seeder, runnable)
    print(f"seeded: {len(runnable)} tables in {time.monotonic() - t:.1f} s")

    t = time.monotonic()
    logs = Path(tempfile.mkdtemp(prefix=f"{stack}-"))
    width = max((len(f.handler) for f in functions), default=10)
    outcomes = []
    for f in functions:
        if f.problem:
            outcome = Outcome(f.handler, False, f.problem)
        else:
            ids = seeded["tables"].get(f.env["TABLE_NAME"], {})
            outcome = _run(f, args.built.parent, built, stack, region, ids, seeded["webhook_secret"], stubs, logs)
        outcomes.append(outcome)
        timing = "" if outcome.init_ms is None or outcome.invoke_ms is None else \
            f"init {outcome.init_ms:6.1f} ms  invoke {outcome.invoke_ms:6.1f} ms"
        print(f"  {'ok  ' if outcome.ok else 'FAIL'} {f.handler:<{width}}  {outcome.said[:70]:<70}  {timing}")
    return _summary(outcomes, time.monotonic() - t, time.monotonic() - started, logs)


def _functions(built: dict, expected: dict, args) -> list[Function]:
    """Every function of the built template (or those --only names), with its case."""
    found = []
    for lid, res in built["Resources"].items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        f = Function(lid, res["Properties"], str(res["Properties"].get("Handler")))
        if args.only is not None and f.handler not in args.only:
            continue
        try:
            f.case = samples.case_for(lid, f.props, built, expected, args.events)
        except samples.NoSample as e:
            f.problem = str(e)
        found.append(f)
    return found


def _deploy(functions, source, built, resolver, resources, stack) -> None:
    """Tables of its own for each function, seeded alike later: one sample's writes (a deleted
    customer, a changed lead) never meet another's, as in the replay test's fresh stores.
    Then each function's environment, resolved against them."""
    tables = of_type(source, TABLE)
    for f in functions:
        if f.problem:
            continue
        try:
            own = resolver.with_physical(**{
                lid: resources.table(lid, resolver(props), f"{stack}-{lid}-{f.logical}")
                for lid, props in tables.items()
            })
            f.env = {k: str(v) for k, v in own(function_environment(built, f.props)).items()}
        except Unresolved as e:
            f.problem = f"environment: {e}"


def _seed(seeder: Path, functions: list[Function]) -> dict:
    """The demo business in every function's table (one run of the seeder); its answer:
    the placeholder ids per table and the webhook secret."""
    if not functions:
        return {"tables": {}, "webhook_secret": ""}
    env = {**os.environ, **functions[0].env, "RUST_LOG": "warn"}
    # The samples' uploaded file goes to the imports bucket (only the import functions name it).
    env.update({k: v for f in functions for k, v in f.env.items() if k == "IMPORTS_BUCKET"})
    done = subprocess.run([str(seeder), *(f.env["TABLE_NAME"] for f in functions)], env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"seeder failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


# The SMS provider's auth token of the test stack (the Twilio stub takes any).
TWILIO_TOKEN = "deploy-check-token"


def _parameters(template: dict, stubs: Stubs) -> dict[str, str]:
    """Parameter defaults, with the overrides a test stack gets: the SMS provider and Meta's
    Graph API are the local stubs (plain http: the template's https pattern is for deploys)."""
    values = {name: str(p.get("Default", "")) for name, p in (template.get("Parameters") or {}).items()}
    values.update(
        Architecture="x86_64",
        TwilioAccountSid="ACdeploycheck0000000000000000000000",
        TwilioAuthToken="",  # sealed once the stack's key exists (_check)
        TwilioBaseUrl=stubs.url("twilio"),
        MetaGraphUrl=stubs.url("meta"),
    )
    return values


def _pseudo(stack: str, region: str) -> dict[str, str]:
    return {
        "AWS::StackName": stack,
        "AWS::StackId": f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/{stack}/{uuid.uuid4()}",
        "AWS::Region": region,
        "AWS::AccountId": ACCOUNT,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }


def _run(f: Function, build_dir: Path, built, stack, region, ids, secret, stubs, logs) -> Outcome:
    """The function's artifact started as Lambda starts it, fed its samples, judged."""
    code = build_dir / str(function_setting(built, f.props, "CodeUri"))
    bootstrap = code / "bootstrap"
    if not bootstrap.exists():
        return Outcome(f.handler, False, f"no artifact {bootstrap}")
    if (pie := _pie(bootstrap)) is not None:
        return Outcome(f.handler, False, pie)
    name = f"{stack}-{f.logical}"
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        **{k: v for k, v in os.environ.items() if k.startswith("AWS_")},
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "_HANDLER": f.handler,
        "LAMBDA_TASK_ROOT": str(code),
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function_setting(built, f.props, "MemorySize") or 128),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        **f.env,
    }
    timeout = float(function_setting(built, f.props, "Timeout") or 3)
    try:
        events = [samples.prepare(f.case, path, ids, secret) for path in f.case.samples]
    except (OSError, ValueError) as e:
        return Outcome(f.handler, False, f"sample: {e}")
    stubs.take()
    run = runtime_api.run(bootstrap, env, events, timeout,
                          f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}", logs / f"{f.handler}.log")
    ok, said = samples.verdict(f.case, run, stubs.take())
    invoke_ms = run.answers[0].invoke_ms if run.answers else None
    return Outcome(f.handler, ok, said, run.init_ms, invoke_ms, run.log)


def _pie(binary: Path) -> str | None:
    """Why `binary` is not the position-dependent executable functions/build.rs links (as a
    PIE, the loader spends milliseconds of every cold start relocating it); None if it is."""
    with binary.open("rb") as f:
        header = f.read(18)
    if header[:4] != b"\x7fELF":
        return None  # not ELF (a test's stand-in script): nothing to say
    byteorder = "little" if header[5] == 1 else "big"
    kind = int.from_bytes(header[16:18], byteorder)
    ET_EXEC = 2
    if kind != ET_EXEC:
        return f"{binary} is not linked as a position-dependent executable (ELF type {kind}): " \
               "functions/build.rs's -no-pie did not reach the linker"
    return None


def _summary(outcomes: list[Outcome], ran_s: float, all_s: float, logs: Path) -> int:
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        tail = "\n".join(o.log.splitlines()[-LOG_TAIL_LINES:])
        print(f"\n--- {o.handler}: {o.said}\n{tail or '(no output)'}")
    inits = [o.init_ms for o in outcomes if o.init_ms is not None]
    init_text = f"; init median {statistics.median(inits):.1f} ms, max {max(inits):.1f} ms" if inits else ""
    print(f"\ndeploy check: {len(outcomes) - len(failed)} of {len(outcomes)} functions answered as "
          f"their samples expect{init_text}; functions {ran_s:.1f} s, all {all_s:.1f} s")
    if failed:
        print(f"FAILED: {', '.join(o.handler for o in failed)} (logs in {logs})")
        return 1
    shutil.rmtree(logs, ignore_errors=True)  # kept only when something failed
    return 0
