#!/usr/bin/env python3
"""kensa lab web login form: the login page most device web UIs have, served by one persistent
process as embedded web servers do (a CGI per request was too slow on a loaded 2-core CI machine).

    form-login.py ADDRESS PORT USER PASSWORD LOCKOUT MODEL

"/" redirects to /cgi-bin/login.cgi: a form with a session cookie and a CSRF token in a hidden
field; a POST with the right pair redirects to the dashboard (/cgi-bin/login.cgi?page=home) with an
AUTH cookie, a wrong one shows the form again with an error. LOCKOUT > 0: after that many failures
an account is locked for 60 s (the page says so; the right password is refused too).
"""
import hashlib
import hmac
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ADDRESS, PORT, USER, PASSWORD, LOCKOUT, MODEL = sys.argv[1:7]
PORT, LOCKOUT = int(PORT), int(LOCKOUT)
SECRET = secrets.token_bytes(16)
LOCK_SECONDS = 60
failures = {}  # user -> (count, first failure time)
lock = threading.Lock()


def sign(text):
    return hmac.new(SECRET, text.encode(), hashlib.sha256).hexdigest()[:32]


def locked(user):
    with lock:
        count, since = failures.get(user, (0, 0.0))
        return LOCKOUT > 0 and count >= LOCKOUT and time.time() - since < LOCK_SECONDS


def record_failure(user):
    with lock:
        count, since = failures.get(user, (0, time.time()))
        if time.time() - since > LOCK_SECONDS:
            count, since = 0, time.time()
        failures[user] = (count + 1, since)


class Handler(BaseHTTPRequestHandler):
    server_version = "KL-httpd/1.2"
    sys_version = ""

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def send(self, status, body="", headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def cookies(self):
        jar = {}
        for item in (self.headers.get("Cookie") or "").split(";"):
            if "=" in item:
                k, v = item.strip().split("=", 1)
                jar[k] = v
        return jar

    def login_page(self, sid, message=""):
        note = f'<p class="error">{message}</p>' if message else ""
        body = f"""<!DOCTYPE html><html><head><title>{MODEL} login</title></head><body>
<h1>{MODEL}</h1>{note}
<form method="post" action="login.cgi" name="loginForm">
<input type="hidden" name="csrf_token" value="{sign('csrf:' + sid)}">
User name <input type="text" name="username" autocomplete="username">
Password <input type="password" name="password">
<input type="submit" name="login" value="Log in">
</form></body></html>"""
        self.send(200, body, [("Set-Cookie", f"SID={sid}; Path=/; HttpOnly")])

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/":
            self.send(302, "", [("Location", "/cgi-bin/login.cgi")])
            return
        if url.path != "/cgi-bin/login.cgi":
            self.send(404, "<html><body>Not found</body></html>")
            return
        jar = self.cookies()
        sid = jar.get("SID") or secrets.token_hex(12)
        page = urllib.parse.parse_qs(url.query).get("page")
        if page == ["home"] and jar.get("AUTH") == sign("auth:" + sid):
            self.send(200, f"<!DOCTYPE html><html><head><title>{MODEL}</title></head><body>"
                      "<h1>Settings</h1><p>Wi-Fi SSID HomeNet</p>"
                      '<p><a href="login.cgi?page=logout">Log out</a></p></body></html>')
        else:
            self.login_page(sid)

    def do_POST(self):
        if urllib.parse.urlsplit(self.path).path != "/cgi-bin/login.cgi":
            self.send(404, "<html><body>Not found</body></html>")
            return
        length = min(int(self.headers.get("Content-Length") or 0), 65536)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(errors="replace"),
                                     keep_blank_values=True)
        jar = self.cookies()
        sid = jar.get("SID") or secrets.token_hex(12)
        user = form.get("username", [""])[0]
        password = form.get("password", [""])[0]
        if not hmac.compare_digest(form.get("csrf_token", [""])[0], sign("csrf:" + sid)):
            self.send(403, "<html><body>Session expired, reload the page.</body></html>")
            return
        if locked(user):
            self.login_page(sid, "Too many failed login attempts: the account is locked for "
                            f"{LOCK_SECONDS} seconds.")
            return
        if user == USER and password == PASSWORD:
            self.send(302, "", [("Location", "/cgi-bin/login.cgi?page=home"),
                                ("Set-Cookie", f"AUTH={sign('auth:' + sid)}; Path=/; HttpOnly")])
            return
        record_failure(user)
        self.login_page(sid, "Invalid user name or password.")


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer((ADDRESS, PORT), Handler).serve_forever()
