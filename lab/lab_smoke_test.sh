#!/usr/bin/env bash
# Smoke test of the kensa lab: brings the lab up in a fresh namespace named after this process,
# checks every device from inside that namespace with real clients (busybox telnet, nc, curl,
# mosquitto_sub, openssl s_client, coap-client, snmpget, ssh), then tears it down, always (trap).
# Nothing here runs in, or sends to, the host's network namespace; the test checks that the host's
# interfaces and listening sockets are the same before and after.
#
# Exit 0 when every check passes; otherwise 1, with a "FAIL" line per failed check.
# Needs root and the packages from lab/install-deps.sh.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB="$HERE/lab.sh"
lab() { bash "$LAB" "$@"; } # works without the exec bit
export KENSA_LAB_NS="kensa-smoke-$$"
KENSA_LAB_RUN=$(mktemp -d "${TMPDIR:-/tmp}/kensa-smoke-$$.XXXXXX")
export KENSA_LAB_RUN
RUN=$KENSA_LAB_RUN
NET=10.77.0
T=10 # seconds any single client may take
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

if [ "$(id -u)" -ne 0 ]; then
    echo "lab_smoke_test: must run as root (network namespaces)" >&2
    exit 1
fi

PASSED=0
FAILED=0
section() { echo "# [${SECONDS}s] $1"; }
ok() { PASSED=$((PASSED + 1)); echo "ok   - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $1${2:+: $2}"; }

# Every client runs inside the lab namespace, and none may take longer than $T seconds.
in_ns() { timeout "$T" ip netns exec "$KENSA_LAB_NS" "$@"; }
# check NAME CMD...: passes when CMD exits 0
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$(tail -n 3 <<<"$out" | tr '\n' ' ')"; fi
}
# has NAME NEEDLE CMD...: passes when CMD's output (stdout+stderr) contains NEEDLE
has() {
    local name=$1 needle=$2 out
    shift 2
    out=$("$@" 2>&1)
    if grep -qF -- "$needle" <<<"$out"; then ok "$name"; else fail "$name" "no '$needle' in: $(head -c 300 <<<"$out" | tr '\n' ' ')"; fi
}
# matches NAME REGEX CMD...: passes when a line of CMD's output matches the extended REGEX
matches() {
    local name=$1 re=$2 out
    shift 2
    out=$("$@" 2>&1)
    if grep -qE -- "$re" <<<"$out"; then ok "$name"; else fail "$name" "no line matching '$re' in: $(head -c 300 <<<"$out" | tr '\n' ' ')"; fi
}
# lacks NAME NEEDLE CMD...: passes when CMD's output does not contain NEEDLE
lacks() {
    local name=$1 needle=$2 out
    shift 2
    out=$("$@" 2>&1)
    if grep -qF -- "$needle" <<<"$out"; then fail "$name" "unexpected '$needle' in: $(head -c 300 <<<"$out" | tr '\n' ' ')"; else ok "$name"; fi
}

# What of the lab could leak into the host's namespace: its interfaces or its addresses. (Other
# listeners on the host come and go with whatever else runs there; they are not the lab's.)
host_leaks() {
    ip -br link 2>/dev/null | awk '{ sub(/@.*/, "", $1); print $1 }' | grep -E '^(lab|upnp|wan)[01]$'
    ip -br addr 2>/dev/null | grep -F " $NET."
    ss -Hlntu 2>/dev/null | grep -F " $NET."
}
if [ -n "$(host_leaks)" ]; then
    echo "lab_smoke_test: the host namespace already has lab interfaces or addresses:" >&2
    host_leaks >&2
    exit 1
fi

TORN_DOWN=0
teardown() {
    if [ "$TORN_DOWN" -eq 0 ]; then
        TORN_DOWN=1
        lab down >/dev/null 2>&1 || true
    fi
    rm -rf "$RUN"
}
trap 'teardown' EXIT
trap 'exit 130' INT TERM

section "kensa lab smoke test: namespace $KENSA_LAB_NS, run directory $RUN"

# ---------------------------------------------------------------------------------------------
section "up"
if ! lab up; then
    fail "lab up" "see the messages above"
    echo "0 passed, 1 failed"
    exit 1
