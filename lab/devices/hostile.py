#!/usr/bin/env python3
"""Hostile lab devices for kensa: servers that misbehave on purpose.

usage: hostile.py MODE ADDRESS PORT

MODE is one of
  banner       an endless FTP-style greeting: "220-..." lines forever, never a final "220 " line
  drip         an SSH identification string, then more bytes, one byte every DRIP seconds, forever
  tlsgarbage   reads the ClientHello, then answers 64 KiB of bytes that are not a TLS record
  mqtthuge     reads CONNECT, answers a CONNACK header announcing remaining length 268435455
               (the MQTT maximum), sends 2 bytes of it and then goes silent
  telnetstorm  an endless IAC DO / IAC WILL option-negotiation loop

Every connection is served by its own thread, lives at most MAX_LIFE seconds, and at most
MAX_CONN connections are served at once (further ones are closed at once), so a scan can never
make the lab itself unbounded. Only the lab script starts this, inside the lab's network namespace.
"""
import os
import socket
import socketserver
import sys
import threading
import time

DRIP = float(os.environ.get("KENSA_LAB_DRIP_SECONDS", "3"))
MAX_LIFE = float(os.environ.get("KENSA_LAB_HOSTILE_MAX_LIFE", "600"))
MAX_CONN = int(os.environ.get("KENSA_LAB_HOSTILE_MAX_CONN", "256"))
_slots = threading.BoundedSemaphore(MAX_CONN)


def _read_some(sock, timeout):
    sock.settimeout(timeout)
    try:
        return sock.recv(4096)
    except OSError:
        return b""
    finally:
        sock.settimeout(None)


def banner(sock, deadline):
    line = b"220-kensa-lab endless banner " + b"A" * 48 + b"\r\n"
    while time.monotonic() < deadline:
        sock.sendall(line * 32)


def drip(sock, deadline):
    data = b"SSH-2.0-OpenSSH_7.4 kensa-lab-drip\r\n"
    i = 0
    while time.monotonic() < deadline:
        sock.sendall(data[i % len(data):i % len(data) + 1])
        i += 1
        time.sleep(DRIP)


def tlsgarbage(sock, deadline):
    _read_some(sock, 5)
    for _ in range(16):
        sock.sendall(b"\xde\xad\xbe\xef" + os.urandom(4092))


def mqtthuge(sock, deadline):
    _read_some(sock, 5)
    # CONNACK (0x20) whose remaining length is the 4-byte varint 0xff 0xff 0xff 0x7f = 268435455.
    sock.sendall(b"\x20\xff\xff\xff\x7f\x00\x00")
    while time.monotonic() < deadline and _read_some(sock, 5) != b"":
        pass


def telnetstorm(sock, deadline):
    IAC, DO, WILL = 255, 253, 251
    chunk = bytearray()
    for opt in range(0, 40):
        chunk += bytes([IAC, DO, opt, IAC, WILL, opt])
    chunk = bytes(chunk)
    while time.monotonic() < deadline:
        sock.sendall(chunk)


MODES = {f.__name__: f for f in (banner, drip, tlsgarbage, mqtthuge, telnetstorm)}


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        if not _slots.acquire(blocking=False):
            return
        try:
            self.server.mode(self.request, time.monotonic() + MAX_LIFE)
        except OSError:
            pass  # the client went away: that is the point of most of these
        finally:
            _slots.release()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main(argv):
    if len(argv) != 4 or argv[1] not in MODES:
        sys.stderr.write(__doc__)
        return 2
    server = Server((argv[2], int(argv[3])), Handler)
    server.mode = MODES[argv[1]]
    sys.stderr.write("hostile %s listening on %s:%s\n" % (argv[1], argv[2], argv[3]))
    sys.stderr.flush()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
