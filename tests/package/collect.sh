#!/usr/bin/env bash
# Copy the installers the Tauri bundler made for this version (BUNDLE_DIR/{deb,rpm}) to OUT under their usual
# lower-case names (saferoom_VERSION_amd64.deb, saferoom-VERSION-1.x86_64.rpm), and print their sizes.
set -euo pipefail
bundle=$1
out=$2
version=$(python3 -c 'import json; print(json.load(open("src-tauri/tauri.conf.json"))["version"])')
rm -rf "$out"
mkdir -p "$out"
shopt -s nullglob
found=0
for file in "$bundle"/deb/*_"$version"_*.deb "$bundle"/rpm/*-"$version"-*.rpm; do
  name=$(basename "$file")
  cp "$file" "$out/${name,,}"
  found=$((found + 1))
done
if [ "$found" != 2 ]; then
  echo "expected one .deb and one .rpm for version $version in $bundle, found $found" >&2
  exit 1
fi
ls -l "$out"
