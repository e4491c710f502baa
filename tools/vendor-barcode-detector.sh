#!/usr/bin/env bash
# Re-vendor the BarcodeDetector polyfill (npm `barcode-detector`, ZXing in WebAssembly)
# into static/vendor/barcode-detector/, reproducibly, from the npm registry alone.
#
#   tools/vendor-barcode-detector.sh [VERSION]      (default: the version below)
#
# It packs barcode-detector@VERSION and the exact zxing-wasm version that release pins,
# copies the ES module build of the "pure" (ponyfill) entry, the reader WebAssembly only
# (not the writer) and the licences, checks that the wasm is the one the build expects
# (its sha256 is compiled into the build), and rewrites static/vendor/README.md with the
# versions, sizes and sha256 of every vendored file. Running it twice gives the same tree.
# Needs: npm, node, sha256sum; Debian's /usr/share/common-licenses/Apache-2.0 (base-files).
set -euo pipefail

VERSION="${1:-3.2.2}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/vendor/barcode-detector"
README="$ROOT/static/vendor/README.md"
APACHE="/usr/share/common-licenses/Apache-2.0"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

pack() {  # pack NAME@VERSION into ./NAME, print its npm integrity
  local spec="$1" name="${1%@*}"
  npm pack --silent --json "$spec" >"$name.json"
  mkdir "$name"
  tar -xzf "$(node -p "require('./$name.json')[0].filename")" -C "$name"
  node -p "require('./$name.json')[0].integrity"
}

BD_INTEGRITY="$(pack "barcode-detector@$VERSION")"
ZXING_VERSION="$(node -p "require('./barcode-detector/package/package.json').dependencies['zxing-wasm']")"
if ! [[ "$ZXING_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "barcode-detector@$VERSION depends on zxing-wasm '$ZXING_VERSION', not an exact version" >&2
  exit 1
fi
ZX_INTEGRITY="$(pack "zxing-wasm@$ZXING_VERSION")"

BD="barcode-detector/package"
ZX="zxing-wasm/package"
for f in "$BD/dist/es/ponyfill.js" "$BD/dist/es/zxing-exported.js" "$ZX/dist/reader/zxing_reader.wasm" \
         "$BD/LICENSE" "$ZX/LICENSE" "$APACHE"; do
  [[ -f "$f" ]] || { echo "missing $f" >&2; exit 1; }
done

# The build names the wasm it was made for: refuse a mismatched pair.
EXPECTED_SHA="$(grep -oE '"[0-9a-f]{64}"' "$BD/dist/es/zxing-exported.js" | head -n1 | tr -d '"')"
ACTUAL_SHA="$(sha256sum "$ZX/dist/reader/zxing_reader.wasm" | cut -d' ' -f1)"
if [[ "$EXPECTED_SHA" != "$ACTUAL_SHA" ]]; then
  echo "zxing_reader.wasm sha256 $ACTUAL_SHA differs from the one the build expects ($EXPECTED_SHA)" >&2
  exit 1
fi
# The only import of the entry must be the sibling chunk we copy.
if grep -E '^import|from "' "$BD/dist/es/zxing-exported.js" | grep -q .; then
  echo "zxing-exported.js imports other modules: update this script" >&2
  exit 1
fi

rm -rf "$DEST"
mkdir -p "$DEST"
cp "$BD/dist/es/ponyfill.js" "$DEST/ponyfill.js"
cp "$BD/dist/es/zxing-exported.js" "$DEST/zxing-exported.js"
cp "$ZX/dist/reader/zxing_reader.wasm" "$DEST/zxing_reader.wasm"
cp "$BD/LICENSE" "$DEST/LICENSE.barcode-detector"
cp "$ZX/LICENSE" "$DEST/LICENSE.zxing-wasm"
cp "$APACHE" "$DEST/LICENSE.Apache-2.0"
chmod 0644 "$DEST"/*

{
  cat <<EOF
# Vendored third-party files

Written by \`tools/vendor-barcode-detector.sh\`; do not edit by hand: run the script
(\`tools/vendor-barcode-detector.sh $VERSION\`) and commit what it changes.

## barcode-detector/

A [Barcode Detection API](https://wicg.github.io/shape-detection-api/) polyfill that runs
ZXing (zxing-cpp compiled to WebAssembly). \`static/js/scan.js\` uses the browser's own
\`BarcodeDetector\` when it has one and otherwise imports \`ponyfill.js\`, telling it with
\`setZXingModuleOverrides({locateFile})\` to load \`zxing_reader.wasm\` from this folder
(the package's default is a CDN, which the page must never reach).

| package | version | npm integrity |
|---|---|---|
| barcode-detector | $VERSION | \`$BD_INTEGRITY\` |
| zxing-wasm (the exact version barcode-detector $VERSION pins) | $ZXING_VERSION | \`$ZX_INTEGRITY\` |

| file | from | bytes | sha256 |
|---|---|---|---|
EOF
  row() { printf '| %s | %s | %s | `%s` |\n' "$1" "$2" "$(stat -c %s "$DEST/$1")" "$(sha256sum "$DEST/$1" | cut -d' ' -f1)"; }
  row ponyfill.js "barcode-detector $VERSION dist/es/ponyfill.js (the \"pure\" entry: no global side effects)"
  row zxing-exported.js "barcode-detector $VERSION dist/es/zxing-exported.js (the chunk ponyfill.js imports; zxing-wasm's JS glue is bundled in it)"
  row zxing_reader.wasm "zxing-wasm $ZXING_VERSION dist/reader/zxing_reader.wasm (reader only)"
  row LICENSE.barcode-detector "barcode-detector $VERSION LICENSE (MIT)"
  row LICENSE.zxing-wasm "zxing-wasm $ZXING_VERSION LICENSE (MIT)"
  row LICENSE.Apache-2.0 "Apache License 2.0 text (Debian's /usr/share/common-licenses/Apache-2.0)"
  cat <<EOF

Licences: barcode-detector and zxing-wasm's own code are MIT (LICENSE.barcode-detector,
LICENSE.zxing-wasm). The WebAssembly is built from zxing-cpp (https://github.com/zxing-cpp/zxing-cpp)
and zxing-wasm's src/cpp/ZXingWasm.cpp, both under the Apache License 2.0 (LICENSE.Apache-2.0),
as zxing-wasm's README states; the JavaScript glue is generated by Emscripten (MIT).
zxing-wasm's writer (which adds zint, BSD 3-Clause) is not vendored.
The build checks nothing at run time; this script checked that the wasm's sha256 equals
the \`ZXING_WASM_SHA256\` compiled into zxing-exported.js ($EXPECTED_SHA).
EOF
} >"$README"

echo "vendored barcode-detector $VERSION + zxing-wasm $ZXING_VERSION into ${DEST#$ROOT/}"
