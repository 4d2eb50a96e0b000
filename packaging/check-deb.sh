#!/usr/bin/env bash
# Builds Handset's .deb and checks it the way a Debian/Ubuntu system sees it.
#
#   packaging/check-deb.sh            from the debug build the tests use (fast; CI)
#   packaging/check-deb.sh --release  from a release build (what packaging/build-deb.sh ships)
#
# 1. `cargo deb` (cargo-deb, pinned in packaging/setup.sh) makes the package from the
#    [package.metadata.deb] section of Cargo.toml.
# 2. dpkg installs it into an empty root with a database of its own (dpkg --root), so
#    every file lands where the package says; dependencies are checked separately (3).
# 3. Its Depends are satisfiable here (apt-get install --simulate) and name the keyring.
# 4. The installed `handset --version` runs; desktop-file-validate and appstreamcli validate
#    pass on the installed desktop entry and metainfo; the icons, the URI handlers and the
#    built-in sounds are in place.
# The debug-build package is for this check only (cargo-deb warns that dev builds are not for
# releases). Everything is made under a temporary folder, removed at the end.
set -euo pipefail

script="$(readlink -f "${BASH_SOURCE[0]}")"
repo="$(cd "$(dirname "$script")/.." && pwd)"
cd "$repo"
# shellcheck source=packaging/common.sh
. "$repo/packaging/common.sh"
cargo_on_path

profile=(--no-build --profile dev --no-strip)
if [ "${1:-}" = "--release" ]; then
    profile=()
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/handset-deb.XXXXXX")"
trap 'rm -rf "$work"' EXIT

fail() {
    echo "check-deb.sh: $*" >&2
    exit 1
}

echo "==> cargo deb ${profile[*]}"
cargo deb --quiet "${profile[@]}" -o "$work/" >/dev/null
deb="$(ls "$work"/handset_*.deb)"
echo "$deb: $(du -h "$deb" | cut -f1)"

echo "==> dpkg --root (an empty root with its own database)"
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/log"
touch "$root/var/lib/dpkg/status"
# (its dependencies are not in the empty root: dpkg's warnings about them go to a log)
dpkg --root="$root" --force-depends --force-not-root --log=/dev/null -i "$deb" >"$work/dpkg.log" 2>&1 ||
    { cat "$work/dpkg.log" >&2; fail "dpkg could not install the package"; }
dpkg --root="$root" -s handset | grep -q '^Status: install ok installed' ||
    fail "dpkg did not record the package as installed"

echo "==> dependencies"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "Depends: $depends"
case "$depends" in
    *libc6*) ;;
    *) fail "Depends lacks the shared libraries (dpkg-shlibdeps): $depends" ;;
esac
case "$depends" in
    *gnome-keyring*) ;;
    *) fail "Depends lacks a Secret Service: $depends" ;;
esac
apt-get install --simulate --no-install-recommends "$deb" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log" >&2; fail "apt cannot satisfy the package's dependencies"; }

echo "==> the installed files"
for f in \
    usr/bin/handset \
    usr/share/applications/org.handset.Handset.desktop \
    usr/share/metainfo/org.handset.Handset.metainfo.xml \
    usr/share/icons/hicolor/scalable/apps/org.handset.Handset.svg \
    usr/share/icons/hicolor/48x48/apps/org.handset.Handset.png \
    usr/share/icons/hicolor/256x256/apps/org.handset.Handset.png \
    usr/share/handset/announcements/welcome.wav \
    usr/share/handset/greetings/standard.wav; do
    [ -e "$root/$f" ] || fail "missing /$f"
done
version="$("$root/usr/bin/handset" --version)"
echo "handset --version: $version"
[ "$version" = "handset $(cargo pkgid | sed 's/.*[#@]//')" ] || fail "unexpected version: $version"
desktop-file-validate "$root/usr/share/applications/org.handset.Handset.desktop"
appstreamcli validate --no-net --pedantic "$root/usr/share/metainfo/org.handset.Handset.metainfo.xml" >/dev/null ||
    appstreamcli validate --no-net --pedantic "$root/usr/share/metainfo/org.handset.Handset.metainfo.xml"
for scheme in sip sips tel; do
    grep -q "^MimeType=.*x-scheme-handler/$scheme;" "$root/usr/share/applications/org.handset.Handset.desktop" ||
        fail "the desktop entry does not handle $scheme: links"
done
echo "check-deb.sh: the package installs and its files validate"
