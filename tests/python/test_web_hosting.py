"""The admin app's hosting (issue 6): the template's bucket, distribution, route function and
security headers, and scripts/deploy_web.py publishing a build to S3 and CloudFront on the
moto server scripts/test starts (AWS_ENDPOINT_URL).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cfnlint.decode import decode

from conftest import ROOT, TEMPLATE

sys.path.insert(0, str(ROOT / "scripts"))
import deploy_web  # noqa: E402


@pytest.fixture(scope="module")
def resources() -> dict:
    template, problems = decode(str(TEMPLATE))
    assert not problems, problems
    return template["Resources"]


def test_the_bucket_is_private_and_read_only_by_the_distribution(resources):
    bucket = resources["AdminBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    statements = resources["AdminBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allow = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allow) == 1
    assert allow[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow[0]["Action"] == "s3:GetObject"
    assert "AdminDistribution" in json.dumps(allow[0]["Condition"]), "only this distribution may read"
    origin = resources["AdminDistribution"]["Properties"]["DistributionConfig"]["Origins"][0]
    assert "OriginAccessControlId" in origin
    behaviour = resources["AdminDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"


def test_the_cloud_and_crm_local_send_the_same_content_security_policy(resources):
    cloud = resources["AdminSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"][
        "ContentSecurityPolicy"
    ]["ContentSecurityPolicy"]
    source = (ROOT / "local/src/admin.rs").read_text()
    local = re.search(r'pub const ADMIN_CSP: &str = "([^"]+)";', source)
    assert local, "ADMIN_CSP not found in local/src/admin.rs"
    assert cloud == local.group(1)
    assert "script-src 'self';" in cloud and "unsafe-inline" not in cloud


@pytest.mark.skipif(shutil.which("node") is None, reason="node is installed by the machine")
def test_the_route_function_sends_app_routes_to_index_html(resources):
    code = resources["AdminSpaRoutes"]["Properties"]["FunctionCode"]
    cases = {
        "/admin/customers/01JABC": "/admin/index.html",
        "/admin/callback": "/admin/index.html",
        "/admin/": "/admin/index.html",
        "/admin/assets/index-abc.js": "/admin/assets/index-abc.js",
        "/admin/config.json": "/admin/config.json",
        "/other": "/other",
    }
    harness = code + (
        "\nconst out = {};"
        f"\nfor (const uri of {json.dumps(list(cases) + ['/', '/admin'])}) {{"
        "\n  const r = handler({ request: { uri, querystring: {}, headers: {} } });"
        "\n  out[uri] = r.statusCode ? `${r.statusCode} ${r.headers.location.value}` : r.uri;"
        "\n}"
        "\nconsole.log(JSON.stringify(out));"
    )
    done = subprocess.run(["node", "-e", harness], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    for uri, want in cases.items():
        assert got[uri] == want, uri
    assert got["/"] == "301 /admin/"
    assert got["/admin"] == "301 /admin/"


def test_config_json_comes_from_the_stack_outputs():
    outputs = {
        "ApiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com/prod/",
        "OidcIssuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool/",
        "OidcClientId": "client123",
    }
    assert deploy_web.app_config(outputs, "Cognito") == {
        "apiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com/prod",
        "devSignIn": False,
        "oidc": {"issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool", "clientId": "client123", "name": "Cognito"},
    }
    with pytest.raises(deploy_web.DeployError, match="OidcClientId"):
        deploy_web.app_config({"ApiUrl": "https://x", "OidcIssuer": "https://y"}, None)


def test_the_template_outputs_what_the_deploy_script_reads():
    template, _ = decode(str(TEMPLATE))
    outputs = set(template["Outputs"])
    assert {"ApiUrl", "OidcIssuer", "OidcClientId", "AdminBucketName", "AdminDistributionId", "AdminUrl"} <= outputs


def _aws_clients():
    if not os.environ.get("AWS_ENDPOINT_URL"):
        pytest.fail("AWS_ENDPOINT_URL is not set: scripts/test starts moto and sets it")
    import boto3

    return boto3.client("s3", region_name="us-east-1"), boto3.client("cloudfront", region_name="us-east-1")


def test_publish_uploads_the_build_with_its_cache_policy_and_invalidates_the_fresh_paths(tmp_path: Path):
    s3, cloudfront = _aws_clients()
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><script type="module" src="/admin/assets/index-1a2b.js"></script>')
    (dist / "assets" / "index-1a2b.js").write_text("console.log(1)")
    (dist / "assets" / "index-3c4d.css").write_text("body{}")
    (dist / "config.json").write_text('{"devSignIn": true}')  # a stale local one is never uploaded
    bucket = f"admin-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": uuid.uuid4().hex,
            "Comment": "test",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "a", "DomainName": f"{bucket}.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "a", "ViewerProtocolPolicy": "redirect-to-https", "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        }
    )["Distribution"]["Id"]
    config = {"apiUrl": "https://api.example.com/prod", "devSignIn": False, "oidc": {"issuer": "https://id.example.com", "clientId": "c"}}

    done = deploy_web.publish(s3, cloudfront, bucket, distribution, dist, config)

    assert done["uploaded"] == ["admin/assets/index-1a2b.js", "admin/assets/index-3c4d.css", "admin/config.json", "admin/index.html"], "assets first, index.html last"
    head = lambda key: s3.head_object(Bucket=bucket, Key=key)  # noqa: E731
    assert head("admin/assets/index-1a2b.js")["CacheControl"] == "public, max-age=31536000, immutable"
    assert head("admin/assets/index-1a2b.js")["ContentType"].startswith("text/javascript")
    assert head("admin/assets/index-3c4d.css")["ContentType"].startswith("text/css")
    assert head("admin/index.html")["CacheControl"] == "no-cache"
    assert head("admin/index.html")["ContentType"].startswith("text/html")
    stored = json.loads(s3.get_object(Bucket=bucket, Key="admin/config.json")["Body"].read())
    assert stored == config
    assert done["invalidated"] == ["/admin/", "/admin/config.json", "/admin/index.html"]
    invalidations = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert invalidations["Quantity"] == 1


def test_publish_refuses_a_missing_build(tmp_path: Path):
    with pytest.raises(deploy_web.DeployError, match="npm run build"):
        deploy_web.plan(tmp_path)
