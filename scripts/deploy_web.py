"""Publishes the built admin app (web/admin/dist) to the stack's bucket and distribution.

    scripts/deploy-web --stack pipeline-crm [--region eu-west-1] [--provider-name Cognito]

Reads the stack's outputs (AdminBucketName, AdminDistributionId, ApiUrl, OidcIssuer,
OidcClientId), writes config.json for the app, uploads every file under `admin/` with its
content type and cache policy (content-hashed assets: a year, immutable; everything else:
no-cache), assets first so that no index.html ever names an asset not yet there, then
invalidates the paths that are not content-hashed. Old assets stay (a page loaded before the
upload may still ask for them); the bucket's versioning expires replaced files.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import uuid
from pathlib import Path
from typing import Any

PREFIX = "admin/"
HASHED = "public, max-age=31536000, immutable"
FRESH = "no-cache"
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
}


class DeployError(Exception):
    """Something the person deploying must fix, said plainly."""


def app_config(outputs: dict[str, str], provider_name: str | None) -> dict[str, Any]:
    """The app's config.json from the stack's outputs (web/admin/src/config.ts reads it)."""
    missing = [k for k in ("ApiUrl", "OidcIssuer", "OidcClientId") if not outputs.get(k)]
    if missing:
        raise DeployError(f"the stack has no output {', '.join(missing)}: deploy infra/template.yaml first")
    oidc: dict[str, Any] = {"issuer": outputs["OidcIssuer"].rstrip("/"), "clientId": outputs["OidcClientId"]}
    if provider_name:
        oidc["name"] = provider_name
    return {"apiUrl": outputs["ApiUrl"].rstrip("/"), "devSignIn": False, "oidc": oidc}


def content_type(path: Path) -> str:
    return TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def plan(dist: Path) -> list[tuple[Path, str]]:
    """(file, key) for every built file, hashed assets first and index.html last."""
    if not (dist / "index.html").is_file():
        raise DeployError(f"{dist}/index.html is missing: run `npm ci && npm run build` in web/admin")
    files = [p for p in dist.rglob("*") if p.is_file() and p.name != "config.json"]

    def order(p: Path) -> tuple[int, str]:
        rel = p.relative_to(dist).as_posix()
        return (0 if rel.startswith("assets/") else 2 if rel == "index.html" else 1, rel)

    return [(p, PREFIX + p.relative_to(dist).as_posix()) for p in sorted(files, key=order)]


def publish(s3: Any, cloudfront: Any, bucket: str, distribution_id: str, dist: Path, config: dict[str, Any]) -> dict[str, Any]:
    """Uploads the app and its config; returns what was done (keys, invalidated paths)."""
    uploaded = []
    steps = plan(dist)
    # config.json before index.html: a fresh page must find the configuration it needs.
    steps.insert(len(steps) - 1, (None, PREFIX + "config.json"))
    for path, key in steps:
        if path is None:
            body, ctype, cache = json.dumps(config, indent=2).encode(), "application/json", FRESH
        else:
            rel = path.relative_to(dist).as_posix()
            body, ctype = path.read_bytes(), content_type(path)
            cache = HASHED if rel.startswith("assets/") else FRESH
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=ctype, CacheControl=cache)
        uploaded.append(key)
    fresh = ["/" + k for k in uploaded if not k.startswith(PREFIX + "assets/")]
    paths = sorted(set(fresh) | {"/admin/"})
    cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": uuid.uuid4().hex},
    )
    return {"uploaded": uploaded, "invalidated": paths}


def stack_outputs(cfn: Any, stack: str) -> dict[str, str]:
    try:
        described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    except Exception as e:  # botocore's ClientError, without importing botocore here
        raise DeployError(f"cannot read stack {stack}: {e}") from e
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def main(argv: list[str]) -> int:
    import time

    import boto3

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--region")
    parser.add_argument("--provider-name", help="shown on the sign-in button, e.g. Cognito")
    parser.add_argument("--dist", default=str(Path(__file__).resolve().parents[1] / "web/admin/dist"))
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    try:
        outputs = stack_outputs(session.client("cloudformation"), args.stack)
        config = app_config(outputs, args.provider_name)
        bucket, distribution = outputs.get("AdminBucketName"), outputs.get("AdminDistributionId")
        if not bucket or not distribution:
            raise DeployError("the stack has no AdminBucketName/AdminDistributionId outputs")
        started = time.monotonic()
        done = publish(session.client("s3"), session.client("cloudfront"), bucket, distribution, Path(args.dist), config)
    except DeployError as e:
        print(f"deploy-web: {e}", file=sys.stderr)
        return 1
    print(f"uploaded {len(done['uploaded'])} files to s3://{bucket}/{PREFIX} in {time.monotonic() - started:.1f}s")
    print(f"invalidated {', '.join(done['invalidated'])}")
    print(f"the admin app: {outputs.get('AdminUrl', '(see the stack output AdminUrl)')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
