#!/usr/bin/env bash
# The main job (README): installs dependencies, builds kensa (release), and assesses the bundled
# example device (a findings file plus an answered ICS/IXIT questionnaire), writing the reports to
# ./kensa-report/ (HTML, JSON, SARIF, JUnit, JC-STAR checklist, smart-home stakeholder view).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target kensa
kensa=build/release/cli/kensa
out=${KENSA_OUT:-kensa-report}
ex=examples/bench-camera
set +e
"$kensa" assess --findings "$ex/findings.json" --ics "$ex/ics.yaml" --out "$out" \
  --format json,html,sarif,junit,jcstar,stakeholders --lang "${KENSA_LANG:-en}"
code=$?
set -e
[ "$code" -le 1 ] || exit "$code"
echo "open $out/assessment.html"
