"""An independent reference of the pipeline's transform, written from docs/transform.md (and
docs/spec.md for the spec's keys), not from the C code. The end-to-end tests compare every row
the binary writes with what this computes.

    cfg = Config.from_spec("examples/whitecube/pipewright.yaml")
    ref = Reference(cfg, dimension_items)          # DynamoDB JSON items of the join table
    ref.apply_records(stream_records)              # dicts, as GetRecords returns them
    ref.lake()   -> {partition: [row, ...]}        # rows in file order, values as Cell
    ref.counts   -> records, inserted, ..., quarantined, empty, unmatched

Values are kept as docs/transform.md §4 renders them, so they compare exactly with what is read
back: Cell("num", "12.50") for a JSON number (its text), Cell("str", "x"), Cell("bool", True),
None for null.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"


@dataclass(frozen=True)
class Cell:
    kind: str       # "str", "num", "bool", "json"
    value: object

    def __repr__(self):
        return f"{self.kind}:{self.value!r}"


class Bad(Exception):
    """The item (or record) goes to quarantine, with this reason."""


# ---- the spec (docs/spec.md) ---------------------------------------------------------------

@dataclass
class Column:
    name: str
    src: str
    type: str = "string"
    format: str | None = None
    required: bool = False


@dataclass
class Config:
    keys: list                      # [(name, "S"|"N"|"B")]
    explode: str | None = None
    empty: str = "drop"
    columns: list = field(default_factory=list)   # [] = every attribute
    join_on: list = field(default_factory=list)
    join_columns: list = field(default_factory=list)
    join_kind: str = "left"
    join_explode: str | None = None
    join_empty: str = "drop"
    join_keys: list = field(default_factory=list)
    partition: Column | None = None
    granularity: str = "day"
    partition_as: str | None = None
    prefix: str = ""
    quarantine_prefix: str = ""
    fmt: str = "jsonl"
    compression: str = "gzip"
    header: bool = True

    @staticmethod
    def from_spec(path) -> "Config":
        spec = yaml.safe_load(Path(path).read_text())
        pl = spec["pipeline"]
        tables = spec["tables"]

        def keys_of(table):
            k = tables[table]["key"]
            out = []
            for role in ("hash", "range"):
                if role in k:
                    name, _, t = str(k[role]).partition(":")
                    out.append((name, t or "S"))
            return out

        def explode_of(v):
            if v is None:
                return None, "drop"
            if isinstance(v, str):
                return v, "drop"
            return v["attribute"], v.get("empty", "drop")

        cfg = Config(keys=keys_of(pl["source"].removeprefix("table.")))
        cfg.explode, cfg.empty = explode_of(pl.get("explode"))
        for c in pl.get("columns", []):
            if isinstance(c, str):
                cfg.columns.append(Column(c, c))
            else:
                cfg.columns.append(Column(c["name"], c.get("from", c["name"]),
                                          {"integer": "int", "boolean": "bool"}.get(
                                              c.get("type", "string"), c.get("type", "string")),
                                          c.get("format"), bool(c.get("required", False))))
        j = pl.get("join")
        if j:
            # YAML 1.1 (PyYAML) reads the key `on` as true; the spec is YAML 1.2, where it is "on".
            cfg.join_on = list(j["on"] if "on" in j else j[True])
            cfg.join_columns = list(j.get("columns", []))
            cfg.join_kind = j.get("kind", "left")
            cfg.join_explode, cfg.join_empty = explode_of(j.get("explode"))
            cfg.join_keys = keys_of(j["table"].removeprefix("table."))
        p = pl.get("partition")
        if p:
            cfg.granularity = p.get("granularity", "day")
            named = [c for c in cfg.columns if c.name == p["column"]]
            default_type = "string" if cfg.granularity == "value" else "timestamp"
            cfg.partition = named[0] if named else Column(p["column"], p["column"], default_type)
            suffix = {"value": "value", "year": "year", "month": "month", "day": "date",
                      "hour": "hour"}[cfg.granularity]
            cfg.partition_as = p.get("as", f"{p['column']}_{suffix}")
        out = pl["output"]
        prefix = out.get("prefix", "")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        cfg.prefix = prefix
        stem = prefix[:-1]
        cfg.quarantine_prefix = out.get("quarantine_prefix", f"{stem}_quarantine/" if stem
                                        else "quarantine/")
        cfg.fmt = {"json": "jsonl"}.get(out.get("format", "jsonl"), out.get("format", "jsonl"))
        cfg.compression = out.get("compression", "gzip")
        cfg.header = out.get("header", True)
        return cfg


# ---- DynamoDB JSON (docs/transform.md §1, §3) -----------------------------------------------

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")


def check_value(w, depth=1):
    if not isinstance(w, dict) or len(w) != 1:
        raise Bad("not a DynamoDB JSON value")
    (t, v), = w.items()
    if t not in TYPES:
        raise Bad(f"unknown DynamoDB type '{t}'")
    if t in ("S", "N", "B") and not isinstance(v, str):
        raise Bad(f"{t} value is not a string")
    if t == "N" and not NUMBER.fullmatch(v):
        raise Bad(f"'{v}' is not a number")
    if t in ("M", "L"):
        if depth > 32:
            raise Bad("nested deeper than 32 levels")
        for c in (v.values() if t == "M" else v):
            check_value(c, depth + 1)


def check_item(item):
    if not isinstance(item, dict):
        raise Bad("an item must be an object of attributes")
    for v in item.values():
        check_value(v)


def typed(w):
    """(type, value) of a wrapper; None for a missing attribute."""
    if w is None:
        return None
    (t, v), = w.items()
    return t, v


def lookup(m, path):
    """An attribute of a map by name, then as a dotted path through maps."""
    if path in m:
        return m[path]
    if "." not in path:
        return None
    cur = m
    parts = path.split(".")
    for i, p in enumerate(parts):
        w = cur.get(p)
        if w is None:
            return None
        if i == len(parts) - 1:
            return w
        t, v = typed(w)
        if t != "M":
            return None
        cur = v
    return None


def json_number(text):
    """docs §3: a leading '+' and leading zeros dropped, ".5" -> "0.5", "5." -> "5"."""
    m = re.fullmatch(r"([+-]?)(\d*)(?:\.(\d*))?([eE][+-]?\d+)?", text)
    sign, ip, fp, exp = m.group(1), m.group(2), m.group(3), m.group(4) or ""
    sign = "-" if sign == "-" else ""
    ip = ip.lstrip("0") or "0"
    out = sign + ip
    if fp:
        out += "." + fp
    return out + exp


def plain(w):
    """The plain JSON text of a value (docs §2: structured values in a string column)."""
    t, v = typed(w)
    if t in ("S", "B"):
        return json.dumps(v, ensure_ascii=False)
    if t == "N":
        return json_number(v)
    if t == "BOOL":
        return "true" if v else "false"
    if t == "NULL":
        return "null"
    if t == "M":
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + plain(x)
                              for k, x in v.items()) + "}"
    if t == "L":
        return "[" + ",".join(plain(x) for x in v) + "]"
    if t in ("SS", "BS"):
        return "[" + ",".join(json.dumps(x, ensure_ascii=False) for x in v) + "]"
    return "[" + ",".join(json_number(x) for x in v) + "]"


# ---- timestamps (docs §3) -------------------------------------------------------------------

ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
                 r"(Z|z|[+-]\d{2}(?::?\d{2})?)?)?")


def to_epoch(y, mo, d, h, mi, s, offset):
    if not (1 <= y <= 9999 and 1 <= mo <= 12 and 0 <= h <= 23 and 0 <= mi <= 59 and 0 <= s <= 59):
        raise ValueError
    if not 1 <= d <= calendar.monthrange(y, mo)[1]:
        raise ValueError
    secs = calendar.timegm((y, mo, d, h, mi, s)) - offset
    if not -62135596800 <= secs <= 253402300799:
        raise ValueError
    return secs


def parse_iso(text):
    m = ISO.fullmatch(text)
    if not m:
        raise ValueError
    y, mo, d = int(m[1]), int(m[2]), int(m[3])
    h, mi, s = int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)
    frac = m[7] or ""
    if len(frac) > 9:
        raise ValueError
    offset = 0
    z = m[8]
    if z and z not in "Zz":
        sign = -1 if z[0] == "-" else 1
        digits = z[1:].replace(":", "")
        oh, om = int(digits[:2]), int(digits[2:] or 0)
        if oh > 23 or om > 59:
            raise ValueError
        offset = sign * (oh * 3600 + om * 60)
    return to_epoch(y, mo, d, h, mi, s, offset), frac.rstrip("0")


def parse_epoch(text):
    m = re.fullmatch(r"(-?)(\d+)(?:\.(\d{0,9}))?", text)
    if not m:
        raise ValueError
    frac = (m[3] or "").rstrip("0")
    secs = int(m[2])
    if m[1]:
        secs = -secs
        if frac:        # -1.5 is 2 seconds before, plus .5
            secs -= 1
            frac = str(10 ** len(frac) - int(frac)).rjust(len(frac), "0").rstrip("0")
    if not -62135596800 <= secs <= 253402300799:
        raise ValueError
    return secs, frac


def parse_format(text, fmt):
    t = datetime.strptime(text, fmt)
    offset = int(t.utcoffset().total_seconds()) if t.tzinfo else 0
    return to_epoch(t.year, t.month, t.day, t.hour, t.minute, t.second, offset), ""


def iso(secs, frac):
    t = datetime(1970, 1, 1) + __import__("datetime").timedelta(seconds=secs)
    return t.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0") + (f".{frac}" if frac else "") + "Z"


def read_timestamp(col, w):
    t = typed(w)
    if t is None or t[0] == "NULL":
        return None
    kind, v = t
    try:
        if kind == "S" and not col.format:
            return parse_iso(v)
        if kind == "S":
            return parse_format(v, col.format)
        if kind == "N" and not col.format:
            return parse_epoch(v)
    except ValueError:
        pass
    if kind == "S" and col.format:
        raise Bad(f"column '{col.name}': '{v[:64]}' does not match the format '{col.format}'")
    if kind in ("S", "N"):
        raise Bad(f"column '{col.name}': '{v[:64]}' is not a timestamp")
    raise Bad(f"column '{col.name}': a {kind} is not a timestamp")


# ---- columns (docs §3) ----------------------------------------------------------------------

def convert(col, w):
    t = typed(w)
    if t is None or t[0] == "NULL":
        return None
    kind, v = t
    what = {"int": "an int", "decimal": "a decimal", "bool": "a bool"}.get(col.type)
    if col.type == "string":
        if kind in ("S", "N", "B"):
            return Cell("str", v)
        if kind == "BOOL":
            return Cell("str", "true" if v else "false")
        return Cell("str", plain(w))
    if col.type == "int":
        if kind in ("S", "N") and re.fullmatch(r"[+-]?\d+", v):
            n = int(v)
            if -2**63 <= n < 2**63:
                return Cell("num", str(n))
        raise Bad(f"column '{col.name}': '{v[:64]}' is not {what}" if kind in ("S", "N")
                  else f"column '{col.name}': a {kind} is not {what}")
    if col.type == "decimal":
        if kind in ("S", "N") and NUMBER.fullmatch(v):
            return Cell("num", json_number(v))
        raise Bad(f"column '{col.name}': '{v[:64]}' is not {what}" if kind in ("S", "N")
                  else f"column '{col.name}': a {kind} is not {what}")
    if col.type == "bool":
        if kind == "BOOL":
            return Cell("bool", v)
        if kind == "S" and v.lower() in ("true", "false"):
            return Cell("bool", v.lower() == "true")
        raise Bad(f"column '{col.name}': '{v[:64]}' is not {what}" if kind in ("S", "N")
                  else f"column '{col.name}': a {kind} is not {what}")
    ts = read_timestamp(col, w)
    return Cell("str", iso(*ts))


def natural(w):
    """A value with its own type, for pipelines without declared columns."""
    t = typed(w)
    if t is None or t[0] == "NULL":
        return None
    kind, v = t
    if kind in ("S", "B"):
        return Cell("str", v)
    if kind == "N":
        return Cell("num", json_number(v))
    if kind == "BOOL":
        return Cell("bool", v)
    return Cell("json", parse_tagged(plain(w)))


HIVE_ESCAPE = set('"#%\'*/:=?\\{[]^') | {chr(c) for c in range(0x20)} | {"\x7f"}


def hive_escape(v):
    return "".join(f"%{ord(c):02X}" if c in HIVE_ESCAPE else c for c in v)


# ---- the transform (docs §1, §2) ------------------------------------------------------------

def key_text(attrs, keys):
    vals = []
    for name, t in keys:
        w = attrs.get(name) if isinstance(attrs, dict) else None
        if w is None:
            raise Bad(f"missing key attribute '{name}'")
        kt, v = typed(w)
        if kt != t:
            raise Bad(f"key attribute '{name}' is {kt}, the table's key says {t}")
        vals.append(v)
    return json.dumps(vals, ensure_ascii=False, separators=(",", ":"))


def explode_list(item, attr):
    """The elements, [] for missing/NULL/empty; Bad when it is not a list of maps."""
    w = item.get(attr)
    t = typed(w)
    if t is None or t[0] == "NULL":
        return []
    if t[0] != "L":
        raise Bad(f"'{attr}' is not a list of maps (it is {t[0]})")
    out = []
    for i, e in enumerate(t[1]):
        et = typed(e)
        if et[0] != "M":
            raise Bad(f"'{attr}' is not a list of maps (element {i} is {et[0]})")
        out.append(et[1])
    return out


def row_getter(item, elem, exploded):
    """A row's attribute by name: the element's field, else the item's (docs §1, step 2); the
    exploded list itself is not an attribute of the row."""
    def get(name):
        if elem is not None:
            w = lookup(elem, name)
            if w is not None:
                return w
        if name == exploded:
            return None
        return lookup(item, name)
    return get


def join_tuple(get, on):
    """The texts of the `on` attributes, or None when one is missing or not a scalar."""
    tup = []
    for a in on:
        t = typed(get(a))
        if t is None or t[0] not in ("S", "N", "B"):
            return None
        tup.append(t[1])
    return tuple(tup)


class Dimension:
    def __init__(self, cfg: Config, items):
        self.cfg = cfg
        self.bad = []
        cands = {}      # tuple -> [(key text, elem index, values)]
        for item in items:
            try:
                check_item(item)
                k = key_text(item, cfg.join_keys)
                rows = self.rows(item)
            except Bad as e:
                self.bad.append(str(e))
                continue
            for idx, tup, values in rows:
                cands.setdefault(tup, []).append((k.encode(), idx, values))
        self.match = {t: min(c, key=lambda x: (x[0], x[1]))[2] for t, c in cands.items()}

    def rows(self, item):
        cfg = self.cfg
        if cfg.join_explode:
            elems = explode_list(item, cfg.join_explode)
            rows = list(enumerate(elems))
            if not elems:
                rows = [(-1, None)] if cfg.join_empty == "keep" else []
        else:
            rows = [(-1, None)]
        out = []
        for idx, elem in rows:
            get = row_getter(item, elem, cfg.join_explode)
            tup = join_tuple(get, cfg.join_on)
            if tup is None:
                continue
            values = []
            for name in cfg.join_columns:
                w = get(name)
                col = next((c for c in cfg.columns if c.src == name), None)
                if col:
                    convert(col, w)     # a value that does not convert makes the item bad
                values.append(w)
            out.append((idx, tup, values))
        return out


class Reference:
    def __init__(self, cfg: Config, dimension_items=()):
        self.cfg = cfg
        self.dim = Dimension(cfg, dimension_items) if cfg.join_on else None
        self.items = {}             # key text -> image (current source contents)
        self.counts = dict(records=0, inserted=0, modified=0, removed=0, quarantined=0, empty=0,
                           unmatched=0)
        self.quarantine = []        # reasons, in record order
        if self.dim:
            self.counts["quarantined"] += len(self.dim.bad)
            self.quarantine += [f"dimension item: {b}" for b in self.dim.bad]

    # -- one item --

    def partition(self, item):
        cfg = self.cfg
        if not cfg.partition:
            return ""
        col = cfg.partition
        w = lookup(item, col.src)
        if cfg.granularity != "value":
            ts = read_timestamp(col, w)
            if ts is None:
                return f"{cfg.partition_as}={DEFAULT_PARTITION}"
            t = datetime(1970, 1, 1) + __import__("datetime").timedelta(seconds=ts[0])
            v = {"year": f"{t.year:04d}", "month": f"{t.year:04d}-{t.month:02d}",
                 "day": f"{t.year:04d}-{t.month:02d}-{t.day:02d}",
                 "hour": f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}"}[cfg.granularity]
            return f"{cfg.partition_as}={v}"
        c = convert(col, w)
        if c is None or c.value == "":
            return f"{cfg.partition_as}={DEFAULT_PARTITION}"
        return f"{cfg.partition_as}={hive_escape(str(c.value))}"

    def transform(self, item):
        """(partition, rows, empty, unmatched) of a valid item; Bad otherwise."""
        cfg = self.cfg
        check_item(item)
        empty = False
        if cfg.explode:
            elems = explode_list(item, cfg.explode)
            if cfg.partition and lookup(item, cfg.partition.src) is None and \
                    any(lookup(e, cfg.partition.src) is not None for e in elems):
                raise Bad(f"partition column '{cfg.partition.name}' must be an attribute of the "
                          f"source item, not of its '{cfg.explode}' elements")
            if not elems:
                empty = True
                elems = [None] if cfg.empty == "keep" else []
        else:
            elems = [None]
        rows, unmatched = [], 0
        for elem in elems:
            get = row_getter(item, elem, cfg.explode)
            values = None
            if self.dim:
                tup = join_tuple(get, cfg.join_on)
                values = self.dim.match.get(tup) if tup is not None else None
                if values is None:
                    unmatched += 1
                    if cfg.join_kind == "inner":
                        continue
            if not cfg.columns:
                rows.append(self.every_attribute(item, elem, values))
                continue
            row = []
            for col in cfg.columns:
                if col.src in cfg.join_columns:
                    w = values[cfg.join_columns.index(col.src)] if values else None
                else:
                    w = get(col.src)
                c = convert(col, w)
                if col.required and c is None:
                    raise Bad(f"missing required attribute '{col.src}'")
                row.append((col.name, c))
            rows.append(row)
        part = self.partition(item)
        return part, rows, empty, unmatched

    def every_attribute(self, item, elem, values):
        flat = {}

        def add(m, prefix, skip=None):
            for k, w in m.items():
                if k == skip:
                    continue
                name = f"{prefix}_{k}" if prefix else k
                t = typed(w)
                if t[0] == "M":
                    add(t[1], name)
                else:
                    flat[name] = natural(w)
        add(item, None, self.cfg.explode)
        if elem is not None:
            add(elem, None)
        for i, name in enumerate(self.cfg.join_columns):
            flat[name] = natural(values[i]) if values else None
        return sorted(flat.items())

    # -- records --

    def apply_records(self, records):
        for rec in records:
            self.apply(rec)

    def apply(self, rec):
        """One stream record or export line (a dict), as the binary reads it."""
        self.counts["records"] += 1
        if "Item" in rec and isinstance(rec["Item"], dict):
            op, keys, new = "ITEM", rec["Item"], rec["Item"]
        else:
            d = rec.get("dynamodb")
            op = rec.get("eventName")
            if not isinstance(d, dict) or op not in ("INSERT", "MODIFY", "REMOVE"):
                return self.bad("not a stream record")
            new = d.get("NewImage")
            keys = d.get("Keys") or new or d.get("OldImage")
            if op != "REMOVE" and new is None:
                return self.bad("no NewImage")
        self.counts[{"ITEM": "inserted", "INSERT": "inserted", "MODIFY": "modified",
                     "REMOVE": "removed"}[op]] += 1
        try:
            check_item(keys)
            k = key_text(keys, self.cfg.keys)
        except Bad as e:
            return self.bad(str(e))
        self.items.pop(k, None)
        if op == "REMOVE":
            return None
        try:
            _, _, empty, unmatched = self.transform(new)
        except Bad as e:
            return self.bad(str(e))
        self.counts["empty"] += empty
        self.counts["unmatched"] += unmatched
        self.items[k] = new
        return None

    def bad(self, why):
        self.counts["quarantined"] += 1
        self.quarantine.append(why)

    # -- the lake --

    def lake(self):
        """{partition: [row, ...]} with items in key order; partitions with items but no rows
        map to []."""
        out = {}
        for k in sorted(self.items, key=lambda s: s.encode()):
            part, rows, _, _ = self.transform(self.items[k])
            out.setdefault(part, []).extend(rows)
        return out


# ---- reading a lake back --------------------------------------------------------------------

class NumText(str):
    """A JSON number, as the text it was written with."""


def tag(v):
    """A parsed JSON value with its types kept apart: numbers as ("num", text)."""
    if isinstance(v, NumText):
        return ("num", str(v))
    if isinstance(v, list) and v and all(isinstance(p, tuple) and len(p) == 2 for p in v) \
            and getattr(v, "is_object", False):
        return ("obj", [(k, tag(x)) for k, x in v])
    if isinstance(v, list):
        return ("arr", [tag(x) for x in v])
    if isinstance(v, str):
        return ("str", v)
    return ("lit", v)


class Pairs(list):
    is_object = True


def parse_tagged(text):
    return tag(json.loads(text, object_pairs_hook=Pairs, parse_float=NumText, parse_int=NumText))


def read_jsonl_row(line):
    """A JSON line as [(name, Cell|None)] in file order, numbers kept as their text."""
    def conv(v):
        if v is None:
            return None
        if isinstance(v, bool):
            return Cell("bool", v)
        if isinstance(v, NumText):
            return Cell("num", str(v))
        if isinstance(v, str):
            return Cell("str", v)
        return Cell("json", tag(v))
    pairs = json.loads(line, object_pairs_hook=Pairs, parse_float=NumText, parse_int=NumText)
    return [(k, conv(v)) for k, v in pairs]
