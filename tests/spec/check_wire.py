#!/usr/bin/env python3
"""Checks recorded emulator traffic against the official API specifications.

Input: the exchanges cloudlink-emulator recorded (``Observer::exchanges``), as JSON lines,
a JSON array, or the ``{"dropped": n, "exchanges": [...]}`` object ``GET /_emulator/requests``
serves. Every exchange is judged twice: the request (what the client - the provider, an SDK -
sent) and the response (what the emulator answered).

* Azure Resource Manager: the swagger files of ``api-data/azure/swagger`` (Microsoft.Network
  2024-03-01 and the Microsoft.Resources resource-group excerpt). The path and method name the
  operation; api-version, request body (types, formats, enums, required, readOnly, unknown
  properties) and response (declared status code, response schema; ``default`` = CloudError)
  are checked. Long-running-operation polls are checked as the ARM RPC describes them.
* EC2 and STS: botocore's own service models and response parsers. Action, Version, every
  parameter name as the EC2 / query serializer would write it, required members, enums and
  scalar types; responses must parse with botocore and every XML element must be known to the
  operation's output shape (botocore ignores unknown elements silently, so we walk them).

Output: one JSON line per violation on stdout (``rule``, ``record``, ``seq``, ``method``,
``path``, ``action``, ``detail``), a summary on stderr (checked, skipped with reasons,
unchecked ``$ref``s to swagger files that were not copied). Exit status 1 when there is any
violation, 2 when the set-up is broken (botocore or the swagger missing), 0 otherwise.

Environment: ``CLOUDLINK_SWAGGER_DIR`` overrides the swagger folder (default
``<repo>/../shared/reference/api-data/azure/swagger``).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
import urllib.parse
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SWAGGER = REPO.parent / "shared" / "reference" / "api-data" / "azure" / "swagger"
EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"

# The Azure-AsyncOperation status body: network.json `AzureAsyncOperationResult` models only
# `status` and `error`; the ARM RPC ("Azure-AsyncOperation Resource format",
# Azure/azure-resource-manager-rpc v1.0/async-api-reference.md) defines the whole operation
# resource, whose other fields are optional. Those fields are therefore allowed here.
RPC_ASYNC_OPERATION_FIELDS = {
    "id", "name", "status", "startTime", "endTime", "percentComplete", "properties", "error",
    "operations",
}

# Known errata of the swagger, acknowledged upstream: violations matching one are counted as
# accepted (shown in the summary with the citation), not reported. Responses only; each entry
# is as narrow as the erratum (operation, rule, JSON path).
RESPONSE_ERRATA = [
    (re.compile(r"^(VirtualNetworkGatewayConnections_(Get|CreateOrUpdate|List|UpdateTags)"
                r"|VirtualNetworkGateways_ListConnections)$"),
     "required",
     re.compile(r"\.properties\.(virtualNetworkGateway1|virtualNetworkGateway2|localNetworkGateway2)"
                r"\.properties: required property missing$"),
     "Azure/azure-rest-api-specs#755 (open): ARM answers a connection's gateway references as "
     "{id} only, though the swagger marks their `properties` required (also #850)"),
]

# The same for botocore's EC2 model: (action, rule, detail, citation).
EC2_RESPONSE_ERRATA = [
    (re.compile(r"^(DescribeVpnConnections|ModifyVpnTunnelOptions|ModifyVpnConnection"
                r"|ModifyVpnConnectionOptions)$"),
     "enum",
     re.compile(r"/(vpnConnection|vpnConnectionSet/item\[\d+\])/state='modifying': "),
     "EC2 answers VpnConnection state `modifying` while tunnel options change, outside the "
     "model's VpnState enum (hashicorp/terraform-provider-aws internal/service/ec2/consts.go "
     "`vpnStateModifying`, waited on by waitVPNConnectionUpdated after ModifyVpnTunnelOptions)"),
    (re.compile(r"^(CreateVpcEndpoint|DescribeVpcEndpoints)$"),
     "enum",
     re.compile(r"/(vpcEndpoint|vpcEndpointSet/item\[\d+\])/state='(pendingAcceptance|pending"
                r"|available|deleting|deleted|rejected|failed|expired|partial)': "),
     "EC2 answers a VPC endpoint's state in lower camel case (`available`, `pendingAcceptance`), "
     "while the model's State enum is capitalised (hashicorp/terraform-provider-aws "
     "internal/service/ec2/consts.go `vpcEndpointStateAvailable = \"available\"`, after the "
     "AWS PrivateLink guide's interface endpoint lifecycle)"),
]

# Paths the copied swagger does not describe, skipped with the reason (not violations).
SKIPPED_ARM = [
    (re.compile(r"^/[^/]+/oauth2(/v2\.0)?/token$", re.I),
     "Entra ID token endpoint (not an ARM operation; not in the copied swagger)"),
    (re.compile(r"^/subscriptions/[^/]+/locations$", re.I),
     "Subscriptions_ListLocations (Microsoft.Resources subscriptions.json, not copied)"),
    (re.compile(r"^/subscriptions/[^/]+/operationresults/[^/]+$", re.I),
     "resource-group delete polling (Microsoft.Resources operationresults, not in the excerpt)"),
]
ASYNC_STATUS = re.compile(
    r"^/subscriptions/[^/]+/providers/Microsoft\.Network/locations/[^/]+/operations/[^/]+$", re.I)
LOCATION_RESULT = re.compile(
    r"^/subscriptions/[^/]+/providers/Microsoft\.Network/locations/[^/]+/operationResults/[^/]+$",
    re.I)


@dataclass
class Report:
    """Violations, skips and unchecked references of one run."""

    violations: list = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    accepted: Counter = field(default_factory=Counter)
    unchecked: Counter = field(default_factory=Counter)
    checked: int = 0

    def add(self, rule: str, rec: "Rec", detail: str) -> None:
        self.violations.append({
            "rule": rule, "record": rec.index, "seq": rec.raw.get("seq"),
            "method": rec.method, "path": rec.path, "action": rec.action, "detail": detail,
        })


@dataclass
class Rec:
    """One recorded exchange with the fields the rules need."""

    index: int
    raw: dict
    method: str = ""
    path: str = ""
    action: str = ""

    @property
    def query(self) -> dict:
        return dict(urllib.parse.parse_qsl(self.raw.get("query") or "", keep_blank_values=True))


# --------------------------------------------------------------------------------------------
# Azure Resource Manager
# --------------------------------------------------------------------------------------------

class Swagger:
    """The copied swagger files, their operations and a `$ref` resolver."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.docs: dict[str, dict] = {}
        for f in sorted(folder.glob("*.json")):
            self.docs[f.name] = json.loads(f.read_text())
        if "network.json" not in self.docs:
            raise SystemExit(f"setup: {folder} holds no network.json (set CLOUDLINK_SWAGGER_DIR)")
        # (segments, method, file, template, operation)
        self.ops = []
        for name, doc in self.docs.items():
            for template, item in doc.get("paths", {}).items():
                segs = template.strip("/").split("/")
                for method, op in item.items():
                    if method.lower() in ("get", "put", "post", "patch", "delete", "head"):
                        self.ops.append((segs, method.upper(), name, template, op))

    def version(self, file: str) -> str | None:
        doc = self.docs[file]
        return (doc.get("info") or doc.get("_excerpt", {}).get("info") or {}).get("version")

    def find(self, method: str, path: str):
        """The operation a request addresses; path templates match case-insensitively."""
        segs = [urllib.parse.unquote(s) for s in path.strip("/").split("/")]
        best = None
        for tsegs, m, file, template, op in self.ops:
            if m != method or len(tsegs) != len(segs):
                continue
            literal = 0
            for t, s in zip(tsegs, segs):
                if t.startswith("{") and t.endswith("}"):
                    if not s:
                        break
                elif t.lower() != s.lower():
                    break
                else:
                    literal += 1
            else:
                if best is None or literal > best[0]:
                    best = (literal, file, template, op)
        return None if best is None else best[1:]

    def resolve(self, file: str, node: dict, report: Report):
        """Follows `$ref`s; `(file, node)`, or None for a file that was not copied."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            target, _, pointer = ref.partition("#")
            tfile = Path(target).name if target else file
            if tfile not in self.docs:
                report.unchecked[ref] += 1
                return None
            cur = self.docs[tfile]
            for part in pointer.strip("/").split("/"):
                cur = cur.get(part) if isinstance(cur, dict) else None
                if cur is None:
                    break
            if cur is None:
                if tfile.startswith("resources-") and pointer.endswith("/CloudError"):
                    # The excerpt omits Microsoft.Resources' CloudError; its wire shape is
                    # network.json's (`_excerpt.omitted` says so), so check against that.
                    return self.resolve("network.json", {"$ref": "./network.json" + "#" + pointer}, report)
                report.unchecked[ref] += 1
                return None
            file, node = tfile, cur
            seen += 1
            if seen > 50:
                raise ValueError(f"$ref loop at {ref}")
        return file, node

    def parameters(self, file: str, op: dict, report: Report) -> list:
        out = []
        for p in op.get("parameters", []):
            r = self.resolve(file, p, report)
            if r:
                out.append(r)
        return out


@dataclass
class Effective:
    """A schema with its allOf chain merged: what an instance must look like."""

    types: set
    properties: dict  # name -> (file, schema)
    required: set
    additional: object  # None = not allowed, True = anything, (file, schema)
    enum: list | None
    model_as_string: bool
    fmt: str | None
    items: tuple | None
    nullable: bool


def effective(sw: Swagger, file: str, schema: dict, report: Report) -> Effective | None:
    r = sw.resolve(file, schema, report)
    if r is None:
        return None
    file, schema = r
    eff = Effective(set(), {}, set(), None, None, False, None, None, bool(schema.get("x-nullable")))
    stack = [(file, schema)]
    while stack:
        f, s = stack.pop()
        if s.get("type"):
            eff.types.add(s["type"])
        for name, ps in s.get("properties", {}).items():
            eff.properties.setdefault(name, (f, ps))
        eff.required |= set(s.get("required", []))
        ap = s.get("additionalProperties")
        if ap is True or ap == {}:
            eff.additional = True
        elif isinstance(ap, dict):
            eff.additional = (f, ap)
        if "enum" in s:
            eff.enum = s["enum"]
            eff.model_as_string = bool(s.get("x-ms-enum", {}).get("modelAsString"))
        eff.fmt = eff.fmt or s.get("format")
        if "items" in s:
            eff.items = (f, s["items"])
        for parent in s.get("allOf", []):
            pr = sw.resolve(f, parent, report)
            if pr:
                stack.append(pr)
    if not eff.types and (eff.properties or eff.additional):
        eff.types.add("object")
    return eff


INT_RANGES = {"int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1)}


def validate(sw: Swagger, inst, file: str, schema: dict, where: str, request: bool,
             report: Report, out: list, allow_extra: set | None = None) -> None:
    """Appends `(rule, detail)` for every way `inst` departs from `schema`.

    `request` = the client sent it (readOnly properties are then violations); otherwise the
    server answered it. `allow_extra` names properties allowed beyond the schema (top level)."""
    eff = effective(sw, file, schema, report)
    if eff is None:
        return
    if inst is None:
        if not eff.nullable:
            out.append(("type", f"{where}: null where {sorted(eff.types) or 'a value'} is expected"))
        return
    t = next(iter(eff.types)) if len(eff.types) == 1 else None
    if t == "object" and not isinstance(inst, dict):
        out.append(("type", f"{where}: expected an object, got {json.dumps(inst)[:80]}"))
        return
    if t == "array":
        if not isinstance(inst, list):
            out.append(("type", f"{where}: expected an array, got {json.dumps(inst)[:80]}"))
            return
        if eff.items:
            for i, x in enumerate(inst):
                validate(sw, x, eff.items[0], eff.items[1], f"{where}[{i}]", request, report, out)
        return
    if t == "string":
        if not isinstance(inst, str):
            out.append(("type", f"{where}: expected a string, got {json.dumps(inst)[:80]}"))
            return
        if eff.fmt == "date-time":
            try:
                datetime.fromisoformat(inst.replace("Z", "+00:00"))
            except ValueError:
                out.append(("format", f"{where}: {inst!r} is not a date-time"))
    elif t == "integer":
        if not isinstance(inst, int) or isinstance(inst, bool):
            out.append(("type", f"{where}: expected an integer, got {json.dumps(inst)[:80]}"))
            return
        lo, hi = INT_RANGES.get(eff.fmt or "int64", INT_RANGES["int64"])
        if not lo <= inst <= hi:
            out.append(("format", f"{where}: {inst} out of {eff.fmt} range"))
    elif t == "number":
        if not isinstance(inst, (int, float)) or isinstance(inst, bool):
            out.append(("type", f"{where}: expected a number, got {json.dumps(inst)[:80]}"))
            return
    elif t == "boolean":
        if not isinstance(inst, bool):
            out.append(("type", f"{where}: expected a boolean, got {json.dumps(inst)[:80]}"))
            return
    if eff.enum is not None and not eff.model_as_string and inst not in eff.enum:
        out.append(("enum", f"{where}: {inst!r} not one of {eff.enum}"))
    if not isinstance(inst, dict) or t not in (None, "object"):
        return
    for name, value in inst.items():
        sub = f"{where}.{name}"
        if name in eff.properties:
            pf, ps = eff.properties[name]
            pr = sw.resolve(pf, ps, report)
            read_only = ps.get("readOnly") or (pr is not None and pr[1].get("readOnly"))
            if request and read_only:
                out.append(("readonly-sent", f"{sub}: readOnly property sent by the client"))
                continue
            validate(sw, value, pf, ps, sub, request, report, out)
        elif allow_extra and name in allow_extra:
            continue
        elif eff.additional is True:
            continue
        elif isinstance(eff.additional, tuple):
            validate(sw, value, eff.additional[0], eff.additional[1], sub, request, report, out)
        else:
            out.append(("unknown-property", f"{sub}: not in the schema"))
    for name in sorted(eff.required - set(inst)):
        if request and name in eff.properties:
            pf, ps = eff.properties[name]
            if ps.get("readOnly"):
                continue
        out.append(("required", f"{where}.{name}: required property missing"))


def parse_json(text: str):
    try:
        return True, json.loads(text)
    except ValueError as e:
        return False, str(e)


def check_arm(sw: Swagger, rec: Rec, report: Report, lro_origin: dict) -> None:
    raw = rec.raw
    status = raw["status"]
    for rx, reason in SKIPPED_ARM:
        if rx.match(rec.path):
            report.skipped[reason] += 1
            return
    if ASYNC_STATUS.match(rec.path):
        check_async_status(sw, rec, report)
        return
    if LOCATION_RESULT.match(rec.path):
        check_location_result(sw, rec, report, lro_origin)
        return
    found = sw.find(rec.method, rec.path)
    if found is None:
        report.add("operation-not-in-spec", rec, f"no swagger operation for {rec.method} {rec.path}")
        return
    file, template, op = found
    rec.action = op.get("operationId", template)
    report.checked += 1
    want = sw.version(file)
    got = rec.query.get("api-version")
    if got != want:
        report.add("api-version", rec, f"api-version {got!r}, the spec of {rec.action} is {want!r}")
    params = sw.parameters(file, op, report)
    body_param = next(((f, p) for f, p in params if p.get("in") == "body"), None)
    text = raw.get("request_body") or ""
    if body_param:
        bf, bp = body_param
        if not text.strip():
            if bp.get("required"):
                report.add("required", rec, f"body parameter {bp.get('name')!r} required, none sent")
        else:
            ok, body = parse_json(text)
            if not ok:
                report.add("request-json", rec, f"request body is not JSON: {body}")
            else:
                ct = raw.get("request_content_type") or ""
                if "json" not in ct:
                    report.add("request-content-type", rec, f"JSON body sent as {ct!r}")
                out = []
                validate(sw, body, bf, bp["schema"], bp.get("name", "body"), True, report, out)
                for rule, detail in out:
                    report.add(f"request-{rule}", rec, detail)
    elif text.strip():
        report.add("request-body", rec, "a body was sent to an operation that takes none")
    for f, p in params:
        if p.get("in") == "query" and p.get("required") and p["name"] not in rec.query:
            report.add("required", rec, f"query parameter {p['name']!r} missing")
    check_arm_response(sw, rec, report, file, op)
    loc = (raw.get("response_headers") or {}).get("location")
    if loc:
        lro_origin[urllib.parse.urlsplit(loc).path.lower()] = (file, op)


def check_arm_response(sw: Swagger, rec: Rec, report: Report, file: str, op: dict,
                       status_override: int | None = None) -> None:
    raw = rec.raw
    status = status_override or raw["status"]
    responses = op.get("responses", {})
    decl = responses.get(str(status))
    if decl is None:
        if status >= 400 and "default" in responses:
            decl = responses["default"]
        else:
            report.add("status-not-declared", rec,
                       f"{status} is not a status {rec.action} declares ({sorted(responses)})")
            return
    decl = sw.resolve(file, decl, report)
    if decl is None:
        return
    dfile, decl = decl
    text = raw.get("response_body") or ""
    if "schema" not in decl:
        if text.strip():
            report.add("response-body", rec,
                       f"{status} of {rec.action} declares no body, got {text[:120]!r}")
        return
    if not text.strip():
        if rec.method != "HEAD":
            report.add("response-body", rec, f"{status} of {rec.action} declares a body, got none")
        return
    ok, body = parse_json(text)
    if not ok:
        report.add("response-json", rec, f"response body is not JSON: {body}")
        return
    if "json" not in (raw.get("response_content_type") or ""):
        report.add("content-type", rec, f"JSON answered as {raw.get('response_content_type')!r}")
    out = []
    validate(sw, body, dfile, decl["schema"], "response", False, report, out)
    for rule, detail in out:
        erratum = next((why for ops, r, where, why in RESPONSE_ERRATA
                        if r == rule and ops.match(rec.action) and where.search(detail)), None)
        if erratum:
            report.accepted[erratum] += 1
        else:
            report.add(f"response-{rule}", rec, detail)


def check_async_status(sw: Swagger, rec: Rec, report: Report) -> None:
    """An `Azure-AsyncOperation` poll: 200 with network.json `AzureAsyncOperationResult`
    (plus the optional RPC fields), or an error as CloudError."""
    rec.action = "Azure-AsyncOperation poll"
    report.checked += 1
    raw = rec.raw
    ok, body = parse_json(raw.get("response_body") or "")
    if not ok:
        report.add("response-json", rec, f"operation status is not JSON: {body}")
        return
    out = []
    if raw["status"] == 200:
        validate(sw, body, "network.json", {"$ref": "#/definitions/AzureAsyncOperationResult"},
                 "response", False, report, out, allow_extra=RPC_ASYNC_OPERATION_FIELDS)
        if isinstance(body, dict) and "status" not in body:
            out.append(("required", "response.status: the RPC requires status"))
    elif raw["status"] >= 400:
        validate(sw, body, "network.json", {"$ref": "#/definitions/CloudError"}, "response",
                 False, report, out)
    else:
        out.append(("status", f"an operation status read answers 200 (RPC), got {raw['status']}"))
    for rule, detail in out:
        report.add(f"response-{rule}", rec, detail)


def check_location_result(sw: Swagger, rec: Rec, report: Report, lro_origin: dict) -> None:
    """A `Location` poll: 202 with no body while running (RPC); when done, the response the
    operation would have given synchronously, checked against the originating operation."""
    raw = rec.raw
    origin = lro_origin.get(rec.path.lower())
    if origin is None:
        report.skipped["Location poll whose originating request is not in the recording"] += 1
        return
    file, op = origin
    rec.action = f"Location poll of {op.get('operationId')}"
    report.checked += 1
    text = (raw.get("response_body") or "").strip()
    if raw["status"] == 202:
        if text:
            report.add("response-body", rec, f"a running Location poll answers 202 with no body "
                       f"(ARM RPC async-api-reference.md), got {text[:120]!r}")
        return
    check_arm_response(sw, rec, report, file, op)


# --------------------------------------------------------------------------------------------
# EC2 and STS (botocore)
# --------------------------------------------------------------------------------------------

class Aws:
    """botocore's EC2 and STS models and parsers."""

    def __init__(self):
        try:
            import botocore.loaders
            import botocore.model
            import botocore.parsers
        except ImportError:
            raise SystemExit("setup: botocore is not installed for this python3; "
                             "run `make tools` (or `python3 -m pip install 'botocore>=1.35'`)")
        loader = botocore.loaders.Loader()
        self.models = {n: botocore.model.ServiceModel(loader.load_service_model(n, "service-2"), n)
                       for n in ("ec2", "sts")}
        self.parsers = {n: botocore.parsers.create_parser(m.protocol) for n, m in self.models.items()}
        self.sts_ops = set(self.models["sts"].operation_names)


