"""The template's tables, queues, event buses and user pools, created on moto from their own
definitions in the template (not from the code's setup helpers), and deleted again.

Every name starts with the check's stack name (unique per run), so runs against one moto
server never meet. A property the check does not know how to create is an error: a new one
in the template must be taught here rather than silently left out."""

from __future__ import annotations

import base64
import json

from cfn import plain
from .intrinsics import NO_VALUE, Resolver, Unresolved

TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
BUS = "AWS::Events::EventBus"
USER_POOL = "AWS::Cognito::UserPool"
KEY = "AWS::KMS::Key"
BUCKET = "AWS::S3::Bucket"


class Unsupported(Exception):
    pass


def of_type(template: dict, kind: str) -> dict[str, dict]:
    """Logical id -> resolvable properties of every resource of type `kind`."""
    return {
        lid: plain(res.get("Properties") or {})
        for lid, res in template["Resources"].items()
        if res.get("Type") == kind
    }


def _take(props: dict, known: set[str], what: str) -> dict:
    unknown = set(props) - known
    if unknown:
        raise Unsupported(f"{what}: properties the deploy check cannot create yet: {sorted(unknown)}")
    return props


class Resources:
    """What one run created on moto (`session`: a boto3 session pointed at it)."""

    def __init__(self, session, stack: str, region: str, account: str):
        self.dynamodb = session.client("dynamodb")
        self.sqs = session.client("sqs")
        self.events = session.client("events")
        self.cognito = session.client("cognito-idp")
        self.kms = session.client("kms")
        self.s3 = session.client("s3")
        self.stack = stack
        self.region = region
        self.account = account
        self.created: list[tuple[str, str]] = []

    # ------------------------------------------------------------------ tables

    TABLE_PROPS = {
        "TableName", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes", "BillingMode", "ProvisionedThroughput", "StreamSpecification",
        "SSESpecification", "TableClass", "DeletionProtectionEnabled", "Tags",
        "TimeToLiveSpecification", "PointInTimeRecoverySpecification",
    }

    def table(self, logical: str, props: dict, name: str) -> dict:
        """Creates table `name` as `props` (resolved) define it; its Ref and attributes."""
        p = dict(_take(props, self.TABLE_PROPS, f"{TABLE} {logical}"))
        ttl = p.pop("TimeToLiveSpecification", None)
        pitr = p.pop("PointInTimeRecoverySpecification", None)
        p.pop("TableName", None)
        p.pop("DeletionProtectionEnabled", None)  # the check deletes what it made
        if "StreamSpecification" in p:
            p["StreamSpecification"] = {"StreamEnabled": True, **p["StreamSpecification"]}
        if "SSESpecification" in p:
            sse = p.pop("SSESpecification")
            p["SSESpecification"] = {
                k: v for k, v in {
                    "Enabled": sse.get("SSEEnabled"), "SSEType": sse.get("SSEType"),
                    "KMSMasterKeyId": sse.get("KMSMasterKeyId"),
                }.items() if v is not None
            }
        self.dynamodb.create_table(TableName=name, **p)
        self.created.append((TABLE, name))
        if ttl:
            self.dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        if pitr:
            self.dynamodb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=pitr)
        arn = f"arn:aws:dynamodb:{self.region}:{self.account}:table/{name}"
        return {"Ref": name, "Arn": arn}

    # ------------------------------------------------------------------ queues

    QUEUE_ATTRIBUTES = {
        "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "RedrivePolicy",
        "RedriveAllowPolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
        "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope",
        "FifoThroughputLimit",
    }

    def queue(self, logical: str, props: dict) -> dict:
        p = dict(_take(props, self.QUEUE_ATTRIBUTES | {"QueueName", "Tags"}, f"{QUEUE} {logical}"))
        fifo = bool(p.get("FifoQueue"))
        name = f"{self.stack}-{logical}" + (".fifo" if fifo else "")
        tags = {t["Key"]: t["Value"] for t in p.pop("Tags", [])}
        p.pop("QueueName", None)
        attributes = {k: _attribute(v) for k, v in p.items()}
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes, tags=tags)["QueueUrl"]
        self.created.append((QUEUE, url))
        arn = f"arn:aws:sqs:{self.region}:{self.account}:{name}"
        return {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}

    # ------------------------------------------------------------------ buses

    def bus(self, logical: str, props: dict) -> dict:
        p = _take(props, {"Name", "Description", "Tags"}, f"{BUS} {logical}")
        name = p["Name"]
        extra = {"Description": p["Description"]} if "Description" in p else {}
        arn = self.events.create_event_bus(Name=name, Tags=p.get("Tags", []), **extra)["EventBusArn"]
        self.created.append((BUS, name))
        return {"Ref": name, "Arn": arn, "Name": name}

    # ------------------------------------------------------------------ user pools

    def user_pool(self, logical: str, props: dict) -> dict:
        p = dict(props)
        # Its triggers are functions, which the check runs itself: no Lambda service here.
        p.pop("LambdaConfig", None)
        name = p.pop("UserPoolName", f"{self.stack}-{logical}")
        tags = p.pop("UserPoolTags", None)
        if tags:
            p["UserPoolTags"] = tags
        pool = self.cognito.create_user_pool(PoolName=name, **p)["UserPool"]
        self.created.append((USER_POOL, pool["Id"]))
        return {"Ref": pool["Id"], "Arn": pool["Arn"], "ProviderName": pool["Id"]}

    # ------------------------------------------------------------------ keys

    KEY_PROPS = {
        "Description", "EnableKeyRotation", "KeyPolicy", "KeySpec", "KeyUsage", "Enabled",
        "MultiRegion", "PendingWindowInDays", "Tags",
    }

    def key(self, logical: str, props: dict) -> dict:
        p = _take(props, self.KEY_PROPS, f"{KEY} {logical}")
        made = {"Policy": json.dumps(p["KeyPolicy"])} if "KeyPolicy" in p else {}
        for name in ("Description", "KeySpec", "KeyUsage", "MultiRegion"):
            if name in p:
                made[name] = p[name]
        if p.get("Tags"):
            made["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in p["Tags"]]
        meta = self.kms.create_key(**made)["KeyMetadata"]
        if p.get("EnableKeyRotation"):
            self.kms.enable_key_rotation(KeyId=meta["KeyId"])
        self.created.append((KEY, meta["KeyId"]))
        return {"Ref": meta["KeyId"], "Arn": meta["Arn"], "KeyId": meta["KeyId"]}

    def seal_platform_secret(self, key_id: str, purpose: str, plain_text: str) -> str:
        """`plain_text` sealed for the platform as `crm-admin seal` seals it (KMS with the
        encryption context {tenant: ":platform", purpose})."""
        blob = self.kms.encrypt(
            KeyId=key_id, Plaintext=plain_text.encode(),
            EncryptionContext={"tenant": ":platform", "purpose": purpose},
        )["CiphertextBlob"]
        return "sealed:kms:" + base64.b64encode(blob).decode()

    # ------------------------------------------------------------------ buckets

    BUCKET_PROPS = {
        "BucketName", "PublicAccessBlockConfiguration", "OwnershipControls", "BucketEncryption",
        "VersioningConfiguration", "LifecycleConfiguration", "Tags",
    }
    LIFECYCLE_RULE_PROPS = {"Id", "Status", "Prefix", "ExpirationInDays", "NoncurrentVersionExpiration"}

    def bucket(self, logical: str, props: dict) -> dict:
        p = _take(props, self.BUCKET_PROPS, f"{BUCKET} {logical}")
        name = p.get("BucketName") or f"{self.stack}-{logical}".lower()[:63]
        self.s3.create_bucket(Bucket=name)
        self.created.append((BUCKET, name))
        if "PublicAccessBlockConfiguration" in p:
            self.s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"])
        if "OwnershipControls" in p:
            self.s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=p["OwnershipControls"])
        if "BucketEncryption" in p:
            rules = p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            self.s3.put_bucket_encryption(
                Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
                    {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]} for r in rules
                ]})
        if "VersioningConfiguration" in p:
            self.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=p["VersioningConfiguration"])
        if "LifecycleConfiguration" in p:
            rules = []
            for r in p["LifecycleConfiguration"]["Rules"]:
                _take(r, self.LIFECYCLE_RULE_PROPS, f"{BUCKET} {logical} lifecycle rule")
                rule = {"ID": r["Id"], "Status": r["Status"], "Filter": {"Prefix": r.get("Prefix", "")}}
                if "ExpirationInDays" in r:
                    rule["Expiration"] = {"Days": r["ExpirationInDays"]}
                if "NoncurrentVersionExpiration" in r:
                    rule["NoncurrentVersionExpiration"] = {
                        "NoncurrentDays": r["NoncurrentVersionExpiration"]["NoncurrentDays"]}
                rules.append(rule)
            self.s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration={"Rules": rules})
        arn = f"arn:aws:s3:::{name}"
        return {"Ref": name, "Arn": arn}

    def _empty_bucket(self, name: str) -> None:
        for page in self.s3.get_paginator("list_object_versions").paginate(Bucket=name):
            for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
                self.s3.delete_object(Bucket=name, Key=v["Key"], VersionId=v["VersionId"])

    # ------------------------------------------------------------------ the stack's shared ones

    def shared(self, template: dict, resolver: Resolver) -> Resolver:
        """Every key, queue (dead-letter queues before the queues that name them), bus and
        user pool of the template; the resolver with them."""
        for lid, props in of_type(template, KEY).items():
            resolver = resolver.with_physical(**{lid: self.key(lid, resolver(props))})
        pending = of_type(template, QUEUE)
        while pending:
            progressed = False
            for lid, props in list(pending.items()):
                try:
                    resolved = resolver(props)
                except Unresolved:  # names a queue not created yet
                    continue
                resolver = resolver.with_physical(**{lid: self.queue(lid, resolved)})
                del pending[lid]
                progressed = True
            if not progressed:
                resolver(next(iter(pending.values())))  # raises, naming what is missing
        for lid, props in of_type(template, BUCKET).items():
            resolver = resolver.with_physical(**{lid: self.bucket(lid, resolver(props))})
        for lid, props in of_type(template, BUS).items():
            resolver = resolver.with_physical(**{lid: self.bus(lid, resolver(props))})
        for lid, props in of_type(template, USER_POOL).items():
            props = {k: v for k, v in props.items() if k != "LambdaConfig"}
            resolver = resolver.with_physical(**{lid: self.user_pool(lid, resolver(props))})
        return resolver

    def delete(self) -> list[str]:
        """Deletes what this run created; what could not be deleted, said."""
        failed = []
        for kind, name in reversed(self.created):
            try:
                if kind == TABLE:
                    self.dynamodb.delete_table(TableName=name)
                elif kind == QUEUE:
                    self.sqs.delete_queue(QueueUrl=name)
                elif kind == BUS:
                    self.events.delete_event_bus(Name=name)
                elif kind == USER_POOL:
                    self.cognito.delete_user_pool(UserPoolId=name)
                elif kind == BUCKET:
                    self._empty_bucket(name)
                    self.s3.delete_bucket(Bucket=name)
                elif kind == KEY:
                    self.kms.schedule_key_deletion(KeyId=name, PendingWindowInDays=7)
            except Exception as e:  # report, keep deleting the rest
                failed.append(f"{kind} {name}: {e}")
        self.created.clear()
        return failed


def _attribute(value) -> str:
    """A queue property as SQS's string attribute."""
    if value is NO_VALUE:
        raise Unsupported("AWS::NoValue in a queue attribute")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)