fi
ok "lab up: every device listens"

if lab up >/dev/null 2>&1; then fail "second up refuses" "it succeeded"; else ok "second up refuses while up"; fi
check "status reports all processes running" lab status
leaks=$(host_leaks)
[ -z "$leaks" ] && ok "host namespace: no lab interface, address or socket while up" ||
    fail "host namespace: no lab interface, address or socket while up" "$leaks"
has "targets lists the hardened device" "$NET.20" lab targets

# ---------------------------------------------------------------------------------------------
section "exposure: exactly the sockets of the device table, no wildcard listener"
expected=$(grep -v '^#' "$HERE/devices.tsv" | awk -F'\t' 'NR > 1 && $1 != "10.77.0.17" {
    n = split($4, p, " "); for (i = 1; i <= n; i++) { split(p[i], q, "/"); print q[1] " " $1 ":" q[2] } }' | sort)
actual=$(in_ns ss -Hlntu | awk '{ print $1 " " $5 }' | sort)
if [ "$expected" = "$actual" ]; then
    ok "listening sockets in $KENSA_LAB_NS match devices.tsv"
else
    fail "listening sockets in $KENSA_LAB_NS match devices.tsv" "$(diff <(echo "$expected") <(echo "$actual") | grep '^[<>]' | tr '\n' ' ')"
fi
open20=$(timeout 120 ip netns exec "$KENSA_LAB_NS" "$PY" - <<'EOF'
import socket
found = []
for port in range(1, 65536):
    s = socket.socket()
    s.settimeout(0.5)
    if s.connect_ex(("10.77.0.20", port)) == 0:
        found.append(port)
    s.close()
print(" ".join(map(str, found)))
EOF
)
if [ "$open20" = "22 8883" ]; then ok "hardened: a full TCP sweep finds only 22 and 8883"; else fail "hardened: a full TCP sweep finds only 22 and 8883" "open: $open20"; fi

# ---------------------------------------------------------------------------------------------
section "weak-telnet $NET.10"
telnet_session() { # USER PASSWORD: one scripted session with the real busybox telnet client
    { sleep 1; printf '%s\n' "$1"; sleep 1; printf '%s\n' "$2"; sleep 1; printf 'id\n'; sleep 1; printf 'exit\n'; sleep 0.5; } |
        in_ns busybox telnet "$NET.10" 23 2>&1 | tr -d '\r'
}
# The three sessions run side by side; each takes about 5 s.
telnet_session admin admin >"$RUN/telnet-admin.out" &
telnet_session root admin >"$RUN/telnet-root.out" &
telnet_session admin wrong >"$RUN/telnet-wrong.out" &
wait
has "telnet: login prompt" "kensa-cam login:" cat "$RUN/telnet-wrong.out"
has "telnet: admin/admin gets a shell" "uid=0(root)" cat "$RUN/telnet-admin.out"
has "telnet: root/admin gets a shell" "uid=0(root)" cat "$RUN/telnet-root.out"
has "telnet: wrong password gets 'Login incorrect'" "Login incorrect" cat "$RUN/telnet-wrong.out"
lacks "telnet: wrong password gets no shell" "uid=0(root)" cat "$RUN/telnet-wrong.out"

section "weak-web $NET.11"
code() { in_ns curl -s -o /dev/null -w '%{http_code}' --max-time "$T" "$@"; }
has "web: /admin/ without credentials is 401" 401 code "http://$NET.11/admin/"
has "web: /admin/ asks for Basic auth" 'WWW-Authenticate: Basic' in_ns curl -s -D - -o /dev/null "http://$NET.11/admin/"
has "web: /admin/ with admin:admin is 200" 200 code -u admin:admin "http://$NET.11/admin/"
has "web: /admin/ with a wrong password is 401" 401 code -u admin:nimda "http://$NET.11/admin/"
has "web: /status is open" 200 code "http://$NET.11/status"
has "web: /status discloses the server version" "lighttpd/1.4" in_ns curl -s "http://$NET.11/status"
has "web: Server header discloses the version" "Server: lighttpd/1.4" in_ns curl -s -D - -o /dev/null "http://$NET.11/"

