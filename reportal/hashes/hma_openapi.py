"""The OpenAPI description of the HMA-compatible paths (/h/, /m/, /c/, plain Django views in hma.py), and the
completion of the whole API document: a `servers` entry, the error statuses every operation answers with the one
error body, and a description for every operation.

The HMA views are not ninja operations (their paths and shapes are HMA's), so they are described here by hand;
tests/test_api_fuzz.py runs schemathesis over the whole document against a live server, so this description
and the views cannot drift apart unnoticed.
"""

from __future__ import annotations

import copy
from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
ERROR_SCHEMA = {
    "title": "ErrorOut",
    "description": "The one error body: `message` says what went wrong and what to do next.",
    "type": "object",
    "properties": {
        "message": {"type": "string"},
        "detail": {"type": "string", "description": "The same message (for clients of earlier versions)."},
        "field_errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "url_errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["message"],
}

ERROR_DESCRIPTIONS = {
    "400": "The request cannot be read or a parameter is wrong; `message` says which.",
    "401": "No key, or a key that is unknown, expired or revoked. Send `Authorization: Bearer <key>`.",
    "403": "The key or staff role may not use this operation (the attempt is audited).",
    "404": "No such object.",
    "405": "This method is not allowed on this path.",
    "409": "Someone else holds the item, or its state does not allow this.",
    "413": "The image is too large (file size or pixels) to decode.",
    "422": "A field is missing or has the wrong type or value; `field_errors` names each.",
    "429": "Too many requests for this key or connection; wait (Retry-After) and try again.",
    "503": "A service reportal needs (database, queue) is down, or the image decoders are busy; try again later.",
}

SECURITY_SCHEMES = {
    "BearerKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "A member key the hotline issued, or a staff token from POST /api/v1/auth/token.",
    },
    "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "A member key."},
}
MEMBER_OR_STAFF: list[dict[str, list[str]]] = [{"BearerKey": []}, {"ApiKeyHeader": []}]
STAFF_ONLY: list[dict[str, list[str]]] = [{"BearerKey": []}]


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, *, required: bool = False, schema: dict[str, Any] | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _path(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or {"type": "string"},
    }


BANK = _path("bank_name", "Bank name: capital letters, digits and underscores, starting with a letter.")
CONTENT_ID = _path("content_id", "The bank entry's id.", {"type": "integer"})
PHOTO_UPLOAD = {
    "required": False,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "description": "One file: under `photo` (an image) or `video` (a video, hashed with vPDQ and MD5).",
                "properties": {
                    "photo": {"type": "string", "format": "binary", "description": "The image file."},
                    "video": {"type": "string", "format": "binary", "description": "The video file."},
                },
                "minProperties": 1,
                "maxProperties": 1,
            }
        }
    },
}
SIGNAL_MAP = {"type": "object", "additionalProperties": {"type": "string"}, "description": "signal type -> hash"}
LOOKUP_RESULT = {
    "type": "object",
    "description": "{signal type: {bank: [{bank_content_id, distance}]}} (or {bank: [...]} for one signal)",
}
BANK_OUT = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "matching_enabled_ratio": {"type": "number"},
        "pdq_threshold": {"type": ["integer", "null"]},
        "vpdq_distance_threshold": {"type": "integer"},
        "vpdq_quality_threshold": {"type": "integer"},
        "vpdq_query_match_percent": {"type": "number"},
        "vpdq_compared_match_percent": {"type": "number"},
    },
}
BANK_IN = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "enabled": {"type": "boolean"},
        "enabled_ratio": {"type": "number", "minimum": 0, "maximum": 1},
        "pdq_threshold": {"type": "integer", "minimum": 0, "maximum": 31},
        "vpdq_distance_threshold": {"type": "integer", "minimum": 0, "maximum": 31},
        "vpdq_quality_threshold": {"type": "integer", "minimum": 50, "maximum": 100},
        "vpdq_query_match_percent": {"type": "number", "minimum": 0, "maximum": 100},
        "vpdq_compared_match_percent": {"type": "number", "minimum": 0, "maximum": 100},
    },
}


def _op(
    summary: str, description: str, responses: dict[str, Any], *, security: list | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "tags": ["hma"],
        "summary": summary,
        "description": description,
        "security": security if security is not None else MEMBER_OR_STAFF,
        "responses": responses,
        **extra,
    }