def ec2_name(shape, default: str) -> str:
    """EC2 serializer: queryName, else locationName capitalised, else the member name."""
    s = shape.serialization
    if "queryName" in s:
        return s["queryName"]
    if "name" in s:
        return s["name"][0].upper() + s["name"][1:]
    return default


def walk_param(svc: str, shape, tokens: list, value: str, where: str, tree: dict, out: list) -> None:
    """Consumes parameter-name tokens against `shape` as the serializer wrote them; checks the
    scalar at the end and records the value in `tree` (for the required-member check)."""
    t = shape.type_name
    if t == "structure":
        if not tokens:
            out.append(("parameter-name", f"{where}: a structure needs a member name after it"))
            return
        names = {}
        for m, ms in shape.members.items():
            names[ec2_name(ms, m) if svc == "ec2" else ms.serialization.get("name", m)] = (m, ms)
        head = tokens[0]
        if head not in names:
            out.append(("parameter-name", f"{where}{'.' if where else ''}{head}: not a member of "
                        f"{shape.name} as serialized ({', '.join(sorted(names)) or 'none'})"))
            return
        m, ms = names[head]
        walk_param(svc, ms, tokens[1:], value, f"{where}{'.' if where else ''}{head}",
                   tree.setdefault(m, {}), out)
    elif t == "list":
        if svc != "ec2" and not shape.serialization.get("flattened"):
            wrap = shape.member.serialization.get("name", "member")
            if not tokens or tokens[0] != wrap:
                if not tokens and value == "":
                    return  # the query serializer writes an empty list as `Name=`
                out.append(("parameter-name", f"{where}: list entries are {where}.{wrap}.N"))
                return
            tokens = tokens[1:]
            where = f"{where}.{wrap}"
        if not tokens or not tokens[0].isdigit() or int(tokens[0]) < 1:
            out.append(("parameter-name", f"{where}: list entries are {where}.N (N from 1)"))
            return
        walk_param(svc, shape.member, tokens[1:], value, f"{where}.{tokens[0]}",
                   tree.setdefault(int(tokens[0]), {}), out)
    elif t == "map":
        prefix = [] if shape.serialization.get("flattened") else ["entry"]
        kname = shape.key.serialization.get("name", "key")
        vname = shape.value.serialization.get("name", "value")
        n = len(prefix)
        if (tokens[:n] != prefix or len(tokens) < n + 2 or not tokens[n].isdigit()
                or tokens[n + 1] not in (kname, vname)):
            out.append(("parameter-name", f"{where}: map entries are {where}.{'entry.' * bool(n)}N.{kname}|{vname}"))
            return
        sub = shape.key if tokens[n + 1] == kname else shape.value
        walk_param(svc, sub, tokens[n + 2:], value, f"{where}.{'.'.join(tokens[:n + 2])}",
                   tree.setdefault(("entry", tokens[n]), {}), out)
    else:
        if tokens:
            out.append(("parameter-name", f"{where}.{'.'.join(tokens)}: {where} is a {t}, it has no members"))
            return
        tree["__value__"] = value
        check_scalar(shape, value, where, out)


