"""Unit tests of check_wire.py: every rule fires on a crafted bad exchange and stays quiet on
a good one built from the api-data examples (Azure `x-ms-examples`, AWS API reference XML).

Run: `cd tests/spec && python3 -m unittest -v test_check_wire` (tests/spec_conformance.rs
does this under `cargo test`)."""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
import unittest
from pathlib import Path

import check_wire as cw

API_DATA = cw.DEFAULT_SWAGGER.parent.parent
AZ_EX = API_DATA / "azure" / "examples"
AWS_EX = API_DATA / "aws" / "examples"
SW = cw.Swagger(Path(os.environ.get("CLOUDLINK_SWAGGER_DIR", cw.DEFAULT_SWAGGER)))
AWS = cw.Aws()

RG = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1"
NET = RG + "/providers/Microsoft.Network"
CONN = NET + "/connections/conn1"


def example(name: str) -> dict:
    return json.loads((AZ_EX / name).read_text())


def arm(method, path, body=None, status=200, response=None, query="api-version=2024-03-01",
        headers=None) -> dict:
    return {
        "method": method, "path": path, "query": query,
        "request_content_type": "application/json" if body is not None else None,
        "request_body": json.dumps(body) if body is not None else "",
        "status": status, "response_content_type": "application/json; charset=utf-8",
        "response_headers": headers or {},
        "response_body": json.dumps(response) if response is not None else "",
    }


def ec2(form: str, status=200, xml="", ctype="text/xml;charset=UTF-8") -> dict:
    return {
        "method": "POST", "path": "/", "query": "",
        "request_content_type": "application/x-www-form-urlencoded; charset=utf-8",
        "request_body": form, "status": status, "response_content_type": ctype,
        "response_headers": {}, "response_body": xml,
    }


def rules(*records) -> list[str]:
    return sorted({v["rule"] for v in cw.check(list(records), SW, AWS).violations})


def conn_put() -> tuple[dict, dict]:
    ex = example("VirtualNetworkGatewayConnectionCreate.json")
    return ex["parameters"]["parameters"], ex["responses"]["200"]["body"]


class ArmRequests(unittest.TestCase):
    def test_examples_are_clean(self):
        body, resp = conn_put()
        self.assertEqual(rules(arm("PUT", CONN, body, 200, resp)), [])
        lgw = example("LocalNetworkGatewayCreate.json")
        self.assertEqual(rules(arm("PUT", NET + "/localNetworkGateways/l1",
                                   lgw["parameters"]["parameters"], 201,
                                   lgw["responses"]["201"]["body"])), [])
        pip = example("PublicIpAddressCreateCustomizedValues.json")
        self.assertEqual(rules(arm("PUT", NET + "/publicIPAddresses/ip1",
                                   pip["parameters"]["parameters"], 201,
                                   pip["responses"]["201"]["body"])), [])

    def test_paths_match_case_insensitively(self):
        body, resp = conn_put()
        self.assertEqual(rules(arm("PUT", CONN.lower(), body, 200, resp)), [])

    def test_unknown_operation(self):
        self.assertEqual(rules(arm("GET", NET + "/frobnicators/f1", response={})),
                         ["operation-not-in-spec"])

    def test_api_version(self):
        body, resp = conn_put()
        self.assertEqual(rules(arm("PUT", CONN, body, 200, resp, query="api-version=2023-09-01")),
                         ["api-version"])
        rg = json.loads((AZ_EX / "resources-2025-04-01" / "CreateResourceGroup.json").read_text())
        good = arm("PUT", RG, {"location": "eastus"}, 201, rg["responses"]["201"]["body"])
        self.assertEqual(rules(good), [])

    def test_readonly_sent(self):
        body, resp = conn_put()
        bad = copy.deepcopy(body)
        bad["properties"]["provisioningState"] = "Succeeded"
        self.assertEqual(rules(arm("PUT", CONN, bad, 200, resp)), ["request-readonly-sent"])

    def test_subresource_id_is_not_readonly(self):
        body, resp = conn_put()
        self.assertIn("id", body["properties"]["virtualNetworkGateway1"])
        self.assertEqual(rules(arm("PUT", CONN, body, 200, resp)), [])

    def test_unknown_property(self):
        body, resp = conn_put()
        bad = copy.deepcopy(body)
        bad["properties"]["tunnelColour"] = "blue"
        self.assertEqual(rules(arm("PUT", CONN, bad, 200, resp)), ["request-unknown-property"])

    def test_additional_properties_allowed_where_declared(self):
        body, resp = conn_put()
        ok = copy.deepcopy(body)
        ok["tags"] = {"any-key": "v"}
        self.assertEqual(rules(arm("PUT", CONN, ok, 200, resp)), [])
        ok["tags"] = {"any-key": 3}
        self.assertEqual(rules(arm("PUT", CONN, ok, 200, resp)), ["request-type"])

    def test_required(self):
        body, resp = conn_put()
        bad = copy.deepcopy(body)
        del bad["properties"]["connectionType"]
        self.assertEqual(rules(arm("PUT", CONN, bad, 200, resp)), ["request-required"])
        self.assertEqual(rules(arm("PUT", CONN, None, 200, resp)), ["required"])

    def test_types_and_formats(self):
        body, resp = conn_put()
        bad = copy.deepcopy(body)
        bad["properties"]["routingWeight"] = "0"
        bad["properties"]["enableBgp"] = "false"
        self.assertEqual(rules(arm("PUT", CONN, bad, 200, resp)), ["request-type"])
        big = copy.deepcopy(body)
        big["properties"]["routingWeight"] = 2**40  # int32
        self.assertEqual(rules(arm("PUT", CONN, big, 200, resp)), ["request-format"])

    def test_enums(self):
        # The network enums in these operations are all `modelAsString: true` (any string
        # passes, so `connectionProtocol` is not flagged); strict enums are checked directly.
        body, resp = conn_put()
        ok = copy.deepcopy(body)
        ok["properties"]["connectionProtocol"] = "IKEv9"  # modelAsString: any string
        self.assertEqual(rules(arm("PUT", CONN, ok, 200, resp)), [])
        out = []
        cw.validate(SW, "Maybe", "x.json", {"type": "string", "enum": ["Yes", "No"]}, "v",
                    True, cw.Report(), out)
        self.assertEqual([r for r, _ in out], ["enum"])
        out = []
        cw.validate(SW, "Maybe", "x.json", {"type": "string", "enum": ["Yes"],
                                            "x-ms-enum": {"modelAsString": True}}, "v",
                    True, cw.Report(), out)
        self.assertEqual(out, [])

    def test_body_to_an_operation_without_one(self):
        self.assertEqual(rules(arm("DELETE", CONN, {"x": 1}, 204)), ["request-body"])


