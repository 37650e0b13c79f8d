"""Documentation parts and versions through the real binary (boto3), with AWS's recorded
shapes and messages; documentation carried by an imported document; parts merged into
GetExport; a documentation version snapshotting the parts a stage exports."""

from __future__ import annotations

import json

from e2e_helpers import add_mock_method, expect_error, status_of


def test_part_lifecycle_as_recorded(client, api):
    api_id = api["id"]
    part = client.create_documentation_part(restApiId=api_id, location={"type": "API"},
                                            properties='{"description": "Sample API description"}')
    assert status_of(part) == 201
    assert (part["location"], part["properties"]) == ({"type": "API"}, '{"description": "Sample API description"}')
    got = client.get_documentation_part(restApiId=api_id, documentationPartId=part["id"])
    assert got["id"] == part["id"]
    assert [p["id"] for p in client.get_documentation_parts(restApiId=api_id)["items"]] == [part["id"]]
    upd = client.update_documentation_part(restApiId=api_id, documentationPartId=part["id"], patchOperations=[
        {"op": "replace", "path": "/properties", "value": '{"description": "Updated Sample API description"}'}])
    assert upd["properties"] == '{"description": "Updated Sample API description"}'
    assert status_of(client.delete_documentation_part(restApiId=api_id, documentationPartId=part["id"])) == 202
    expect_error(client.delete_documentation_part, 404, "NotFoundException",
                 "Invalid Documentation part identifier specified", restApiId=api_id, documentationPartId=part["id"])


def test_recorded_errors(client, loose_client, api):
    api_id = api["id"]
    expect_error(client.create_documentation_part, 404, "NotFoundException",
                 "Invalid API identifier specified 000000000000:api_id",
                 restApiId="api_id", location={"type": "API"}, properties="{}")
    expect_error(loose_client.create_documentation_part, 400, "ValidationException",
                 "1 validation error detected: Value 'INVALID' at 'createDocumentationPartInput.location.type' "
                 "failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_BODY, RESPONSE, "
                 "METHOD, MODEL, AUTHORIZER, RESPONSE_HEADER, RESOURCE, PATH_PARAMETER, REQUEST_BODY, "
                 "QUERY_PARAMETER, API, REQUEST_HEADER]",
                 restApiId=api_id, location={"type": "INVALID"}, properties="{}")
    expect_error(client.get_documentation_part, 404, "NotFoundException",
                 "Invalid Documentation part identifier specified", restApiId="api_id", documentationPartId="x")
    expect_error(client.get_documentation_part, 404, "NotFoundException",
                 "Invalid Documentation part identifier specified", restApiId=api_id, documentationPartId="x")
    expect_error(client.get_documentation_parts, 404, "NotFoundException",
                 "Invalid API identifier specified 000000000000:api_id", restApiId="api_id")
    part = client.create_documentation_part(restApiId=api_id, location={"type": "API"}, properties="{}")
    expect_error(client.update_documentation_part, 400, "BadRequestException",
                 "Invalid patch path  '/properties' specified for op 'add'. Please choose supported operations",
                 restApiId=api_id, documentationPartId=part["id"],
                 patchOperations=[{"op": "add", "path": "/properties", "value": "{}"}])
    expect_error(client.update_documentation_part, 400, "BadRequestException",
                 "Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: [/properties]",
                 restApiId=api_id, documentationPartId=part["id"],
                 patchOperations=[{"op": "replace", "path": "/invalidPath", "value": "{}"}])


def test_location_rules_defaults_and_conflicts(client, api):
    api_id = api["id"]
    res = client.create_documentation_part(restApiId=api_id, location={"type": "RESOURCE"},
                                           properties='{"description": "root"}')
    assert res["location"] == {"type": "RESOURCE", "path": "/"}
    meth = client.create_documentation_part(restApiId=api_id, location={"type": "METHOD", "path": "/pets"},
                                            properties='{"summary": "any"}')
    assert meth["location"] == {"type": "METHOD", "path": "/pets", "method": "*"}
    expect_error(client.create_documentation_part, 409, "ConflictException",
                 "Documentation part already exists for the specified location: type 'RESOURCE', path '/'.",
                 restApiId=api_id, location={"type": "RESOURCE", "path": "/"}, properties="{}")
    expect_error(client.create_documentation_part, 400, "BadRequestException",
                 restApiId=api_id, location={"type": "QUERY_PARAMETER", "path": "/pets"}, properties="{}")
    expect_error(client.create_documentation_part, 400, "BadRequestException",
                 restApiId=api_id, location={"type": "API", "method": "GET"}, properties="{}")
    expect_error(client.create_documentation_part, 400, "BadRequestException",
                 restApiId=api_id, location={"type": "MODEL", "name": "Pet"}, properties="not json")
    listed = client.get_documentation_parts(restApiId=api_id, type="METHOD")["items"]
    assert [p["id"] for p in listed] == [meth["id"]]
    empty = client.create_documentation_part(restApiId=api_id, location={"type": "MODEL", "name": "Pet"},
                                             properties="{}")
    undocumented = client.get_documentation_parts(restApiId=api_id, locationStatus="UNDOCUMENTED")["items"]
    assert [p["id"] for p in undocumented] == [empty["id"]]
    documented = client.get_documentation_parts(restApiId=api_id, locationStatus="DOCUMENTED")["items"]
    assert sorted(p["id"] for p in documented) == sorted([res["id"], meth["id"]])