def check_scalar(shape, value: str, where: str, out: list) -> None:
    t = shape.type_name
    if t in ("integer", "long"):
        try:
            int(value)
        except ValueError:
            out.append(("type", f"{where}={value!r}: not an integer"))
    elif t in ("float", "double"):
        try:
            float(value)
        except ValueError:
            out.append(("type", f"{where}={value!r}: not a number"))
    elif t == "boolean":
        if value not in ("true", "false"):
            out.append(("type", f"{where}={value!r}: booleans are true or false"))
    elif t == "timestamp":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            out.append(("type", f"{where}={value!r}: not an ISO 8601 timestamp"))
    elif t == "blob":
        try:
            base64.b64decode(value, validate=True)
        except ValueError:
            out.append(("type", f"{where}: not base64"))
    enum = getattr(shape, "enum", None)
    if enum and value not in enum:
        out.append(("enum", f"{where}={value!r}: not one of {enum}"))


def check_required(shape, tree: dict, where: str, out: list) -> None:
    """Required members present, recursively through what was sent."""
    t = shape.type_name
    if t == "structure":
        for m in shape.required_members:
            if m not in tree:
                out.append(("required", f"{where}{'.' if where else ''}{m}: required member missing"))
        for m, sub in tree.items():
            if m in shape.members:
                check_required(shape.members[m], sub, f"{where}{'.' if where else ''}{m}", out)
    elif t == "list":
        for i, sub in tree.items():
            check_required(shape.member, sub, f"{where}.{i}", out)


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def walk_xml(el, shape, where: str, out: list) -> None:
    """Every element of the response must be known to the shape (botocore drops unknown
    ones silently); scalars must parse as their type; enums must hold."""
    t = shape.type_name
    children = list(el)
    if t == "structure":
        names = {}
        for m, ms in shape.members.items():
            if ms.type_name == "list" and ms.serialization.get("flattened"):
                names[ms.member.serialization.get("name") or ms.serialization.get("name", m)] = ms
            else:
                names[ms.serialization.get("name", m)] = ms
        seen = Counter()
        for c in children:
            tag = local(c.tag)
            ms = names.get(tag)
            if ms is None:
                out.append(("unknown-element", f"{where}/{tag}: not in {shape.name}"))
                continue
            seen[tag] += 1
            if ms.type_name == "list" and ms.serialization.get("flattened"):
                walk_xml(c, ms.member, f"{where}/{tag}", out)
            else:
                if seen[tag] == 2:
                    out.append(("repeated-element", f"{where}/{tag}: appears more than once"))
                walk_xml(c, ms, f"{where}/{tag}", out)
    elif t == "list":
        item = shape.member.serialization.get("name", "member")
        for i, c in enumerate(children, 1):
            if local(c.tag) != item:
                out.append(("unknown-element", f"{where}/{local(c.tag)}: list entries are <{item}>"))
                continue
            walk_xml(c, shape.member, f"{where}/{item}[{i}]", out)
    elif t == "map":
        for c in children:
            if local(c.tag) != "entry":
                out.append(("unknown-element", f"{where}/{local(c.tag)}: map entries are <entry>"))
    else:
        if children:
            out.append(("unknown-element", f"{where}/{local(children[0].tag)}: {where} is a {t}"))
            return
        text = el.text or ""
        if t == "string" and not getattr(shape, "enum", None):
            return
        if t == "string" and text == "":
            return
        check_scalar(shape, text, where, out)


