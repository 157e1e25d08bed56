#!/usr/bin/env bash
# Fuzz every parser of outside data for a bounded time (default 60 s per target):
#   bash scripts/fuzz.sh [SECONDS]
# Targets (src-tauri/core/fuzz/fuzz_targets): key_slots (the .keys file), backup_header (backup files),
# export_file (imports), template (practice-edited consent templates), signature (signatures from the UI).
# `make test` (CI) runs it for 30 s per target. It needs cargo-fuzz (installed from crates.io the first time)
# and runs on the stable toolchain with libFuzzer's coverage but no sanitizer (the project's Rust code has no
# `unsafe`); FUZZ_SANITIZER=address runs under AddressSanitizer instead, which needs a nightly toolchain.
# A finding fails the run and leaves its input under src-tauri/core/fuzz/artifacts/<target>/.
# Each target starts from the small minimised corpus kept in the repository (src-tauri/core/fuzz/seeds/<target>/:
# real files made by Saferoom — a key-slot file, a backup's header, a practice export, templates, a signature —
# to which inputs found by later runs can be added, minimised with `cargo fuzz cmin`); new inputs go to a temporary folder that is
# removed afterwards, so a run leaves nothing in the repository. FUZZ_KEEP=1 keeps that folder and prints it,
# to minimise and add to the seeds: `cargo fuzz cmin <target> <folder>`.
set -euo pipefail
seconds="${1:-60}"
sanitizer="${FUZZ_SANITIZER:-none}"
cd "$(dirname "$0")/../src-tauri/core/fuzz"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
toolchain=()
if [ "$sanitizer" != none ]; then
  toolchain=(+nightly)
fi
work="$(mktemp -d)"
if [ "${FUZZ_KEEP:-0}" = 1 ]; then
  echo "new inputs are kept in $work"
else
  trap 'rm -rf "$work"' EXIT
fi
for target in key_slots backup_header export_file template signature; do
  echo "== fuzzing $target for ${seconds}s from $(ls "seeds/$target" | wc -l) kept inputs (sanitizer: $sanitizer)"
  mkdir -p "$work/$target"
  cargo "${toolchain[@]}" fuzz run --sanitizer "$sanitizer" "$target" "$work/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1
done
echo "fuzzing: all targets ran ${seconds}s without a finding"