# ---------------------------------------------------------------------------------------------
section "weak-mqtt $NET.12"
has "mqtt: anonymous subscriber gets the retained config" wifi_psk \
    in_ns mosquitto_sub -h "$NET.12" -p 1883 -t 'home/#' -v -C 1 -W 5
has "mqtt: anonymous subscriber reads \$SYS" "mosquitto version" \
    in_ns mosquitto_sub -h "$NET.12" -p 1883 -t '$SYS/broker/version' -C 1 -W 5

# ---------------------------------------------------------------------------------------------
section "weak-tls $NET.13"
s_client() { in_ns openssl s_client -connect "$@" </dev/null 2>&1; }
has "weak-tls: TLS 1.0 handshake succeeds" "Protocol  : TLSv1" s_client "$NET.13:443" -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
has "weak-tls: TLS 1.1 handshake succeeds" "Protocol  : TLSv1.1" s_client "$NET.13:443" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
has "weak-tls: static-RSA CBC-SHA1 cipher accepted" "Cipher is AES128-SHA" s_client "$NET.13:443" -tls1_2 -cipher 'AES128-SHA:@SECLEVEL=0'
weak_cert=$(in_ns timeout "$T" openssl s_client -connect "$NET.13:443" -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>/dev/null |
    openssl x509 -noout -text -subject -issuer 2>/dev/null)
grep -q 'Public-Key: (1024 bit)' <<<"$weak_cert" && ok "weak-tls: RSA-1024 key" || fail "weak-tls: RSA-1024 key"
grep -q 'Signature Algorithm: sha1WithRSAEncryption' <<<"$weak_cert" && ok "weak-tls: SHA-1 signature" || fail "weak-tls: SHA-1 signature"
if [ "$(sed -n 's/^subject=//p' <<<"$weak_cert")" = "$(sed -n 's/^issuer=//p' <<<"$weak_cert")" ] && [ -n "$weak_cert" ]; then
    ok "weak-tls: self-signed"
else
    fail "weak-tls: self-signed"
fi
weak_verify=$(s_client "$NET.13:443" -cipher 'DEFAULT:@SECLEVEL=0' -verify_ip "$NET.13")
has "weak-tls: certificate expired" "certificate has expired" echo "$weak_verify"
has "weak-tls: certificate not issued for the address" "IP address mismatch" echo "$weak_verify"

# ---------------------------------------------------------------------------------------------
section "weak-coap $NET.14"
has "coap: /.well-known/core readable without DTLS" "</time>" \
    in_ns coap-client-notls -m get -B 5 "coap://$NET.14/.well-known/core"
check "coap: anyone may create a resource (PUT)" in_ns coap-client-notls -m put -e smoke -B 5 "coap://$NET.14/kensa-smoke"
has "coap: the created resource reads back" "smoke" in_ns coap-client-notls -m get -B 5 "coap://$NET.14/kensa-smoke"
has "coap: over TCP too" "</time>" in_ns coap-client-notls -m get -B 5 "coap+tcp://$NET.14/.well-known/core"

# ---------------------------------------------------------------------------------------------
section "weak-snmp $NET.15"
export SNMP_PERSISTENT_DIR="$RUN/snmp-client" MIBS=
has "snmp: v2c community public reads sysDescr" "KL-RTR-200" \
    in_ns snmpget -v2c -c public -t 2 -r 1 "$NET.15" 1.3.6.1.2.1.1.1.0
has "snmp: v1 community public reads sysDescr" "KL-RTR-200" \
    in_ns snmpget -v1 -c public -t 2 -r 1 "$NET.15" 1.3.6.1.2.1.1.1.0
has "snmp: a wrong community gets no answer" "Timeout" \
    in_ns snmpget -v2c -c notpublic -t 1 -r 0 "$NET.15" 1.3.6.1.2.1.1.1.0

# ---------------------------------------------------------------------------------------------
section "weak-ftp $NET.16"
has "ftp: anonymous login lists the root" "backup" in_ns curl -s --max-time "$T" "ftp://$NET.16/"
has "ftp: anonymous download of the config backup" "admin_password=admin" \
    in_ns curl -s --max-time "$T" "ftp://$NET.16/backup/config.bak"
