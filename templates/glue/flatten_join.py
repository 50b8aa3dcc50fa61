"""flatten_join.py — the pipeline's transform as a Glue (Spark) job: a whole-table run (backfill)
at a scale one machine cannot do, writing the same lake `pipewright pipeline run` writes.

docs/transform.md is the contract; the C pipeline (pipeline/) is the reference behaviour. Every
decision of its table is taken here the same way, and the lake is laid out the same way
(docs/transform.md §7): per partition a new version folder holding the data files, `_state.gz`
and `_manifest.json` with the same content digest and transform fingerprint, then the partition
switched to it (file://: the partition link replaced with rename(2); S3: the Glue partition's
location, BatchUpdatePartition / BatchCreatePartition). A `pipeline run` after this job
therefore continues on the lake as if it had written it: it finds every partition unchanged.

Configuration comes entirely from job arguments (`--name value`), which `up` derives from the
spec's pipeline section (provision/job.c, job_pipeline_arguments). Plain PySpark, no `awsglue`
import, so it also runs under a local Spark:

  spark-submit flatten_join.py --source_path export/ --dimension_path dims.json.gz \
      --output_path file:///tmp/lake/tasks/ --output_prefix tasks/ ... (see provision/job.c)

Inputs: --source_path / --dimension_path name a DynamoDB export (`{"Item": ...}` lines, gzip or
not, detected by content): a file, or every data file under a folder or S3 prefix. Without a
path the table is read with a parallel Scan (boto3) and each item becomes an export line.
With --source_format stream, --source_path holds DynamoDB stream records instead (GetRecords'
shape, as `pipeline run --from-file` reads them; an export line among them is quarantined):
the records are the table's history, applied in file order to an empty lake — per key the
latest record wins, REMOVE deletes — so the lake becomes the table after them, exactly as
`pipeline run --from-file STREAM` makes it on an empty lake (docs/transform.md §10).

Numbers never become floats: DynamoDB N values are text from the JSON to the output.
"""
import calendar
import hashlib
import json
import os
import re
import sys
import time
import zlib
from datetime import datetime, timedelta

DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
MAX_RECORD = 4 << 20                # pipeline/input.h INPUT_MAX_RECORD
RECORD_HEAD = 256                   # what an over-size record keeps
MAX_DEPTH = 32
DATA_LEVEL = 1                      # pipeline/partition.c DATA_LEVEL: same bytes, same manifests
MIN_SECS, MAX_SECS = -62135596800, 253402300799
# The spec's enums as pipeline/transform.c hashes them into the fingerprints (provision/spec/spec.h).
COL_TYPES = {"string": 0, "int": 1, "decimal": 2, "bool": 3, "timestamp": 4}
GRANULARITY = {"value": 0, "year": 1, "month": 2, "day": 3, "hour": 4}
SUFFIX = {"value": "value", "year": "year", "month": "month", "day": "date", "hour": "hour"}
DDB_TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")
NOT_DDB = ("not a DynamoDB JSON value (an object with one key: S, N, B, BOOL, NULL, M, L, SS, "
           "NS or BS)")
HIVE_ESCAPE = frozenset('"#%\'*/:=?\\{[]^\x7f') | frozenset(chr(c) for c in range(0x20))
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class Bad(Exception):
    """The record (or item) goes to the quarantine with this reason."""


# ---- arguments ------------------------------------------------------------------------------

def parse_args(argv):
    """`--name value` pairs, as Glue passes them (getResolvedOptions without awsglue). Glue
    adds arguments of its own (--JOB_ID, --job-bookmark-option, ...): kept, never used."""
    args, i = {}, 0
    while i < len(argv):
        tok = argv[i]
        if tok.startswith("--") and "=" in tok:
            name, _, value = tok[2:].partition("=")
            args[name] = value
        elif tok.startswith("--") and i + 1 < len(argv):
            args[tok[2:]] = argv[i + 1]
            i += 1
        i += 1
    return args


class Col:
    def __init__(self, name, src, type_="string", fmt=None, required=False):
        self.name, self.src, self.type, self.fmt, self.required = name, src, type_, fmt, required
        self.join = -1                  # index into the join columns when the dimension gives it


def keys_of(text):
    """--source_key '[["userID","S"],["campaignID","S"]]'."""
    return [(str(n), str(t)) for n, t in json.loads(text or "[]")]


class Config:
    def __init__(self, a):
        self.keys = keys_of(a.get("source_key"))
        if not self.keys:
            raise SystemExit("flatten_join: --source_key is required (the source table's key)")
        self.explode = a.get("explode") or None
        self.empty = a.get("explode_empty") or "drop"
        self.columns = []
        for c in json.loads(a.get("columns") or "[]"):
            self.columns.append(Col(c["name"], c.get("from") or c["name"], c.get("type", "string"),
                                    c.get("format") or None, bool(c.get("required"))))
        self.join_on = json.loads(a.get("join_on") or "[]")
        self.join_columns = json.loads(a.get("join_columns") or "[]")
        self.has_join = bool(a.get("dimension_table") or a.get("dimension_path"))
        self.join_kind = a.get("join_kind") or "left"
        self.dim_explode = a.get("dimension_explode") or None
        self.dim_empty = a.get("dimension_explode_empty") or "drop"
        self.dim_keys = keys_of(a.get("dimension_key"))
        if self.has_join and not self.dim_keys:
            raise SystemExit("flatten_join: --dimension_key is required with a dimension")
        for col in self.columns:
            if self.has_join and col.src in self.join_columns:
                col.join = self.join_columns.index(col.src)
        self.join_typed = [next((c for c in self.columns if c.join == j), None)
                           for j in range(len(self.join_columns))]
        self.on_dim_key = [n in [k for k, _ in self.dim_keys] for n in self.join_on]
        self.part = None
        self.granularity = a.get("partition_granularity") or "day"
        column = a.get("partition_column")
        if column:
            named = [c for c in self.columns if c.name == column]
            kind = "string" if self.granularity == "value" else "timestamp"
            self.part = named[0] if named else Col(column, column, kind)
            self.part_as = a.get("partition_as") or f"{column}_{SUFFIX[self.granularity]}"
        self.fmt = "csv" if a.get("output_format") == "csv" else "jsonl"
        self.gzip = a.get("output_compression", "gzip") != "none"
        self.header = a.get("output_header", "true") != "false"
        self.target = int(a.get("target_file_size") or 128 << 20)
        if self.fmt == "csv" and not self.columns:
            raise SystemExit("flatten_join: csv needs declared --columns (a fixed header)")
        self.fingerprints()

    def fingerprints(self):
        """pipeline/transform.c fingerprints(): what the rendering and the partitioning depend
        on. Equal fingerprints let `pipeline run` trust the versions this job wrote."""
        b = "v1|explode=%s,%d|" % (self.explode or "", self.empty == "keep" if self.explode else 0)
        for c in self.columns:
            b += "col=%s,%s,%d,%s,%d|" % (c.name, c.src, COL_TYPES[c.type], c.fmt or "", c.required)
        if self.has_join:
            b += "join=%d,%s,%d|" % (self.join_kind == "inner", self.dim_explode or "",
                                     self.dim_empty == "keep" if self.dim_explode else 0)
            b += "".join("on=%s|" % o for o in self.join_on)
            b += "".join("jc=%s|" % j for j in self.join_columns)
        b += "format=%d,%d,%d" % (self.fmt == "csv", self.header, not self.gzip)
        self.fingerprint = hashlib.sha256(b.encode()).hexdigest()
        p = "v1|keys=%s,%s|" % (self.keys[0][0], self.keys[1][0] if len(self.keys) > 1 else "")
        if self.part:
            p += "part=%s,%s,%d,%s,%d" % (self.part_as, self.part.src, COL_TYPES[self.part.type],
                                          self.part.fmt or "", GRANULARITY[self.granularity])
        self.part_fingerprint = hashlib.sha256(p.encode()).hexdigest()