def hma_paths() -> dict[str, Any]:
    ok = lambda schema, text="OK": {"200": _json(schema, text)}  # noqa: E731
    return {
        "/h/hash": {
            "get": _op(
                "Hash the image at an address",
                'Fetches `url` through the guarded fetcher and answers its PDQ, MD5, SHA-1 and SHA-256 (PDQ is "" '
                "when the image is too plain to match). Needs a member key with the `match` scope or a staff token.",
                ok(SIGNAL_MAP),
                operationId="hma_hash_url",
                parameters=[
                    _query("url", "The image's address (http or https).", required=True),
                    _query("types", "Comma-separated signal types to return (pdq, md5, sha1, sha256, vpdq)."),
                    _query(
                        "content_type",
                        "photo or video: hash whatever the address returns as an image or a video (by default "
                        "its declared type decides; a video answers vpdq, video_md5 and sha256). Without "
                        "content_type=video, a body larger than the image limit is refused.",
                    ),
                ],
            ),
            "post": _op(
                "Hash an uploaded image",
                "HMA's multipart upload: one file under the field `photo` (or `video`). Images above the decoding "
                "limit are refused with 413 (a JPEG is decoded reduced instead).",
                ok(SIGNAL_MAP),
                operationId="hma_hash_upload",
                parameters=[_query("types", "Comma-separated signal types to return.")],
                requestBody=PHOTO_UPLOAD,
            ),
        },
        "/m/raw_lookup": {
            "get": _op(
                "Look up one hash",
                "Exact look-up of one signal in the switched-on banks (PDQ within each bank's threshold). Answers "
                '{"matches": [content ids]} or, with include_distance, [{bank_content_id, distance}].',
                ok({"type": "object", "properties": {"matches": {"type": "array"}}}),
                operationId="hma_raw_lookup",
                parameters=[
                    _query("signal_type", "pdq, md5, sha1, sha256 or vpdq.", required=True),
                    _query("signal", "The hash in hexadecimal.", required=True),
                    _query("include_distance", "true or false.", schema={"type": "string", "enum": ["true", "false"]}),
                    _query("banks", "Comma-separated bank names to search (all by default)."),
                ],
            )
        },
        "/m/lookup": {
            "get": _op(
                "Look up an image by address, or one hash",
                "With `url`: fetch, hash and look up the image. With `signal` and `signal_type`: look up that hash. "
                "Banks with a matching ratio below 1 match a share of calls unless bypass_coinflip=true.",
                ok(LOOKUP_RESULT),
                operationId="hma_lookup",
                parameters=[
                    _query("url", "The image's address."),
                    _query("signal", "A hash in hexadecimal."),
                    _query("signal_type", "The hash's type (pdq, md5, sha1, sha256, vpdq)."),
                    _query("bypass_coinflip", "true or false.", schema={"type": "string", "enum": ["true", "false"]}),
                    _query("banks", "Comma-separated bank names."),
                    _query("seed", "Seed of the coin flip, for repeatable answers."),
                ],
            ),
            "post": _op(
                "Look up an uploaded image",
                "Hash the uploaded image (field `photo`) and look up each of its signals.",
                ok(LOOKUP_RESULT),
                operationId="hma_lookup_upload",
                parameters=[_query("bypass_coinflip", "true or false.")],
                requestBody=PHOTO_UPLOAD,
            ),
        },
        "/m/index/status": {
            "get": _op(
                "State of the matching index",
                "Per signal type: when the index was built and how many hashes it holds.",
                ok({"type": "object"}),
                operationId="hma_index_status",
                parameters=[_query("signal_type", "Only this signal type.")],
            )
        },
        "/c/banks": {
            "get": _op(
                "List the banks",
                "Every bank with its matching ratio and PDQ threshold. Needs the `hashes` scope or a staff token.",
                ok({"type": "array", "items": BANK_OUT}),
                operationId="hma_banks",
            ),
            "post": _op(
                "Create a bank",
                "Hotline staff only. `name` in capital letters, digits and underscores; `enabled_ratio` 0-1; "
                "`pdq_threshold` 0-31.",
                {"201": _json(BANK_OUT, "Created")},
                security=STAFF_ONLY,
                operationId="hma_bank_create",
                requestBody={"required": True, "content": {"application/json": {"schema": BANK_IN}}},
            ),
        },
        "/c/bank/{bank_name}": {
            "parameters": [BANK],
            "get": _op("Show a bank", "One bank's settings.", ok(BANK_OUT), operationId="hma_bank_show"),
            "put": _op(
                "Change a bank",
                "Hotline staff only: rename, switch matching on or off, change the ratio or the PDQ threshold.",
                ok(BANK_OUT),
                security=STAFF_ONLY,
                operationId="hma_bank_update",
                requestBody={"required": True, "content": {"application/json": {"schema": BANK_IN}}},
            ),
            "delete": _op(
                "Delete a bank",
                "Hotline staff only: the bank and every entry in it.",
                ok({"type": "object"}),
                security=STAFF_ONLY,
                operationId="hma_bank_delete",
            ),
        },
        "/c/bank/{bank_name}/signal": {
            "parameters": [BANK],
            "post": _op(
                "Add hashes to a bank",
                "Hotline staff only. A JSON object of signal type -> hash, with optional `metadata` (HMA's) and "
                "`pdq_quality` (0-100). A `vpdq` signal is threatexchange's JSON list of "
                '"hash,quality,timestamp" strings (as text, or the list itself).',
                ok({"type": "object"}),
                security=STAFF_ONLY,
                operationId="hma_bank_add_signal",
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
                },
            ),
        },
        "/c/bank/{bank_name}/content": {
            "parameters": [BANK],
            "post": _op(
                "Add an image or a video to a bank",
                "Hotline staff only. Hashes the image or video at `url` or the uploaded file (`photo` or `video`) "
                "and keeps its signals (a video's: vpdq, md5, sha256).",
                ok({"type": "object"}),
                security=STAFF_ONLY,
                operationId="hma_bank_add_content",
                parameters=[_query("url", "The image's address.")],
                requestBody=PHOTO_UPLOAD,
            ),
        },
        "/c/bank/{bank_name}/content/{content_id}": {
            "parameters": [BANK, CONTENT_ID],
            "get": _op(
                "Show a bank entry",
                "One entry with its metadata; include_signals=true adds its hashes.",
                ok({"type": "object"}),
                operationId="hma_content_show",
                parameters=[_query("include_signals", "true or false.")],
            ),
            "put": _op(
                "Disable a bank entry for a while",
                "Hotline staff only. `disable_until_ts`: a Unix time at most five years ahead (0 enables it again).",
                ok({"type": "object"}),
                security=STAFF_ONLY,
                operationId="hma_content_update",
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"type": "object", "properties": {"disable_until_ts": {"type": "integer"}}}
                        }
                    },
                },
            ),
            "delete": _op(
                "Delete a bank entry",
                "Hotline staff only.",
                ok({"type": "object"}),
                security=STAFF_ONLY,
                operationId="hma_content_delete",
            ),
        },
    }