has "ftp: banner discloses vsFTPd" "220 (vsFTPd 3" in_ns curl -sv --max-time "$T" "ftp://$NET.16/"
has "ftp: uploads refused" "550" in_ns curl -sv --max-time "$T" -T "$HERE/devices.tsv" "ftp://$NET.16/pub/x"

has "ftp: AUTH TLS offered, TLS 1.0 accepted" "Protocol  : TLSv1" \
    in_ns openssl s_client -connect "$NET.16:21" -starttls ftp -tls1 -cipher 'ALL:@SECLEVEL=0' </dev/null
has "ftp: AUTH TLS certificate is the weak, expired one" "nas.local" \
    in_ns openssl s_client -connect "$NET.16:21" -starttls ftp </dev/null

# ---------------------------------------------------------------------------------------------
section "weak-camera $NET.18 and locking-web $NET.21"
# form_login ADDRESS USER PASSWORD: GET the form (session cookie, CSRF token), POST the pair
form_login() {
    in_ns "$PY" - "$@" <<'EOF'
import http.client, re, sys, urllib.parse
host, user, password = sys.argv[1:4]
c = http.client.HTTPConnection(host, 80, timeout=5)
c.request("GET", "/cgi-bin/login.cgi")
r = c.getresponse()
page = r.read().decode()
cookie = r.getheader("Set-Cookie").split(";")[0]
token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)
body = urllib.parse.urlencode({"csrf_token": token, "username": user, "password": password, "login": "Log in"})
c = http.client.HTTPConnection(host, 80, timeout=5)
c.request("POST", "/cgi-bin/login.cgi", body, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
r = c.getresponse()
print(r.status, r.getheader("Location"), r.read().decode()[:400])
EOF
}
has "camera: / redirects to the login form" "Location: /cgi-bin/login.cgi" in_ns curl -si --max-time "$T" "http://$NET.18/"
has "camera: form login with the default admin/password" "302 /cgi-bin/login.cgi?page=home" form_login "$NET.18" admin password
has "camera: wrong password shows the form again" "Invalid user name or password" form_login "$NET.18" admin nope
for i in 1 2 3; do form_login "$NET.21" kensa-smoke "wrong$i" >/dev/null 2>&1; done
has "locking-web: locked after three failures" "account is locked" form_login "$NET.21" kensa-smoke wrong4
rtsp() { # REQUEST...: raw RTSP requests to the camera, header lines separated by '|'
    in_ns "$PY" - "$NET.18" "$@" <<'EOF'
import socket, sys
s = socket.create_connection((sys.argv[1], 554), timeout=5)
for request in sys.argv[2:]:
    s.sendall(request.replace("|", "\r\n").encode())
    print(s.recv(4096).decode(errors="replace"))
EOF
}
has "camera: RTSP server answers OPTIONS" "Server: GStreamer RTSP server" rtsp 'OPTIONS * RTSP/1.0|CSeq: 1||'
has "camera: RTSP /live needs Digest authentication" 'WWW-Authenticate: Digest' \
    rtsp "DESCRIBE rtsp://$NET.18:554/live RTSP/1.0|CSeq: 2||"

# ---------------------------------------------------------------------------------------------
section "weak-gateway $NET.19"
has "gateway: MQTT refuses anonymous clients" "not authorised" \
    in_ns mosquitto_sub -h "$NET.19" -t 'x' -C 1 -W 2
check "gateway: MQTT accepts the default user/user" \
    in_ns mosquitto_pub -h "$NET.19" -u user -P user -t smoke -m hello
in_ns logger --server "$NET.19" --udp --port 514 "kensa-smoke udp record" 2>/dev/null
in_ns logger --server "$NET.19" --tcp --port 514 "kensa-smoke tcp record" 2>/dev/null
sleep 0.5
has "gateway: syslog over UDP 514 received" "kensa-smoke udp record" cat "$RUN/log/weak-gateway.messages"
has "gateway: syslog over TCP 514 received" "kensa-smoke tcp record" cat "$RUN/log/weak-gateway.messages"