class ArmResponses(unittest.TestCase):
    def test_status_must_be_declared(self):
        self.assertEqual(rules(arm("DELETE", CONN, status=201)), ["status-not-declared"])
        for st in ("200", "202", "204"):
            self.assertEqual(rules(arm("DELETE", CONN, status=int(st))), [])

    def test_errors_are_cloud_errors(self):
        err = {"error": {"code": "NotFound", "message": "gone"}}
        self.assertEqual(rules(arm("GET", CONN, status=404, response=err)), [])
        self.assertEqual(rules(arm("GET", CONN, status=404, response={"code": "NotFound"})),
                         ["response-unknown-property"])

    def test_response_schema(self):
        ex = example("VirtualNetworkGatewayConnectionGet.json")
        good = ex["responses"]["200"]["body"]
        self.assertEqual(rules(arm("GET", CONN, status=200, response=good)), [])
        bad = copy.deepcopy(good)
        bad["properties"]["emulatorOnly"] = True
        self.assertEqual(rules(arm("GET", CONN, status=200, response=bad)),
                         ["response-unknown-property"])
        bad = copy.deepcopy(good)
        bad["properties"]["connectionStatus"] = 1
        self.assertEqual(rules(arm("GET", CONN, status=200, response=bad)), ["response-type"])

    def test_gateway_references_by_id_are_an_accepted_erratum(self):
        ex = example("VirtualNetworkGatewayConnectionGet.json")
        body = copy.deepcopy(ex["responses"]["200"]["body"])
        body["properties"]["virtualNetworkGateway1"] = {"id": NET + "/virtualNetworkGateways/g"}
        rep = cw.check([arm("GET", CONN, status=200, response=body)], SW, AWS)
        self.assertEqual((rep.violations, sum(rep.accepted.values())), ([], 1))
        # only there: a local network gateway GET without properties still fails
        lgw = example("LocalNetworkGatewayGet.json")["responses"]["200"]["body"]
        del lgw["properties"]
        self.assertEqual(rules(arm("GET", NET + "/localNetworkGateways/l", status=200,
                                   response=lgw)), ["response-required"])

    def test_shared_key_examples(self):
        get = example("VirtualNetworkGatewayConnectionGetSharedKey.json")
        self.assertEqual(rules(arm("GET", CONN + "/sharedkey", status=200,
                                   response=get["responses"]["200"]["body"])), [])
        reset = example("VirtualNetworkGatewayConnectionResetSharedKey.json")
        self.assertEqual(rules(arm("POST", CONN + "/sharedkey/reset",
                                   reset["parameters"]["parameters"], 202)), [])

    def test_body_where_none_is_declared(self):
        self.assertEqual(rules(arm("DELETE", CONN, status=202, response={"status": "x"})),
                         ["response-body"])

    def test_async_operation_status(self):
        p = "/subscriptions/s/providers/Microsoft.Network/locations/westeurope/operations/op1"
        ok = {"name": "op1", "status": "InProgress"}
        self.assertEqual(rules(arm("GET", p, status=200, response=ok)), [])
        failed = {"status": "Failed", "error": {"code": "X", "message": "m"}}
        self.assertEqual(rules(arm("GET", p, status=200, response=failed)), [])
        self.assertEqual(rules(arm("GET", p, status=200, response={"status": "x", "colour": 1})),
                         ["response-unknown-property"])
        self.assertEqual(rules(arm("GET", p, status=200, response={"name": "op1"})),
                         ["response-required"])

    def test_location_poll_is_checked_against_its_operation(self):
        loc = "http://h/subscriptions/s/providers/Microsoft.Network/locations/w/operationResults/o1?api-version=2024-03-01"
        start = arm("POST", CONN + "/sharedkey/reset", {"keyLength": 32}, 202,
                    headers={"location": loc})
        poll = "/subscriptions/s/providers/Microsoft.Network/locations/w/operationResults/o1"
        self.assertEqual(rules(start, arm("GET", poll, status=202),
                               arm("GET", poll, status=200, response={"keyLength": 32})), [])
        self.assertEqual(rules(start, arm("GET", poll, status=200,
                                          response={"keyLength": 32, "status": "Succeeded"})),
                         ["response-unknown-property"])
        self.assertEqual(rules(start, arm("GET", poll, status=202, response={"status": "InProgress"})),
                         ["response-body"])

    def test_skipped_endpoints_are_counted_not_flagged(self):
        rep = cw.check([arm("POST", "/tenant/oauth2/v2.0/token", query=""),
                        arm("GET", "/subscriptions/s/locations", response={"value": []})], SW, AWS)
        self.assertEqual(rep.violations, [])
        self.assertEqual(sum(rep.skipped.values()), 2)

    def test_refs_to_files_not_copied_are_unchecked(self):
        ex = example("PublicIpAddressGet.json")
        rep = cw.check([arm("GET", NET + "/publicIPAddresses/ip1", status=200,
                            response=ex["responses"]["200"]["body"])], SW, AWS)
        self.assertEqual(rep.violations, [])
        self.assertTrue(any("networkInterface.json" in r for r in rep.unchecked))


