#!/usr/bin/env bash
# End-to-end: the kensa binary's subcommands, outputs and exit codes.
set -u
kensa=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_exit() {  # expect_exit CODE cmd...
  local want=$1; shift
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" = "$want" ] || fail "exit $got (want $want): $* :: $(head -c 400 "$work/err")"
}
contains() { grep -qF -- "$1" "$work/out" || fail "output of previous command lacks: $1"; }
err_contains() { grep -qF -- "$1" "$work/err" || fail "stderr lacks: $1 :: $(head -c 400 "$work/err")"; }

# Catalog
expect_exit 0 "$kensa" catalog list
contains "en303645"; contains "jcstar1"; contains "iotsg2016"; contains "smarthome"
expect_exit 0 "$kensa" catalog show 5.1-1 --lang ja
contains "パスワード"; contains "mandatory"; contains "5.1-1-2 (functional)"
expect_exit 0 "$kensa" catalog map KP15
contains "EN 303 645"; contains "5.1-1"; contains "S1.1-02"; contains "MO.2"
expect_exit 0 "$kensa" catalog map KP15 --json
python3 -c "import json,sys; d=json.load(open('$work/out')); fws={m['framework'] for m in d['mapped']}; sys.exit(0 if {'en303645','jcstar1','smarthome'} <= fws else 1)" \
  || fail "catalog map KP15 --json does not reach en303645, jcstar1 and smarthome"
expect_exit 0 "$kensa" catalog search デフォルト パスワード
contains "match(es)"
expect_exit 0 "$kensa" catalog search brute force --framework en303645
contains "en303645:5.1-5"
expect_exit 2 "$kensa" catalog show no-such-id
err_contains "unknown requirement id 'no-such-id'"
expect_exit 0 "$kensa" kinds --json
expect_exit 0 "$kensa" catalog show --help

# Assess the bundled example
ex="$src/examples/bench-camera"
expect_exit 0 "$kensa" assess --findings "$ex/findings.json" --ics "$ex/ics.yaml" --out "$work/r" --format json,html,sarif,junit,jcstar,stakeholders
contains "EN 303 645"
for f in assessment.json assessment.html assessment.sarif assessment.junit.xml assessment.jcstar.txt assessment.stakeholders.txt; do
  [ -s "$work/r/$f" ] || fail "assess did not write $f"
done
ls "$work/r" | grep -q '\.tmp\.' && fail "temporary files left behind"
expect_exit 1 "$kensa" assess --findings "$ex/findings.json" --ics "$ex/ics.yaml" --out "$work/r2" --fail-on FAIL
expect_exit 0 "$kensa" report "$work/r/assessment.json" --format jcstar --lang ja
contains "S1.1-16"
expect_exit 0 "$kensa" report "$work/r/assessment.json" --format html --lang ja -o "$work/ja.html"
grep -q '<html lang="ja">' "$work/ja.html" || fail "report --lang ja did not write a Japanese HTML report"

# Diff: the same evidence without the telnet default login → 5.1-1 changes, one finding resolved
python3 - "$ex/findings.json" "$work/fixed.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["findings"] = [f for f in d["findings"] if f["kind"] != "default-credential"]
json.dump(d, open(sys.argv[2], "w"))
PY
expect_exit 0 "$kensa" assess --findings "$work/fixed.json" --ics "$ex/ics.yaml" --out "$work/r6" --format json
expect_exit 0 "$kensa" diff "$work/r/assessment.json" "$work/r6/assessment.json"
contains "en303645:5.1-1"; contains "- [default-credential]"
expect_exit 1 "$kensa" diff "$work/r6/assessment.json" "$work/r/assessment.json" --fail-on-regression
contains "+ [default-credential]"

# Bad input: exit 2, file:line:column, nothing half-written
printf '{\n "schema": "kensa.findings/1",\n "findings": [ oops ]\n}\n' >"$work/bad.json"
expect_exit 2 "$kensa" assess --findings "$work/bad.json" --out "$work/r3"
err_contains "bad.json:3:"
[ -e "$work/r3/assessment.json" ] && fail "a report was written despite bad input"
printf 'schema: kensa.questionnaire/1\nanswers:\n  en303645:9.9-9:\n    status: supported\n' >"$work/bad.yaml"
expect_exit 2 "$kensa" assess --ics "$work/bad.yaml" --out "$work/r4"
err_contains "bad.yaml:3:1: unknown requirement 'en303645:9.9-9'"
expect_exit 2 "$kensa" assess --out "$work/r5"
expect_exit 2 "$kensa" report "$ex/findings.json"
err_contains "not a kensa assessment"
expect_exit 2 "$kensa" nosuchcommand

echo "cli_test: $failures failure(s)"
[ "$failures" = 0 ]
