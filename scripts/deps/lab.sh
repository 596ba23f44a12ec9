#!/usr/bin/env bash
# The lab's daemons and clients; lab/install-deps.sh also keeps their host services stopped.
exec bash "$(dirname "$0")/../../lab/install-deps.sh"
