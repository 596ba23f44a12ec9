#!/usr/bin/env bash
# Renders the HTML report of the bundled example in headless Chromium: the page must load, its
# script must run without an error (it sets data-ready, and data-error on any error), and a
# screenshot must be produced.
set -u
kensa=$1
src=$2
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "chromium is not installed (scripts/install-deps.sh installs it)"; exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ex="$src/examples/bench-camera"
"$kensa" assess --findings "$ex/findings.json" --ics "$ex/ics.yaml" --out "$work/r" --format html --lang ja >/dev/null || exit 1
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$work/profile" --window-size=1200,2000)
timeout 90 "$chromium" "${flags[@]}" --dump-dom "file://$work/r/assessment.html" >"$work/dom.html" 2>"$work/chromium.log"
grep -q 'data-ready="1"' "$work/dom.html" || { echo "report script did not run"; tail -20 "$work/chromium.log"; exit 1; }
grep -q 'data-error="1"' "$work/dom.html" && { echo "report script raised an error"; exit 1; }
timeout 90 "$chromium" "${flags[@]}" --screenshot="$work/shot.png" "file://$work/r/assessment.html" >/dev/null 2>>"$work/chromium.log"
[ -s "$work/shot.png" ] || { echo "no screenshot"; tail -20 "$work/chromium.log"; exit 1; }
head -c 8 "$work/shot.png" | od -An -tx1 | grep -q '89 50 4e 47' || { echo "screenshot is not a PNG"; exit 1; }
if [ -n "${KENSA_KEEP_SCREENSHOT:-}" ]; then cp "$work/shot.png" "$KENSA_KEEP_SCREENSHOT"; fi
echo "html report rendered in $($chromium --version)"
