#!/usr/bin/env bash
# A fuzzing smoke test for CI: builds every fuzz target and runs each for a few seconds
# (FUZZ_SMOKE_SECONDS, default 5) from its seed corpus in fixtures/fuzz/<target>/, with a
# fixed random seed (FUZZ_SMOKE_SEED, default 1; `random` for a new one each run).
#
# Exits 0 with a message, doing nothing, where cargo-fuzz cannot run (not installed, or
# no C++ compiler for libFuzzer): tests/fuzz_replay.rs replays the same inputs through the
# same checks on any toolchain. Exits 1 when a target fails to build or finds a crash,
# a timeout or an out-of-memory input; the input is kept and its path printed.
#
# New inputs the fuzzer finds go to a temporary directory, never to fixtures/.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SMOKE_SECONDS:-5}"
# A fixed seed by default: CI sees the same mutations in the same order on every run, so
# a red smoke means the change under test, not the luck of the draw. Give another seed
# (or `random`) to explore; what a run finds belongs in fixtures/fuzz/, which the tests
# replay.
seed="${FUZZ_SMOKE_SEED:-1}"
seed_arg="-seed=$seed"
[ "$seed" = random ] && seed_arg="-seed=0"

if ! command -v cargo > /dev/null || ! cargo fuzz --version > /dev/null 2>&1; then
    echo "fuzz/smoke.sh: cargo-fuzz is not installed (cargo install cargo-fuzz); skipped." \
        "tests/fuzz_replay.rs replays the fuzz inputs."
    exit 0
fi
if ! command -v c++ > /dev/null && ! command -v clang++ > /dev/null && ! command -v g++ > /dev/null; then
    echo "fuzz/smoke.sh: no C++ compiler to build libFuzzer with; skipped." \
        "tests/fuzz_replay.rs replays the fuzz inputs."
    exit 0
fi
# cargo-fuzz uses nightly-only compiler flags; a stable toolchain allows them with
# RUSTC_BOOTSTRAP=1.
if ! rustc --version | grep -q nightly; then
    export RUSTC_BOOTSTRAP=1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The crate forbids unsafe code and libzstd is not instrumented either way: AddressSanitizer
# would find little and costs a factor of several in speed, so it is off (-s none).
# Debug assertions and overflow checks stay on (cargo-fuzz's default).
echo "== cargo fuzz build -s none"
cargo fuzz build -s none

failed=0
for target in $(cargo fuzz list); do
    seeds="../fixtures/fuzz/$target"
    if [ ! -d "$seeds" ]; then
        echo "fuzz/smoke.sh: $seeds is missing" >&2
        failed=1
        continue
    fi
    mkdir -p "$work/corpus/$target" "$work/artifacts/$target"
    echo "== $target (${seconds}s)"
    if ! cargo fuzz run -s none "$target" "$work/corpus/$target" "$seeds" -- \
        -max_total_time="$seconds" -timeout=10 "$seed_arg" -artifact_prefix="$work/artifacts/$target/" \
        > "$work/$target.log" 2>&1; then
        tail -n 40 "$work/$target.log" >&2
        keep="$(mktemp -d "${TMPDIR:-/tmp}/catstage-fuzz-smoke.XXXXXX")"
        cp -r "$work/artifacts/$target" "$keep/"
        echo "fuzz/smoke.sh: $target failed; its inputs are in $keep/$target" >&2
        failed=1
        continue
    fi
    grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$target.log" | tail -n 1 || true
done
exit "$failed"