def _error_statuses(path: str, operation: dict[str, Any], path_item: dict[str, Any]) -> list[str]:
    statuses = ["400", "422", "429", "503"]
    if operation.get("security", [{}]) not in ([], [{}]):
        statuses += ["401", "403"]
    params = list(operation.get("parameters", [])) + list(path_item.get("parameters", []))
    if "{" in path or any(p.get("in") == "path" for p in params):
        statuses.append("404")
    if path.startswith(("/h/", "/m/", "/c/")):
        statuses += ["404", "405"]
        if "requestBody" in operation and "multipart/form-data" in operation["requestBody"].get("content", {}):
            statuses.append("413")
        if path == "/h/hash" or path == "/m/lookup" or path.endswith("/content"):
            statuses.append("413")
    return statuses


def complete(schema: dict[str, Any], raised: dict[str, set[str]] | None = None) -> dict[str, Any]:
    """The ninja-made document, completed: servers, HMA paths, every error status with the one error body.

    `raised`: per operationId, the statuses its view answers itself (found in its source by reportal.api).
    """
    schema = copy.deepcopy(schema)
    schema["servers"] = [{"url": "/", "description": "This reportal install (every path below is absolute)."}]
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["ErrorOut"] = ERROR_SCHEMA
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    schema["paths"].update(hma_paths())
    schema.setdefault("tags", [])
    for path, path_item in schema["paths"].items():
        for method, operation in path_item.items():
            if method == "parameters":
                continue
            if not operation.get("description"):
                operation["description"] = operation.get("summary", "")
            responses = {str(k): v for k, v in operation.get("responses", {}).items()}
            operation["responses"] = responses
            statuses = set(_error_statuses(path, operation, path_item))
            statuses |= {s for s in (raised or {}).get(operation.get("operationId", ""), set()) if s[0] in "45"}
            for status in sorted(statuses):
                responses.setdefault(status, {"description": ERROR_DESCRIPTIONS.get(status, "Error")})
            for status, answer in responses.items():
                if str(status)[0] in "45":
                    answer["content"] = {"application/json": {"schema": ERROR_REF}}
                    answer.setdefault("description", ERROR_DESCRIPTIONS.get(str(status), "Error"))
    return schema