# ---- DynamoDB JSON (pipeline/ddb_decode.c) ---------------------------------------------------

def first_wins(pairs):
    """An object as cJSON reads it: the first of two equal member names is the one found."""
    out = {}
    for k, v in pairs:
        out.setdefault(k, v)
    return out


def no_constant(name):
    raise ValueError(name)


def decoder():
    """The JSON decoder, made once per Python process: kept on the json module because this
    script is __main__, whose globals Spark pickles to the workers, and a decoder is not
    picklable."""
    d = getattr(json, "_pipewright_decoder", None)
    if d is None:
        d = json.JSONDecoder(object_pairs_hook=first_wins, parse_constant=no_constant, strict=False)
        json._pipewright_decoder = d
    return d


def parse_json(text):
    """One JSON value after leading whitespace, the rest ignored (cJSON_ParseWithLength); None
    when it is not JSON."""
    i = 0
    while i < len(text) and text[i] <= " ":
        i += 1
    try:
        return decoder().raw_decode(text, i)[0]
    except ValueError:
        return None


def is_str(v):
    return isinstance(v, str)


def decode(w):
    """(type, value) of a DynamoDB JSON value; Bad with ddb_decode's reason."""
    if not isinstance(w, dict) or len(w) != 1:
        raise Bad(NOT_DDB)
    (t, v), = w.items()
    if t not in DDB_TYPES:
        raise Bad("unknown DynamoDB type '%s'" % t[:32])
    if t in ("S", "N", "B") and not is_str(v):
        raise Bad("%s value is not a string" % t)
    if t == "N" and not NUMBER.fullmatch(v):
        raise Bad("'%s' is not a number" % v[:64])
    if t == "B" and not (len(v) % 4 == 0 and BASE64.fullmatch(v)):
        raise Bad("B value is not base64")
    if t == "BOOL" and v is not True and v is not False:
        raise Bad("BOOL value is not true or false")
    if t == "NULL" and v is not True:
        raise Bad("NULL value is not true")
    if t == "M" and not isinstance(v, dict):
        raise Bad("M value is not an object")
    if t == "L" and not isinstance(v, list):
        raise Bad("L value is not an array")
    if t in ("SS", "NS", "BS"):
        if not isinstance(v, list):
            raise Bad("%s value is not an array" % t)
        for i, e in enumerate(v):
            if not is_str(e):
                raise Bad("%s element %d is not a string" % (t, i))
            if t == "NS" and not NUMBER.fullmatch(e):
                raise Bad("NS element '%s' is not a number" % e[:64])
            if t == "BS" and not (len(e) % 4 == 0 and BASE64.fullmatch(e)):
                raise Bad("BS element %d is not base64" % i)
    return t, v


def check_value(w, path, depth):
    try:
        t, v = decode(w)
    except Bad as e:
        raise Bad("'%s': %s" % (path, e))
    if t not in ("M", "L"):
        return
    if depth > MAX_DEPTH:
        raise Bad("'%s': nested deeper than %d levels" % (path, MAX_DEPTH))
    for k, c in (v.items() if t == "M" else enumerate(v)):
        check_value(c, "%s.%s" % (path, k) if t == "M" else "%s[%d]" % (path, k), depth + 1)


def check_item(item):
    if not isinstance(item, dict):
        raise Bad("an item must be an object of attributes")
    for k, w in item.items():
        check_value(w, k, 1)


def get(m, name):
    """ddb_get: the attribute's (type, value), None when missing or not valid."""
    w = m.get(name) if isinstance(m, dict) else None
    if w is None:
        return None
    try:
        return decode(w)
    except Bad:
        return None


def path(m, p):
    """ddb_path: the attribute as written, else a dotted path through maps."""
    v = get(m, p)
    if v is not None or "." not in p:
        return v
    parts = p.split(".")
    for i, name in enumerate(parts):
        v = get(m, name)
        if v is None or i == len(parts) - 1:
            return v
        if v[0] != "M":
            return None
        m = v[1]
    return None


def row_value(item, elem, exploded, src):
    """A row's attribute: the element's field, else the item's; the list is not one."""
    if elem is not None:
        v = path(elem, src)
        if v is not None:
            return v
    if exploded and src == exploded:
        return None
    return path(item, src)


def json_str(s):
    """A JSON string as cJSON prints it (UTF-8 as is, control characters as \\u00xx)."""
    return json.dumps(s, ensure_ascii=False)