def check_aws(aws: Aws, rec: Rec, report: Report) -> None:
    raw = rec.raw
    form = urllib.parse.parse_qsl(raw.get("request_body") or "", keep_blank_values=True)
    params = {}
    for k, v in form:
        if k in params:
            report.add("parameter-repeated", rec, f"{k} sent twice")
        params[k] = v
    rec.action = action = params.pop("Action", "")
    version = params.pop("Version", None)
    svc = "sts" if action in aws.sts_ops else "ec2"
    model = aws.models[svc]
    if action not in model.operation_names:
        report.add("action-not-in-spec", rec, f"{action!r} is not an operation of {svc}")
        return
    report.checked += 1
    if version != model.api_version:
        report.add("version", rec, f"Version {version!r}, {svc} is {model.api_version!r}")
    op = model.operation_model(action)
    out = []
    tree: dict = {}
    if op.input_shape is None:
        for k in params:
            out.append(("parameter-name", f"{k}: {action} takes no parameters"))
    else:
        for k, v in params.items():
            walk_param(svc, op.input_shape, k.split("."), v, "", tree, out)
        check_required(op.input_shape, tree, "", out)
    for rule, detail in out:
        report.add(f"request-{rule}", rec, detail)
    check_aws_response(aws, svc, op, rec, report)