def aws_xml(name: str) -> str:
    return (AWS_EX / name).read_text()


CGW_FORM = "Action=CreateCustomerGateway&Version=2016-11-15&Type=ipsec.1&IpAddress=12.1.2.3&BgpAsn=65534"


class Ec2Requests(unittest.TestCase):
    def test_good_requests(self):
        self.assertEqual(rules(ec2(CGW_FORM, xml=aws_xml("CreateCustomerGateway-apiref.xml"))), [])
        form = ("Action=DescribeVpnConnections&Version=2016-11-15&VpnConnectionId.1=vpn-1"
                "&Filter.1.Name=state&Filter.1.Value.1=available&DryRun=false")
        self.assertEqual(rules(ec2(form, xml=aws_xml("DescribeVpnConnections-apiref-vgwTelemetry.xml"))), [])
        form = ("Action=CreateVpnConnection&Version=2016-11-15&Type=ipsec.1&CustomerGatewayId=cgw-1"
                "&VpnGatewayId=vgw-1&Options.StaticRoutesOnly=true"
                "&Options.TunnelOptions.1.TunnelInsideCidr=169.254.21.0%2F30"
                "&Options.TunnelOptions.1.PreSharedKey=REDACTED"
                "&TagSpecification.1.ResourceType=vpn-connection&TagSpecification.1.Tag.1.Key=k"
                "&TagSpecification.1.Tag.1.Value=v")
        self.assertEqual(rules(ec2(form, xml=aws_xml("CreateVpnConnection-apiref.xml"))), [])

    def test_action_must_exist(self):
        self.assertEqual(rules(ec2("Action=LaunchRocket&Version=2016-11-15")), ["action-not-in-spec"])

    def test_version(self):
        form = CGW_FORM.replace("2016-11-15", "2015-10-01")
        self.assertEqual(rules(ec2(form, xml=aws_xml("CreateCustomerGateway-apiref.xml"))), ["version"])

    def test_parameter_names_as_serialized(self):
        xml = aws_xml("CreateCustomerGateway-apiref.xml")
        # member name instead of the serialized name, lower-case locationName, bad list index
        for extra in ("&TagSpecifications.1.ResourceType=customer-gateway",
                      "&dryRun=true", "&TagSpecification.0.ResourceType=customer-gateway",
                      "&Type.Sub=x"):
            self.assertEqual(rules(ec2(CGW_FORM + extra, xml=xml)), ["request-parameter-name"], extra)

    def test_required(self):
        form = "Action=CreateCustomerGateway&Version=2016-11-15&IpAddress=12.1.2.3"
        self.assertEqual(rules(ec2(form, xml=aws_xml("CreateCustomerGateway-apiref.xml"))),
                         ["request-required"])

    def test_enums_and_types(self):
        xml = aws_xml("CreateCustomerGateway-apiref.xml")
        self.assertEqual(rules(ec2(CGW_FORM.replace("ipsec.1", "ipsec.9"), xml=xml)), ["request-enum"])
        self.assertEqual(rules(ec2(CGW_FORM.replace("65534", "big"), xml=xml)), ["request-type"])
        self.assertEqual(rules(ec2(CGW_FORM + "&DryRun=True", xml=xml)), ["request-type"])

    def test_sts_query_protocol_lists(self):
        form = ("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::1:role/r"
                "&RoleSessionName=s&Tags.member.1.Key=a&Tags.member.1.Value=b")
        self.assertEqual(rules(ec2(form, xml=STS_OK)), [])
        self.assertEqual(rules(ec2(form.replace("Tags.member.1", "Tags.1"), xml=STS_OK)),
                         ["request-parameter-name"])