def number_json(s):
    """ddb_number_json: an N's text made a JSON number ('+' and leading zeros dropped, '.5' ->
    '0.5', '5.' -> '5'); the text itself when it already is one."""
    if JSON_NUMBER.fullmatch(s):
        return s
    m = re.fullmatch(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eE].*)?", s)
    out = "-" if m.group(1) == "-" else ""
    out += m.group(2).lstrip("0") or "0"
    if m.group(3):
        out += "." + m.group(3)
    return out + (m.group(4) or "")


def plain(t, v):
    """The plain JSON text of a value (ddb_plain_json)."""
    if t in ("S", "B"):
        return json_str(v)
    if t == "N":
        return number_json(v)
    if t == "BOOL":
        return "true" if v else "false"
    if t == "NULL":
        return "null"
    if t == "M":
        return "{" + ",".join(json_str(k) + ":" + plain(*decode(x)) for k, x in v.items()) + "}"
    if t == "L":
        return "[" + ",".join(plain(*decode(x)) for x in v) + "]"
    if t == "NS":
        return "[" + ",".join(number_json(x) for x in v) + "]"
    return "[" + ",".join(json_str(x) for x in v) + "]"


# ---- timestamps (pipeline/tstamp.c) ----------------------------------------------------------

ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})"
                 r"(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2})?)?)?")


def make(y, mo, d, h, mi, s, offset):
    if not (1 <= y <= 9999 and 1 <= mo <= 12 and 0 <= h <= 23 and 0 <= mi <= 59 and 0 <= s <= 59):
        raise ValueError
    if not 1 <= d <= calendar.monthrange(y, mo)[1]:
        raise ValueError
    secs = calendar.timegm((y, mo, d, h, mi, s)) - offset
    if not MIN_SECS <= secs <= MAX_SECS:
        raise ValueError
    return secs


def parse_iso(s):
    m = ISO.fullmatch(s)
    if not m:
        raise ValueError
    offset = 0
    if m.group(9):
        oh, om = int(m.group(10)), int(m.group(11) or 0)
        if oh > 23 or om > 59:
            raise ValueError
        offset = (-1 if m.group(9) == "-" else 1) * (oh * 3600 + om * 60)
    g = [int(x or 0) for x in m.group(1, 2, 3, 4, 5, 6)]
    return make(*g, offset), (m.group(7) or "").rstrip("0")


def parse_epoch(s):
    m = re.fullmatch(r"(-?)([0-9]+)(?:\.([0-9]{0,9}))?", s)
    if not m or int(m.group(2)) > MAX_SECS + 1:
        raise ValueError
    secs, frac = int(m.group(2)), (m.group(3) or "").rstrip("0")
    if m.group(1) and frac:         # -1.5 s: two seconds before the epoch, plus .5
        frac = "".join(str(9 - int(c) + (i == len(frac) - 1)) for i, c in enumerate(frac))
        secs += 1
    secs = -secs if m.group(1) else secs
    if not MIN_SECS <= secs <= MAX_SECS:
        raise ValueError
    return secs, frac


def parse_format(s, fmt):
    # Python's strptime, not glibc's: the same for the usual directives; a format without a
    # year reads 1900 here where C reads 1970 (docs/transform.md §9, Spark).
    t = datetime.strptime(s, fmt)
    offset = int(t.utcoffset().total_seconds()) if t.tzinfo and "%z" in fmt else 0
    return make(t.year, t.month, t.day, t.hour, t.minute, t.second, offset), ""


def timestamp(col, v):
    """transform_timestamp: (secs, frac), None for null; Bad when it does not read."""
    if v is None or v[0] == "NULL":
        return None
    t, s = v
    try:
        if t == "S":
            return parse_format(s, col.fmt) if col.fmt else parse_iso(s)
        if t == "N" and not col.fmt:
            return parse_epoch(s)
    except ValueError:
        pass
    if t == "S" and col.fmt:
        raise Bad("column '%s': '%s' does not match the format '%s'" % (col.name, s[:64], col.fmt))
    if t in ("S", "N"):
        raise Bad("column '%s': '%s' is not a timestamp" % (col.name, s[:64]))
    raise Bad("column '%s': a %s is not a timestamp" % (col.name, t))


def fields(secs):
    if secs >= 0:
        return time.gmtime(secs)[:6]
    return (datetime(1970, 1, 1) + timedelta(seconds=secs)).timetuple()[:6]


def iso(ts):
    y, mo, d, h, mi, s = fields(ts[0])
    return "%04d-%02d-%02dT%02d:%02d:%02d%sZ" % (y, mo, d, h, mi, s, "." + ts[1] if ts[1] else "")


def partition_text(ts, granularity):
    y, mo, d, h = fields(ts[0])[:4]
    return {"year": "%04d" % y, "month": "%04d-%02d" % (y, mo), "day": "%04d-%02d-%02d" % (y, mo, d),
            "hour": "%04d-%02d-%02dT%02d" % (y, mo, d, h)}[granularity]


# ---- columns (pipeline/transform_types.c) ----------------------------------------------------
# A cell is (kind, text): kind "null", "str", "num" (a JSON number), "bool", "json".

NULL = ("null", None)


def bad_value(col, v, what):
    t, s = v
    if t in ("S", "N", "B"):
        raise Bad("column '%s': '%s' is not %s" % (col.name, s[:64], what))
    raise Bad("column '%s': a %s is not %s" % (col.name, t, what))


def convert(col, v):
    if v is None or v[0] == "NULL":
        return NULL
    t, s = v
    if col.type == "string":
        if t in ("S", "N", "B"):
            return "str", s
        if t == "BOOL":
            return "str", "true" if s else "false"
        return "str", plain(t, s)
    if col.type == "int":
        if t in ("S", "N") and re.fullmatch(r"[+-]?[0-9]+", s) and -2**63 <= int(s) < 2**63:
            return "num", str(int(s))
        bad_value(col, v, "an int")
    if col.type == "decimal":
        if t in ("S", "N") and NUMBER.fullmatch(s):
            return "num", number_json(s)
        bad_value(col, v, "a decimal")
    if col.type == "bool":
        if t == "BOOL":
            return "bool", "true" if s else "false"
        if t == "S" and s.encode().lower() in (b"true", b"false"):
            return "bool", s.lower()
        bad_value(col, v, "a bool")
    return "str", iso(timestamp(col, v))


