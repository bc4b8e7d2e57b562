"""A PostgreSQL restart under a running `tugra serve` (all roles): while the
database is away /healthz says 503 naming it and OCSP keeps answering from
memory; once it is back, a revocation made meanwhile-or-after reaches OCSP
and the CRL without restarting the server. A private PostgreSQL server of
its own (tests/support/pg-server), so that stopping it disturbs no other test."""
import os
import re
import tempfile
import unittest

import harness
from harness import http, run

PG_SERVER = os.path.join(os.path.dirname(__file__), "..", "support", "pg-server")


@unittest.skipUnless(harness.ENGINE == "postgresql", "a PostgreSQL restart")
class DatabaseRestart(harness.Waiting, unittest.TestCase):
    def setUp(self):
        self.pg_dir = tempfile.mkdtemp(prefix="tugra-pg-restart-")
        self.pg_port = str(harness.free_port())
        run([PG_SERVER, "start", self.pg_dir, self.pg_port])
        self.addCleanup(run, [PG_SERVER, "stop", self.pg_dir, self.pg_port], False)
        admin = f"postgresql://postgres@127.0.0.1:{self.pg_port}/postgres"
        run(["psql", "-q", admin, "-c", "CREATE DATABASE restart"])
        self.home = harness.Home(TUGRA_SERVICE_POLL_MILLISECONDS="200", TUGRA_CRL_DEBOUNCE_SECONDS="0")
        self.home.env["TUGRA_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:{self.pg_port}/restart"
        self.addCleanup(self.home.remove)
        self.home.tugra("init")

    def pg(self, action):
        run([PG_SERVER, action, self.pg_dir, self.pg_port])

    def test_serve_recovers_from_a_database_restart(self):
        _, pub = harness.ec_public_key(self.home)
        cert = self.home.path("holder.pem")
        serial = self.home.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname",
                                 "Kaya", "--public-key", pub, "--out", cert).stdout.decode().strip()
        chain = self.home.write("chain.pem", self.home.tugra("ca", "chain").stdout.decode())
        nes = self.home.write("nes.pem", self.home.tugra("ca", "chain", "--issuing").stdout.decode())
        server = harness.Server(self.home)
        self.addCleanup(server.stop)

        def ocsp():
            r = run(["openssl", "ocsp", "-issuer", nes, "-cert", cert, "-url", server.base + "/ocsp",
                     "-CAfile", chain, "-no_nonce"], check=False)
            return (r.stdout + r.stderr).decode()

        self.assertIn(": good", ocsp())
        self.pg("halt")
        self.wait_for("/healthz never said the database was down",
                      lambda: http(server.base + "/healthz")[:3:2] == (503, b"database\n"))
        self.assertIn(": good", ocsp())  # answered from memory meanwhile
        self.pg("resume")
        self.home.tugra("ca", "revoke", serial, "--reason", "keyCompromise")
        # Within 10 s, with no restart of the server.
        self.wait_for("the revocation never reached OCSP", lambda: ": revoked" in ocsp(), tries=50)
        self.wait_for("the revocation never reached the CRL", lambda: int(serial, 16) in self.crl_serials(server))
        self.wait_for("/healthz never recovered", lambda: http(server.base + "/healthz")[0] == 200)
        # The portal's pages work again (a connection that failed is checked before it is lent again).
        self.wait_for("portal pages still fail", lambda: http(server.base + "/gonderi?no=123456789012")[0] == 200)
        metrics = http(server.base + "/metrics")[2].decode()
        self.assertRegex(metrics, r"tugra_status_poll_failures_total [1-9]")
        self.assertIn("tugra_database_up 1", metrics)
        self.assertIn("status poll failed", server.output())

    def crl_serials(self, server):
        der = http(server.base + "/crl/nes.crl")[2]
        text = run(["openssl", "crl", "-inform", "DER", "-noout", "-text"], input=der).stdout.decode()
        return {int(s, 16) for s in re.findall(r"Serial Number: ([0-9A-F]+)", text)}


if __name__ == "__main__":
    harness.main()
