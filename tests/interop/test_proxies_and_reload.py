"""The client address behind a reverse proxy, and SIGHUP.

X-Forwarded-For is believed only from a peer in service.trusted_proxies: a
spoofed header from anyone else changes neither the access log nor the rate
limit; behind a trusted proxy the forwarded client is in the access log, has
its own rate limit and is written into the audit record of its web action.
SIGHUP reads tugra.toml again: trusted proxies and rate limits change, the
TLS certificate is replaced for new handshakes, sessions stay, and a broken
file leaves the server as it was."""
import json
import os
import re
import signal
import socket
import ssl
import time
import unittest
import urllib.request

import harness
from harness import run
from portal_client import TOTP_SECRET, Browser, NoRedirect, PortalSteps, fresh_totp

DEMO = dict(TUGRA_PORTAL_DEMO="true", TUGRA_PORTAL_CAPTCHA_FIXED="ABCDE", TUGRA_PORTAL_ARGON2_MEMORY_KIB="8192",
            TUGRA_PORTAL_ARGON2_OPS="1", TUGRA_PORTAL_OFFICER_LOGINS_PER_MINUTE="1000")


def demo_home(**settings):
    """A demo home whose `settings` are in tugra.toml (written by init) and not
    in the environment, so that a reload of the file can change them."""
    home = harness.Home(**DEMO, **settings)
    home.tugra("init")
    home.tugra("demo", "seed")
    for key in settings:
        home.env.pop(key)
    return home


def set_in_file(home, key, value):
    """Sets `key = value` in tugra.toml (the key is already written there by init)."""
    path = home.path("tugra.toml")
    with open(path) as f:
        text = f.read()
    text, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
    assert n == 1, (key, text)
    with open(path, "w") as f:
        f.write(text)


def access_lines(server, path):
    return [line for line in server.output().splitlines() if f" {path} " in line]