def check_aws_response(aws: Aws, svc: str, op, rec: Rec, report: Report) -> None:
    raw = rec.raw
    status = raw["status"]
    body = (raw.get("response_body") or "").encode()
    ct = raw.get("response_content_type") or ""
    if "xml" not in ct:
        report.add("content-type", rec, f"{svc} answers text/xml, got {ct!r}")
    resp = {"status_code": status, "headers": {}, "body": body}
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        report.add("response-xml", rec, f"not XML: {e}: {body[:120]!r}")
        return
    out = []
    if status == 200:
        try:
            aws.parsers[svc].parse(resp, op.output_shape)
        except Exception as e:  # botocore raises several types; any is a failure to read
            out.append(("botocore-parse", f"botocore cannot parse it: {type(e).__name__}: {e}"))
        want = f"{op.name}Response"
        if local(root.tag) != want:
            out.append(("root-element", f"root <{local(root.tag)}>, expected <{want}>"))
        ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
        want_ns = aws.models[svc].metadata.get("xmlNamespace", "").rstrip("/")
        if ns.rstrip("/") != want_ns:
            out.append(("xml-namespace", f"xmlns {ns!r}, the model's is {want_ns!r}"))
        shape = op.output_shape
        if svc == "ec2":
            body_elems = [c for c in root if local(c.tag) != "requestId"]
            if shape is None:
                # No output shape: EC2 answers <return>true</return> (API reference
                # examples, e.g. DeleteVpc "Example Response").
                for c in body_elems:
                    if local(c.tag) != "return":
                        out.append(("unknown-element", f"/{local(c.tag)}: {op.name} has no output"))
            else:
                fake = ET.Element(root.tag)
                fake.extend(body_elems)
                walk_xml(fake, shape, "", out)
        else:
            wrapper = shape.serialization.get("resultWrapper") if shape is not None else None
            for c in root:
                tag = local(c.tag)
                if tag == "ResponseMetadata":
                    continue
                if wrapper and tag == wrapper:
                    walk_xml(c, shape, f"/{tag}", out)
                else:
                    out.append(("unknown-element", f"/{tag}: not in {op.name}Response"))
    elif status >= 400:
        if svc == "ec2":
            out.extend(ec2_error_shape(root))
        else:
            out.extend(sts_error_shape(root))
        try:
            parsed = aws.parsers[svc].parse(resp, op.output_shape)
            if not parsed.get("Error", {}).get("Code"):
                out.append(("error-envelope", "botocore finds no Error.Code in it"))
        except Exception as e:
            out.append(("botocore-parse", f"botocore cannot parse the error: {type(e).__name__}: {e}"))
    else:
        out.append(("status", f"{svc} answers 200 or an error status, got {status}"))
    for rule, detail in out:
        erratum = next((why for ops, r, where, why in EC2_RESPONSE_ERRATA
                        if r == rule and ops.match(op.name) and where.search(detail)), None)
        if erratum:
            report.accepted[erratum] += 1
        else:
            report.add(f"response-{rule}", rec, detail)


