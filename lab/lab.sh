#!/usr/bin/env bash
# kensa device lab: real daemons, each bound to its own address in 10.77.0.0/24, inside a network
# namespace this script creates. Nothing here listens in, or sends to, the host's network namespace.
#
#   lab.sh up          create the namespace, generate keys/certs/configs, start every device,
#                      wait until each one listens (fails naming the device that did not)
#   lab.sh down        kill only the PIDs recorded by `up` (and their children), delete the namespaces
#   lab.sh status      namespace, recorded processes, listening sockets
#   lab.sh exec CMD... run CMD inside the lab namespace (e.g. a scanner)
#   lab.sh targets [--tsv|--addresses]   the device table (lab/devices.tsv)
#
# Environment:
#   KENSA_LAB_NS       namespace name (default kensa-lab); the UPnP device lives in "$KENSA_LAB_NS-upnp"
#   KENSA_LAB_RUN      run directory for PIDs, configs, keys, logs (default ${TMPDIR:-/tmp}/$KENSA_LAB_NS)
#   KENSA_LAB_TIMEOUT  seconds `up` waits for all devices to listen (default 30)
#   KENSA_LAB_KEEP_RUN=1   `down` keeps the run directory (logs) instead of deleting it
#
# Needs root (network namespaces). Packages: lab/install-deps.sh.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS=${KENSA_LAB_NS:-kensa-lab}
UPNP_NS="$NS-upnp"
RUN=${KENSA_LAB_RUN:-${TMPDIR:-/tmp}/$NS}
TIMEOUT=${KENSA_LAB_TIMEOUT:-30}
NET=10.77.0
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

die() { echo "lab: error: $*" >&2; exit 1; }
say() { echo "lab: $*"; }

[[ "$NS" =~ ^[A-Za-z0-9_.-]{1,40}$ ]] || die "KENSA_LAB_NS must be 1-40 characters of [A-Za-z0-9_.-], got '$NS'"

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"; }
ns_exists() { [ -e "/run/netns/$1" ]; }
in_ns() { ip netns exec "$NS" "$@"; }

