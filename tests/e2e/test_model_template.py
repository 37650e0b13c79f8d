"""GetModelTemplate through the real binary: the template AWS generates from a model's
schema, and proof that it is a working mapping template (used as a request template of an
HTTP integration, it rebuilds the payload the loopback backend then receives)."""

from __future__ import annotations

import http.client
import json
from http.server import BaseHTTPRequestHandler

from e2e_helpers import expect_error, serve_http, wait_for

PET = {"type": "object", "properties": {"id": {"type": "integer"}, "type": {"type": "string"},
                                        "price": {"type": "number"}, "tags": {"type": "array", "items": {"type": "string"}},
                                        "owner": {"type": "object", "properties": {"name": {"type": "string"},
                                                                                   "vip": {"type": "boolean"}}}}}


class Echo(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_templates_as_aws_generates_them(client, api):
    api_id = api["id"]
    client.create_model(restApiId=api_id, name="Pet", contentType="application/json", schema=json.dumps(PET))
    client.create_model(restApiId=api_id, name="Pets", contentType="application/json", schema=json.dumps(
        {"type": "array", "items": {"$ref": f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Pet"}}))
    pet = client.get_model_template(restApiId=api_id, modelName="Pet")["value"]
    assert pet == (
        "#set($inputRoot = $input.path('$'))\n"
        "{\n"
        '  "id" : $inputRoot.id,\n'
        '  "type" : "$inputRoot.type",\n'
        '  "price" : $inputRoot.price,\n'
        '  "tags" : [\n'
        "##TODO: Update this foreach loop to reference array from input json\n"
        "#foreach($elem in $inputRoot.tags)\n"
        ' "$elem" \n'
        "#if($foreach.hasNext),#end\n"
        "#end\n"
        "  ],\n"
        '  "owner" : {\n'
        '    "name" : "$inputRoot.owner.name",\n'
        '    "vip" : $inputRoot.owner.vip\n'
        "  }\n"
        "}")
    pets = client.get_model_template(restApiId=api_id, modelName="Pets")["value"]
    assert pets.startswith("#set($inputRoot = $input.path('$'))\n[\n##TODO: Update this foreach loop")
    assert '#foreach($elem in $inputRoot)\n {\n  "id" : $elem.id,\n' in pets
    expect_error(client.get_model_template, 404, "NotFoundException", "Invalid model name specified: Nope",
                 restApiId=api_id, modelName="Nope")


def test_generated_template_rebuilds_the_payload(client, api, server):
    backend = serve_http(Echo)
    try:
        api_id, root = api["id"], api["rootResourceId"]
        client.create_model(restApiId=api_id, name="Pet", contentType="application/json", schema=json.dumps(PET))
        template = client.get_model_template(restApiId=api_id, modelName="Pet")["value"]
        client.put_method(restApiId=api_id, resourceId=root, httpMethod="POST", authorizationType="NONE")
        client.put_integration(restApiId=api_id, resourceId=root, httpMethod="POST", type="HTTP",
                               integrationHttpMethod="POST", uri=f"http://127.0.0.1:{backend.server_address[1]}/",
                               requestTemplates={"application/json": template})
        client.put_method_response(restApiId=api_id, resourceId=root, httpMethod="POST", statusCode="200")
        client.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="POST", statusCode="200",
                                        selectionPattern="")
        client.create_deployment(restApiId=api_id, stageName="t")
        sent = {"id": 7, "type": "dog", "price": 249.5, "tags": ["a", "b"], "owner": {"name": "Ann", "vip": True},
                "ignored": "x"}

        def post():
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request("POST", f"/restapis/{api_id}/t/_user_request_/", body=json.dumps(sent),
                         headers={"content-type": "application/json"})
            r = conn.getresponse()
            return r.status, r.read()

        status, body = wait_for(lambda: (lambda s: s if s[0] == 200 else None)(post()))
        assert status == 200
        assert json.loads(body) == {k: v for k, v in sent.items() if k != "ignored"}
    finally:
        backend.shutdown()