def expect_children(el, allowed: dict, where: str, out: list) -> dict:
    """Children of `el` by tag; unknown tags and missing required ones are violations."""
    got = {}
    for c in el:
        tag = local(c.tag)
        if tag not in allowed:
            out.append(("error-envelope", f"{where}/{tag}: not part of the error envelope"))
        got.setdefault(tag, c)
    for tag, required in allowed.items():
        if required and tag not in got:
            out.append(("error-envelope", f"{where}/{tag}: missing"))
    return got


def ec2_error_shape(root) -> list:
    """`<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`
    (EC2 API reference, "Error codes", example error response)."""
    out = []
    if local(root.tag) != "Response":
        return [("error-envelope", f"root <{local(root.tag)}>, EC2 errors are <Response>")]
    got = expect_children(root, {"Errors": True, "RequestID": True}, "/Response", out)
    if "Errors" in got:
        for e in got["Errors"]:
            if local(e.tag) != "Error":
                out.append(("error-envelope", f"/Response/Errors/{local(e.tag)}: expected <Error>"))
                continue
            expect_children(e, {"Code": True, "Message": True}, "/Response/Errors/Error", out)
    return out


def sts_error_shape(root) -> list:
    """`<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`
    (AWS query protocol errors)."""
    out = []
    if local(root.tag) != "ErrorResponse":
        return [("error-envelope", f"root <{local(root.tag)}>, query-protocol errors are <ErrorResponse>")]
    got = expect_children(root, {"Error": True, "RequestId": True}, "/ErrorResponse", out)
    if "Error" in got:
        expect_children(got["Error"], {"Type": False, "Code": True, "Message": False},
                        "/ErrorResponse/Error", out)
    return out


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------