# Start time of a process (field 22 of /proc/PID/stat), to recognise a recorded PID later even if
# the number has been reused by an unrelated process.
proc_start() {
    local s
    read -r s 2>/dev/null <"/proc/$1/stat" || return 1
    s=${s##*) }
    # shellcheck disable=SC2086
    set -- $s
    echo "${20}"
}
# Running: exists and is not a zombie (an ended daemon stays a zombie until init reaps it).
proc_alive() {
    local s
    read -r s 2>/dev/null <"/proc/$1/stat" || return 1
    s=${s##*) }
    [ "${s:0:1}" != Z ]
}

# ---------------------------------------------------------------------------------------------
# up
# ---------------------------------------------------------------------------------------------

REQUIRED_TOOLS=(ip ss setsid unshare openssl busybox lighttpd mosquitto mosquitto_passwd mosquitto_pub
    coap-server-notls snmpd vsftpd miniupnpd dropbear dropbearkey ssh-keygen rsyslogd)

check_tools() {
    local t missing=()
    for t in "${REQUIRED_TOOLS[@]}"; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    command -v "$PYTHON" >/dev/null 2>&1 || missing+=(python3)
    busybox --list 2>/dev/null | grep -qx telnetd || missing+=("busybox telnetd (package busybox-static)")
    "$PYTHON" -c 'import gi; gi.require_version("GstRtspServer", "1.0")' 2>/dev/null ||
        missing+=("GStreamer RTSP server for Python (python3-gi gir1.2-gst-rtsp-server-1.0)")
    [ "${#missing[@]}" -eq 0 ] || die "missing: ${missing[*]} -- run lab/install-deps.sh"
}

# start NAME NAMESPACE CMD...: run CMD in NAMESPACE in its own session, log to $RUN/log/NAME.log,
# record "PID STARTTIME NAME" in $RUN/pids. setsid and `ip netns exec` both exec in place, so the
# recorded PID is the daemon's own.
start() {
    local name=$1 ns=$2 pid
    shift 2
    setsid ip netns exec "$ns" "$@" >"$RUN/log/$name.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid $(proc_start "$pid" || echo 0) $name" >>"$RUN/pids"
}

# Expected listeners: "NAME NAMESPACE PROTO ADDRESS PORT" (ADDRESS * = any local address)
EXPECT=()
expect() { EXPECT+=("$*"); }

setup_netns() {
    ip netns add "$UPNP_NS"
    ip -n "$NS" link set lo up
    ip -n "$UPNP_NS" link set lo up
    # Device side: a veth pair whose both ends live in the lab namespace; lab0 carries the addresses.
    ip -n "$NS" link add lab0 type veth peer name lab1
    ip -n "$NS" link set lab0 up
    ip -n "$NS" link set lab1 up
    ip -n "$NS" addr add "$NET.1/24" dev lab0 # primary: the address scans come from
    local a
    for a in 10 11 12 13 14 15 16 18 19 20 21 30 31 32 33 34; do
        ip -n "$NS" addr add "$NET.$a/24" dev lab0
    done
    # The UPnP device binds wildcard sockets (SSDP needs them), so it gets a namespace of its own,
    # joined to the lab namespace by a veth pair; the lab reaches 10.77.0.17 and SSDP multicast
    # through it. Its "WAN" is a veth pair that ends inside its own namespace.
    ip -n "$NS" link add upnp0 type veth peer name upnp1 netns "$UPNP_NS"
    ip -n "$NS" link set upnp0 up
    ip -n "$UPNP_NS" link set upnp1 up
    ip -n "$UPNP_NS" addr add "$NET.17/24" dev upnp1
    ip -n "$NS" route add "$NET.17/32" dev upnp0 src "$NET.1"
    # A metric of its own keeps this route's nexthop apart from the unicast one above: sharing it
    # let the kernel's cached multicast route answer for 10.77.0.17 ("Network is unreachable").
    ip -n "$NS" route add 239.255.255.250/32 dev upnp0 src "$NET.1" metric 100
    ip -n "$UPNP_NS" link add wan0 type veth peer name wan1
    ip -n "$UPNP_NS" link set wan0 up
    ip -n "$UPNP_NS" link set wan1 up
    ip -n "$UPNP_NS" addr add 192.0.2.17/24 dev wan0
}

gen_certs() {
    local d="$RUN/pki"
    mkdir -p "$d/weak-ca/new"
    : >"$d/weak-ca/index.txt"
    echo 1001 >"$d/weak-ca/serial"
    cat >"$d/weak-ca.cnf" <<EOF
[ ca ]
default_ca = weak
[ weak ]
dir = $d/weak-ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
policy = anything
email_in_dn = no
copy_extensions = none
x509_extensions = ext
[ anything ]
commonName = supplied
organizationName = optional
[ ext ]
basicConstraints = CA:TRUE
EOF
    # weak-tls: RSA-1024, self-signed, SHA-1, expired in 2020, name that matches nothing here
    openssl req -new -newkey rsa:1024 -nodes -keyout "$d/weak-tls.key" -out "$d/weak-tls.csr" \
        -subj "/O=KL Camera Co/CN=ipcam.local" 2>/dev/null
    openssl ca -batch -selfsign -config "$d/weak-ca.cnf" -keyfile "$d/weak-tls.key" \
        -in "$d/weak-tls.csr" -out "$d/weak-tls.crt" -notext -md sha1 \
        -startdate 20190101000000Z -enddate 20200101000000Z >/dev/null 2>&1 ||
        die "could not make the weak TLS certificate (openssl ca)"

    # weak-ftp (AUTH TLS): vsftpd loads its certificate at OpenSSL's default security level, which
    # refuses RSA-1024; so RSA-2048, but self-signed, SHA-1, expired, for a name that matches nothing
    openssl req -new -newkey rsa:2048 -nodes -keyout "$d/weak-ftp.key" -out "$d/weak-ftp.csr" \
        -subj "/O=KL Storage Co/CN=nas.local" 2>/dev/null
    openssl ca -batch -selfsign -config "$d/weak-ca.cnf" -keyfile "$d/weak-ftp.key" \
        -in "$d/weak-ftp.csr" -out "$d/weak-ftp.crt" -notext -md sha1 \
        -startdate 20190101000000Z -enddate 20200101000000Z >/dev/null 2>&1 ||
        die "could not make the weak FTP certificate (openssl ca)"

    # hardened: lab CA (RSA-3072) signs an RSA-2048 server certificate for 10.77.0.20
    openssl req -x509 -newkey rsa:3072 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" -days 90 -sha256 \
        -subj "/O=Kensa Lab/CN=Kensa Lab Root CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -keyout "$d/hardened.key" -out "$d/hardened.csr" \
        -subj "/O=Kensa Lab/CN=hardened.kensa-lab" 2>/dev/null
    cat >"$d/hardened.ext" <<EOF
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:$NET.20,DNS:hardened.kensa-lab
EOF
    openssl x509 -req -in "$d/hardened.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
        -CAserial "$d/ca.srl" -days 90 -sha256 -extfile "$d/hardened.ext" -out "$d/hardened.crt" \
        2>/dev/null
    chmod 600 "$d"/*.key
}

config_telnet() {
    mkdir -p "$RUN/telnet"
    cp "$LAB_DIR/devices/telnet-login.sh" "$RUN/telnet/login.sh"
    printf '\r\n' >"$RUN/telnet/issue" # instead of the host's /etc/issue.net
    chmod 755 "$RUN/telnet/login.sh"
}

config_web() {
    local w="$RUN/web"
    mkdir -p "$w/root/admin"
    cat >"$w/root/index.html" <<'EOF'
<!DOCTYPE html><html><head><title>KL-CAM-100</title></head>
<body><h1>KL-CAM-100 IP camera</h1><p>Firmware 2.4.1</p><p><a href="/admin/">Administration</a></p></body></html>
EOF
    cat >"$w/root/admin/index.html" <<'EOF'
<!DOCTYPE html><html><head><title>KL-CAM-100 administration</title></head>
<body><h1>Camera administration</h1><form method="post" action="/admin/save">
Wi-Fi SSID <input name="ssid" value="HomeNet"> Admin password <input name="pw" type="password"></form></body></html>
EOF
    echo "admin:admin" >"$w/users"
    cat >"$w/lighttpd.conf" <<EOF
server.modules = ( "mod_access", "mod_auth", "mod_authn_file", "mod_status" )
server.document-root = "$w/root"
server.bind = "$NET.11"
server.port = 80
server.pid-file = "$w/lighttpd.pid"
server.errorlog = "$RUN/log/weak-web.error.log"
index-file.names = ( "index.html" )
mimetype.assign = ( ".html" => "text/html", ".txt" => "text/plain" )
auth.backend = "plain"
auth.backend.plain.userfile = "$w/users"
auth.require = ( "/admin/" => ( "method" => "basic", "realm" => "KL-CAM-100", "require" => "valid-user" ) )
status.status-url = "/status"
EOF
}

config_tls() {
    local t="$RUN/tls"
    mkdir -p "$t/root"
    echo '<!DOCTYPE html><html><head><title>KL-CAM-100</title></head><body>secure login</body></html>' \
        >"$t/root/index.html"
    cat >"$t/lighttpd.conf" <<EOF
server.modules = ( "mod_openssl" )
server.document-root = "$t/root"
server.bind = "$NET.13"
server.port = 443
server.pid-file = "$t/lighttpd.pid"
server.errorlog = "$RUN/log/weak-tls.error.log"
index-file.names = ( "index.html" )
mimetype.assign = ( ".html" => "text/html" )
ssl.engine = "enable"
ssl.pemfile = "$RUN/pki/weak-tls.crt"
ssl.privkey = "$RUN/pki/weak-tls.key"
ssl.openssl.ssl-conf-cmd = ( "MinProtocol" => "TLSv1", "MaxProtocol" => "TLSv1.2",
                             "CipherString" => "ALL:@SECLEVEL=0" )
EOF
}

config_mqtt() {
    local m="$RUN/mqtt"
    mkdir -p "$m"
    cat >"$m/weak.conf" <<EOF
user root
per_listener_settings false
allow_anonymous true
persistence false
log_dest stderr
sys_interval 10
listener 1883 $NET.12
EOF
}

config_snmp() {
    local s="$RUN/snmp"
    mkdir -p "$s/persist"
    cat >"$s/snmpd.conf" <<EOF
agentAddress udp:$NET.15:161
rocommunity public default
sysDescr KL-RTR-200 home router, firmware 3.1.4 (Linux 3.10.14)
sysName kensa-router
sysLocation Kensa lab, rack 1
sysContact admin@kensa-lab.invalid
sysServices 72
EOF
}

config_ftp() {
    local f="$RUN/ftp"
    mkdir -p "$f/root/pub" "$f/root/backup" "$f/empty"
    echo "KL-NAS-10 firmware 1.0.7 release notes" >"$f/root/pub/README.txt"
    printf 'admin_user=admin\nadmin_password=admin\nwifi_psk=hunter2hunter2\n' >"$f/root/backup/config.bak"
    chmod 755 "$f" "$f/root" "$f/root/pub" "$f/root/backup"
    chmod 644 "$f/root/pub/README.txt" "$f/root/backup/config.bak"
    chmod 555 "$f/empty"
    cat >"$f/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$NET.16
listen_port=21
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$f/root
local_enable=NO
write_enable=NO
secure_chroot_dir=$f/empty
pasv_enable=YES
pasv_min_port=30000
pasv_max_port=30100
xferlog_enable=YES
vsftpd_log_file=$RUN/log/weak-ftp.xfer.log
# AUTH TLS offered (not required) with a weak certificate and TLS 1.0 still allowed
ssl_enable=YES
rsa_cert_file=$RUN/pki/weak-ftp.crt
rsa_private_key_file=$RUN/pki/weak-ftp.key
ssl_sslv2=NO
ssl_sslv3=NO
ssl_tlsv1=YES
ssl_ciphers=ALL:@SECLEVEL=0
allow_anon_ssl=YES
force_anon_logins_ssl=NO
force_anon_data_ssl=NO
force_local_logins_ssl=NO
force_local_data_ssl=NO
require_ssl_reuse=NO
EOF
}

# weak-gateway: mosquitto that requires a login whose account is a dictionary default, and a
# syslog receiver (rsyslog) on UDP and TCP 514 without TLS.
config_gateway() {
    local g="$RUN/gateway"
    mkdir -p "$g/spool"
    mosquitto_passwd -c -b "$g/mqtt-passwd" user user
    chmod 600 "$g/mqtt-passwd"
    cat >"$g/mosquitto.conf" <<EOF
user root
per_listener_settings false
allow_anonymous false
password_file $g/mqtt-passwd
persistence false
log_dest stderr
listener 1883 $NET.19
EOF
    cat >"$g/rsyslog.conf" <<EOF
global(workDirectory="$g/spool")
module(load="imudp")
module(load="imtcp")
input(type="imudp" address="$NET.19" port="514")
input(type="imtcp" address="$NET.19" port="514")
*.* action(type="omfile" file="$RUN/log/weak-gateway.messages")
EOF
}

# The WAN side carries a reserved documentation address (the lab never configures a public one), so
# miniupnpd answers every IGD action without authentication but refuses AddPortMapping with 501
# ActionFailed ("port forwarding is impossible"), as a router behind carrier NAT does.
config_upnp() {
    local u="$RUN/upnp"
    mkdir -p "$u"
    cat >"$u/miniupnpd.conf" <<EOF
ext_ifname=wan0
listening_ip=upnp1
port=5000
enable_natpmp=no
enable_upnp=yes
secure_mode=no
system_uptime=yes
lease_file=$u/leases
uuid=6b1e4a52-0c1d-4f5e-9a77-10770000017a
friendly_name=KL-RTR-200 home router
manufacturer_name=KL Networks
model_name=KL-RTR-200
model_number=3.1.4
serial=KL0000017
allow 1024-65535 $NET.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
EOF
}

config_hardened() {
    local h="$RUN/hardened"
    mkdir -p "$h/home/.ssh"
    dropbearkey -t ed25519 -f "$h/dropbear_ed25519_host_key" >/dev/null 2>&1
    ssh-keygen -q -t ed25519 -N '' -C kensa-lab-client -f "$h/client_ed25519"
    cp "$h/client_ed25519.pub" "$h/home/.ssh/authorized_keys"
    chmod 755 "$h/home"
    chmod 700 "$h/home/.ssh"
    chmod 600 "$h/home/.ssh/authorized_keys" "$h/client_ed25519"
    echo kensa >"$h/mqtt-user"
    openssl rand -hex 16 >"$h/mqtt-password"
    chmod 600 "$h/mqtt-password"
    mosquitto_passwd -c -b "$h/mqtt-passwd" kensa "$(cat "$h/mqtt-password")"
    chmod 600 "$h/mqtt-passwd"
    cat >"$h/mosquitto.conf" <<EOF
user root
per_listener_settings false
allow_anonymous false
password_file $h/mqtt-passwd
persistence false
log_dest stderr
listener 8883 $NET.20
cafile $RUN/pki/ca.crt
certfile $RUN/pki/hardened.crt
keyfile $RUN/pki/hardened.key
tls_version tlsv1.2
EOF
}

start_devices() {
    local h="$RUN/hardened"
    start weak-telnet "$NS" busybox telnetd -F -b "$NET.10:23" -f "$RUN/telnet/issue" \
        -l "$RUN/telnet/login.sh"
    expect weak-telnet "$NS" tcp "$NET.10" 23

    start weak-web "$NS" lighttpd -D -f "$RUN/web/lighttpd.conf"
    expect weak-web "$NS" tcp "$NET.11" 80

    start weak-mqtt "$NS" mosquitto -c "$RUN/mqtt/weak.conf"
    expect weak-mqtt "$NS" tcp "$NET.12" 1883

    start weak-tls "$NS" lighttpd -D -f "$RUN/tls/lighttpd.conf"
    expect weak-tls "$NS" tcp "$NET.13" 443

    start weak-coap "$NS" coap-server-notls -A "$NET.14" -p 5683 -d 10
    expect weak-coap "$NS" udp "$NET.14" 5683

    start weak-snmp "$NS" env SNMP_PERSISTENT_DIR="$RUN/snmp/persist" MIBS= \
        snmpd -f -Lo -C -I -smux -c "$RUN/snmp/snmpd.conf" -p "$RUN/snmp/snmpd.pid"
    expect weak-snmp "$NS" udp "$NET.15" 161

    start weak-ftp "$NS" vsftpd "$RUN/ftp/vsftpd.conf"
    expect weak-ftp "$NS" tcp "$NET.16" 21

    # weak-camera: a login form with the dictionary default admin/password (lab/devices/form-login.py)
    # and an RTSP stream behind Digest with another (lab/devices/rtsp-camera.py, GStreamer's server).
    start weak-camera-web "$NS" "$PYTHON" -u "$LAB_DIR/devices/form-login.py" "$NET.18" 80 admin password 0 KL-CAM-300
    expect weak-camera-web "$NS" tcp "$NET.18" 80
    start weak-camera-rtsp "$NS" "$PYTHON" -u "$LAB_DIR/devices/rtsp-camera.py" "$NET.18" 554 admin 12345 digest
    expect weak-camera-rtsp "$NS" tcp "$NET.18" 554

    start weak-gateway-mqtt "$NS" mosquitto -c "$RUN/gateway/mosquitto.conf"
    expect weak-gateway-mqtt "$NS" tcp "$NET.19" 1883
    start weak-gateway-syslog "$NS" rsyslogd -n -f "$RUN/gateway/rsyslog.conf" -i "$RUN/gateway/rsyslogd.pid"
    expect weak-gateway-syslog "$NS" udp "$NET.19" 514
    expect weak-gateway-syslog "$NS" tcp "$NET.19" 514

    # locking-web: the same form with an unguessable password; an account locks for 60 s after three
    # failures, so a dictionary run must stop and report the protection it saw.
    start locking-web "$NS" "$PYTHON" -u "$LAB_DIR/devices/form-login.py" "$NET.21" 80 admin "$(openssl rand -hex 12)" 3 KL-NVR-500
    expect locking-web "$NS" tcp "$NET.21" 80

    start weak-upnp "$UPNP_NS" miniupnpd -d -f "$RUN/upnp/miniupnpd.conf" -P "$RUN/upnp/miniupnpd.pid"
    expect weak-upnp "$UPNP_NS" udp '*' 1900
    expect weak-upnp "$UPNP_NS" tcp '*' 5000

    # dropbear reads ~/.ssh/authorized_keys of the user from the password database; a private mount
    # namespace puts the lab's key directory at /root for dropbear alone. Key-only (-s -g), and the
    # only thing a key login can do is print a line (-c).
    start hardened-ssh "$NS" unshare -m --propagation private sh -c \
        'mount --bind "$0" /root && exec "$@"' "$h/home" \
        dropbear -F -E -s -g -j -k -T 3 -I 60 -p "$NET.20:22" -r "$h/dropbear_ed25519_host_key" \
        -P "$h/dropbear.pid" -c 'echo kensa-lab hardened device: key login ok'
    expect hardened-ssh "$NS" tcp "$NET.20" 22

    start hardened-mqtt "$NS" mosquitto -c "$h/mosquitto.conf"
    expect hardened-mqtt "$NS" tcp "$NET.20" 8883

    local mode addr port
    while read -r mode addr port; do
        start "hostile-$mode" "$NS" "$PYTHON" -u "$LAB_DIR/devices/hostile.py" "$mode" "$addr" "$port"
        expect "hostile-$mode" "$NS" tcp "$addr" "$port"
    done <<EOF
banner $NET.30 21
drip $NET.31 22
tlsgarbage $NET.32 443
mqtthuge $NET.33 1883
telnetstorm $NET.34 23
EOF
}

recorded_pid() { awk -v n="$1" '$3 == n { print $1; exit }' "$RUN/pids"; }

# Poll until every expected socket listens; fail at once if a daemon died, or at the deadline.
wait_listening() {
    local deadline=$((SECONDS + TIMEOUT)) pending=("${EXPECT[@]}") still e name ns proto addr port pid
    local -A socks
    while :; do
        socks=()
        for ns in "$NS" "$UPNP_NS"; do
            socks[$ns.tcp]=$(ip netns exec "$ns" ss -Hlnt | awk '{print $4}')
            socks[$ns.udp]=$(ip netns exec "$ns" ss -Hlnu | awk '{print $4}')
        done
        still=()
        for e in "${pending[@]}"; do
            read -r name ns proto addr port <<<"$e"
            if [ "$addr" = '*' ]; then
                grep -qE ":$port\$" <<<"${socks[$ns.$proto]}" && continue
            else
                grep -qxF "$addr:$port" <<<"${socks[$ns.$proto]}" && continue
            fi
            pid=$(recorded_pid "$name")
            if ! proc_alive "$pid"; then
                echo "lab: device $name exited before listening on $proto $addr:$port; its log:" >&2
                tail -n 20 "$RUN/log/$name.log" >&2 || true
                return 1
            fi
            still+=("$e")
        done
        [ "${#still[@]}" -eq 0 ] && return 0
        if [ "$SECONDS" -ge "$deadline" ]; then
            for e in "${still[@]}"; do
                read -r name ns proto addr port <<<"$e"
                echo "lab: device $name does not listen on $proto $addr:$port after ${TIMEOUT}s; its log:" >&2
                tail -n 20 "$RUN/log/$name.log" >&2 || true
            done
            return 1
        fi
        pending=("${still[@]}")
        sleep 0.2
    done
}

post_start() {
    # Something worth finding on the open broker: a retained device configuration.
    in_ns mosquitto_pub -h "$NET.12" -p 1883 -q 1 -r -t home/camera01/config \
        -m '{"wifi_ssid":"HomeNet","wifi_psk":"hunter2hunter2","firmware":"2.4.1"}'
    in_ns mosquitto_pub -h "$NET.12" -p 1883 -q 1 -r -t home/camera01/status -m online
}

UP_DONE=0
on_up_exit() {
    local rc=$?
    if [ "$UP_DONE" -ne 1 ]; then
        echo "lab: up failed; tearing down what was started (KENSA_LAB_KEEP_RUN=1 keeps $RUN and its logs)" >&2
        KENSA_LAB_KEEP_RUN=${KENSA_LAB_KEEP_RUN:-0} do_down >&2 || true
        exit $((rc == 0 ? 1 : rc))
    fi
}

do_up() {
    need_root
    check_tools
    if ns_exists "$NS" || ns_exists "$UPNP_NS"; then
        die "namespace $NS (or $UPNP_NS) already exists: the lab is already up (or was not torn down); run '$0 down' first"
    fi
    if [ -e "$RUN/pids" ]; then
        die "$RUN/pids exists: the lab is already up (or was not torn down); run '$0 down' first"
    fi
    mkdir -p "$RUN"
    if [ -n "$(ls -A "$RUN" 2>/dev/null)" ] && [ ! -e "$RUN/.kensa-lab" ]; then
        die "run directory $RUN is not empty and is not a lab run directory; set KENSA_LAB_RUN"
    fi
    # Creating the namespace is the atomic step that makes this run the owner of the lab: a
    # concurrent `up` of the same name fails here, before it could touch the other's files.
    ip netns add "$NS" 2>/dev/null || die "could not create namespace $NS (is the lab already up?)"
    trap on_up_exit EXIT
    rm -rf "${RUN:?}"/*
    chmod 755 "$RUN"
    touch "$RUN/.kensa-lab"
    echo "$NS" >"$RUN/namespace"
    mkdir -p "$RUN/log"
    : >"$RUN/pids"

    setup_netns
    gen_certs
    config_telnet
    config_web
    config_tls
    config_mqtt
    config_snmp
    config_ftp
    config_upnp
    config_gateway
    config_hardened
    start_devices
    wait_listening
    post_start
    UP_DONE=1
    trap - EXIT
    say "up: $(wc -l <"$RUN/pids") processes in namespace $NS (UPnP device in $UPNP_NS), run directory $RUN"
    say "devices: '$0 targets'; run a command inside: '$0 exec CMD...'"
}

# ---------------------------------------------------------------------------------------------
# down
# ---------------------------------------------------------------------------------------------

# Recorded PIDs whose start time still matches, plus their descendants.
lab_pids() {
    [ -r "$RUN/pids" ] || return 0
    local pid st name live=()
    while read -r pid st name; do
        [ -n "$pid" ] || continue
        [ "$(proc_start "$pid" 2>/dev/null)" = "$st" ] && live+=("$pid")
    done <"$RUN/pids"
    [ "${#live[@]}" -eq 0 ] && return 0
    # The recorded processes and all their descendants, from one process-table snapshot.
    ps -e -o pid= -o ppid= | awk -v roots="${live[*]}" '
        { parent[$1] = $2 }
        END {
            n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1
            do { changed = 0
                 for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 }
            } while (changed)
            for (p in keep) printf "%s ", p
        }'
}

do_down() {
    need_root
    local pids left
    if [ ! -r "$RUN/pids" ] && ns_exists "$NS" && [ -n "$(ip netns pids "$NS" 2>/dev/null)" ]; then
        die "namespace $NS has processes but $RUN/pids does not exist: set KENSA_LAB_RUN to the run directory that 'up' used (nothing was stopped)"
    fi
    pids=$(lab_pids)
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill -TERM $pids 2>/dev/null || true
        for _ in $(seq 50); do
            left=""
            for p in $pids; do proc_alive "$p" && left="$left $p"; done
            [ -z "$left" ] && break
            sleep 0.1
        done
        if [ -n "$left" ]; then
            # shellcheck disable=SC2086
            kill -KILL $left 2>/dev/null || true
        fi
    fi
    local ns
    for ns in "$UPNP_NS" "$NS"; do
        if ns_exists "$ns"; then
            left=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
            [ -n "$left" ] && echo "lab: warning: processes the lab did not start still run in $ns: $left" >&2
            ip netns delete "$ns"
        fi
    done
    if [ -e "$RUN/.kensa-lab" ]; then
        if [ "${KENSA_LAB_KEEP_RUN:-0}" = 1 ]; then
            rm -f "$RUN/pids"
            say "down: run directory kept: $RUN"
        else
            rm -rf "$RUN"
        fi
    fi
    say "down: lab $NS is down (no namespace, no recorded process left)"
}

# ---------------------------------------------------------------------------------------------
# status, exec, targets
# ---------------------------------------------------------------------------------------------

do_status() {
    local rc=0 pid st name state
    if ns_exists "$NS"; then say "namespace $NS: present"; else say "namespace $NS: absent"; rc=1; fi
    if [ -r "$RUN/pids" ]; then
        while read -r pid st name; do
            if [ "$(proc_start "$pid" 2>/dev/null)" = "$st" ] && proc_alive "$pid"; then
                state=running
            else
                state=DEAD
                rc=1
            fi
            printf '  %-20s pid %-8s %s\n' "$name" "$pid" "$state"
        done <"$RUN/pids"
    else
        say "no recorded processes ($RUN/pids absent): lab is down"
        return 1
    fi
    if [ "$rc" -eq 0 ]; then
        say "listening in $NS:"
        in_ns ss -Hlntu | awk '{printf "  %-4s %s\n", $1, $5}' | sort -u
        say "listening in $UPNP_NS:"
        ip netns exec "$UPNP_NS" ss -Hlntu | awk '{printf "  %-4s %s\n", $1, $5}' | sort -u
    fi
    return "$rc"
}

do_targets() {
    local f="$LAB_DIR/devices.tsv"
    case "${1:-}" in
    --tsv) grep -v '^#' "$f" ;;
    --addresses) grep -v '^#' "$f" | awk -F'\t' 'NR > 1 { print $1 }' ;;
    "") grep -v '^#' "$f" | awk -F'\t' '{ printf "%-11s  %-15s %-18s %s\n", $1, $2, $4, $6 }' ;;
    *) die "targets: unknown option $1 (use --tsv or --addresses)" ;;
    esac
}

usage() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
up) do_up ;;
down) do_down ;;
status) do_status ;;
exec)
    need_root
    [ $# -gt 0 ] || die "exec: give a command"
    ns_exists "$NS" || die "namespace $NS does not exist: run '$0 up' first"
    exec ip netns exec "$NS" "$@"
    ;;
targets) do_targets "$@" ;;
-h | --help | help) usage ;;
*) usage >&2; exit 2 ;;
esac