DOC = {
    "openapi": "3.0.1", "info": {"title": "documented", "version": "1"},
    "paths": {"/pets": {"get": {
        "parameters": [{"name": "page", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                                            "responses": {"default": {"statusCode": "200"}}}}}},
    "x-amazon-apigateway-documentation": {"version": "1.0", "documentationParts": [
        {"location": {"type": "API"}, "properties": {"info": {"description": "All about pets"}}},
        {"location": {"type": "METHOD", "path": "/pets", "method": "GET"}, "properties": {"summary": "List pets"}},
        {"location": {"type": "QUERY_PARAMETER", "path": "/pets", "method": "GET", "name": "page"},
         "properties": {"description": "Page number"}},
        {"location": {"type": "RESPONSE", "path": "/pets", "method": "GET", "statusCode": "200"},
         "properties": {"description": "The pets"}}]},
}


def test_imported_documentation_merged_into_exports_and_versions(client):
    api_id = client.import_rest_api(body=json.dumps(DOC).encode())["id"]
    try:
        parts = client.get_documentation_parts(restApiId=api_id)["items"]
        assert sorted(p["location"]["type"] for p in parts) == ["API", "METHOD", "QUERY_PARAMETER", "RESPONSE"]
        client.create_deployment(restApiId=api_id, stageName="s")
        doc = json.loads(client.get_export(restApiId=api_id, stageName="s", exportType="oas30")["body"].read())
        assert doc["info"]["description"] == "All about pets"
        get = doc["paths"]["/pets"]["get"]
        assert get["summary"] == "List pets"
        assert get["parameters"] == [{"name": "page", "in": "query", "schema": {"type": "string"},
                                      "description": "Page number"}]
        assert get["responses"]["200"]["description"] == "The pets"

        # A version freezes the parts; the stage exports the version's parts.
        v = client.create_documentation_version(restApiId=api_id, documentationVersion="v1", stageName="s",
                                                description="first")
        assert status_of(v) == 201 and (v["version"], v["description"]) == ("v1", "first")
        assert client.get_stage(restApiId=api_id, stageName="s")["documentationVersion"] == "v1"
        method_part = [p for p in parts if p["location"]["type"] == "METHOD"][0]
        client.update_documentation_part(restApiId=api_id, documentationPartId=method_part["id"], patchOperations=[
            {"op": "replace", "path": "/properties", "value": '{"summary": "Changed"}'}])
        doc = json.loads(client.get_export(restApiId=api_id, stageName="s", exportType="swagger")["body"].read())
        assert doc["paths"]["/pets"]["get"]["summary"] == "List pets"
        expect_error(client.create_documentation_version, 409, "ConflictException",
                     restApiId=api_id, documentationVersion="v1")
        assert [x["version"] for x in client.get_documentation_versions(restApiId=api_id)["items"]] == ["v1"]
        upd = client.update_documentation_version(restApiId=api_id, documentationVersion="v1", patchOperations=[
            {"op": "replace", "path": "/description", "value": "renamed"}])
        assert upd["description"] == "renamed"
        expect_error(client.get_documentation_version, 404, "NotFoundException",
                     "Invalid Documentation version specified", restApiId=api_id, documentationVersion="v9")

        # ignore=documentation leaves the document's parts out.
        other = client.import_rest_api(body=json.dumps(DOC).encode(), parameters={"ignore": "documentation"})
        try:
            assert client.get_documentation_parts(restApiId=other["id"])["items"] == []
        finally:
            client.delete_rest_api(restApiId=other["id"])
    finally:
        client.delete_rest_api(restApiId=api_id)


def test_import_documentation_parts_merge_and_overwrite(client, api):
    api_id = api["id"]
    add_mock_method(client, api_id, api["rootResourceId"], "GET")
    first = client.create_documentation_part(restApiId=api_id, location={"type": "API"}, properties='{"a": 1}')
    resp = client.import_documentation_parts(restApiId=api_id, mode="merge", body=json.dumps(DOC).encode())
    assert status_of(resp) == 200 and len(resp["ids"]) == 4
    assert first["id"] in resp["ids"]  # the API part is replaced in place
    assert len(client.get_documentation_parts(restApiId=api_id)["items"]) == 4
    api_part = client.get_documentation_part(restApiId=api_id, documentationPartId=first["id"])
    assert json.loads(api_part["properties"]) == {"info": {"description": "All about pets"}}
    only_one = {"swagger": "2.0", "info": {"title": "x"}, "paths": {}, "x-amazon-apigateway-documentation": {
        "documentationParts": [{"location": {"type": "MODEL", "name": "Pet"}, "properties": {"title": "A pet"}}]}}
    resp = client.import_documentation_parts(restApiId=api_id, mode="overwrite", body=json.dumps(only_one).encode())
    items = client.get_documentation_parts(restApiId=api_id)["items"]
    assert [p["id"] for p in items] == resp["ids"]
    assert items[0]["location"] == {"type": "MODEL", "name": "Pet"}
    for bad in [b"{not json", b"key: [unclosed"]:
        expect_error(client.import_documentation_parts, 400, "BadRequestException",
                     "Unable to build importer with provided input.", restApiId=api_id, body=bad)
