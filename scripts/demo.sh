#!/usr/bin/env bash
# The main job (README): installs dependencies, builds kensa (release), starts the device lab (real
# daemons, each device on its own address in a network namespace: lab/README.md), assesses the live
# lab end to end — `kensa assess --target 10.77.0.0/24` scans every device, runs the IoT checks and
# decides the verdicts together with the maker's questionnaire — writes the reports to
# ./kensa-report/ (HTML, JSON, SARIF, JUnit, JC-STAR checklist, smart-home stakeholder view), and
# stops the lab. KENSA_DEMO=example assesses the bundled example device instead (no root needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target kensa
kensa=build/release/cli/kensa
out=${KENSA_OUT:-kensa-report}
formats=json,html,sarif,junit,jcstar,stakeholders
set +e
if [ "${KENSA_DEMO:-lab}" = example ]; then
  ex=examples/bench-camera
  "$kensa" assess --findings "$ex/findings.json" --ics "$ex/ics.yaml" --out "$out" \
    --format "$formats" --lang "${KENSA_LANG:-en}"
  code=$?
else
  export KENSA_LAB_NS=${KENSA_LAB_NS:-kensa-demo}
  trap 'bash lab/lab.sh down >/dev/null 2>&1 || true' EXIT
  bash lab/lab.sh up || exit 1
  # The scan runs inside the lab's namespace, so only lab devices can answer.
  bash lab/lab.sh exec "$PWD/$kensa" assess --target 10.77.0.0/24 --intrusive --ics examples/lab/ics.yaml \
    --out "$out" --format "$formats" --lang "${KENSA_LANG:-en}"
  code=$?
fi
set -e
[ "$code" -le 1 ] || exit "$code"
echo "open $out/assessment.html"
