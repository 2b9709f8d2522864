#!/usr/bin/env bash
# Builds the registry artifacts for one platform from target/release:
#   dist/terraform-provider-cloudlink_VERSION_OS_ARCH.zip
#   dist/terraform-provider-cloudlink_VERSION_SHA256SUMS
#   dist/terraform-provider-cloudlink_VERSION_manifest.json  (protocol version 6.0)
set -euo pipefail
version=$1 os_arch=$2
root=$(cd "$(dirname "$0")/.." && pwd)
dist="$root/dist"
name="terraform-provider-cloudlink"
mkdir -p "$dist"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$root/target/release/$name" "$stage/${name}_v${version}"
cp "$root/README.md" "$stage/"
[ -f "$root/CHANGELOG.md" ] && cp "$root/CHANGELOG.md" "$stage/"
python3 - "$stage" "$dist/${name}_${version}_${os_arch}.zip" <<'PY'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(os.listdir(stage)):
        info = zipfile.ZipInfo(f)
        info.external_attr = (0o755 if f.startswith("terraform-provider") else 0o644) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(os.path.join(stage, f), "rb") as fh:
            z.writestr(info, fh.read())
PY
printf '{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": ["6.0"]\n  }\n}\n' > "$dist/${name}_${version}_manifest.json"
(cd "$dist" && sha256sum "${name}_${version}"_*.zip "${name}_${version}_manifest.json" > "${name}_${version}_SHA256SUMS")
echo "release artifacts in $dist:"
ls -1 "$dist"
