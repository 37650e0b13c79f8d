#!/usr/bin/env python3
"""Regenerate botocore.json: SigV4 vectors signed by real botocore.

Run with a Python that has botocore installed, e.g.
    /tmp/venv/bin/python crates/proscenium-sigv4/tests/vectors/gen.py

Time is frozen by replacing botocore.auth.get_current_datetime, so the output
is reproducible for a given botocore version.
"""

import datetime
import json
import os
from urllib.parse import urlsplit

import botocore
import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FROZEN = datetime.datetime(2024, 1, 15, 8, 30, 0)
NOW = int(FROZEN.replace(tzinfo=datetime.timezone.utc).timestamp())
botocore.auth.get_current_datetime = lambda *a, **k: FROZEN

ACCESS_KEY = "AKIDPROSCENIUMTEST"
SECRET_KEY = "proscenium/TestSecret+Key0123456789abcdef"
TOKEN = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN//////////wEaDEXAMPLE="
UA = "Boto3/1.0 Python/3.11 Botocore/" + botocore.__version__


def host(region):
    return f"apigateway.{region}.amazonaws.com"


CASES = [
    dict(name="get-restapis", method="GET", path="/restapis"),
    dict(
        name="post-restapis-json",
        method="POST",
        path="/restapis",
        body=json.dumps({"name": "petstore", "description": "Pets \u00e9t\u00e9"}, ensure_ascii=False),
        headers={"Content-Type": "application/json"},
    ),
    dict(
        name="patch-stage",
        method="PATCH",
        path="/restapis/abc/stages/dev",
        body=json.dumps(
            {"patchOperations": [{"op": "replace", "path": "/variables/x", "value": "1"}]}
        ),
        headers={"Content-Type": "application/json"},
    ),
    dict(
        name="get-tags-percent-encoded-arn",
        method="GET",
        path="/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Fabc",
    ),
    dict(
        name="untag-repeated-query-keys",
        method="DELETE",
        path="/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Fabc",
        query="tagKeys=b&tagKeys=a",
    ),
    dict(
        name="query-needs-sorting-and-encoding",
        method="GET",
        path="/restapis",
        query="position=abc%3D%3D&limit=25&embed=a%20b",
    ),
    dict(name="eu-west-1", method="GET", path="/restapis/xyz/resources", region="eu-west-1"),
    dict(name="session-token", method="GET", path="/account", token=TOKEN),
    dict(
        name="messy-header-whitespace",
        method="PUT",
        path="/restapis/abc",
        body='{"k":"v"}',
        headers={"Content-Type": "application/json", "X-Custom": "  a   b \t c  "},
    ),
    dict(name="date-header-instead-of-x-amz-date", method="GET", path="/restapis",
         headers={"Date": "placeholder"}),
    dict(name="presigned-get", method="GET", path="/restapis", query="limit=5", presign=300),
]


def sign(case):
    region = case.get("region", "us-east-1")
    query = case.get("query", "")
    url = f"https://{host(region)}{case['path']}" + (f"?{query}" if query else "")
    headers = {"Host": host(region), "User-Agent": UA}
    headers.update(case.get("headers", {}))
    body = case.get("body", "")
    request = AWSRequest(method=case["method"], url=url, data=body.encode(), headers=headers)
    creds = Credentials(ACCESS_KEY, SECRET_KEY, case.get("token"))
    if "presign" in case:
        SigV4QueryAuth(creds, "apigateway", region, expires=case["presign"]).add_auth(request)
    else:
        SigV4Auth(creds, "apigateway", region).add_auth(request)
    parts = urlsplit(request.url)
    return {
        "name": case["name"],
        "method": case["method"],
        "path": parts.path,
        "query": parts.query,
        "headers": [[k, v] for k, v in request.headers.items()],
        "body": body,
        "region": region,
        "authorization": request.headers.get("Authorization"),
    }


def main():
    out = {
        "generator": "botocore " + botocore.__version__,
        "access_key_id": ACCESS_KEY,
        "secret_access_key": SECRET_KEY,
        "now": NOW,
        "vectors": [sign(c) for c in CASES],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "botocore.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
