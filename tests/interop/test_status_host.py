"""The status host's own HTTP/1.1 server (`tugra serve --roles status`):
spoken to over raw sockets, the way clients nobody here wrote cut and
combine their bytes. Pipelined requests come back in order, also when one of
them is signed live on another thread; a request sent a byte at a time, a
chunked body, `Expect: 100-continue`, HEAD and HTTP/1.0 are answered as
RFC 9112 says; requests over the limits are refused with their status and the
connection closed after the answer is read; hundreds of connections at once
are all answered; answers verify with `openssl ocsp`; the access log names
the client a trusted proxy forwards."""
import base64
import concurrent.futures
import http.client
import json
import os
import re
import socket
import time
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

import harness
from harness import run


def read_answers(sock, count=None):
    """The answers on `sock` as (status, headers with lower-case names, body),
    read until `count` of them or the server closes."""
    data, answers, closed = b"", [], False
    sock.settimeout(10)
    while count is None or len(answers) < count:
        while True:  # every complete answer in `data`
            head_end = data.find(b"\r\n\r\n")
            if head_end < 0:
                break
            lines = data[:head_end].decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = 0 if status in (100, 304) or headers.get("x-head") else int(headers.get("content-length", 0))
            if len(data) < head_end + 4 + length:
                break
            answers.append((status, headers, data[head_end + 4:head_end + 4 + length]))
            data = data[head_end + 4 + length:]
            if count is not None and len(answers) >= count:
                return answers
        if closed:
            break
        chunk = sock.recv(65536)
        if not chunk:
            closed = True
        data += chunk
    return answers


def server_closed(sock):
    sock.settimeout(10)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return False


