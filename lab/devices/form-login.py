#!/usr/bin/env python3
"""kensa lab web login form, run by lighttpd's mod_cgi: the login page most device web UIs have
(a session cookie, a CSRF token in a hidden field, a POST that redirects to the dashboard on
success and shows the form again with an error on failure).

Environment (lighttpd setenv): KENSA_FORM_USER, KENSA_FORM_PASSWORD (the account),
KENSA_FORM_SECRET (signs sessions and tokens), KENSA_FORM_STATE (directory for failure counts),
KENSA_FORM_LOCKOUT (failures per user before a 60 s lockout; 0 = never), KENSA_FORM_MODEL.
"""
import hashlib
import hmac
import os
import secrets
import sys
import time
import urllib.parse

ENV = os.environ
SECRET = ENV.get("KENSA_FORM_SECRET", "lab").encode()
MODEL = ENV.get("KENSA_FORM_MODEL", "KL-CAM-300")
LOCKOUT = int(ENV.get("KENSA_FORM_LOCKOUT", "0"))
LOCK_SECONDS = 60


def sign(text):
    return hmac.new(SECRET, text.encode(), hashlib.sha256).hexdigest()[:32]


def cookies():
    jar = {}
    for item in ENV.get("HTTP_COOKIE", "").split(";"):
        if "=" in item:
            k, v = item.strip().split("=", 1)
            jar[k] = v
    return jar


def respond(status, body="", headers=()):
    out = [f"Status: {status}", "Content-Type: text/html; charset=utf-8"]
    out += list(headers)
    sys.stdout.write("\r\n".join(out) + "\r\n\r\n" + body)


def login_page(sid, message=""):
    token = sign("csrf:" + sid)
    note = f'<p class="error">{message}</p>' if message else ""
    body = f"""<!DOCTYPE html><html><head><title>{MODEL} login</title></head><body>
<h1>{MODEL} network camera</h1>{note}
<form method="post" action="login.cgi" name="loginForm">
<input type="hidden" name="csrf_token" value="{token}">
User name <input type="text" name="username" autocomplete="username">
Password <input type="password" name="password">
<input type="submit" name="login" value="Log in">
</form></body></html>"""
    respond("200 OK", body, [f"Set-Cookie: SID={sid}; Path=/; HttpOnly"])


def failures_file(user):
    safe = hashlib.sha256(user.encode()).hexdigest()[:16]
    return os.path.join(ENV.get("KENSA_FORM_STATE", "/nonexistent"), "fail-" + safe)


def locked(user):
    if LOCKOUT <= 0:
        return False
    try:
        count, since = open(failures_file(user)).read().split()
    except (OSError, ValueError):
        return False
    if time.time() - float(since) > LOCK_SECONDS:
        return False
    return int(count) >= LOCKOUT


def record_failure(user):
    if LOCKOUT <= 0:
        return
    path = failures_file(user)
    try:
        count, since = open(path).read().split()
        count, since = int(count), float(since)
        if time.time() - since > LOCK_SECONDS:
            count, since = 0, time.time()
    except (OSError, ValueError):
        count, since = 0, time.time()
    with open(path, "w") as f:
        f.write(f"{count + 1} {since}")


def main():
    jar = cookies()
    sid = jar.get("SID") or secrets.token_hex(12)
    method = ENV.get("REQUEST_METHOD", "GET")
    query = urllib.parse.parse_qs(ENV.get("QUERY_STRING", ""))
    if method == "GET":
        if query.get("page") == ["home"] and jar.get("AUTH") == sign("auth:" + sid):
            respond("200 OK", f"<!DOCTYPE html><html><head><title>{MODEL}</title></head><body>"
                    "<h1>Camera settings</h1><p>Wi-Fi SSID HomeNet</p>"
                    '<p><a href="login.cgi?page=logout">Log out</a></p></body></html>')
        else:
            login_page(sid)
        return
    length = int(ENV.get("CONTENT_LENGTH") or 0)
    form = urllib.parse.parse_qs(sys.stdin.read(min(length, 65536)), keep_blank_values=True)
    user = form.get("username", [""])[0]
    password = form.get("password", [""])[0]
    if not hmac.compare_digest(form.get("csrf_token", [""])[0], sign("csrf:" + sid)):
        respond("403 Forbidden", "<html><body>Session expired, reload the page.</body></html>")
        return
    if locked(user):
        login_page(sid, f"Too many failed login attempts: the account is locked for {LOCK_SECONDS} seconds.")
        return
    if user == ENV.get("KENSA_FORM_USER") and password == ENV.get("KENSA_FORM_PASSWORD"):
        respond("302 Found", "", ["Location: /cgi-bin/login.cgi?page=home",
                                  f"Set-Cookie: AUTH={sign('auth:' + sid)}; Path=/; HttpOnly"])
        return
    record_failure(user)
    login_page(sid, "Invalid user name or password.")


if __name__ == "__main__":
    main()