def natural(v):
    """A value with its own type (no declared columns)."""
    if v is None or v[0] == "NULL":
        return NULL
    t, s = v
    if t in ("S", "B"):
        return "str", s
    if t == "BOOL":
        return "bool", "true" if s else "false"
    if t == "N":
        return "num", number_json(s)
    return "json", plain(t, s)


def render_jsonl(names, cells):
    out = []
    for name, (kind, text) in zip(names, cells):
        value = "null" if kind == "null" else json_str(text) if kind == "str" else text
        out.append(json_str(name) + ":" + value)
    return "{" + ",".join(out) + "}\n"


def csv_field(kind, text):
    if kind == "null":
        return ""
    if text == "" or any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def render_csv(cells):
    return ",".join(csv_field(k, t) for k, t in cells) + "\r\n"


# ---- the transform (pipeline/transform.c) ----------------------------------------------------

def key_text(item, keys):
    vals = []
    for name, want in keys:
        v = get(item, name)
        if v is None:
            raise Bad("missing key attribute '%s'" % name)
        if v[0] != want:
            raise Bad("key attribute '%s' is %s, the table's key says %s" % (name, v[0], want))
        vals.append(v[1])
    return json.dumps(vals, ensure_ascii=False, separators=(",", ":"))


def explode_list(item, attr):
    """The elements (maps), [] when missing, NULL or empty; Bad when not a list of maps."""
    v = get(item, attr)
    if v is None or v[0] == "NULL":
        return []
    if v[0] != "L":
        raise Bad("'%s' is not a list of maps (it is %s)" % (attr, v[0]))
    out = []
    for i, e in enumerate(v[1]):
        try:
            et = decode(e)
        except Bad:
            et = ("missing", None)
        if et[0] != "M":
            raise Bad("'%s' is not a list of maps (element %d is %s)" % (attr, i, et[0]))
        out.append(et[1])
    return out


def on_tuple(cfg, item, elem, exploded):
    vals = []
    for name in cfg.join_on:
        v = row_value(item, elem, exploded, name)
        if v is None or v[0] not in ("S", "N", "B"):
            return None
        vals.append(v[1])
    return vals


def dimension_rows(cfg, item):
    """(element index, tuple, join values) of a dimension item's rows (dim.c make_cands)."""
    elems = [(-1, None)]
    if cfg.dim_explode:
        elems = list(enumerate(explode_list(item, cfg.dim_explode)))
        elems = elems or ([(-1, None)] if cfg.dim_empty == "keep" else [])
    out = []
    for idx, elem in elems:
        tup = on_tuple(cfg, item, elem, cfg.dim_explode)
        if tup is None:
            continue
        values = []
        for j, name in enumerate(cfg.join_columns):
            v = row_value(item, elem, cfg.dim_explode, name)
            if cfg.join_typed[j]:
                convert(cfg.join_typed[j], v)       # a join column that does not convert
            values.append(v)
        out.append((idx, "\x1f".join(tup), values))
    return out


class Transform:
    def __init__(self, cfg, match):
        self.cfg = cfg
        self.match = match      # join tuple -> join column values of the winning dimension row
        self.names = [c.name for c in cfg.columns]

    def item(self, item):
        """(rows text, row count, affinity set, empty, unmatched); Bad when the item is bad."""
        cfg = self.cfg
        check_item(item)
        empty, rows, n, aff, unmatched = False, [], 0, set(), 0
        elems = [None]
        if cfg.explode:
            elems = explode_list(item, cfg.explode)
            if cfg.part and elems and path(item, cfg.part.src) is None and \
                    any(path(e, cfg.part.src) is not None for e in elems):
                raise Bad("partition column '%s' must be an attribute of the source item, not of "
                          "its '%s' elements" % (cfg.part.name, cfg.explode))
            if not elems:
                empty = True
                elems = [None] if cfg.empty == "keep" else []
        for elem in elems:
            values = None
            if cfg.has_join:
                tup = on_tuple(cfg, item, elem, cfg.explode)
                if tup is not None:
                    aff.add("\x1f".join(t for t, k in zip(tup, cfg.on_dim_key) if k))
                    values = self.match.get("\x1f".join(tup))
                if values is None:
                    unmatched += 1
                    if cfg.join_kind == "inner":
                        continue
            rows.append(self.row(item, elem, values))
            n += 1
        return "".join(rows), n, aff, empty, unmatched

    def row(self, item, elem, values):
        cfg = self.cfg
        if not cfg.columns:
            return self.every_attribute(item, elem, values)
        cells = []
        for col in cfg.columns:
            if col.join >= 0:
                v = values[col.join] if values else None
            else:
                v = row_value(item, elem, cfg.explode, col.src)
            c = convert(col, v)
            if col.required and c[0] == "null":
                raise Bad("missing required attribute '%s'" % col.src)
            cells.append(c)
        if cfg.fmt == "csv":
            return render_csv(cells)
        return render_jsonl(self.names, cells)

    def every_attribute(self, item, elem, values):
        flat = {}

        def add(m, prefix, layer, skip=None):
            for k, w in m.items():
                if k == skip:
                    continue
                try:
                    v = decode(w)
                except Bad:
                    continue
                name = prefix + "_" + k if prefix else k
                if v[0] == "M":
                    add(v[1], name, layer)
                elif (name, layer) not in flat:
                    flat[(name, layer)] = natural(v)
        add(item, None, 0, self.cfg.explode)
        if elem is not None:
            add(elem, None, 1)
        for j, name in enumerate(self.cfg.join_columns):
            flat[(name, 2)] = natural(values[j] if values else None)
        best = {}
        for (name, layer) in sorted(flat, key=lambda nl: (nl[0].encode(), nl[1])):
            best[name] = flat[(name, layer)]        # the higher layer comes later and wins
        names = sorted(best, key=str.encode)
        return render_jsonl(names, [best[n] for n in names])

    def partition(self, item):
        cfg = self.cfg
        if not cfg.part:
            return ""
        v = path(item, cfg.part.src)
        if cfg.granularity != "value":
            ts = timestamp(cfg.part, v)
            value = DEFAULT_PARTITION if ts is None else partition_text(ts, cfg.granularity)
            return cfg.part_as + "=" + value
        kind, text = convert(cfg.part, v)
        if kind == "null" or text == "":
            return cfg.part_as + "=" + DEFAULT_PARTITION
        return cfg.part_as + "=" + "".join("%%%02X" % ord(c) if c in HIVE_ESCAPE else c for c in text)