class StatusHost(unittest.TestCase, harness.Waiting):
    @classmethod
    def setUpClass(cls):
        cls.home = harness.Home()
        cls.home.tugra("init")
        chain = cls.home.tugra("ca", "chain").stdout.decode()
        pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", chain, re.S)
        cls.home.write("nes.pem", pems[0])
        cls.home.write("chain.pem", "".join(pems))
        cls.nes = x509.load_pem_x509_certificate(pems[0].encode())
        cls.certs = []
        for i, tckn in enumerate(("12345678950", "10000000146")):
            _, pub = harness.ec_public_key(cls.home, f"holder{i}")
            out = cls.home.path(f"holder{i}.pem")
            cls.home.tugra("ca", "issue", "--tckn", tckn, "--given-name", "Ece", "--surname", "Öz",
                           "--public-key", pub, "--out", out, "--request-id", os.urandom(8).hex())
            cls.certs.append(x509.load_pem_x509_certificate(open(out, "rb").read()))
        cls.server = harness.Server(cls.home, "--roles", "status", TUGRA_SERVICE_TRUSTED_PROXIES="127.0.0.1")
        cls.port = cls.server.port
        cls.base = cls.server.base

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.home.remove()

    def request(self, cert, nonce=None):
        builder = ocsp.OCSPRequestBuilder().add_certificate(cert, self.nes, hashes.SHA1())
        if nonce:
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        return builder.build().public_bytes(serialization.Encoding.DER)

    def get(self, cert, extra=""):
        path = "/ocsp/" + base64.b64encode(self.request(cert)).decode().replace("/", "%2F").replace("+", "%2B")
        return f"GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode()

    def post(self, der, extra=""):
        return (f"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n"
                f"Content-Length: {len(der)}\r\n{extra}\r\n").encode() + der

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port))
        self.addCleanup(sock.close)
        return sock

    def answer_about(self, body, cert):
        resp = ocsp.load_der_ocsp_response(body)
        self.assertEqual(resp.response_status, ocsp.OCSPResponseStatus.SUCCESSFUL)
        self.assertEqual(resp.serial_number, cert.serial_number)
        self.assertEqual(resp.certificate_status, ocsp.OCSPCertStatus.GOOD)
        return resp

    def test_pipelined_requests_are_answered_in_order_even_when_one_is_signed_live(self):
        nonce = os.urandom(16)
        sock = self.connect()
        sock.sendall(self.get(self.certs[0]) + self.post(self.request(self.certs[1], nonce)) +
                     self.get(self.certs[1]) + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" +
                     b"GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answers = read_answers(sock)
        self.assertEqual([a[0] for a in answers], [200, 200, 200, 200, 404])
        self.answer_about(answers[0][2], self.certs[0])
        live = self.answer_about(answers[1][2], self.certs[1])
        self.assertEqual(live.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce, nonce)
        self.assertEqual(answers[1][1]["cache-control"], "no-store")
        self.answer_about(answers[2][2], self.certs[1])
        self.assertEqual(answers[3][2], b"ok\n")
        self.assertEqual(answers[4][1]["connection"], "close")
        self.assertTrue(server_closed(sock))

    def test_a_request_sent_a_byte_at_a_time_gets_the_same_answer(self):
        whole = self.connect()
        whole.sendall(self.get(self.certs[0]))
        expected = read_answers(whole, 1)[0]
        sock = self.connect()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for byte in self.get(self.certs[0]):
            sock.send(bytes([byte]))
            time.sleep(0.001)
        status, headers, body = read_answers(sock, 1)[0]
        self.assertEqual((status, body, headers["etag"]), (200, expected[2], expected[1]["etag"]))

    def test_chunked_body_and_expect_continue(self):
        der = self.request(self.certs[0])
        sock = self.connect()
        half = len(der) // 2
        sock.sendall(b"POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n" +
                     b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (half, der[:half], len(der) - half, der[half:]))
        status, _, body = read_answers(sock, 1)[0]
        self.assertEqual(status, 200)
        self.answer_about(body, self.certs[0])
        # The client waits for 100 Continue before it sends the body.
        sock.sendall(f"POST /ocsp HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {len(der)}\r\n"
                     "\r\n".encode())
        self.assertEqual(read_answers(sock, 1)[0][0], 100)
        sock.sendall(der)
        status, _, body = read_answers(sock, 1)[0]
        self.assertEqual(status, 200)
        self.answer_about(body, self.certs[0])
        # curl does the same on its own.
        self.home.write("request.der", der)
        r = run(["curl", "-sf", "-H", "Expect: 100-continue", "-H", "Content-Type: application/ocsp-request",
                 "--data-binary", "@" + self.home.path("request.der"), self.base + "/ocsp"])
        self.answer_about(r.stdout, self.certs[0])

    def test_head_and_http_1_0(self):
        sock = self.connect()
        sock.sendall(b"HEAD /crl/nes.crl HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(10)
        data = b""
        while b"ok\n" not in data:
            data += sock.recv(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        self.assertIn(b"200 OK", head.split(b"\r\n")[0])
        self.assertRegex(head.decode(), r"(?i)content-length: [1-9]\d*")
        self.assertTrue(rest.startswith(b"HTTP/1.1 200 OK"), "HEAD sent no body: the next answer follows")
        old = self.connect()
        old.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        [(status, headers, body)] = read_answers(old)
        self.assertEqual((status, headers["connection"], body), (200, "close", b"ok\n"))
        self.assertTrue(server_closed(old))
        kept = self.connect()
        kept.sendall(b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        self.assertEqual(read_answers(kept, 1)[0][1]["connection"], "keep-alive")

    def test_requests_over_the_limits_are_refused_and_the_connection_closed(self):
        cases = [
            (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(60)) + b"\r\n", 431),
            (b"GET / HTTP/1.1\r\nX: " + b"v" * 20000 + b"\r\n\r\n", 431),
            # The body (over service.max_body_bytes) keeps coming after the answer: the answer is still read.
            (b"POST /ocsp HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n" + b"0" * 200000, 413),
            (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400),
        ]
        for data, expected in cases:
            sock = self.connect()
            try:
                sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            answers = read_answers(sock)
            self.assertEqual([a[0] for a in answers], [expected], data[:40])
            self.assertEqual(answers[0][1]["connection"], "close")
        # The server is unharmed.
        self.assertEqual(harness.http(self.base + "/healthz")[0], 200)

    def test_hundreds_of_connections_at_once(self):
        paths = [self.get(c).split(b" ")[1].decode() for c in self.certs]

        def client(i):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
            try:
                bodies = []
                for k in range(3):
                    conn.request("GET", paths[(i + k) % 2])
                    r = conn.getresponse()
                    bodies.append((r.status, r.read()))
                return bodies
            finally:
                conn.close()

        with concurrent.futures.ThreadPoolExecutor(100) as pool:
            results = list(pool.map(client, range(300)))
        self.assertEqual(len(results), 300)
        for i, bodies in enumerate(results):
            for k, (status, body) in enumerate(bodies):
                self.assertEqual(status, 200)
                self.answer_about(body, self.certs[(i + k) % 2])

    def test_openssl_ocsp_verifies_the_answers(self):
        for i in range(2):
            r = run(["openssl", "ocsp", "-issuer", self.home.path("nes.pem"), "-cert", self.home.path(f"holder{i}.pem"),
                     "-url", self.base + "/ocsp", "-CAfile", self.home.path("chain.pem")])
            out = r.stdout.decode() + r.stderr.decode()
            self.assertIn("Response verify OK", out)
            self.assertIn(": good", out)

    def test_more_changes_than_one_poll_reads_are_all_served(self):
        # The background poll reads changes 512 rows at a time: 600 new
        # certificates at once, none of them lost between two reads.
        _, pub = harness.ec_public_key(self.home, "many")
        with open(pub) as f:
            key = f.read()
        lines = [json.dumps({"tckn": "12345678950", "given_name": "Çağla", "surname": "Işık", "public_key": key,
                             "request_id": f"many-{i}"}) for i in range(600)]
        batch = self.home.write("many.jsonl", "\n".join(lines) + "\n")
        out = self.home.tugra("ca", "issue-batch", batch).stdout.decode().split()
        serials = [word for word in out if re.fullmatch(r"[0-9A-F]{16,}", word)]
        self.assertEqual(len(serials), 600)
        for serial in (serials[0], serials[300], serials[-1]):
            def known():
                r = run(["openssl", "ocsp", "-issuer", self.home.path("nes.pem"), "-serial", "0x" + serial,
                         "-url", self.base + "/ocsp", "-CAfile", self.home.path("chain.pem")])
                return ": good" in r.stdout.decode()
            self.wait_for(f"{serial} known to the status host", known)

    def test_the_access_log_names_the_forwarded_client_and_metrics_count(self):
        sock = self.connect()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n" + self.get(self.certs[0]))
        answers = read_answers(sock, 2)
        etag = answers[1][1]["etag"]
        sock.sendall(self.get(self.certs[0], f"If-None-Match: {etag}\r\n"))
        self.assertEqual(read_answers(sock, 1)[0][0], 304)
        self.wait_for("the forwarded client in the access log",
                      lambda: re.search(r" 203\.0\.113\.7 GET /healthz 200 3 [0-9.]+ms", self.server.output()))
        metrics = harness.http(self.base + "/metrics")[2].decode()
        ok = int(re.search(r'tugra_http_requests_total\{route="ocsp",status="200"\} (\d+)', metrics).group(1))
        not_modified = int(re.search(r'tugra_http_requests_total\{route="ocsp",status="304"\} (\d+)', metrics).group(1))
        self.assertGreaterEqual(ok, 1)
        self.assertGreaterEqual(not_modified, 1)


if __name__ == "__main__":
    harness.main()
