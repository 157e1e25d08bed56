# Saferoom's two commands (see README):
#   make run    install what is missing, build the UI, start the app
#   make test   install what is missing, then every check CI runs: UI tests, fmt, clippy, all Rust tests
#               (core, CLI, real keychain, end-to-end in the real app window under Xvfb), and 30 s of
#               fuzzing per parser of outside data
# Each step installs only what is missing, so a second run starts at once.

SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

# Debian/Ubuntu packages: build (WebKitGTK, OpenSSL for SQLCipher) and test tools (Xvfb, WebKitWebDriver,
# gnome-keyring for a real Secret Service, secret-tool, poppler for reading PDFs back, faketime for the CLI's
# clock test, python3 to close the app's window as a window manager does in the backups journey).
APT_BUILD := libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev \
             libayatana-appindicator3-dev librsvg2-dev pkg-config
APT_TEST  := xvfb xauth webkit2gtk-driver poppler-utils gnome-keyring libsecret-tools dbus-x11 \
             x11-utils e2fsprogs dbus-bin faketime python3 fuse3
# Packaging: rpm for rpmsign (signing the .rpm) and `rpm --checksig` in the package test; gnupg for the keys.
APT_PACKAGE := rpm gnupg
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
export PATH := $(CARGO_BIN):$(PATH)

.PHONY: run test deps-build deps-test deps-package toolchain ui ui-test lint rust-test fuzz proofs bench clean package package-test icons

run: deps-build ui
	cargo run -p saferoom-app

test: deps-build deps-test ui ui-test lint rust-test fuzz

# Install any missing Debian packages from a list.
define apt_install
	missing=""
	for package in $(1); do
	  dpkg-query -W -f='$${Status}' "$$package" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"
	done
	if [ -n "$$missing" ]; then
	  echo "Installing:$$missing"
	  $(SUDO) apt-get update -qq
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing
	fi
endef

deps-build: toolchain
	$(call apt_install,$(APT_BUILD))

deps-test: deps-build
	$(call apt_install,$(APT_TEST))
	command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
	command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

deps-package:
	$(call apt_install,$(APT_PACKAGE))

# Rust (stable, via rustup) and Node.js 20.19+ (Vite 7 needs it).
toolchain:
	if ! command -v cargo >/dev/null; then
	  echo "Installing Rust with rustup"
	  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
	fi
	if ! command -v node >/dev/null; then
	  $(call apt_install,nodejs npm)
	fi
	node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node.js 20.19 or newer is needed (found "+process.version+"): install it from nodejs.org or NodeSource"); process.exit(1) }'

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund

ui: ui/node_modules/.package-lock.json
	cd ui && npm run build

ui-test: ui/node_modules/.package-lock.json
	cd ui && npm test && npm run check

lint: ui
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	# The fuzz entry points compile only with this feature (the fuzz targets build them much later).
	cargo clippy -p saferoom-core --features fuzzing -- -D warnings

rust-test: ui
	cargo test --workspace

# Every parser of outside data under libFuzzer for a bounded time (scripts/fuzz.sh; a finding fails).
FUZZ_SECONDS ?= 30
fuzz: deps-test
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

# The long fault proofs (docs/proofs.md, "Faults, more widely"): every write path's killed worker 50 times,
# 200 power losses on the lossy FUSE layer.
# `.ci/run` calls it after `make test`.
proofs: deps-test ui
	SAFEROOM_KILLS=50 SAFEROOM_POWER_CYCLES=200 \
	  cargo test --workspace --test kill_points --test nothing_lost --test power_loss -- --nocapture

bench: deps-build ui
	cargo bench -p saferoom-core

# Installers for Linux (.deb and .rpm) from the release build, with the Tauri bundler (the Tauri CLI from ui's
# node modules), copied to target/packages under their usual names: saferoom_VERSION_amd64.deb,
# saferoom-VERSION-1.x86_64.rpm. `nice` lets other builds on the machine go first. AppImage is not built: the
# bundler downloads linuxdeploy, its plugins and the AppImage runtime from GitHub for it, and no package on
# npm, PyPI or Debian that we found carries them (README, "Install from a package").
# With SAFEROOM_SIGNING_KEY naming a GPG key, the installers are signed (scripts/sign-packages.sh: the .rpm
# itself, and a signed SHA256SUMS list for all of them).
TAURI := $(CURDIR)/ui/node_modules/.bin/tauri
package: deps-build deps-package ui
	(cd src-tauri && nice -n 19 $(TAURI) build --ci --bundles deb,rpm)
	bash tests/package/collect.sh target/release/bundle target/packages
	if [ -n "$${SAFEROOM_SIGNING_KEY:-}" ]; then bash scripts/sign-packages.sh target/packages; fi

# Install an older version of the .deb on this machine (as root), start the installed app to its first screen,
# put its vault back to an older schema, upgrade to this version (the app migrates the vault), upgrade over itself,
# remove it; the vault must survive (tests/package/main.rs). Also checks one app, the remembered window size, and
# signing with a throwaway key (a changed installer fails the check).
package-test: package deps-test
	SAFEROOM_PACKAGES=$(CURDIR)/target/packages cargo test -p saferoom-app --features package-test --test package

# Every icon the installers want, cut from one drawing (icons/make_icon.py draws icons/icon.png at 1024 px).
icons: ui/node_modules/.package-lock.json
	python3 icons/make_icon.py icons/icon.png
	$(TAURI) icon icons/icon.png -o icons
	$(TAURI) icon icons/icon.png -o icons --png 256
	rm -rf icons/android icons/ios

clean:
	cargo clean
	rm -rf ui/node_modules ui/dist
