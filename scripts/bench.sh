#!/usr/bin/env bash
# `make bench`: the apply benchmark (tests/bench_apply.rs) and the scaling benchmark
# (tests/bench_scale.rs) in the release build (what users install) and in the debug build
# (what `make test` runs), one after the other (the machine's cores are the instrument), then
# BENCHMARKS.md from their sections. The plan floor (tools/plan_floor.rs) is built beside each. The release build of the tests takes ~15 min the first time. Knobs (defaults in brackets): BENCH_ROUNDS [5],
# BENCH_APPLY_RUNS [5], BENCH_PLAN_N ["1 50 200"; "1 50 200 800" adds ~7 min], BENCH_REFRESH_PAIRS [50],
# BENCH_REFRESH_VPNS [20], BENCH_STS_N ["10 50"].
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
rm -f target/bench/apply.md target/bench/scale-*.md
cargo test --test bench_apply -- --ignored --nocapture
cargo build --release --example plan_floor
cargo test --release --test bench_scale -- --ignored --nocapture
cargo build --example plan_floor
cargo test --test bench_scale -- --ignored --nocapture
took=$(( $(date +%s) - start ))
{
  cat <<HEADER
# Benchmarks

Produced by \`make bench\` (scripts/bench.sh: tests/bench_apply.rs, tests/bench_scale.rs,
tools/plan_floor.rs: the plan floor, what terraform itself spends on resources of cloudlink's
schema with a provider that does no work) on
$(date -u +%Y-%m-%d) in ${took} s, $(nproc) cores ($(uname -m)); numbers from one run on the
machine that ran it. The apply section runs the debug build; the scaling sections run both the
release build (what users install) and the debug build (what \`make test\` runs). Pass/fail
lines are the must-show thresholds of issue 15; they are reported here, not asserted by
\`make test\`.

HEADER
  cat target/bench/apply.md
  cat <<'NOTE'

Since 2026-12-02 the emulator runs one operation at a time per Azure gateway, as Azure does
(`409 AnotherOperationInProgress`, rule AZ-GW-ONE-OPERATION in docs/cloud-rules.md), and
cloudlink queues the four connections of a gateway. The critical path therefore counts the four
connection builds one after another (29.1 s at this scale where the earlier, concurrent
emulator gave 25.5 s).

NOTE
  cat target/bench/scale-release.md
  echo
  cat target/bench/scale-debug.md
} > BENCHMARKS.md
echo "make bench: ${took} s; BENCHMARKS.md written"
