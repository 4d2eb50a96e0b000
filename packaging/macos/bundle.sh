#!/usr/bin/env bash
# Builds Handset.app (and Handset.dmg) on macOS.
#
#   packaging/macos/bundle.sh
#
# Needs Xcode's command line tools (iconutil, hdiutil) and Homebrew's opus, libgsm, bcg729
# and webrtc-audio-processing (brew install opus libgsm bcg729 webrtc-audio-processing).
# The result is in target/macos/. Signing and notarisation are left to the release manager:
#   codesign --deep --options runtime --sign "Developer ID Application: …" target/macos/Handset.app
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
cd "$repo"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
out=target/macos
app="$out/Handset.app"

cargo build --release --locked
rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cp target/release/handset "$app/Contents/MacOS/handset"
sed "s/VERSION/$version/g" packaging/macos/Info.plist >"$app/Contents/Info.plist"
cp -R assets/announcements assets/greetings "$app/Contents/Resources/"

# The icon set from the PNGs of assets/icons/hicolor (made by packaging/make-assets.sh icons).
iconset="$out/Handset.iconset"
rm -rf "$iconset"
mkdir -p "$iconset"
for size in 16 32 128 256 512; do
    cp "assets/icons/hicolor/${size}x${size}/apps/org.handset.Handset.png" "$iconset/icon_${size}x${size}.png"
done
for size in 16 32 128 256; do
    double=$((size * 2))
    cp "assets/icons/hicolor/${double}x${double}/apps/org.handset.Handset.png" "$iconset/icon_${size}x${size}@2x.png"
done
iconutil -c icns "$iconset" -o "$app/Contents/Resources/Handset.icns"
rm -rf "$iconset"

hdiutil create -volname Handset -srcfolder "$app" -ov -format UDZO "$out/Handset-$version.dmg"
echo "bundle.sh: $app and $out/Handset-$version.dmg"