STS_OK = ('<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
          '<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>REDACTED</SecretAccessKey>'
          '<SessionToken>REDACTED</SessionToken><Expiration>2019-11-09T13:34:41Z</Expiration>'
          '</Credentials><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn>'
          '<AssumedRoleId>ARO:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>'
          '<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>')


class Ec2Responses(unittest.TestCase):
    def test_unknown_element(self):
        xml = aws_xml("CreateCustomerGateway-apiref.xml").replace(
            "<state>", "<colour>blue</colour><state>")
        self.assertEqual(rules(ec2(CGW_FORM, xml=xml)), ["response-unknown-element"])
        xml = aws_xml("CreateCustomerGateway-apiref.xml").replace(
            "<requestId>", "<extraTop/><requestId>")
        self.assertEqual(rules(ec2(CGW_FORM, xml=xml)), ["response-unknown-element"])

    def test_list_entries_are_items(self):
        form = "Action=DescribeVpnConnections&Version=2016-11-15"
        xml = aws_xml("DescribeVpnConnections-apiref-vgwTelemetry.xml")
        self.assertEqual(rules(ec2(form, xml=xml)), [])
        bad = re.sub(r"<vpnConnectionSet>(\s*)<item>", r"<vpnConnectionSet>\1<member>", xml)
        bad = re.sub(r"</item>(\s*)</vpnConnectionSet>", r"</member>\1</vpnConnectionSet>", bad)
        self.assertNotEqual(bad, xml)
        self.assertIn("response-unknown-element", rules(ec2(form, xml=bad)))

    def test_scalar_types_and_enums_in_responses(self):
        form = "Action=DescribeVpnConnections&Version=2016-11-15"
        xml = aws_xml("DescribeVpnConnections-apiref-vgwTelemetry.xml")
        self.assertEqual(rules(ec2(form, xml=xml.replace(">DOWN<", ">SIDEWAYS<"))),
                         ["response-enum"])
        self.assertEqual(rules(ec2(form, xml=xml.replace(">0</acceptedRouteCount>",
                                                         ">none</acceptedRouteCount>"))),
                         ["response-botocore-parse", "response-type"])

    def test_vpn_state_modifying_is_an_accepted_erratum(self):
        form = "Action=DescribeVpnConnections&Version=2016-11-15"
        xml = aws_xml("DescribeVpnConnections-apiref-vgwTelemetry.xml")
        rep = cw.check([ec2(form, xml=xml.replace("<state>available</state>",
                                                  "<state>modifying</state>"))], SW, AWS)
        self.assertEqual((rep.violations, sum(rep.accepted.values())), ([], 1))
        self.assertEqual(rules(ec2(form, xml=xml.replace("<state>available</state>",
                                                         "<state>rebooting</state>"))),
                         ["response-enum"])

    def test_root_and_botocore_parse(self):
        xml = aws_xml("CreateCustomerGateway-apiref.xml")
        self.assertEqual(rules(ec2(CGW_FORM, xml=xml.replace("CreateCustomerGatewayResponse",
                                                             "MakeCustomerGatewayResponse"))),
                         ["response-root-element"])
        self.assertEqual(rules(ec2(CGW_FORM, xml="<CreateCustomerGatewayResponse")),
                         ["response-xml"])
        self.assertEqual(rules(ec2(CGW_FORM, xml=xml, ctype="application/json")), ["content-type"])

    def test_no_output_answers_return(self):
        form = "Action=DeleteCustomerGateway&Version=2016-11-15&CustomerGatewayId=cgw-1"
        ok = ('<DeleteCustomerGatewayResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
              '<requestId>r</requestId><return>true</return></DeleteCustomerGatewayResponse>')
        self.assertEqual(rules(ec2(form, xml=ok)), [])
        self.assertEqual(rules(ec2(form, xml=ok.replace("return", "result"))),
                         ["response-unknown-element"])

    def test_error_envelopes(self):
        form = "Action=DeleteCustomerGateway&Version=2016-11-15&CustomerGatewayId=cgw-1"
        good = aws_xml("ec2-error-response.xml")
        self.assertEqual(rules(ec2(form, 400, good)), [])
        sts_style = ('<ErrorResponse><Error><Code>X</Code><Message>m</Message></Error>'
                     '<RequestId>r</RequestId></ErrorResponse>')
        self.assertEqual(rules(ec2(form, 400, sts_style)), ["response-error-envelope"])
        no_code = good.replace("<Code>", "<Kind>").replace("</Code>", "</Kind>")
        self.assertIn("response-error-envelope", rules(ec2(form, 400, no_code)))
        sts_form = "Action=GetCallerIdentity&Version=2011-06-15"
        self.assertEqual(rules(ec2(sts_form, 403, sts_style)), [])
        self.assertEqual(rules(ec2(sts_form, 403, good)), ["response-error-envelope"])

    def test_status(self):
        xml = aws_xml("CreateCustomerGateway-apiref.xml")
        self.assertEqual(rules(ec2(CGW_FORM, 201, xml)), ["response-status"])