# ---- inputs (pipeline/input.c, change.c, run.c) ----------------------------------------------

def gunzip_if(data):
    return zlib.decompress(data, 47) if data[:2] == b"\x1f\x8b" else data


def lines_of(name, data):
    """(line number, text, over-size) of a file's non-blank lines, as input.c reads them: split
    on LF only, CR/space/tab trimmed at the end, blank lines counted but skipped."""
    for no, raw in enumerate(gunzip_if(data).split(b"\n"), 1):
        line = raw.rstrip(b"\r \t")
        if line:
            over = len(raw) > MAX_RECORD
            yield no, (line[:RECORD_HEAD] if over else line).decode("utf-8", "surrogateescape"), over


def change_of(rec):
    """change_from_json (pipeline/change.c): (op, keys, new image, old image, sequence number)
    of a stream record, or ("ITEM", item, item, None, None) of an export line; Bad with its
    reason when the record is neither."""
    def obj(m, name):
        v = m.get(name) if isinstance(m, dict) else None
        return v if isinstance(v, dict) else None
    item = obj(rec, "Item")
    if item is not None:
        return "ITEM", item, item, None, None
    d, name = obj(rec, "dynamodb"), rec.get("eventName") if isinstance(rec, dict) else None
    if d is None or not is_str(name):
        raise Bad('not a stream record ({"eventName": ..., "dynamodb": {...}}) nor an export '
                  'line ({"Item": {...}})')
    if name not in ("INSERT", "MODIFY", "REMOVE"):
        raise Bad("unknown eventName '%s' (INSERT, MODIFY or REMOVE)" % name[:32])
    new, old = obj(d, "NewImage"), obj(d, "OldImage")
    # An empty object is still an object: the first present of Keys, NewImage, OldImage.
    keys = next((m for m in (obj(d, "Keys"), new, old) if m is not None), None)
    seq = d.get("SequenceNumber") if is_str(d.get("SequenceNumber")) else None
    if name != "REMOVE" and new is None:
        raise Bad("%s record without a NewImage: the stream must carry new images (new-image or "
                  "new-and-old-images)" % name)
    if keys is None:
        raise Bad("%s record without Keys" % name)
    return name, keys, None if name == "REMOVE" else new, old, seq


def quarantine_line(reason, source, line, text, seq=None):
    """One line of a quarantine file (pipeline/quarantine.c)."""
    o = {"reason": reason, "source": source}
    if line > 0:
        o["line"] = line
    if seq is not None:
        o["sequenceNumber"] = seq
    rec = parse_json(text)
    o["record"] = rec if rec is not None else text
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"))


def ddb_json(v):
    """boto3's answer made DynamoDB JSON as an export holds it: binary as base64 text."""
    import base64
    (t, x), = v.items()
    if t == "B":
        return {"B": base64.b64encode(x).decode()}
    if t == "BS":
        return {"BS": [base64.b64encode(e).decode() for e in x]}
    if t == "M":
        return {"M": {k: ddb_json(e) for k, e in x.items()}}
    if t == "L":
        return {"L": [ddb_json(e) for e in x]}
    return v


def scan_segment(table, segment, total):
    """One segment of a parallel Scan, as export lines (used without an export path)."""
    import boto3
    client, kwargs, n = boto3.client("dynamodb"), {"TableName": table, "Segment": segment,
                                                  "TotalSegments": total}, 0
    while True:
        page = client.scan(**kwargs)
        for item in page["Items"]:
            n += 1
            line = json.dumps({"Item": {k: ddb_json(v) for k, v in item.items()}},
                              ensure_ascii=False, separators=(",", ":"))
            yield (segment, n), table, line, False
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# ---- where files live: a local folder or S3 -------------------------------------------------

