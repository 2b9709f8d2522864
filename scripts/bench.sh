#!/usr/bin/env bash
# `make bench`: runs the apply benchmark (tests/bench_apply.rs) and writes BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --test bench_apply -- --ignored --nocapture
