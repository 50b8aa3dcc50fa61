"""flatten_join.py — the pipeline's transform as a Glue (Spark) job, for whole-table runs at scale.

pipewright uploads this script and passes the spec's `pipeline` section as job arguments
(provision/job.c, job_pipeline_arguments): every row of the source table, its array exploded,
joined with the dimension table on the declared keys, typed, written to the lake partitioned
Hive-style, replacing the previous state of the table ("current" semantics, DESIGN §7).

Plain PySpark (no awsglue), so it also runs under a local spark-submit:
  spark-submit flatten_join.py --source_path items.jsonl --dimension_path dims.jsonl ...
Without --source_path/--dimension_path the tables are scanned with boto3 on the driver.
"""
import argparse
import json
import sys
from datetime import datetime
from decimal import Decimal

from pyspark.sql import SparkSession
from pyspark.sql.types import (BooleanType, DecimalType, LongType, StringType, StructField,
                               StructType)

GRANULARITY = {"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d", "hour": "%Y-%m-%d-%H"}
SPARK_TYPES = {"string": StringType(), "int": LongType(), "decimal": DecimalType(38, 18),
               "bool": BooleanType(), "timestamp": StringType()}


def parse_args(argv):
    p = argparse.ArgumentParser()
    for name in ("source_table", "source_path", "explode", "explode_empty", "dimension_table",
                 "dimension_path", "dimension_explode", "dimension_explode_empty", "join_kind",
                 "partition_column", "partition_granularity", "partition_as", "output_path",
                 "output_format", "output_compression", "output_header"):
        p.add_argument("--" + name, default="")
    for name in ("join_on", "join_columns", "columns"):
        p.add_argument("--" + name, default="[]", type=json.loads)
    args, _ = p.parse_known_args(argv)   # Glue adds its own (--JOB_ID, --job-bookmark-option...)
    return args


def plain(v):
    """DynamoDB JSON ({"S": "x"}, {"M": {...}}, ...) to plain values; numbers stay exact."""
    if not isinstance(v, dict) or len(v) != 1:
        return v
    (t, x), = v.items()
    if t in ("S", "B"):
        return x
    if t == "N":
        return Decimal(x)
    if t in ("BOOL", "NULL"):
        return None if t == "NULL" else x
    if t == "M":
        return {k: plain(e) for k, e in x.items()}
    if t == "L":
        return [plain(e) for e in x]
    if t in ("SS", "NS", "BS"):
        return [Decimal(e) if t == "NS" else e for e in x]
    return v


def item_of(line):
    obj = json.loads(line, parse_float=Decimal)
    obj = obj.get("Item", obj)           # a DynamoDB export line is {"Item": {...}}
    return {k: plain(v) for k, v in obj.items()}


def read_items(spark, table, path):
    if path:
        return spark.sparkContext.textFile(path).filter(str.strip).map(item_of)
    import boto3                         # scanned on the driver: fine for dimension-sized tables
    items, kwargs = [], {"TableName": table}
    client = boto3.client("dynamodb")
    while True:
        page = client.scan(**kwargs)
        items += [{k: plain(v) for k, v in i.items()} for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return spark.sparkContext.parallelize(items)


def exploder(attribute, empty):
    """One row per element of the array attribute, the element's fields as columns."""
    def explode(item):
        if not attribute:
            return [item]
        base = {k: v for k, v in item.items() if k != attribute}
        elements = [e for e in (item.get(attribute) or []) if isinstance(e, dict)]
        if not elements:
            return [base] if empty == "keep" else []
        return [{**base, **e} for e in elements]
    return explode


def convert(value, col):
    if value is None:
        return None
    t = col.get("type", "string")
    if t == "int":
        return int(Decimal(str(value)))
    if t == "decimal":
        return Decimal(str(value))
    if t == "bool":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if t == "timestamp" and col.get("format"):
        return datetime.strptime(str(value), col["format"]).strftime("%Y-%m-%dT%H:%M:%S")
    return str(value) if not isinstance(value, str) else value


def partition_value(value, granularity):
    if value is None:
        return "__HIVE_DEFAULT_PARTITION__"
    if granularity == "value":
        return str(value)
    text = str(value).replace("Z", "+00:00")
    return datetime.fromisoformat(text).strftime(GRANULARITY[granularity])


def main(argv):
    a = parse_args(argv)
    spark = SparkSession.builder.appName("pipewright-flatten-join").getOrCreate()
    rows = read_items(spark, a.source_table, a.source_path).flatMap(
        exploder(a.explode, a.explode_empty))
    if a.dimension_table or a.dimension_path:
        on, extra = a.join_on, a.join_columns
        dims = read_items(spark, a.dimension_table, a.dimension_path).flatMap(
            exploder(a.dimension_explode, a.dimension_explode_empty)).map(
            lambda d: (tuple(str(d.get(k)) for k in on), {c: d.get(c) for c in extra}))
        keyed = rows.map(lambda r: (tuple(str(r.get(k)) for k in on), r))
        joined = keyed.leftOuterJoin(dims) if a.join_kind != "inner" else keyed.join(dims)
        rows = joined.map(lambda kv: {**kv[1][0], **(kv[1][1] or {c: None for c in extra})})
    columns = a.columns or [{"name": k} for k in sorted(rows.flatMap(lambda r: r.keys()).distinct().collect())]
    fields = [StructField(c["name"], SPARK_TYPES[c.get("type", "string")]) for c in columns]
    if a.partition_as:
        fields.append(StructField(a.partition_as, StringType()))

    names = [c["name"] for c in columns]

    def shape(r):
        out = [convert(r.get(c.get("from") or c["name"]), c) for c in columns]
        if a.partition_as:   # partition.column names an output column (the typed value)
            v = out[names.index(a.partition_column)] if a.partition_column in names else None
            out.append(partition_value(v, a.partition_granularity))
        return out

    frame = spark.createDataFrame(rows.map(shape), StructType(fields))
    writer = frame.write.mode("overwrite").option(
        "compression", "gzip" if a.output_compression != "none" else "none")
    if a.partition_as:
        writer = writer.partitionBy(a.partition_as)
    if a.output_format == "csv":
        writer.option("header", a.output_header != "false").csv(a.output_path)
    else:
        writer.json(a.output_path)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