class Recording(unittest.TestCase):
    def test_aborted_skipped_truncated_flagged(self):
        rec = ec2(CGW_FORM, xml="<")
        rec["aborted"] = True
        rep = cw.check([rec], SW, AWS)
        self.assertEqual((rep.violations, sum(rep.skipped.values())), ([], 1))
        rec = ec2(CGW_FORM, xml=aws_xml("CreateCustomerGateway-apiref.xml"))
        rec["truncated"] = True
        self.assertEqual(rules(rec), ["recording-truncated"])

    def test_file_formats_and_exit_status(self):
        good = ec2(CGW_FORM, xml=aws_xml("CreateCustomerGateway-apiref.xml"))
        bad = ec2("Action=LaunchRocket&Version=2016-11-15")
        with tempfile.TemporaryDirectory() as d:
            jl = Path(d) / "r.jsonl"
            jl.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n")
            self.assertEqual(cw.main([str(jl)]), 0)
            arr = Path(d) / "r.json"
            arr.write_text(json.dumps({"dropped": 0, "exchanges": [good, bad]}))
            self.assertEqual(cw.main([str(arr)]), 1)
            arr.write_text(json.dumps({"dropped": 3, "exchanges": [good]}))
            self.assertEqual(cw.main([str(arr)]), 1)
            # --responses-only: a bad request with a good answer passes, a bad answer fails
            bad_req = ec2(CGW_FORM + "&Colour=blue", xml=aws_xml("CreateCustomerGateway-apiref.xml"))
            jl.write_text(json.dumps(bad_req) + "\n")
            self.assertEqual(cw.main([str(jl)]), 1)
            self.assertEqual(cw.main(["--responses-only", str(jl)]), 0)
            bad_resp = ec2(CGW_FORM, 400, "<Oops/>")
            jl.write_text(json.dumps(bad_resp) + "\n")
            self.assertEqual(cw.main(["--responses-only", str(jl)]), 1)


if __name__ == "__main__":
    unittest.main()
