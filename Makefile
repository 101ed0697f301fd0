# Clipdesk — the two commands a fresh Debian machine needs:
#   make run    installs what is missing, builds, launches the desktop app on the default library
#   make test   every check CI runs (format, lints, UI type check, all tests incl. the app's
#               end-to-end tests in a real WebKit window under Xvfb)
# Installing is idempotent: packages already present are not touched.

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
CARGO ?= cargo

# Debian packages: building the core; checking PDFs (poppler, mupdf, qpdf); the CJK font the
# briefings bundle (copied into fonts/, see fonts/README.md); PostgreSQL 15, which the team-desk
# tests and `bench sync` run for real (initdb + pg_ctl in a temporary directory, no service).
APT_CORE := build-essential pkg-config poppler-utils mupdf-tools qpdf fonts-noto-cjk postgresql-15
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
# The tests' own tools: LibreOffice (headless, no GUI) opens the Word exports and converts them to PDF;
# man renders the generated man page.
APT_TEST := libreoffice-writer-nogui man-db
# The desktop app (Tauri 2 on WebKitGTK) and its end-to-end tests (WebDriver under Xvfb).
APT_APP := libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev libgtk-3-dev
APT_E2E := xvfb xauth webkit2gtk-driver
# The capture extension's tests drive a real Chromium with the extension loaded (WebDriver).
APT_CHROMIUM := chromium chromium-driver
# The UI is built with Vite 7, which needs Node.js 20.19 or later.
NODE_MIN := 20.19
TAURI_DRIVER := $(HOME)/.cargo/bin/tauri-driver

define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "make: installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

apt_install_inline = echo "make: installing Debian packages: $(1)"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(1)

.PHONY: run test package package-check fuzz reliability deps-core deps-test deps-app deps-e2e deps-chromium node ui-deps ui ui-check fonts fmt-check lint unit bench

run: deps-core deps-app fonts ui
	$(CARGO) run -p clipdesk-app

test: deps-core deps-test deps-app deps-e2e deps-chromium fonts ui fmt-check ui-check lint unit package-check

# Packages: a .deb and an AppImage of the app (Tauri's bundler, from ui/'s @tauri-apps/cli), the CLI
# installed beside it as `clipdesk` with its man page and shell completions, generated from the
# CLI's own definition (`clipdesk generate`). They land in $(TARGET_DIR)/release/bundle/.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
PACKAGE_DIR := target/package
TAURI_CLI := ui/node_modules/.bin/tauri
package: deps-core deps-app fonts ui
	$(CARGO) build --release -p clipdesk --bin clipdesk
	mkdir -p $(PACKAGE_DIR)
	cp $(TARGET_DIR)/release/clipdesk $(PACKAGE_DIR)/clipdesk
	strip $(PACKAGE_DIR)/clipdesk
	$(PACKAGE_DIR)/clipdesk generate --out $(PACKAGE_DIR)
	@# Built, stripped of the line tables the release profile keeps for benchmarks' backtraces
	@# (a tenth of the size), then bundled.
	cd src-tauri && ../$(TAURI_CLI) build --no-bundle
	strip $(TARGET_DIR)/release/clipdesk-app
	cd src-tauri && ../$(TAURI_CLI) bundle --bundles deb
	@# Tauri's AppImage bundler downloads its tools (AppRun, linuxdeploy) from github.com.
	cd src-tauri && ../$(TAURI_CLI) bundle --bundles appimage || \
		echo "make: no AppImage: Tauri's AppImage tools could not be downloaded from github.com (the .deb is built)"
	@ls -l $(TARGET_DIR)/release/bundle/deb/*.deb $(TARGET_DIR)/release/bundle/appimage/*.AppImage 2>/dev/null || true

# The install test, part of `make test`: the same .deb built with the dev profile (what the tests
# already compiled, so it costs minutes, not a release build), installed on this machine, the
# installed CLI and app used, then purged (tests/package/check.sh).
package-check: deps-core deps-app fonts ui
	$(call apt_install,xvfb xauth x11-utils)
	$(CARGO) build -p clipdesk --bin clipdesk
	mkdir -p $(PACKAGE_DIR)
	cp $(TARGET_DIR)/debug/clipdesk $(PACKAGE_DIR)/clipdesk
	$(PACKAGE_DIR)/clipdesk generate --out $(PACKAGE_DIR)
	rm -f $(TARGET_DIR)/debug/bundle/deb/*.deb
	cd src-tauri && ../$(TAURI_CLI) build --debug --bundles deb
	tests/package/check.sh $$(ls -t $(TARGET_DIR)/debug/bundle/deb/*.deb | head -1)

deps-core:
	$(call apt_install,$(APT_CORE))

deps-test:
	$(call apt_install,$(APT_TEST))

deps-app: node
	$(call apt_install,$(APT_APP))

deps-e2e: $(TAURI_DRIVER)
	$(call apt_install,$(APT_E2E))

deps-chromium:
	$(call apt_install,$(APT_CHROMIUM))

$(TAURI_DRIVER):
	$(CARGO) install tauri-driver --locked --version ^2

node:
	@command -v node >/dev/null && command -v npm >/dev/null || { $(call apt_install_inline,nodejs npm); }
	@v=$$(node -p process.versions.node); printf '%s\n' $(NODE_MIN) "$$v" | sort -V -C || \
		{ echo "make: Node.js $(NODE_MIN)+ is needed to build the UI, found $$v (https://nodejs.org or NodeSource packages)" >&2; exit 1; }

# npm packages, exactly as locked; reinstalled only when the lock file changes.
ui-deps: ui/node_modules/.package-lock.json

ui/node_modules/.package-lock.json: ui/package-lock.json | node
	cd ui && npm ci --no-audit --no-fund

ui: ui-deps
	cd ui && npm run build

ui-check: ui-deps
	cd ui && npm run check

fonts: fonts/NotoSansCJK-Regular.ttc

fonts/NotoSansCJK-Regular.ttc: | deps-core
	cp $(CJK_FONT) $@

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The end-to-end tests save their screenshots of each view into docs/screenshots/.
unit:
	CLIPDESK_SCREENSHOTS=$(CURDIR)/docs/screenshots $(CARGO) test --workspace

# Benchmarks are not tests: they measure and write docs/benchmarks.md.
bench: fonts ui
	$(CARGO) run --release -p clipdesk-bench -- extract --write
	$(CARGO) run --release -p clipdesk-bench -- breadth --write
	$(CARGO) run --release -p clipdesk-bench -- suggest --write
	$(CARGO) run --release -p clipdesk-bench -- search --write
	$(CARGO) run --release -p clipdesk-bench -- digest --write
	$(CARGO) run --release -p clipdesk-bench -- monitor --write
	$(CARGO) run --release -p clipdesk-bench -- stories --write
	$(CARGO) run --release -p clipdesk-bench -- sync --write
	$(CARGO) build --release -p clipdesk-app
	$(CARGO) run --release -p clipdesk-bench -- app --write

# Reliability measurements (not tests): resource bounds into docs/reliability.md.
reliability: fonts
	$(CARGO) build --release -p clipdesk -p clipdesk-bench
	$(CARGO) run --release -p clipdesk-bench -- bounds --write

# Fuzzing with cargo-fuzz (libFuzzer; stable toolchain with RUSTC_BOOTSTRAP): every target for FUZZ_SECONDS (default 600).
FUZZ_SECONDS ?= 600
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	fuzz/run.sh $(FUZZ_SECONDS)