class Store:
    """file:///dir or s3://bucket: read, list and write objects by key. Picklable: the S3
    client is made where it is used."""

    def __init__(self, url):
        self.s3 = url.startswith("s3://")
        if self.s3:
            self.bucket, _, self.base = url[5:].partition("/")
        else:
            self.bucket, self.base = None, url[7:] if url.startswith("file://") else url
        self._client = None

    def __getstate__(self):
        return {**self.__dict__, "_client": None}

    def client(self):
        if self._client is None:
            import boto3
            self._client = boto3.client("s3")
        return self._client

    def local(self, key):
        return os.path.join(self.base, key)

    def files(self, key):
        """A file, or the data files under a folder: names starting with '.', '_' or
        'manifest' are an export's bookkeeping, not data."""
        if self.s3:
            names = []
            for page in self.client().get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=self.base + key):
                names += [o["Key"] for o in page.get("Contents", [])]
        elif os.path.isdir(self.local(key)):
            names = [os.path.join(d, f) for d, _, fs in os.walk(self.local(key)) for f in fs]
        else:
            names = [self.local(key)]
        data = [n for n in names if not os.path.basename(n).startswith((".", "_", "manifest"))]
        return sorted(data)

    def read(self, name):
        if self.s3:
            return self.client().get_object(Bucket=self.bucket, Key=name)["Body"].read()
        with open(name, "rb") as f:
            return f.read()

    def put(self, key, data):
        if self.s3:
            self.client().put_object(Bucket=self.bucket, Key=self.base + key, Body=data)
            return
        path = self.local(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def input_store(path):
    if path.startswith("s3://"):
        bucket, _, key = path[5:].partition("/")
        return Store("s3://" + bucket + "/"), key
    return Store("file://"), path[7:] if path.startswith("file://") else path


def read_lines(path):
    """(order, file, text, over-size) of every record of the dimension's export, on the
    driver; the file as named, as the C pipeline names a --dimension-file."""
    store, key = input_store(path)
    for i, name in enumerate(store.files(key)):
        shown = path if store.s3 or name == key else name
        for no, text, over in lines_of(name, store.read(name)):
            yield (i, no), shown, text, over


# ---- the dimension (pipeline/dim.c), built on the driver and broadcast ----------------------

class Dimension:
    def __init__(self, cfg, lines):
        self.records, self.bad, cands = {}, [], {}
        for order, source, text, over in lines:
            rec = parse_json(text) if not over else None
            item = rec["Item"] if isinstance(rec, dict) and isinstance(rec.get("Item"), dict) else rec
            if not isinstance(rec, dict):       # state_dim.c load_lines: no item, no key
                why = "dimension item longer than 4194304 bytes" if over else \
                    "dimension item: not a JSON object"
                self.bad.append(quarantine_line(why, source, order[1], text))
                continue
            key = None
            try:
                check_item(item)
                key = key_text(item, cfg.dim_keys)
                rows = dimension_rows(cfg, item)
            except Bad as e:        # a bad item leaves no item of its key (state_dim.c put_item)
                self.records.pop(key, None)
                cands.pop(key, None)
                self.bad.append(quarantine_line("dimension item: %s" % e, source, order[1], text))
                continue
            self.records[key] = text
            cands[key] = rows
        # Duplicate join keys: the item with the smallest key text wins, then the first element.
        self.match = {}
        for key in sorted(cands, key=str.encode, reverse=True):
            for idx, tup, values in reversed(cands[key]):
                self.match[tup] = values

    def snapshot(self):
        """The lake's copy of the dimension (state_dim.c): <key>\\t<record> lines by key."""
        lines = "".join("%s\t%s\n" % (k, self.records[k]) for k in sorted(self.records, key=str.encode))
        return gzip_bytes(lines.encode("utf-8", "surrogateescape"), 1)


# ---- the lake (pipeline/partition.c, lake_file.c, lake_s3.c) ---------------------------------

def gzip_bytes(data, level):
    z = zlib.compressobj(level, zlib.DEFLATED, 31)
    return z.compress(data) + z.flush()


def dumps(o):
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"))


class Lake:
    """Where versions, links or catalog entries, the pipeline's metadata and the quarantine go."""

    def __init__(self, a, cfg):
        out, self.prefix = a["output_path"], a.get("output_prefix", "")
        if self.prefix and not out.rstrip("/").endswith(self.prefix.rstrip("/")):
            raise SystemExit("flatten_join: --output_path '%s' does not end with --output_prefix "
                             "'%s'" % (out, self.prefix))
        root = out.rstrip("/")[:len(out.rstrip("/")) - len(self.prefix.rstrip("/"))]
        self.store = Store(root if root.endswith("/") else root + "/")
        self.stem = self.prefix.rstrip("/")
        self.partitioned = cfg.part is not None
        if self.store.s3 and not self.partitioned:
            raise SystemExit("flatten_join: an S3 lake needs a partitioned pipeline")
        if not self.store.s3 and not self.partitioned and not self.stem:
            raise SystemExit("flatten_join: an unpartitioned lake needs --output_prefix")
        stem = self.stem
        self.meta = (stem + "_pipewright/") if self.store.s3 else (stem + "_versions/_meta/")
        self.quarantine = a.get("quarantine_prefix") or (stem + "_quarantine/" if stem else "quarantine/")
        self.database, self.table = a.get("database"), a.get("table")

    def version_key(self, part, version, name):
        if self.store.s3:
            return "%s%s/%s/%s" % (self.prefix, part, version, name)
        if not self.partitioned:
            return "%s_versions/%s/%s" % (self.stem, version, name)
        return "%s_versions/%s/%s/%s" % (self.stem, part, version, name)


class PartWriter:
    """One version of one partition: data files, _state.gz and _manifest.json, with the content
    digest partition.c computes (fingerprint, then per item its state line and its rows)."""

    def __init__(self, cfg, lake, part, version):
        self.cfg, self.lake, self.part, self.version = cfg, lake, part, version
        self.md = hashlib.sha256(cfg.fingerprint.encode())
        self.state = zlib.compressobj(1, zlib.DEFLATED, 31)
        self.state_out, self.files, self.aff = [], [], set()
        self.items = self.rows = self.bytes = 0
        self.z = None
        self.header = b""
        if cfg.fmt == "csv" and cfg.header:
            self.header = render_csv([("str", c.name) for c in cfg.columns]).encode()
        self.ext = ("csv" if cfg.fmt == "csv" else "jsonl") + (".gz" if cfg.gzip else "")

    def write(self, data):
        out = self.z.compress(data) if self.z else data
        self.out.append(out)
        self.out_bytes += len(out)

    def item(self, key, record, rows, n, aff):
        line = ("%d\t%s\t%s\n" % (n, key, record)).encode("utf-8", "surrogateescape")
        data = rows.encode("utf-8", "surrogateescape")
        self.state_out.append(self.state.compress(line))
        self.md.update(line)
        self.md.update(data)
        self.aff |= aff
        self.items += 1
        if not n:
            return
        # Files split between items, when the compressed size reaches the target.
        if self.files_open() is None:
            self.z = zlib.compressobj(DATA_LEVEL, zlib.DEFLATED, 31) if self.cfg.gzip else None
            self.out, self.out_bytes, self.file_rows = [], 0, 0
            if self.header:
                self.write(self.header)
        self.write(data)
        self.file_rows += n
        self.rows += n
        if self.out_bytes >= self.cfg.target:
            self.close_file()

    def files_open(self):
        return getattr(self, "out", None)

    def close_file(self):
        if self.files_open() is None:
            return
        if self.z:
            tail = self.z.flush()
            self.out.append(tail)
            self.out_bytes += len(tail)
        name = "part-%05d.%s" % (len(self.files), self.ext)
        self.lake.store.put(self.lake.version_key(self.part, self.version, name), b"".join(self.out))
        self.files.append({"name": name, "rows": self.file_rows, "bytes": self.out_bytes})
        self.bytes += self.out_bytes
        self.out = None

    def finish(self):
        self.close_file()
        self.state_out.append(self.state.flush())
        put = self.lake.store.put
        put(self.lake.version_key(self.part, self.version, "_state.gz"), b"".join(self.state_out))
        manifest = {"format": 1, "partition": self.part, "version": self.version,
                    "fingerprint": self.cfg.fingerprint, "digest": self.md.hexdigest(),
                    "items": self.items, "rows": self.rows, "files": self.files,
                    "affinity": sorted(self.aff, key=str.encode)}
        put(self.lake.version_key(self.part, self.version, "_manifest.json"), dumps(manifest).encode())
        return {"partition": self.part, "items": self.items, "rows": self.rows,
                "files": len(self.files), "bytes": self.bytes}


def write_partitions(cfg, lake, version, it):
    """A Spark partition's items, sorted by (partition, key): one version per lake partition."""
    w = None
    for (part, _), (key, record, rows, n, aff) in it:
        if w is None or w.part != part:
            if w is not None:
                yield w.finish()
            w = PartWriter(cfg, lake, part, version)
        w.item(key, record, rows, n, aff)
    if w is not None:
        yield w.finish()


def part_values(part):
    """The catalog's value of a partition folder: Hive's %XX undone (lake_s3.c part_value)."""
    return [re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), part.partition("=")[2])]


