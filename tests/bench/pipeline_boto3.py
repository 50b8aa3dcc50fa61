"""The end-to-end benchmark's reference: the campaign pipeline written the way a team writes a
stream consumer without pipewright, with boto3 — the capture, the transform and the write that
`pipewright pipeline run --once` does, one call after another:

1. DescribeTable (the stream ARN), DescribeStream (its shards, page by page);
2. per shard, GetShardIterator(TRIM_HORIZON) and a GetRecords loop (Limit 1000) until an
   answer is empty (an open shard has nothing more for now), each record applied to the
   current items (transform_lambda.apply: the last change of a key wins, REMOVE deletes);
3. the dimension (campaignInfo) read with a paginated Scan;
4. the transform of transform_lambda.py (explode progressDetails, left join on (campaignID,
   taskID), the spec's columns), rows grouped by day of createdAt;
5. each partition written to S3 with one put_object (JSON Lines, gzip level 1, as ours), and
   registered in Glue: batch_create_partition, 100 per call, batch_update_partition for those
   that already exist;
6. one SNS publish with what changed.

It is the favourable case for the reference: it reads the whole stream from TRIM_HORIZON and
holds every item in memory, so it keeps no checkpoints, no per-partition state, no versions and
no quarantine (a bad record raises). Its lake has the same rows as ours, partition by
partition (bench_e2e.py checks it before timing is trusted)."""

from __future__ import annotations

from dataclasses import dataclass

import transform_lambda as tl


@dataclass
class Target:
    """Where the reference reads and writes (names resolved by the caller from the spec)."""
    source_table: str
    dimension_table: str
    bucket: str
    prefix: str                 # "boto3/user_campaign_tasks/"
    database: str
    glue_table: str
    topic_arn: str
    partition_as: str = "createdAt_date"


def read_stream(ddb, streams, table: str) -> tuple[dict, dict]:
    """(current items by key, event counts) of every shard of the table's stream."""
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shards, kw = [], {}
    while True:
        desc = streams.describe_stream(StreamArn=arn, **kw)["StreamDescription"]
        shards += desc["Shards"]
        if "LastEvaluatedShardId" not in desc:
            break
        kw = {"ExclusiveStartShardId": desc["LastEvaluatedShardId"]}
    items, counts = {}, {"INSERT": 0, "MODIFY": 0, "REMOVE": 0}
    for shard in shards:          # moto has one; parents come before children in its list
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            page = streams.get_records(ShardIterator=it, Limit=1000)
            for rec in page["Records"]:
                tl.apply(items, rec)
                counts[rec["eventName"]] += 1
            if not page["Records"]:
                break
            it = page.get("NextShardIterator")
    return items, counts


def scan(ddb, table: str) -> list[dict]:
    out, kw = [], {}
    while True:
        page = ddb.scan(TableName=table, **kw)
        out += page["Items"]
        if "LastEvaluatedKey" not in page:
            return out
        kw = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def register(glue, t: Target, days: list[str]):
    """Each day's Glue partition, located at its folder, with the table's storage descriptor."""
    sd = glue.get_table(DatabaseName=t.database, Name=t.glue_table)["Table"]["StorageDescriptor"]

    def entry(day):
        loc = f"s3://{t.bucket}/{t.prefix}{t.partition_as}={day}/"
        return {"Values": [day], "StorageDescriptor": dict(sd, Location=loc)}

    for i in range(0, len(days), 100):
        chunk = [entry(d) for d in days[i:i + 100]]
        answer = glue.batch_create_partition(DatabaseName=t.database, TableName=t.glue_table,
                                             PartitionInputList=chunk)
        errors = answer.get("Errors", [])
        exists = {tuple(e["PartitionValues"]) for e in errors
                  if e["ErrorDetail"]["ErrorCode"] == "AlreadyExistsException"}
        if len(exists) != len(errors):
            raise RuntimeError(f"batch_create_partition: {errors[0]['ErrorDetail']}")
        if exists:
            glue.batch_update_partition(
                DatabaseName=t.database, TableName=t.glue_table,
                Entries=[{"PartitionValueList": e["Values"], "PartitionInput": e}
                         for e in chunk if tuple(e["Values"]) in exists])


def run(client, t: Target) -> dict:
    """The whole consumer; client(service) gives a boto3 client. Returns its counters."""
    ddb, s3 = client("dynamodb"), client("s3")
    items, counts = read_stream(ddb, client("dynamodbstreams"), t.source_table)
    dim = tl.dimension_of(scan(ddb, t.dimension_table))
    parts = tl.partitions(items.values(), dim)
    rows = 0
    for day, part_rows in parts.items():
        s3.put_object(Bucket=t.bucket, Key=f"{t.prefix}{t.partition_as}={day}/part-00000.jsonl.gz",
                      Body=tl.part_file(part_rows))
        rows += len(part_rows)
    register(client("glue"), t, sorted(parts))
    summary = (f"{counts['INSERT']} new items, {counts['REMOVE']} deleted items, "
               f"{counts['MODIFY']} modified items; {rows} rows written to {len(parts)} partitions")
    client("sns").publish(TopicArn=t.topic_arn, Subject="campaign pipeline: run finished",
                          Message=summary)
    return {"records": sum(counts.values()), "rows": rows, "partitions": len(parts)}
