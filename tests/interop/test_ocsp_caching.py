"""OCSP answers a cache may keep (RFC 5019 §6): pre-signed GET answers carry
Cache-Control up to nextUpdate, an ETag from their bytes and Last-Modified,
and If-None-Match gets 304 (checked with curl); answers with a nonce are
never cached. Then nginx (Debian's nginx-light) on loopback in front of
Tugra with the shipped deploy/nginx/tugra-status-cache.conf: a repeated GET
is served from nginx's cache without reaching Tugra, and POSTs always pass."""
import base64
import datetime
import email.utils
import hashlib
import os
import re
import shutil
import subprocess
import time
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

import harness
from harness import http, run

DEPLOY = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "nginx")


def curl(url, *args):
    """(status, headers with lower-case names, body) through curl."""
    r = run(["curl", "-s", "-D", "-", "-o", "-", *args, url])
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


class OcspCaching(unittest.TestCase):
    ROLES = ()  # every role: the general (RESTinio) server carries OCSP

    @classmethod
    def setUpClass(cls):
        cls.home = harness.Home(TUGRA_SERVICE_POLL_MILLISECONDS="200")
        cls.home.tugra("init")
        chain = cls.home.tugra("ca", "chain").stdout.decode()
        pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", chain, re.S)
        cls.nes = x509.load_pem_x509_certificate(pems[0].encode())
        _, pub = harness.ec_public_key(cls.home)
        out = cls.home.path("holder.pem")
        cls.home.tugra("ca", "issue", "--tckn", "12345678950", "--given-name", "Ece", "--surname", "Öz",
                       "--public-key", pub, "--out", out, "--request-id", os.urandom(8).hex())
        cls.cert = x509.load_pem_x509_certificate(open(out, "rb").read())
        cls.server = harness.Server(cls.home, *cls.ROLES)
        cls.base = cls.server.base

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.home.remove()

    def request(self, nonce=False):
        builder = ocsp.OCSPRequestBuilder().add_certificate(self.cert, self.nes, hashes.SHA1())
        if nonce:
            builder = builder.add_extension(x509.OCSPNonce(os.urandom(16)), critical=False)
        return builder.build().public_bytes(serialization.Encoding.DER)

    def get_path(self, der):
        return "/ocsp/" + base64.b64encode(der).decode().replace("/", "%2F").replace("+", "%2B")

    def good(self, body):
        resp = ocsp.load_der_ocsp_response(body)
        self.assertEqual(resp.certificate_status, ocsp.OCSPCertStatus.GOOD)
        return resp

    def test_get_answers_carry_validators_and_304(self):
        path = self.get_path(self.request())
        asked_at = time.time()  # before the server reads its clock: the bound below cannot race
        status, headers, body = curl(self.base + path)
        self.assertEqual(status, 200)
        resp = self.good(body)
        etag = headers["etag"]
        self.assertEqual(etag, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
        max_age = int(re.fullmatch(r"public, max-age=(\d+), no-transform", headers["cache-control"]).group(1))
        next_update = resp.next_update.replace(tzinfo=datetime.timezone.utc).timestamp()
        self.assertLessEqual(max_age, next_update - asked_at + 1)  # never past nextUpdate (whole seconds)
        self.assertGreater(max_age, 0)
        self.assertEqual(email.utils.parsedate_to_datetime(headers["last-modified"]).timestamp(),
                         resp.this_update.replace(tzinfo=datetime.timezone.utc).timestamp())
        # The same bytes: 304 without a body, with the validators again.
        status, again, body304 = curl(self.base + path, "-H", f"If-None-Match: {etag}")
        self.assertEqual((status, body304), (304, b""))
        self.assertEqual(again["etag"], etag)
        self.assertIn("max-age=", again["cache-control"])
        # Among other tags too; another tag gets the answer.
        self.assertEqual(curl(self.base + path, "-H", f'If-None-Match: "x", {etag}')[0], 304)
        status, _, body = curl(self.base + path, "-H", 'If-None-Match: "0000"')
        self.assertEqual(status, 200)
        self.good(body)
        # A nonce makes the answer one person's: never kept, no validators.
        status, headers, body = curl(self.base + self.get_path(self.request(nonce=True)))
        self.assertEqual((status, headers["cache-control"]), (200, "no-store"))
        self.assertNotIn("etag", headers)
        self.good(body)

    def test_nginx_caches_the_get_answers(self):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        prefix = self.home.path("nginx")
        os.makedirs(os.path.join(prefix, "cache"))
        port = harness.free_port()
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            # Workers run as the master's user when that is not root; as root,
            # they must still reach the test's private home.
            f.write(("user root;\n" if os.geteuid() == 0 else "") + f"""
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log {prefix}/access.log;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  proxy_cache_path {prefix}/cache levels=1:2 keys_zone=tugra_status:1m inactive=1d use_temp_path=off;
  upstream tugra_status {{ server 127.0.0.1:{self.server.port}; keepalive 4; }}
  server {{
    listen 127.0.0.1:{port};
    location /ocsp {{ proxy_pass http://tugra_status; include {os.path.abspath(DEPLOY)}/tugra-proxy.conf;
                     include {os.path.abspath(DEPLOY)}/tugra-status-cache.conf; }}
  }}
}}
""")
        run([nginx, "-t", "-p", prefix, "-c", conf])
        proc = subprocess.Popen([nginx, "-p", prefix, "-c", conf, "-g", "daemon off;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (proc.terminate(), proc.wait()))
        front = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                http(front + "/ocsp")
                break
            except OSError:
                time.sleep(0.05)

        path = self.get_path(self.request())
        def served():  # OCSP answers Tugra gave, from its own metrics
            metrics = http(self.base + "/metrics")[2].decode()
            return sum(int(n) for n in re.findall(r'^tugra_http_requests_total\{route="ocsp",status="\d+"\} (\d+)$',
                                                  metrics, re.M))
        before = served()
        status, first_headers, first = curl(front + path)
        self.assertEqual((status, first_headers["x-cache-status"]), (200, "MISS"),
                         open(os.path.join(prefix, "error.log")).read())
        self.good(first)
        for _ in range(3):
            status, headers, body = curl(front + path)
            self.assertEqual((status, headers["x-cache-status"], body), (200, "HIT", first))
        self.assertEqual(served() - before, 1)  # only the first reached Tugra
        # A relying party's own revalidation is answered by nginx too.
        status, _, body = curl(front + path, "-H", f"If-None-Match: {first_headers['etag']}")
        self.assertEqual((status, body), (304, b""))
        # POSTs (and so nonce requests over POST) always go to Tugra.
        posts = served()
        for _ in range(2):
            status, headers, body = http(front + "/ocsp", self.request(nonce=True),
                                         {"Content-Type": "application/ocsp-request"})
            self.assertEqual(status, 200)
            self.assertNotEqual(headers.get("X-Cache-Status"), "HIT")
            self.good(body)
        self.assertEqual(served() - posts, 2)

class OcspCachingOnAStatusHost(OcspCaching):
    """The same over `tugra serve --roles status`: the status role's own lean server."""
    ROLES = ("--roles", "status")


if __name__ == "__main__":
    harness.main()