def publish_s3(lake, cfg, parts, version):
    """Switches the Glue partitions to the new versions, 100 per call, and deletes those the
    export no longer has (with a _removed tombstone for the grace period)."""
    import boto3
    glue = boto3.client("glue")
    ident = {"DatabaseName": lake.database, "TableName": lake.table}
    sd = glue.get_table(DatabaseName=lake.database, Name=lake.table)["Table"]["StorageDescriptor"]
    existing = set()
    for page in glue.get_paginator("get_partitions").paginate(**ident):
        existing |= {tuple(p["Values"]) for p in page["Partitions"]}

    def entry(part):
        loc = "s3://%s/%s%s/%s/" % (lake.store.bucket, lake.prefix, part, version)
        return {"Values": part_values(part), "StorageDescriptor": {**sd, "Location": loc}}
    update = [p for p in parts if tuple(part_values(p)) in existing]
    create = [p for p in parts if tuple(part_values(p)) not in existing]
    for i in range(0, len(update), 100):
        answer = glue.batch_update_partition(**ident, Entries=[
            {"PartitionValueList": part_values(p), "PartitionInput": entry(p)} for p in update[i:i + 100]])
        if answer.get("Errors"):
            raise SystemExit("flatten_join: BatchUpdatePartition refused: %s" % answer["Errors"][0])
    for i in range(0, len(create), 100):
        answer = glue.batch_create_partition(**ident, PartitionInputList=[entry(p) for p in create[i:i + 100]])
        if answer.get("Errors"):
            raise SystemExit("flatten_join: BatchCreatePartition refused: %s" % answer["Errors"][0])
    written = {tuple(part_values(p)) for p in parts}
    gone = [v for v in existing if v not in written]
    for values in gone:
        glue.delete_partition(**ident, PartitionValues=list(values))
        folder = cfg.part_as + "=" + "".join("%%%02X" % ord(c) if c in HIVE_ESCAPE else c
                                             for c in values[0])
        lake.store.put(lake.version_key(folder, version, "_removed"), b"")
    return len(gone)


def publish_file(lake, parts, version):
    """Each partition link replaced by one to the new version (rename(2) is atomic); links of
    partitions the export no longer has are removed, with a _removed tombstone version."""
    root = lake.store.base
    table = os.path.join(root, lake.stem)
    base = os.path.basename(lake.stem)
    os.sync()                           # the versions are durable before anything points at them
    if not lake.partitioned:
        links = {"": table}
        rel = lambda part: "%s_versions/%s" % (base, version)   # noqa: E731
    else:
        os.makedirs(table, exist_ok=True)
        links = {n: os.path.join(table, n) for n in os.listdir(table)
                 if not n.startswith(".") and os.path.islink(os.path.join(table, n))}
        up = "../%s_versions" % base if lake.stem else "_versions"
        rel = lambda part: "%s/%s/%s" % (up, part, version)      # noqa: E731
    for part in parts:
        link = os.path.join(table, part) if lake.partitioned else table
        tmp = os.path.join(os.path.dirname(link), ".%s.tmp" % os.path.basename(link))
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(rel(part), tmp)
        os.rename(tmp, link)
    gone = [p for p in links if p not in set(parts)] if lake.partitioned else []
    for part in gone:
        os.unlink(links[part])
        lake.store.put(lake.version_key(part, version, "_removed"), b"")
    os.sync()
    return len(gone)


# ---- the job ----------------------------------------------------------------------------------

# What a record does to its key is an *effect*: (clear, {partition: (order, payload)}). The
# key's entries of records older than `clear` are gone; per partition the latest record naming
# it decides, payload None meaning no rows there. This is the C pipeline's application of a
# file on an empty lake (docs/transform.md §6): an export line replaces the key's rows wherever
# they were (a snapshot: clear = its own order); a stream record removes the key from its old
# image's partition and puts the new image's rows in the new one (state_spill.c); a MODIFY or
# REMOVE without an old image removes the key from every partition (the batches' search).
NO_CLEAR = (-2, 0)                  # before every record (orders are (file, line) or (segment, n))
COUNTER = {"ITEM": "inserted", "INSERT": "inserted", "MODIFY": "modified", "REMOVE": "removed"}


def record_effect(tf, counts, order, text, rec, stream):
    """(key, effect, seq) of a parsed record; Bad when it is quarantined, with .key, .effect
    and .seq set as far as they are known (a bad image still removes the key's old rows)."""
    key, effect, seq = None, None, None
    try:
        op, keys, new, old, change_seq = change_of(rec)
        if (op == "ITEM") == stream:
            raise Bad("an export line in a file of stream records" if stream
                      else "a stream record in a file of export lines")
        seq = change_seq
        counts[COUNTER[op]].add(1)
        check_item(keys)
        key = key_text(keys, tf.cfg.keys)
        unknown_old = old is None and op in ("MODIFY", "REMOVE")
        effect = (order if op == "ITEM" or unknown_old else NO_CLEAR, {})
        if old is not None:
            try:                    # an old image that does not transform left no rows
                check_item(old)
                effect[1][tf.partition(old)] = (order, None)
            except Bad:
                pass
        if new is not None:
            rows, n, aff, empty, unmatched = tf.item(new)
            part = tf.partition(new)
            counts["empty"].add(int(empty))
            counts["unmatched"].add(unmatched)
            effect[1][part] = (order, (text, rows, n, aff))
    except Bad as e:
        e.key, e.effect, e.seq = key, effect, seq
        raise
    return key, effect, seq


