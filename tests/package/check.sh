#!/bin/sh
# The package test (`make package-check`, after `make package`): installs the .deb on this machine,
# runs the installed CLI (its version, a clip of a saved page into a new library, its man page and
# completions), starts the installed app under Xvfb and waits for its window, then removes the
# package and checks nothing it installed is left. Needs root (or sudo) and Xvfb.
set -eu

DEB="$1"
FIXTURE="$(cd "$(dirname "$0")/../fixtures/pages" && pwd)/seed-article.html"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
WORK="$(mktemp -d)"
APP_PID=""
cleanup() {
	[ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "package-check: $*" >&2; exit 1; }

PKG="$(dpkg-deb -f "$DEB" Package)"
# Never replace (and then purge) a Clipdesk someone installed on this machine.
if dpkg -s "$PKG" >/dev/null 2>&1; then
	fail "$PKG is installed on this machine already; remove it first (this check installs and purges it)"
fi
echo "package-check: installing $DEB ($PKG)"
# apt resolves the package's dependencies (WebKitGTK, GTK) from the archive.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$(realpath "$DEB")" >/dev/null

# The CLI, installed beside the app as `clipdesk`.
[ "$(command -v clipdesk)" = /usr/bin/clipdesk ] || fail "clipdesk is not /usr/bin/clipdesk"
clipdesk --version | grep -q '^clipdesk [0-9]' || fail "clipdesk --version: $(clipdesk --version)"
export CLIPDESK_DB="$WORK/library.sqlite"
clipdesk --json clip --html "$FIXTURE" --url https://www.timesofisrael.com/putin-calls-obama/ >"$WORK/clip.json"
grep -q '"created"' "$WORK/clip.json" || fail "the installed CLI did not clip: $(cat "$WORK/clip.json")"
clipdesk --json search coordination | grep -q 'Putin calls Obama' || fail "the clip is not found"
# Its briefing fonts come with the package (not from this checkout): a PDF typesets.
[ -s /usr/lib/Clipdesk/fonts/NotoSerif-Regular.ttf ] || fail "the fonts are not installed with the app"
clipdesk digest --query 'coordination' --title 'Package check' --pdf "$WORK/brief.pdf" >/dev/null
head -c 5 "$WORK/brief.pdf" | grep -q '%PDF-' || fail "no PDF from the installed CLI"
for f in /usr/share/man/man1/clipdesk.1* /usr/share/bash-completion/completions/clipdesk \
	/usr/share/zsh/vendor-completions/_clipdesk /usr/share/fish/vendor_completions.d/clipdesk.fish; do
	[ -s "$f" ] || fail "missing $f"
done
grep -q 'digest' /usr/share/bash-completion/completions/clipdesk || fail "bash completion lacks subcommands"
[ -f /usr/share/applications/Clipdesk.desktop ] || ls /usr/share/applications | grep -qi clipdesk || fail "no desktop entry"

# The installed app opens its window (under Xvfb, on a new library).
export XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config" XDG_CACHE_HOME="$WORK/cache"
unset CLIPDESK_DB
xvfb-run -a -s "-screen 0 1280x800x24" sh -c '
	/usr/bin/clipdesk-app & pid=$!
	i=0
	while [ $i -lt 60 ]; do
		if xwininfo -root -tree 2>/dev/null | grep -q "\"Clipdesk\""; then
			echo "package-check: the app window is up"; kill $pid; exit 0
		fi
		kill -0 $pid 2>/dev/null || { echo "package-check: the app exited" >&2; exit 1; }
		sleep 1; i=$((i + 1))
	done
	kill $pid; echo "package-check: no window in 60 s" >&2; exit 1
' || fail "the installed app did not open its window"

# Removed cleanly: no file of the package is left.
FILES="$(dpkg -L "$PKG" | while read -r f; do [ -f "$f" ] && echo "$f"; done)"
$SUDO dpkg --purge "$PKG" >/dev/null
for f in $FILES; do
	[ ! -e "$f" ] || fail "$f left after removal"
done
[ ! -e /usr/bin/clipdesk ] && [ ! -e /usr/bin/clipdesk-app ] || fail "the binaries are left after removal"
echo "package-check: ok ($PKG installed, used, removed)"
