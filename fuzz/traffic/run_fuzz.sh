#!/usr/bin/env bash
# kensa_fuzz runs run_fuzz.sh from the directory of the calling CMakeLists.txt; the runner is shared.
exec bash "$(dirname "$0")/../run_fuzz.sh" "$@"