def load_records(path: Path) -> tuple[list, int]:
    """Records from JSON lines, a JSON array, or `{"dropped": n, "exchanges": [...]}`."""
    text = path.read_text()
    try:
        doc = json.loads(text)
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()], 0
    if isinstance(doc, list):
        return doc, 0
    if isinstance(doc, dict) and "exchanges" in doc:
        return doc["exchanges"], int(doc.get("dropped", 0))
    return [doc], 0


def check(records: list, sw: Swagger, aws: Aws | None, dropped: int = 0) -> Report:
    report = Report()
    lro_origin: dict = {}
    if dropped:
        report.violations.append({"rule": "recording-incomplete", "record": None, "seq": None,
                                  "method": "", "path": "", "action": "",
                                  "detail": f"{dropped} exchanges did not fit the recording"})
    for i, raw in enumerate(records):
        rec = Rec(i, raw, raw.get("method", ""), raw.get("path", ""))
        if raw.get("aborted"):
            report.skipped["connection aborted by an injected fault (no response reached the client)"] += 1
            continue
        if raw.get("truncated"):
            report.add("recording-truncated", rec, "a body was cut by the recorder; raise MAX_BODY_BYTES")
            continue
        if rec.path == "/" and rec.method == "POST":
            if aws is None:
                report.skipped["EC2/STS (botocore not loaded)"] += 1
                continue
            check_aws(aws, rec, report)
        else:
            check_arm(sw, rec, report, lro_origin)
    return report


