#!/usr/bin/env bash
# Build the one-folder LayerForge app with PyInstaller and prove that it starts:
# the frozen binary renders its main window to a PNG (--screenshot) and exits 0.
# Usage: packaging/build_linux.sh   (from anywhere; output in build/dist/layerforge/)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python}"

if ! "$PY" -m PyInstaller --version >/dev/null 2>&1; then
  echo "Installing PyInstaller…"
  "$PY" -m pip install --quiet pyinstaller
fi

"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath build/dist --workpath build/pyinstaller packaging/layerforge.spec

APP="build/dist/layerforge/layerforge"
SHOT="build/frozen-screenshot.png"
rm -f "$SHOT"
start=$(date +%s.%N)
env -u DISPLAY -u WAYLAND_DISPLAY "$APP" --screenshot "$SHOT" >/dev/null
end=$(date +%s.%N)
test -s "$SHOT" || { echo "FAILED: the frozen app wrote no screenshot" >&2; exit 1; }
"$APP" --help >/dev/null  # the headless CLI works from the same binary

size=$(du -sh build/dist/layerforge | cut -f1)
printf 'OK: %s (%s) started and wrote %s in %.1f s\n' "$APP" "$size" "$SHOT" "$(echo "$end - $start" | bc)"
