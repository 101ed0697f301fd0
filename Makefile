# Clipdesk — the two commands a fresh Debian machine needs:
#   make run    installs what is missing, builds, launches the desktop app on the default library
#   make test   every check CI runs (format, lints, all tests)
# Installing is idempotent: packages already present are not touched.

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
CARGO ?= cargo

# Debian packages: building the core; checking PDFs (poppler, mupdf, qpdf); the CJK font the
# briefings bundle (copied into fonts/, see fonts/README.md).
APT_CORE := build-essential pkg-config poppler-utils mupdf-tools qpdf fonts-noto-cjk
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "make: installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

.PHONY: test deps-core fonts fmt-check lint unit bench clean-data

test: deps-core fonts fmt-check lint unit

deps-core:
	$(call apt_install,$(APT_CORE))

fonts: fonts/NotoSansCJK-Regular.ttc

fonts/NotoSansCJK-Regular.ttc: | deps-core
	cp $(CJK_FONT) $@

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test --workspace

# Benchmarks are not tests: they measure and write docs/benchmarks.md.
bench: fonts
	$(CARGO) run --release -p clipdesk-bench -- extract --write
	$(CARGO) run --release -p clipdesk-bench -- suggest --write
	$(CARGO) run --release -p clipdesk-bench -- search --write
	$(CARGO) run --release -p clipdesk-bench -- digest --write