REQUEST_RULES = {"api-version", "version", "required", "content-type-request",
                 "parameter-repeated", "action-not-in-spec", "operation-not-in-spec"}


def is_request_rule(rule: str) -> bool:
    """Rules about what the client sent (dropped by --responses-only). An unknown operation
    or action counts: its answer cannot be judged against a spec either."""
    return rule.startswith("request-") or rule in REQUEST_RULES


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", type=Path, help="JSONL / JSON array / {exchanges} recording")
    ap.add_argument("--responses-only", action="store_true",
                    help="judge only the emulator's answers, for tests that send bad input on "
                         "purpose (the emulator crate's conformance tests)")
    ap.add_argument("--swagger", type=Path,
                    default=Path(os.environ.get("CLOUDLINK_SWAGGER_DIR", DEFAULT_SWAGGER)))
    args = ap.parse_args(argv)
    try:
        sw = Swagger(args.swagger)
        aws = Aws()
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    records, dropped = load_records(args.file)
    report = check(records, sw, aws, dropped)
    if args.responses_only:
        report.violations = [v for v in report.violations if not is_request_rule(v["rule"])]
    for v in report.violations:
        print(json.dumps(v, sort_keys=True))
    print(f"check_wire: {len(records)} exchanges, {report.checked} checked against the specs, "
          f"{len(report.violations)} violation(s)", file=sys.stderr)
    for reason, n in sorted(report.skipped.items()):
        print(f"  skipped {n}: {reason}", file=sys.stderr)
    for why, n in sorted(report.accepted.items()):
        print(f"  accepted {n} (spec erratum): {why}", file=sys.stderr)
    for ref, n in sorted(report.unchecked.items()):
        print(f"  unchecked $ref (file not copied) x{n}: {ref}", file=sys.stderr)
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