def merge_effects(a, b):
    """The effect of two records' effects on one key, whichever came first: associative and
    commutative, so Spark may combine them in any grouping (reduceByKey)."""
    clear, parts = max(a[0], b[0]), dict(a[1])
    for part, v in b[1].items():
        if part not in parts or v[0] > parts[part][0]:
            parts[part] = v
    return clear, {p: v for p, v in parts.items() if v[0] >= clear}


def current_rows(kv):
    """The key's items that are current at the end: ((partition, key bytes), (key, record,
    rows, row count, affinity)), sorted by write_partitions' order."""
    key, (_, parts) = kv
    raw = key.encode("utf-8", "surrogateescape")
    for part, (_, payload) in parts.items():
        if payload is not None:
            yield (part, raw), (key,) + payload


def transform_records(cfg, match, counts, records, stream):
    """Each record: ("bad", order, quarantine line) and/or ("item", key, effect)."""
    tf = Transform(cfg, match.value)
    for order, source, text, over in records:
        counts["records"].add(1)
        if over:
            yield "bad", order, quarantine_line("record longer than 4194304 bytes (its start is "
                                                "kept)", source, order[1], text)
            continue
        rec = parse_json(text)
        if rec is None:
            yield "bad", order, quarantine_line("not valid JSON", source, order[1], text)
            continue
        try:
            key, effect, _ = record_effect(tf, counts, order, text, rec, stream)
        except Bad as e:
            yield "bad", order, quarantine_line(str(e), source, order[1], text, e.seq)
            key, effect = e.key, e.effect
        if key is not None:
            yield "item", key, effect


def main(argv):
    a = parse_args(argv)
    cfg = Config(a)
    stream = a.get("source_format", "export") == "stream"
    if a.get("source_format", "export") not in ("export", "stream"):
        raise SystemExit("flatten_join: --source_format is export or stream, not '%s'"
                         % a["source_format"])
    if stream and not a.get("source_path"):
        raise SystemExit("flatten_join: --source_format stream reads --source_path (a Scan is "
                         "a snapshot)")
    lake = Lake(a, cfg)
    from pyspark import StorageLevel
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.appName("pipewright-flatten-join").getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel(a.get("log_level", "WARN"))
    started = time.time()
    now = time.time()
    version = time.strftime("v=%Y%m%dT%H%M%S", time.gmtime(now)) + "%06dZ" % int(now % 1 * 1e6)
    dim = None
    if cfg.has_join:
        if a.get("dimension_path"):
            dim_lines = list(read_lines(a["dimension_path"]))
        else:
            dim_lines = [r for s in range(4) for r in scan_segment(a["dimension_table"], s, 4)]
        dim = Dimension(cfg, dim_lines)
    match = sc.broadcast(dim.match if dim else {})
    parallel = sc.defaultParallelism
    if a.get("source_path"):
        store, key = input_store(a["source_path"])
        files = store.files(key)
        src = sc.parallelize(list(enumerate(files)), max(1, len(files))).flatMap(
            lambda f: (((f[0], no), os.path.basename(f[1]), text, over)
                       for no, text, over in lines_of(f[1], store.read(f[1]))))
        if len(files) < parallel:
            src = src.repartition(parallel)
    else:
        total = int(a.get("scan_segments") or parallel)
        src = sc.parallelize(range(total), total).flatMap(
            lambda s: scan_segment(a["source_table"], s, total))
    counts = {n: sc.accumulator(0) for n in ("records", "inserted", "modified", "removed",
                                             "empty", "unmatched")}
    recs = src.mapPartitions(lambda it: transform_records(cfg, match, counts, it, stream)).persist(
        StorageLevel.MEMORY_AND_DISK)
    bad = sorted(recs.filter(lambda r: r[0] == "bad").map(lambda r: (r[1], r[2])).collect())
    items = (recs.filter(lambda r: r[0] == "item").map(lambda r: (r[1], r[2]))
             .reduceByKey(merge_effects).flatMap(current_rows))
    stats = items.repartitionAndSortWithinPartitions(
        parallel, lambda k: zlib.crc32(k[0].encode("utf-8", "surrogateescape"))).mapPartitions(
        lambda it: write_partitions(cfg, lake, version, it)).collect()
    parts = sorted(s["partition"] for s in stats)
    removed = publish_s3(lake, cfg, parts, version) if lake.store.s3 else \
        publish_file(lake, parts, version)
    partitioning = ("%s by %s of '%s'" % (cfg.part_as, cfg.granularity, cfg.part.src)
                    if cfg.part else "not partitioned")
    lake.store.put(lake.meta + "pipeline.json", dumps(
        {"fingerprint": cfg.fingerprint, "partition_fingerprint": cfg.part_fingerprint,
         "partitioning": partitioning}).encode())
    if dim:
        lake.store.put(lake.meta + "dimension.gz", dim.snapshot())
        bad = [((-1, i), q) for i, q in enumerate(dim.bad)] + bad
    if bad:
        text = "".join(q + "\n" for _, q in bad).encode("utf-8", "surrogateescape")
        name = "q-%s.jsonl.gz" % hashlib.sha256(text).hexdigest()[:16]
        lake.store.put(lake.quarantine + name, gzip_bytes(text, 6))
    report = {n: c.value for n, c in counts.items()}
    report.update(quarantined=len(bad), rows_written=sum(s["rows"] for s in stats),
                  partitions_written=len(stats), partitions_removed=removed,
                  files_written=sum(s["files"] for s in stats),
                  bytes_written=sum(s["bytes"] for s in stats), version=version,
                  duration_ms=int((time.time() - started) * 1000))
    print(dumps(report))
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
