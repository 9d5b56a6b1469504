"""Booking facts on the bus (issue 17 point 5): the template's rule lets through only the
platform's own booking source, which is the code's (`crm-local routes` prints it) and the
samples'; proven on moto with the rule made from the template's own pattern: a fact from that
source reaches the target, the same fact from another source (anyone able to put events on
the bus naming any tenant) does not."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import boto3
import pytest

from conftest import EVENTS


def booking_pattern(functions) -> dict:
    props = functions["IngestBookingFunction"]["Properties"]
    return props["Events"]["BookingFacts"]["Properties"]["Pattern"]


def test_the_rule_takes_only_the_platforms_booking_source(functions, route_table):
    pattern = booking_pattern(functions)
    assert pattern["source"] == [route_table["booking_source"]]
    for sample in sorted((EVENTS / "eventbridge").glob("Booking*.json")):
        event = json.loads(sample.read_text())
        assert event["source"] == route_table["booking_source"], sample.name


def client(service: str):
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        pytest.fail("this test runs against moto: set AWS_ENDPOINT_URL (scripts/test does)")
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_on_moto_a_forged_source_never_reaches_the_booking_consumer(functions):
    events, sqs = client("events"), client("sqs")
    name = f"booking-rule-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=name)
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventBusName=name, EventPattern=json.dumps(booking_pattern(functions)))
    events.put_targets(Rule=name, EventBusName=name, Targets=[{"Id": "consumer", "Arn": arn}])

    sample = json.loads((EVENTS / "eventbridge" / "BookingCompleted.json").read_text())
    trusted = dict(sample, detail=dict(sample["detail"], booking_id="TRUSTED-1"))
    forged = dict(sample, source="booking.system", detail=dict(sample["detail"], booking_id="FORGED-1"))
    entries = [
        {
            "Source": e["source"],
            "DetailType": e["detail-type"],
            "Detail": json.dumps(e["detail"]),
            "EventBusName": name,
        }
        for e in (forged, trusted)
    ]
    assert events.put_events(Entries=entries)["FailedEntryCount"] == 0

    delivered = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not delivered:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        delivered += [json.loads(m["Body"]) for m in got.get("Messages", [])]
    time.sleep(0.5)
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    delivered += [json.loads(m["Body"]) for m in got.get("Messages", [])]
    assert [e["detail"]["booking_id"] for e in delivered] == ["TRUSTED-1"], delivered
