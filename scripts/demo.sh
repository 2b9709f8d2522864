#!/usr/bin/env bash
# `make demo`: build the provider and cloudlink-emulator, start the emulator on loopback with
# the realistic latency profile (time-scaled so a 40-minute Azure gateway build takes ~12 s),
# install the provider into a private filesystem mirror, `terraform init` + `apply` the demo,
# print the tunnels, `destroy`, check that nothing is left, and stop the emulator by its PID.
# Everything lives in a temp dir that is removed on exit, also on Ctrl-C.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
scale=${CLOUDLINK_DEMO_TIME_SCALE:-0.005}
terraform=${TF_ACC_TERRAFORM_PATH:-$(command -v terraform || echo /usr/local/bin/terraform)}
[ -x "$terraform" ] || { echo "terraform not found: install terraform >= 1.11 or set TF_ACC_TERRAFORM_PATH" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cloudlink-demo.XXXXXX")
emulator_pid=""
applied=0
tfvars=()

cleanup() {
  status=$?
  trap - EXIT INT TERM
  if [ "$applied" = 1 ] && [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
    echo "==> cleaning up: terraform destroy"
    (cd "$work/demo" && "$terraform" destroy -auto-approve -no-color "${tfvars[@]}" >/dev/null 2>&1) || true
  fi
  if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "==> building the provider and cloudlink-emulator"
if [ ! -x "$root/target/debug/cloudlink-emulator" ] || [ ! -x "$root/target/debug/terraform-provider-cloudlink" ]; then
  echo "    first build takes about 6 minutes on a 2-core machine (the AWS and Azure SDKs); later runs take seconds"
fi
(cd "$root" && cargo build --quiet --workspace --bins)

echo "==> starting cloudlink-emulator (realistic profile, time scale $scale)"
"$root/target/debug/cloudlink-emulator" --port 0 --port-file "$work/port" \
  --profile realistic --time-scale "$scale" >"$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "emulator did not start:" >&2; cat "$work/emulator.log" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$work/port")"
head -1 "$work/emulator.log"

echo "==> creating the existing infrastructure (AWS VPCs, Azure resource group and VNet)"
curl -fsS -X POST "$url/_emulator/fixtures" -H 'content-type: application/json' -d '{
  "aws": {"vpcs": [
    {"account": "123456789012", "region": "us-east-1", "cidr": "10.10.0.0/16", "name": "app", "route_tables": 1},
    {"account": "123456789012", "region": "us-east-1", "cidr": "10.20.0.0/16", "name": "shared", "route_tables": 1}
  ]},
  "azure": {
    "resource_groups": [{"name": "demo-rg", "location": "westeurope"}],
    "virtual_networks": [{"resource_group": "demo-rg", "name": "demo-vnet", "location": "westeurope",
                          "address_space": ["10.30.0.0/16"], "subnets": [{"name": "workloads", "prefix": "10.30.1.0/24"}]}]
  }
}' >"$work/fixtures.json"
read -r vpc rtb shared_vpc shared_rtb < <(python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))["aws"]["vpcs"]
print(v[0]["id"], v[0]["route_table_ids"][0], v[1]["id"], v[1]["route_table_ids"][0])' "$work/fixtures.json")
tfvars=(-var "endpoint=$url" -var "vpc_id=$vpc" -var "route_table_id=$rtb" -var "shared_vpc_id=$shared_vpc" -var "shared_route_table_id=$shared_rtb")

echo "==> installing the provider into a local filesystem mirror"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)
os_arch="$(uname -s | tr A-Z a-z)_$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')"
mirror="$work/mirror/registry.terraform.io/cloudlink/cloudlink/$version/$os_arch"
mkdir -p "$mirror"
cp "$root/target/debug/terraform-provider-cloudlink" "$mirror/terraform-provider-cloudlink_v$version"
cat >"$work/terraform.rc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/cloudlink/*"]
  }
  direct {
    exclude = ["registry.terraform.io/cloudlink/*"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$work/terraform.rc" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
mkdir -p "$work/demo" && cp "$root/examples/demo/main.tf" "$work/demo/"
cd "$work/demo"
"$terraform" init -no-color >/dev/null

echo "==> terraform apply (the Azure gateway build dominates; the AWS side runs meanwhile)"
applied=1
start=$(date +%s.%N)
if ! "$terraform" apply -auto-approve -no-color "${tfvars[@]}" >"$work/apply.log" 2>&1; then
  cat "$work/apply.log" >&2
  echo "terraform apply failed" >&2
  exit 1
fi
grep -E "Creation complete|Apply complete" "$work/apply.log"
"$terraform" output -json >"$work/outputs.json"
end=$(date +%s.%N)

python3 - "$work/outputs.json" "$start" "$end" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
tunnels = out["tunnels"]["value"]
print()
print(f"{'tunnel':<7}{'AWS outside IP':<17}{'inside CIDR':<18}{'AWS status':<12}{'Azure status':<14}")
for t in tunnels:
    print(f"{t['number']:<7}{t['outside_ip']:<17}{t['inside_cidr']:<18}{t['aws_status']:<12}{t['azure_status']:<14}")
print()
print("Azure public IP (= AWS customer gateway):", ", ".join(out["azure_public_ips"]["value"]))
gw = out["azure_gateway"]["value"]
print("Azure gateway SKU:", gw["sku"], "  public IP zones:", ",".join(gw["zones"]) or "none")
print("consistent =", str(out["consistent"]["value"]).lower())
print("peering    =", out["peering"]["value"]["id"], out["peering"]["value"]["status"])
print(f"apply took {float(sys.argv[3]) - float(sys.argv[2]):.1f} s")
ok = out["consistent"]["value"] and all(t["aws_status"] == "UP" and t["azure_status"] == "Connected" for t in tunnels)
sys.exit(0 if ok else 3)
PY

echo "==> terraform destroy"
if ! "$terraform" destroy -auto-approve -no-color "${tfvars[@]}" >"$work/destroy.log" 2>&1; then
  cat "$work/destroy.log" >&2
  echo "terraform destroy failed" >&2
  exit 1
fi
grep -E "Destroy complete" "$work/destroy.log"
applied=0

curl -fsS "$url/_emulator/dump" >"$work/dump.json"
python3 - "$work/dump.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
left = []
for acct, regions in d["ec2"]["accounts"].items():
    for region, kinds in regions.items():
        for kind in ("customer_gateways", "vpn_gateways", "vpn_connections", "vpc_peering_connections"):
            left += [o["id"] for o in kinds.get(kind, []) if o.get("state") not in ("deleted",)]
left += [r["id"] for r in d["arm"]["resources"]
         if r["type"] != "Microsoft.Network/virtualNetworks" and not r["id"].lower().endswith("/subnets/workloads")]
if left:
    print("left behind:", left); sys.exit(4)
print("emulator holds nothing but the pre-existing VPCs and VNet: nothing left behind")
PY
echo "==> done"
