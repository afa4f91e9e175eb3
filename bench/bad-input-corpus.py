#!/usr/bin/env python3
"""A corpus of bad requests on every route of the catalog, sent to a running stack.

    python3 bench/bad-input-corpus.py http://localhost:8080 [api key, default local-bench-key]

Every route of functions/catalog.json gets every mutation below (malformed JSON, wrong types,
nulls, numbers past 2^63, fractions and exponents for integers, control characters, lone
surrogates, duplicate keys, very long strings and headers, huge bodies, wrong methods and content
types, broken escapes, unknown and other tenants' ids). Each answer must be a 4xx with an
application/problem+json body; the script prints the answers per status and every answer that is
not, and exits 1 if there is one. It writes nothing it is not refused (check with the counts it
prints before and after). Only the standard library: no pip install.
"""
import http.client
import json
import socket
import sys
import urllib.parse
import uuid

BASE = urllib.parse.urlparse(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8080")
KEY = sys.argv[2] if len(sys.argv) > 2 else "local-bench-key"  # the benchmarks' key: its own rate limit
CATALOG = json.load(open("functions/catalog.json"))
ROUTES = [(f["trigger"]["method"], f["trigger"]["path"]) for f in CATALOG["functions"] if f["trigger"]["type"] == "http"]

GOOD = {
    "/customers": {"name": "Ada", "email": "ada@example.com", "creditLimitCents": 1000},
    "/products": {"sku": "CORPUS-1", "name": "Mug", "unitPriceCents": 100, "stock": 1},
    "/products/{sku}/restock": {"quantity": 1},
    "/orders": {"customerId": str(uuid.uuid4()), "items": [{"sku": "CORPUS-1", "quantity": 1}], "paymentToken": "tok_ok"},
}


def raw(method, target, headers, body=b""):
    """Sends bytes as they are (no client library would send some of these)."""
    s = socket.create_connection((BASE.hostname, BASE.port or 80), timeout=30)
    head = f"{method} {target} HTTP/1.1\r\nHost: {BASE.hostname}\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"Content-Length: {len(body)}\r\n\r\n"
    try:
        s.sendall(head.encode("latin-1") + body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused before the body was read (a body over the limit): the answer is still there
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    s.close()
    status_line, _, rest = data.partition(b"\r\n")
    status = int(status_line.split()[1]) if status_line else 0
    header_block, _, payload = rest.partition(b"\r\n\r\n")
    content_type = ""
    for line in header_block.split(b"\r\n"):
        if line.lower().startswith(b"content-type:"):
            content_type = line.split(b":", 1)[1].strip().decode()
    return status, content_type, payload


def bodies(good):
    """Mutations of a good body: each field broken in every way, and the body broken as a whole."""
    yield "malformed json", b'{"a": 1,'
    yield "empty", b""
    yield "null", b"null"
    yield "array", b"[]"
    yield "string", b'"x"'
    yield "trailing garbage", json.dumps(good).encode() + b" x"
    yield "huge body (11 MB)", b'{"name": "' + b"x" * 11_000_000 + b'"}'
    yield "unknown field", json.dumps({**good, "vip": True}).encode()
    for field, value in good.items():
        for name, bad in [("null", "null"), ("object", "{}"), ("array", "[]"), ("true", "true"), ("a string", '"12"'),
                          ("past 2^63", "9223372036854775808"), ("negative", "-1"), ("fraction", "1.5"), ("1e3", "1e3"),
                          ("a long string", json.dumps("x" * 20_000)), ("NUL", '"a\\u0000b"'), ("bell", '"a\\u0007b"'),
                          ("lone surrogate", '"\\ud800a"'), ("empty string", '""')]:
            if name == "a string" and isinstance(value, str):
                continue  # a string is what a string field takes
            yield f"{field}: {name}", json.dumps({**good, field: "__BAD__"}).replace('"__BAD__"', bad).encode()
        yield f"{field}: duplicate key", ("{" + json.dumps(field) + ": " + json.dumps(value) + ", " +
                                          json.dumps(good)[1:]).encode()
        yield f"{field}: missing", json.dumps({k: v for k, v in good.items() if k != field}).encode()


def main():
    results = []
    customer_id = str(uuid.uuid4())
    for method, path in ROUTES:
        target = path.replace("{customerId}", customer_id).replace("{orderId}", str(uuid.uuid4())).replace(
            "{sku}", "NO-SUCH-SKU")
        json_headers = {"x-api-key": KEY, "content-type": "application/json"}
        cases = [
            ("no key", method, target, {"content-type": "application/json"}, b"{}"),
            ("unknown key", method, target, {"x-api-key": "nope", "content-type": "application/json"}, b"{}"),
            ("other tenant's key on an unknown id", method, target, {"x-api-key": "local-other-key"}, b"{}"),
            ("wrong method", "PATCH", target, json_headers, b"{}"),
            ("headers over 10,240 bytes", method, target, {**json_headers, "x-pad": "p" * 12_000}, b"{}"),
            ("request line over 10,240 bytes", method, target + "?q=" + "q" * 12_000, json_headers, b"{}"),
            ("broken escape in the path", method, target + "%zz", json_headers, b"{}"),
            ("broken escape in the query", method, target + "?a=%G0", json_headers, b"{}"),
            ("a malformed id", method, path.replace("{customerId}", "not-a-uuid").replace("{orderId}", "42")
             .replace("{sku}", "a%20b"), json_headers, b"{}"),
        ]
        if "{orderId}" in path and method == "GET" and path.endswith("{orderId}"):
            for value in ["-999999999-01-01T00:00:00%2B18:00", "-500000000-01-01T00:00:00Z", "2026-11-30T10:00:00",
                          "yesterday", "2026-13-01T00:00:00Z", "%00"]:
                cases.append((f"asOf={value}", method, target + "?asOf=" + value, json_headers, b""))
        good = next((g for p, g in GOOD.items() if p == path), None)
        if method == "POST" and good is not None:
            cases.append(("text/plain", method, target, {"x-api-key": KEY, "content-type": "text/plain"}, b"name=Ada"))
            cases.append(("application/xml", method, target, {"x-api-key": KEY, "content-type": "application/xml"},
                          b"<a/>"))
            for name, body in bodies(good):
                cases.append((name, method, target, json_headers, body))
        for name, m, t, h, b in cases:
            status, content_type, payload = raw(m, t, h, b)
            ok = 400 <= status < 500 and content_type.startswith("application/problem+json")
            results.append((method + " " + path, name, status, content_type, ok, payload[:160]))
    by_status = {}
    for r in results:
        by_status[r[2]] = by_status.get(r[2], 0) + 1
    print(f"{len(results)} bad requests on {len(ROUTES)} routes; answers by status: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(by_status.items())))
    bad = [r for r in results if not r[4]]
    for route, name, status, content_type, _, payload in bad:
        print(f"NOT a 4xx problem+json: {route} [{name}] -> {status} {content_type} {payload!r}")
    print("all refused with a 4xx problem+json" if not bad else f"{len(bad)} answers were not")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