# ---------------------------------------------------------------------------------------------
section "weak-upnp $NET.17"
ssdp() { # DESTINATION
    in_ns "$PY" - "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\n'
         b'ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n', (sys.argv[1], 1900))
try:
    while True:
        print(s.recvfrom(4096)[0].decode(errors="replace"))
except socket.timeout:
    pass
EOF
}
has "upnp: SSDP multicast M-SEARCH answered" "LOCATION: http://$NET.17:5000/rootDesc.xml" ssdp 239.255.255.250
has "upnp: SSDP unicast M-SEARCH answered, SERVER discloses MiniUPnPd" "MiniUPnPd/2" ssdp "$NET.17"
has "upnp: IGD description readable" "InternetGatewayDevice" in_ns curl -s --max-time "$T" "http://$NET.17:5000/rootDesc.xml"
soap_body='<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:GetStatusInfo xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1"/></s:Body></s:Envelope>'
has "upnp: IGD action GetStatusInfo without authentication" "<NewConnectionStatus>Connected" \
    in_ns curl -s --max-time "$T" -H 'Content-Type: text/xml; charset="utf-8"' \
    -H 'SOAPAction: "urn:schemas-upnp-org:service:WANIPConnection:1#GetStatusInfo"' \
    --data "$soap_body" "http://$NET.17:5000/ctl/IPConn"

# ---------------------------------------------------------------------------------------------
section "hardened $NET.20"
H="$RUN/hardened"
SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=5)
has "ssh: key login works" "key login ok" \
    in_ns ssh "${SSH_OPTS[@]}" -o IdentitiesOnly=yes -i "$H/client_ed25519" "root@$NET.20" true
matches "ssh: publickey is the only method offered" "Authentications that can continue: publickey.?\$" \
    in_ns ssh -v "${SSH_OPTS[@]}" -o PubkeyAuthentication=no "root@$NET.20" true
has "ssh: a password login is refused" "Permission denied (publickey)" \
    in_ns ssh "${SSH_OPTS[@]}" -o PubkeyAuthentication=no -o PreferredAuthentications=password "root@$NET.20" true
has "mqtts: TLS 1.0 refused" "alert protocol version" s_client "$NET.20:8883" -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
has "mqtts: TLS 1.1 refused" "alert protocol version" s_client "$NET.20:8883" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
has "mqtts: TLS 1.2 with a verified chain for the IP" "Verify return code: 0 (ok)" \
    s_client "$NET.20:8883" -tls1_2 -CAfile "$RUN/pki/ca.crt" -verify_ip "$NET.20" -verify_return_error
has "mqtts: TLS 1.3 verified for the name" "Verify return code: 0 (ok)" \
    s_client "$NET.20:8883" -tls1_3 -CAfile "$RUN/pki/ca.crt" -verify_hostname hardened.kensa-lab -verify_return_error
hard_cert=$(in_ns timeout "$T" openssl s_client -connect "$NET.20:8883" </dev/null 2>/dev/null | openssl x509 2>/dev/null)
if [ -n "$hard_cert" ] && openssl x509 -noout -checkend 0 <<<"$hard_cert" >/dev/null; then
    ok "mqtts: certificate valid now"
else
    fail "mqtts: certificate valid now"
fi
if openssl x509 -noout -text <<<"$hard_cert" 2>/dev/null | grep -Eq 'Public-Key: \((2048|3072|4096) bit\)'; then
    ok "mqtts: certificate key is RSA 2048 or more"
else
    fail "mqtts: certificate key is RSA 2048 or more"
fi
has "mqtts: anonymous client refused" "not authorised" \
    in_ns mosquitto_sub -h "$NET.20" -p 8883 --cafile "$RUN/pki/ca.crt" -t '#' -C 1 -W 5
has "mqtts: wrong password refused" "not authorised" \
    in_ns mosquitto_sub -h "$NET.20" -p 8883 --cafile "$RUN/pki/ca.crt" -u kensa -P wrong -t '#' -C 1 -W 5
