#!/usr/bin/env bash
# Vendor Workbox (the service worker's routing and caching) into static/vendor/workbox/,
# reproducibly, from the npm registry alone.
#
#   tools/fetch-workbox.sh [VERSION]      (default: the version below)
#
# It packs workbox-sw@VERSION and the modules the worker uses (core, routing, strategies,
# expiration, precaching) at the same version, copies their production
# builds (the worker loads them from this server through workbox.setConfig({modulePathCb}),
# never from Google's CDN) and the licence, and writes static/vendor/workbox/README.md with
# the versions, npm integrities, sizes and sha256 of every file. Running it twice gives the
# same tree. Needs: npm, node, sha256sum.
set -euo pipefail

VERSION="${1:-7.4.1}"
MODULES=(core routing strategies expiration precaching)
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/vendor/workbox"

# shellcheck source=tools/npm-pack.sh
source "$ROOT/tools/npm-pack.sh"  # WORK (a scratch directory, the current one) and pack()

declare -A INTEGRITY
INTEGRITY[sw]="$(pack "workbox-sw@$VERSION")"
for module in "${MODULES[@]}"; do
  INTEGRITY[$module]="$(pack "workbox-$module@$VERSION")"
done

rm -rf "$DEST"
mkdir -p "$DEST"
cp workbox-sw/package/build/workbox-sw.js "$DEST/workbox-sw.js"
for module in "${MODULES[@]}"; do
  cp "workbox-$module/package/build/workbox-$module.prod.js" "$DEST/workbox-$module.prod.js"
done
cp workbox-sw/package/LICENSE "$DEST/LICENSE"
# The builds end with a sourceMappingURL comment; the maps are not vendored (devtools only).
chmod 0644 "$DEST"/*

{
  cat <<HEAD
# Workbox $VERSION (vendored)

Written by \`tools/fetch-workbox.sh\`; do not edit by hand: run the script
(\`tools/fetch-workbox.sh $VERSION\`) and commit what it changes.

[Workbox](https://developer.chrome.com/docs/workbox) routes and caches the service worker's
requests (\`static/js/service-worker.js\`, served at \`/sw.js\`). \`workbox-sw.js\` is the loader;
the worker calls \`workbox.setConfig({modulePathCb})\` with each module's URL in this folder
named by its content hash (\`exchange/web/offline.py\`), so the modules below are loaded from
here, never from Google's CDN, and a new Workbox is never mixed with an old one from the
HTTP cache. Production builds only.

| package | version | npm integrity |
|---|---|---|
HEAD
  printf '| workbox-sw | %s | `%s` |\n' "$VERSION" "${INTEGRITY[sw]}"
  for module in "${MODULES[@]}"; do
    printf '| workbox-%s | %s | `%s` |\n' "$module" "$VERSION" "${INTEGRITY[$module]}"
  done
  printf '\n| file | bytes | sha256 |\n|---|---|---|\n'
  for file in $(cd "$DEST" && ls | grep -v README.md); do
    printf '| %s | %s | `%s` |\n' "$file" "$(stat -c %s "$DEST/$file")" "$(sha256sum "$DEST/$file" | cut -d' ' -f1)"
  done
  cat <<TAIL

Licence: MIT (LICENSE, from workbox-sw; every Workbox package carries the same text,
Copyright 2018 Google LLC).
TAIL
} >"$DEST/README.md"

echo "vendored Workbox $VERSION into ${DEST#$ROOT/}"
