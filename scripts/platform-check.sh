#!/usr/bin/env bash
# Compile the core's per-OS code (src-tauri/core/src/vault/platform.rs: the keychain store and the durable file
# replace) for macOS and Windows, which the whole core cannot be built for here (SQLCipher's C needs a compiler
# for the target). A check only: nothing is linked or run. Usage: bash scripts/platform-check.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/target/platform-check
mkdir -p "$work/src"
# The core's own target-specific dependencies, so this cannot drift from them.
{
  printf '[package]\nname = "platform-check"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[workspace]\n\n'
  printf '[dependencies]\nkeyring-core = "1"\n\n'
  awk '/^\[target\./ { on = 1 } /^\[(features|dev-dependencies|lints|\[bench\]\])/ { on = 0 } on' "$root/src-tauri/core/Cargo.toml"
  printf '\n[lints.rust]\nunsafe_code = "forbid"\n'
} > "$work/Cargo.toml"
printf '#![allow(dead_code)]\n#[path = "%s"]\nmod platform;\n' "$root/src-tauri/core/src/vault/platform.rs" > "$work/src/lib.rs"
cp "$root/Cargo.lock" "$work/Cargo.lock"
for target in x86_64-unknown-linux-gnu x86_64-apple-darwin x86_64-pc-windows-gnu; do
  rustup target list --installed | grep -qx "$target" || rustup target add "$target"
  echo "== $target"
  (cd "$work" && cargo check --quiet --target "$target" --target-dir "$work/target")
done
echo "platform.rs compiles for Linux, macOS and Windows"
