# Sourced by the vendoring scripts (tools/vendor-barcode-detector.sh, tools/fetch-workbox.sh):
# a scratch directory, removed on exit, and `pack NAME@VERSION`, which unpacks that release
# from the npm registry into ./NAME/package and prints its npm integrity.
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

pack() {
  local spec="$1" name="${1%@*}"
  npm pack --silent --json "$spec" >"$name.json"
  mkdir "$name"
  tar -xzf "$(node -p "require('./$name.json')[0].filename")" -C "$name"
  node -p "require('./$name.json')[0].integrity"
}
