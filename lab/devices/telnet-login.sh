#!/bin/busybox sh
# shellcheck shell=dash
# Login program for the lab's weak telnet device (busybox telnetd -l this-script).
# Behaves like a cheap camera's login: accepts the factory defaults admin/admin and root/admin,
# says "Login incorrect" otherwise, allows 3 tries per connection with no delay (no brute-force
# protection), and after a good login gives a fake BusyBox shell prompt. The "shell" runs no
# command at all: it only answers a few words, so nothing on the machine is reachable through it.

strip() { printf '%s' "$1" | tr -d '\r\000'; }

echo "KL-CAM-100 IP camera, firmware 2.4.1"
tries=0
while [ "$tries" -lt 3 ]; do
    printf 'kensa-cam login: '
    read -r user || exit 0
    user=$(strip "$user")
    [ -n "$user" ] || continue # an empty login name just asks again, as login(1) does
    printf 'Password: '
    stty -echo 2>/dev/null
    read -r pass || exit 0
    stty echo 2>/dev/null
    pass=$(strip "$pass")
    echo
    case "$user:$pass" in
    admin:admin | root:admin)
        echo
        echo "BusyBox v1.35.0 (Debian 1:1.35.0-4) built-in shell (ash)"
        echo "Enter 'help' for a list of built-in commands."
        echo
        while printf '# ' && read -r line; do
            line=$(strip "$line")
            case "$line" in
            exit | logout) exit 0 ;;
            id) echo "uid=0(root) gid=0(root) groups=0(root)" ;;
            uname | "uname -a") echo "Linux kensa-cam 3.10.14 #1 PREEMPT Tue Mar 3 11:22:33 CST 2020 armv7l GNU/Linux" ;;
            "cat /etc/passwd") echo "root:x:0:0:root:/root:/bin/sh" ;;
            help) echo "Built-in commands: echo exit id uname help" ;;
            "echo "*) echo "${line#echo }" ;;
            "") ;;
            *) echo "-sh: ${line%% *}: not found" ;;
            esac
        done
        exit 0
        ;;
    esac
    echo "Login incorrect"
    tries=$((tries + 1))
done
exit 1