class TrustedProxies(harness.Waiting, PortalSteps, unittest.TestCase):
    def setUp(self):
        self.home = demo_home(TUGRA_PORTAL_POSTS_PER_MINUTE="3", TUGRA_SERVICE_TRUSTED_PROXIES="")
        self.addCleanup(self.home.remove)
        self.server = harness.Server(self.home, "--roles", "portal,status")
        self.addCleanup(self.server.stop)
        self.base = self.server.base

    def post_from(self, forwarded_for):
        return harness.http(self.base + "/basvuru", data=b"a=b", headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": forwarded_for})[0]

    def reload(self):
        before = self.server.output().count("Configuration read again")
        self.server.signal_group(signal.SIGHUP)
        self.wait_for("no reload", lambda: self.server.output().count("Configuration read again") > before)

    def test_spoofed_header_is_ignored_and_a_trusted_proxy_is_believed(self):
        plain = harness.http(self.base + "/basvuru", headers={"X-Forwarded-Proto": "https"})[1]
        self.assertNotIn("Strict-Transport-Security", plain)
        self.assertTrue(plain["Set-Cookie"].startswith("tugra_session="), plain)
        # Untrusted peer: four posts "from" four addresses are one address's posts.
        codes = [self.post_from(f"203.0.113.{i}") for i in range(1, 5)]
        self.assertEqual(codes, [403, 403, 403, 429])  # no CSRF token, then the limit
        self.wait_for("no access log", lambda: access_lines(self.server, "/basvuru"))
        lines = access_lines(self.server, "/basvuru")
        self.assertTrue(all(" 127.0.0.1 " in line for line in lines), lines)
        self.assertNotIn("203.0.113.", self.server.output())

        # The proxy on loopback becomes trusted by a reload, not a restart.
        set_in_file(self.home, "trusted_proxies", '"127.0.0.1 ::1"')
        self.reload()
        self.assertEqual([self.post_from(f"198.51.100.{i}") for i in range(1, 5)], [403] * 4)  # one bucket each
        # A client that sends its own header: the address the proxy appended counts.
        self.assertEqual([self.post_from("9.9.9.9, 198.51.100.50") for _ in range(4)], [403, 403, 403, 429])
        self.wait_for("forwarded client not in the access log",
                      lambda: any(" 198.51.100.4 POST /basvuru " in line for line in access_lines(self.server, "/basvuru")))
        self.assertNotIn("9.9.9.9", self.server.output())

        # TLS ended at the trusted proxy: the session cookie is Secure and __Host-; from anyone else, not.
        cookie = harness.http(self.base + "/basvuru", headers={"X-Forwarded-Proto": "https"})[1]["Set-Cookie"]
        self.assertTrue(cookie.startswith("__Host-tugra_session="), cookie)
        self.assertIn("Secure", cookie)

        # The audit record of a web action names the forwarded client.
        officer = Browser(self.base)
        officer.headers["X-Forwarded-For"] = "198.51.100.77"
        self.officer_password(officer, "ali.camli", "not the password")
        details = self.home.sql("SELECT details FROM audit_log WHERE event = 'officer.login_failed' "
                                "ORDER BY seq DESC LIMIT 1").strip()
        self.assertEqual(json.loads(details).get("client"), "198.51.100.77", details)
        self.home.tugra("audit", "verify")

    def test_rate_limit_change_by_reload(self):
        self.assertEqual([self.post_from("x") for _ in range(4)], [403, 403, 403, 429])
        set_in_file(self.home, "posts_per_minute", "100")
        self.reload()
        time.sleep(1.5)  # at 100 a minute, more than two posts' worth; at 3 a minute, not one
        self.assertEqual(self.post_from("x"), 403)
        # A broken file: said on the log, and the server goes on as it was.
        with open(self.home.path("tugra.toml"), "a") as f:
            f.write("\n[portal\n")
        self.server.signal_group(signal.SIGHUP)
        self.wait_for("broken file not reported", lambda: "Cannot read the configuration again" in self.server.output())
        self.assertEqual(harness.http(self.base + "/healthz")[0], 200)
        self.assertIsNone(self.server.process.poll())


class TlsReload(harness.Waiting, PortalSteps, unittest.TestCase):
    def make_certificate(self, name):
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", self.home.path(f"{name}.key"), "-out", self.home.path(f"{name}.crt"), "-days", "2",
             "-subj", f"/CN={name}", "-addext", "subjectAltName=IP:127.0.0.1"])

    def install(self, name):
        for ext in ("crt", "key"):
            os.replace(self.home.path(f"{name}.{ext}"), self.home.path(f"tls.{ext}"))

    def presented(self):
        """The subject of the certificate a new handshake gets."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            with insecure_context().wrap_socket(sock) as tls:
                der = tls.getpeercert(binary_form=True)
        return run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"], input=der).stdout.decode()

    def test_sighup_replaces_the_certificate_and_keeps_sessions(self):
        self.home = demo_home(TUGRA_PORTAL_POSTS_PER_MINUTE="1000", TUGRA_SERVICE_TLS_CERTIFICATE="tls.crt",
                              TUGRA_SERVICE_TLS_KEY="tls.key")
        self.addCleanup(self.home.remove)
        self.make_certificate("first")
        self.install("first")
        self.port = harness.free_port()
        self.base = f"https://127.0.0.1:{self.port}"
        log = f"tls-{self.port}.log"
        server = harness.Daemon(self.home, ["serve", "--listen", f"127.0.0.1:{self.port}"],
                                lambda: "listening on https" in read(self.home.path(log)), log)
        self.addCleanup(server.stop)
        self.assertIn("CN = first", self.presented())

        # An officer's session over HTTPS, open across the reload.
        b = Browser(self.base)
        b.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(b.jar),
                                               urllib.request.HTTPSHandler(context=insecure_context()), NoRedirect)
        self.assertEqual(self.officer_password(b, "ali.camli", "Demo-Parola-2026")[:2], (303, "/kurum/dogrulama"))
        b.get("/kurum/dogrulama")
        self.assertEqual(b.post("/kurum/dogrulama", {"code": fresh_totp(TOTP_SECRET)})[:2], (303, "/kurum"))
        self.assertEqual(b.get("/kurum")[0], 200)

        # A key that does not match its certificate: refused, the old pair stays.
        self.make_certificate("second")
        self.make_certificate("wrong")
        os.replace(self.home.path("second.crt"), self.home.path("tls.crt"))
        os.replace(self.home.path("wrong.key"), self.home.path("tls.key"))
        server.signal_group(signal.SIGHUP)
        self.wait_for("mismatched key not refused", lambda: "not the key of" in server.output())
        self.assertIn("CN = first", self.presented())

        os.replace(self.home.path("second.key"), self.home.path("tls.key"))
        server.signal_group(signal.SIGHUP)
        self.wait_for("no TLS reload", lambda: "TLS certificate read again" in server.output())
        self.assertIn("CN = second", self.presented())
        self.assertEqual(b.get("/kurum")[0], 200)  # the session survived
        self.assertIsNone(server.process.poll())


def read(path):
    with open(path, "rb") as f:
        return f.read().decode(errors="replace")


def insecure_context():
    """The test's self-signed certificates are compared by subject, not verified."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


if __name__ == "__main__":
    harness.main()
