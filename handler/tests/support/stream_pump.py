"""Reads a DynamoDB table's stream from moto with boto3, as Lambda's event source mapping does,
and prints every record so far as one Lambda DynamoDB stream event (JSON on stdout): what the
notifier receives on AWS. Keys only (the table's StreamViewType), no images.

    python3 stream_pump.py http://127.0.0.1:5000 mikke-table
"""
import json
import sys

import boto3

endpoint, table = sys.argv[1], sys.argv[2]
options = dict(endpoint_url=endpoint, region_name="ap-northeast-1",
               aws_access_key_id="testing", aws_secret_access_key="testing")
dynamodb = boto3.client("dynamodb", **options)
streams = boto3.client("dynamodbstreams", **options)
arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
records = []
for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    while iterator:
        out = streams.get_records(ShardIterator=iterator, Limit=1000)
        records.extend(out["Records"])
        if not out["Records"]:
            break
        iterator = out.get("NextShardIterator")
event = {"Records": [{
    "eventID": r["eventID"],
    "eventName": r["eventName"],
    "eventVersion": "1.1",
    "eventSource": "aws:dynamodb",
    "awsRegion": "ap-northeast-1",
    "dynamodb": {
        "Keys": r["dynamodb"]["Keys"],
        "SequenceNumber": r["dynamodb"]["SequenceNumber"],
        "SizeBytes": r["dynamodb"].get("SizeBytes", 0),
        "StreamViewType": r["dynamodb"]["StreamViewType"],
    },
    "eventSourceARN": arn,
} for r in records]}
json.dump(event, sys.stdout, default=str)
