#!/usr/bin/env bash
# Installs the Debian packages the kensa lab (lab/lab.sh) and its smoke test need.
#
# Several of these packages start a host-wide service when installed (mosquitto, snmpd, lighttpd,
# vsftpd, miniupnpd, minissdpd would listen on the host). The lab never uses those host instances:
# it starts its own daemons inside its network namespace. So the install runs with a policy-rc.d
# that forbids starting services, and afterwards any host instance that is running anyway is
# stopped and disabled, so nothing of the lab ever listens in the host's namespace.
#
# Needs root. Idempotent.
set -euo pipefail

PACKAGES=(
    iproute2          # ip netns, ss
    util-linux        # setsid, unshare
    procps
    python3           # hostile devices, smoke-test helpers
    openssl           # certificates, TLS device checks (s_client)
    busybox-static    # telnetd (the dynamic "busybox" package has no telnetd applet), telnet client
    lighttpd lighttpd-mod-openssl
    mosquitto mosquitto-clients
    libcoap3-bin      # coap-server-notls, coap-client-notls
    snmpd snmp
    vsftpd
    miniupnpd miniupnpd-nftables
    dropbear-bin      # dropbear without the "dropbear" package's host service
    openssh-client    # ssh-keygen, ssh (smoke test)
    curl              # HTTP and FTP checks
    netcat-openbsd    # raw TCP reads in the smoke test
    # weak-camera's RTSP server: GStreamer's RTSP server (Basic and Digest auth) driven from Python
    python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
    rsyslog           # weak-gateway's syslog receiver (UDP and TCP 514)
)
# Services these packages may start on the host.
HOST_SERVICES=(mosquitto snmpd snmptrapd lighttpd vsftpd miniupnpd minissdpd dropbear rsyslog)

[ "$(id -u)" -eq 0 ] || { echo "install-deps: must run as root" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
# miniupnpd asks debconf whether to start at boot and which interface to use: answer "no".
printf "%s\n" "miniupnpd miniupnpd/start_daemon boolean false" "minissdpd minissdpd/start_daemon boolean false" |
    debconf-set-selections 2>/dev/null || true

POLICY=/usr/sbin/policy-rc.d
OWN_POLICY=0
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\n# kensa lab install-deps: no service starts during package installation\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"
    OWN_POLICY=1
fi
cleanup() { if [ "$OWN_POLICY" = 1 ]; then rm -f "$POLICY"; fi; }
trap cleanup EXIT

APT=(apt-get -o DPkg::Lock::Timeout=600)  # wait for another apt run instead of failing
"${APT[@]}" update
"${APT[@]}" install -y --no-install-recommends "${PACKAGES[@]}"

# Stop and disable whatever host instance got started anyway (a machine where systemd runs, or a
# package that ignored policy-rc.d). Never through /etc/init.d/NAME stop: several of those scripts
# stop "every process whose executable is /usr/sbin/NAME", which would also kill the lab's own
# daemons in their namespaces.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    for s in "${HOST_SERVICES[@]}"; do
        systemctl stop "$s.service" >/dev/null 2>&1 || true  # only the unit's own cgroup
        systemctl disable "$s.service" >/dev/null 2>&1 || true
    done
else
    for s in "${HOST_SERVICES[@]}"; do
        if [ -x "/etc/init.d/$s" ]; then update-rc.d "$s" disable >/dev/null 2>&1 || true; fi
    done
fi

# Whatever lab daemon still listens in this (the host's) namespace is a host instance: ss shows
# only this namespace's sockets, so the PIDs it names are never the lab's. Stop exactly those.
DAEMONS='mosquitto|snmpd|lighttpd|vsftpd|miniupnpd|minissdpd|dropbear|rsyslogd'
host_pids() {
    { ss -Hlntup 2>/dev/null | grep -oE "\"($DAEMONS)\",pid=[0-9]+" | sed 's/.*pid=//' | sort -u; } || true
}
pids=$(host_pids)
if [ -n "$pids" ]; then
    echo "install-deps: stopping host instances of lab daemons: $pids"
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    sleep 2
fi
left=$(host_pids)
if [ -n "$left" ]; then
    echo "install-deps: error: lab daemons still listen in the host namespace (pids $left)" >&2
    ss -Hlntup | grep -E "\"($DAEMONS)\"" >&2
    exit 1
fi
echo "install-deps: lab packages installed; no lab daemon listens on the host"