has "mqtts: user with the device password subscribes" "mosquitto version" \
    in_ns mosquitto_sub -h "$NET.20" -p 8883 --cafile "$RUN/pki/ca.crt" -u "$(cat "$H/mqtt-user")" \
    -P "$(cat "$H/mqtt-password")" -t '$SYS/broker/version' -C 1 -W 5
plain=$(in_ns "$PY" - <<'EOF'
import socket
s = socket.create_connection(("10.77.0.20", 8883), timeout=3)
s.sendall(b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00")  # CONNECT, no TLS
try:
    print(s.recv(16).hex() or "closed")
except OSError as e:
    print("error", e)
EOF
)
[ -n "$plain" ] && [ "${plain:0:2}" != 20 ] && ok "mqtts: plain MQTT on 8883 gets no CONNACK ($plain)" ||
    fail "mqtts: plain MQTT on 8883 gets no CONNACK" "got '$plain'"

section "hostile devices"
nbytes() { in_ns timeout "$1" nc "$2" "$3" </dev/null 2>/dev/null | head -c 50000000 | wc -c; }
n=$(nbytes 1 "$NET.30" 21)
[ "$n" -gt 100000 ] && ok "hostile-banner: >100 kB of banner in 1 s ($n bytes)" || fail "hostile-banner: endless banner" "$n bytes"
ends=$(in_ns timeout 1 nc "$NET.30" 21 </dev/null 2>/dev/null | head -c 1000000 | grep -c '^220 ')
[ "$ends" = 0 ] && ok "hostile-banner: no final '220 ' line in 1 MB" || fail "hostile-banner: the greeting never ends" "$ends final lines"
n=$(nbytes 4 "$NET.31" 22)
[ "$n" -ge 1 ] && [ "$n" -le 3 ] && ok "hostile-drip: $n bytes in 4 s" || fail "hostile-drip: slow bytes" "$n bytes in 4 s"
has "hostile-tls: garbage instead of TLS" "wrong version number" s_client "$NET.32:443"
mqtt_reply=$(in_ns timeout 4 "$PY" - <<'EOF'
import socket
s = socket.create_connection(("10.77.0.33", 1883), timeout=3)
s.sendall(b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00")
print(s.recv(16).hex())
EOF
)
[ "${mqtt_reply:0:10}" = "20ffffff7f" ] && ok "hostile-mqtt: CONNACK announcing 268435455 bytes" || fail "hostile-mqtt: huge CONNACK" "got '$mqtt_reply'"
storm=$(in_ns timeout 1 nc "$NET.34" 23 </dev/null 2>/dev/null | head -c 100000 | od -An -tu1 -N6 | tr -s ' ')
n=$(nbytes 1 "$NET.34" 23)
[ "$storm" = " 255 253 0 255 251 0" ] && [ "$n" -gt 10000 ] && ok "hostile-telnet: IAC DO/WILL storm ($n bytes in 1 s)" ||
    fail "hostile-telnet: IAC storm" "first bytes '$storm', $n bytes"
check "lab still fully up after the hostile checks" lab status

# ---------------------------------------------------------------------------------------------
section "down"
pids=$(awk '{ print $1 }' "$RUN/pids")
if lab down >/dev/null; then ok "lab down"; else fail "lab down"; fi
TORN_DOWN=1
[ ! -e "/run/netns/$KENSA_LAB_NS" ] && [ ! -e "/run/netns/$KENSA_LAB_NS-upnp" ] && ok "namespaces removed" || fail "namespaces removed"
alive=""
for p in $pids; do
    # a zombie (state Z) has ended; it only waits for init to reap it
    if read -r st 2>/dev/null <"/proc/$p/stat" && [ "$(cut -d' ' -f1 <<<"${st##*) }")" != Z ]; then alive="$alive $p"; fi
done
[ -z "$alive" ] && ok "every recorded process ended" || fail "every recorded process ended" "alive:$alive"
[ ! -e "$RUN/pids" ] && ok "run directory cleaned" || fail "run directory cleaned"
leaks=$(host_leaks)
[ -z "$leaks" ] && ok "host namespace: no lab interface, address or socket after down" ||
    fail "host namespace: no lab interface, address or socket after down" "$leaks"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
