#!/usr/bin/env bash
# Fuzz every parser of outside data for a bounded time (default 60 s per target):
#   bash scripts/fuzz.sh [SECONDS]
# Targets (src-tauri/core/fuzz/fuzz_targets): key_slots (the .keys file), backup_header (backup files),
# export_file (imports), template (practice-edited consent templates), signature (signatures from the UI).
# Needs the nightly toolchain (present on this project's machines) and cargo-fuzz (installed here from
# crates.io the first time). A crash leaves its input under src-tauri/core/fuzz/artifacts/<target>/.
set -euo pipefail
seconds="${1:-60}"
cd "$(dirname "$0")/../src-tauri/core/fuzz"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in key_slots backup_header export_file template signature; do
  echo "== fuzzing $target for ${seconds}s"
  cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=4096
done
echo "fuzzing: all targets ran ${seconds}s without a finding"
