"""Reading the lake's part files back as rows that compare with transform_ref.py's Reference:
JSON lines through read_jsonl_row, CSV through an RFC 4180 reader of its own (csv.reader would
hide whether an empty field was quoted: "" is an empty string, an unquoted empty field null).
Shared by the offline (file://) and online (S3) pipeline tests."""

from __future__ import annotations

import gzip

from transform_ref import Config, read_jsonl_row


def csv_records(text):
    """RFC 4180, CRLF line ends; each field as (text, was_quoted)."""
    recs, fields, i, n = [], [], 0, len(text)
    while i < n:
        if text[i] == '"':
            j, val = i + 1, []
            while True:
                k = text.index('"', j)
                val.append(text[j:k])
                if k + 1 < n and text[k + 1] == '"':
                    val.append('"')
                    j = k + 2
                    continue
                i = k + 1
                break
            fields.append(("".join(val), True))
        else:
            j = i
            while j < n and text[j] not in ",\r":
                j += 1
            fields.append((text[i:j], False))
            i = j
        if text.startswith("\r\n", i):
            recs.append(fields)
            fields = []
            i += 2
        elif i < n and text[i] == ",":
            i += 1
            if text.startswith("\r\n", i):
                fields.append(("", False))
        else:
            raise AssertionError(f"bad csv at {i}: {text[i:i + 40]!r}")
    assert not fields, "the last record has no CRLF"
    return recs


def csv_cell(v, quoted):
    return None if (v == "" and not quoted) else v


def as_csv(rows):
    """Reference rows as a CSV reader sees them: text, null as None."""
    def text(c):
        if c is None:
            return None
        if c.kind == "bool":
            return "true" if c.value else "false"
        return str(c.value)
    return [[(k, text(c)) for k, c in r] for r in rows]


def parse_part(cfg: Config, name: str, data: bytes) -> list:
    """The rows of one part file (its name says whether it is gzipped), in file order."""
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    text = data.decode("utf-8")
    if cfg.fmt == "jsonl":
        assert text == "" or text.endswith("\n")
        return [read_jsonl_row(line) for line in text.split("\n")[:-1]]
    recs = csv_records(text)
    names = [c.name for c in cfg.columns]
    if cfg.header:
        assert [v for v, _ in recs[0]] == names
        recs = recs[1:]
    return [list(zip(names, [csv_cell(v, q) for v, q in r])) for r in recs]


def expected_rows(cfg: Config, want: dict) -> dict:
    """The reference's {partition: rows} as a reader of the lake's format sees them."""
    if cfg.fmt == "csv":
        return {p: as_csv(rows) for p, rows in want.items()}
    return want
