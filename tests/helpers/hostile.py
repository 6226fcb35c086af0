"""The hostile-input corpus: (id, format, bytes, expected records or the InputError message).

Shared by the reader-level test (``test_hostile_inputs``) and the whole-CLI one (``test_hostile_cli``).
"""

from __future__ import annotations

import codecs

from bulklike.input.readers import InputFormat, InputRecord
from tests.helpers.records import bad, ok

NOT_REF = "not a tweet ID or status URL"
NOT_INT = "ID is not an integer"
TOO_BIG = "ID exceeds 2^63-1"
FLOAT = "ID is a JSON float (write the ID as a string or an integer)"
EOD = "malformed CSV: unexpected end of data"
AFTER_QUOTE = "malformed CSV: ',' expected after '\"'"
HOST = "host is not twitter.com or x.com"
BIG = 50_000_000  # one 50 MB line


def utf16(text: str, bom: bytes, codec: str) -> bytes:
    return bom + text.encode(codec)


Expected = list[InputRecord] | str  # a str is the exact InputError message

CORPUS: list[tuple[str, InputFormat, bytes, Expected]] = [
    # --- text: bytes that are not text ---
    ("png-header", "text", b"\x89PNG\r\n\x1a\n\x00\x00IHDR\n7\n",
     [bad(1, "invalid UTF-8", "\ufffdPNG"), bad(2, NOT_REF, "\ufffd"), bad(3, NOT_REF, "\ufffd\ufffdIHDR"),
      ok(4, "7")]),
    ("nul-inside-id", "text", b"123\x00456\n789\n", [bad(1, NOT_REF, "123\ufffd456"), ok(2, "789")]),
    ("nul-only-line", "text", b"\x00\x00\x00\n5\n", [bad(1, NOT_REF, "\ufffd\ufffd\ufffd"), ok(2, "5")]),
    ("invalid-utf8", "text", b"1\n\xc3\x28\n2\n", [ok(1, "1"), bad(2, "invalid UTF-8", "\ufffd("), ok(3, "2")]),
    ("utf8-encoded-surrogate", "text", b"\xed\xa0\x80\n3\n",
     [bad(1, "invalid UTF-8", "\ufffd\ufffd\ufffd"), ok(2, "3")]),
    ("latin1-line", "text", b"caf\xe9\n4\n", [bad(1, "invalid UTF-8", "caf\ufffd"), ok(2, "4")]),
    ("ansi-escape", "text", b"\x1b[31m123\x1b[0m\n6\n", [bad(1, NOT_REF, "\ufffd[31m123\ufffd[0m"), ok(2, "6")]),
    ("bidi-override", "text", "\u202e123\n8\n".encode(), [bad(1, NOT_REF, "\ufffd123"), ok(2, "8")]),
    ("zero-width-space", "text", "123\u200b\n9\n".encode(), [bad(1, NOT_REF, "123\ufffd"), ok(2, "9")]),
    # --- text: encodings and line ends ---
    ("utf16-le-bom", "text", utf16("1\n0123\n2\n", codecs.BOM_UTF16_LE, "utf-16-le"),
     [ok(1, "1"), bad(2, "ID has a leading zero", "0123"), ok(3, "2")]),
    ("utf16-be-bom", "text", utf16("1\r\n2\r\n", codecs.BOM_UTF16_BE, "utf-16-be"), [ok(1, "1"), ok(2, "2")]),
    ("utf16-odd-length", "text", utf16("1\n", codecs.BOM_UTF16_LE, "utf-16-le") + b"\x32",
     [ok(1, "1"), bad(2, NOT_REF, "\ufffd")]),
    ("utf8-bom", "text", b"\xef\xbb\xbf1\n2\n", [ok(1, "1"), ok(2, "2")]),
    ("utf8-bom-only", "text", b"\xef\xbb\xbf", []),
    ("bom-mid-file", "text", b"1\n\xef\xbb\xbf2\n", [ok(1, "1"), ok(2, "2")]),
    ("crlf", "text", b"1\r\n\r\n# c\r\n2\r\n", [ok(1, "1"), ok(4, "2")]),
    ("mixed-line-ends", "text", b"1\r\n2\n3\r4\n5", [ok(1, "1"), ok(2, "2"), bad(3, NOT_REF, "3\ufffd4"), ok(4, "5")]),
    ("unicode-spaces", "text", "\u00a01\u3000\n".encode(), [ok(1, "1")]),
    ("empty-file", "text", b"", []),
    ("only-blank-and-comments", "text", b"\n\n  \n# x\n", []),
    ("50mb-line", "text", b"9" * BIG + b"\n42\n",
     [bad(1, f"line too long ({BIG} bytes)", "9" * 199 + "\u2026"), ok(2, "42")]),
    ("50mb-line-at-eof", "text", b"1\n" + b" " * BIG, [ok(1, "1"), bad(2, f"line too long ({BIG} bytes)", "\u2026")]),
    # --- text: numbers and URLs that are not tweet IDs ---
    ("20-digits", "text", b"12345678901234567890\n1\n", [bad(1, TOO_BIG, "12345678901234567890"), ok(2, "1")]),
    ("above-max", "text", b"9223372036854775808\n9223372036854775807\n",
     [bad(1, TOO_BIG, "9223372036854775808"), ok(2, "9223372036854775807")]),
    ("negative", "text", b"-123\n", [bad(1, "ID is negative", "-123")]),
    ("zero-padded", "text", b"000123\n0\n", [bad(1, "ID has a leading zero", "000123"), bad(2, "ID is zero", "0")]),
    ("floats", "text", b"1.5\n123.0\n", [bad(1, NOT_INT, "1.5"), bad(2, NOT_INT, "123.0")]),
    ("scientific", "text", b"1e18\n1.2E+18\n", [bad(1, NOT_INT, "1e18"), bad(2, NOT_INT, "1.2E+18")]),
    ("non-ascii-digits", "text", "\u0661\u0662\n\uff11\uff12\n".encode(),
     [bad(1, "ID has non-ASCII digits", "\u0661\u0662"), bad(2, "ID has non-ASCII digits", "\uff11\uff12")]),
    ("lookalike-hosts", "text",
     b"https://twitter.com.evil.com/a/status/1\nhttps://evil-twitter.com/a/status/1\nhttps://twitter.co/a/status/1\n"
     b"https://x.com/a/status/2\n",
     [bad(1, HOST, "https://twitter.com.evil.com/a/status/1"), bad(2, HOST, "https://evil-twitter.com/a/status/1"),
      bad(3, HOST, "https://twitter.co/a/status/1"), ok(4, "2")]),
    ("userinfo-and-scheme", "text", b"https://x.com@evil.com/a/status/1\njavascript:alert(1)\n",
     [bad(1, "URL has a user name (user@host)", "https://x.com@evil.com/a/status/1"),
      bad(2, "scheme is not http or https", "javascript:alert(1)")]),
    # --- CSV / TSV ---
    ("csv-unbalanced-quote", "csv", b'tweet_id,name\n1,"bob\n2,ann\n3,"cy"\n4,dee\n',
     [bad(2, AFTER_QUOTE, '1,"bob'), ok(3, "2"), ok(4, "3"), ok(5, "4")]),
    ("csv-quote-open-to-eof", "csv", b"tweet_id\n\"1\n" + b"2\n" * 10_000,
     [bad(2, EOD, '"1')] + [ok(n, "2") for n in range(3, 10_003)]),
    ("csv-quote-open-past-cap", "csv", b"tweet_id\n\"1\n" + b"2\n" * 100_000,
     [bad(2, "malformed CSV: field larger than field limit (131072)", '"1')] + [ok(n, "2") for n in range(3, 100_003)]),
    ("csv-junk-after-quote", "csv", b'tweet_id\n"1"x\n2\n', [bad(2, AFTER_QUOTE, '"1"x'), ok(3, "2")]),
    ("csv-bare-cr-in-field", "csv", b"tweet_id\n1\r2\n3\n",
     [bad(2, "malformed CSV: new-line character seen in unquoted field", "1\ufffd2"), ok(3, "3")]),
    ("csv-nul-in-id", "csv", b"tweet_id\n12\x003\n4\n", [bad(2, NOT_REF, "12\ufffd3"), ok(3, "4")]),
    ("csv-invalid-utf8-other-column", "csv", b"tweet_id,name\n1,\xff\n2,ok\n",
     [bad(2, "invalid UTF-8", "1,\ufffd"), ok(3, "2")]),
    ("csv-binary-rows", "csv", b"tweet_id\n\x00\x01\x02\n\xfe\xfd\n5\n",
     [bad(2, NOT_REF, "\ufffd\ufffd\ufffd"), bad(3, "invalid UTF-8", "\ufffd\ufffd"), ok(4, "5")]),
    ("csv-no-id-column", "csv", b"name,when\nbob,today\n", "in: no tweet ID column; found: name, when (use --column)"),
    ("csv-header-too-long", "csv", b"a" * 70_000 + b"\n1\n",
     "in: no tweet ID column; the header is not valid CSV (line too long (70000 bytes))"),
    ("csv-header-only", "csv", b"tweet_id,name\n", []),
    ("csv-empty", "csv", b"", []),
    ("csv-blank-lines-only", "csv", b"\n\r\n\n", []),
    ("csv-bom-crlf-header", "csv", b"\xef\xbb\xbftweet_id,n\r\n1,a\r\n", [ok(2, "1")]),
    ("csv-mixed-values", "csv", b"url\nhttps://x.com/a/status/1\n-1\n1e3\n\nhttps://x.co/a/status/2\n",
     [ok(2, "1"), bad(3, "ID is negative", "-1"), bad(4, NOT_INT, "1e3"), bad(6, HOST, "https://x.co/a/status/2")]),
    ("tsv-utf16-excel-export", "tsv",
     utf16("name\ttweet_id\r\nann\t1\r\nbob\t01\r\n", codecs.BOM_UTF16_LE, "utf-16-le"),
     [ok(2, "1"), bad(3, "ID has a leading zero", "01")]),
    ("tsv-unbalanced-quote", "tsv", b'tweet_id\tn\n1\t"x\n2\ty\n', [bad(2, EOD, '1 "x'), ok(3, "2")]),
    # --- JSON Lines ---
    ("jsonl-float", "jsonl", b'{"id": 1.5e18}\n{"id": 7}\n',
     [bad(1, FLOAT, "1.5e+18"), ok(2, "7")]),
    ("jsonl-nan", "jsonl", b'{"id": NaN}\n', [bad(1, FLOAT, "NaN")]),
    ("jsonl-bool", "jsonl", b'{"id": true}\n', [bad(1, "ID is a boolean", "true")]),
    ("jsonl-null", "jsonl", b'{"tweet_id": null, "id": 5}\n', [bad(1, "ID is null", "null")]),
    ("jsonl-list", "jsonl", b'{"id": [1]}\n', [bad(1, "ID is a list", "[1]")]),
    ("jsonl-nested-object", "jsonl", b'{"id": {"id": 1}}\n', [bad(1, "ID is an object", '{"id": 1}')]),
    ("jsonl-not-an-object", "jsonl", b'123\n"456"\n[{"id": 1}]\n',
     [bad(1, "not a JSON object", "123"), bad(2, "not a JSON object", '"456"'),
      bad(3, "not a JSON object", '[{"id": 1}]')]),
    ("jsonl-truncated", "jsonl", b'{"id": "1"}\n{"id": "12\n{"id"\n',
     [ok(1, "1"), bad(2, "not valid JSON", '{"id": "12'), bad(3, "not valid JSON", '{"id"')]),
    ("jsonl-deep-nesting", "jsonl", b"[" * 60_000 + b'\n{"id": 2}\n',
     [bad(1, "not valid JSON", "[" * 199 + "\u2026"), ok(2, "2")]),
    ("jsonl-huge-int", "jsonl", b'{"id": ' + b"9" * 5000 + b"}\n",
     [bad(1, "not valid JSON", '{"id": ' + "9" * 192 + "\u2026")]),
    ("jsonl-int-range", "jsonl", b'{"id": -1}\n{"id": 0}\n{"id": 9223372036854775808}\n',
     [bad(1, "ID is negative", "-1"), bad(2, "ID is zero", "0"), bad(3, TOO_BIG, "9223372036854775808")]),
    ("jsonl-lone-surrogate", "jsonl", b'{"id": "\\ud800"}\n', [bad(1, NOT_REF, "\ufffd")]),
    ("jsonl-missing-field", "jsonl", b'{"user": 1}\n',
     [bad(1, "no 'tweet_id', 'id_str', 'id' or 'url' field", '{"user": 1}')]),
    ("jsonl-invalid-utf8", "jsonl", b'{"id": "\xff"}\n{"id": "3"}\n',
     [bad(1, "invalid UTF-8", '{"id": "\ufffd"}'), ok(2, "3")]),
    ("jsonl-bom-crlf-blank", "jsonl", b'\xef\xbb\xbf{"id": "1"}\r\n\r\n{"id_str": "2"}\r\n', [ok(1, "1"), ok(3, "2")]),
]  # fmt: skip
