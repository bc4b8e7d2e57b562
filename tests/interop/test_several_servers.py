"""Several servers on one database, as a provider runs them for
availability: two status servers and two `ca` roles. Exactly one `ca` role
publishes (it holds a lease in the database); 20 status changes give CRL
numbers that never repeat or skip and one CRL per change at most; both
status servers answer from the shared state; when the publisher stops, the
other takes over. Checked by openssl and the database itself."""
import re
import unittest

import harness
from harness import http, run


class CaRole(harness.Daemon):
    def __init__(self, home, name):
        super().__init__(home, ["serve", "--roles", "ca"], lambda: "ca role running" in self.output(),
                         f"{name}.log")


class SeveralServers(harness.Waiting, unittest.TestCase):
    def setUp(self):
        self.home = harness.Home(TUGRA_SERVICE_POLL_MILLISECONDS="200", TUGRA_CRL_DEBOUNCE_SECONDS="0")
        self.addCleanup(self.home.remove)
        self.home.tugra("init")
        _, self.pub = harness.ec_public_key(self.home)

    def issue(self, i):
        return self.home.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname", "Kaya",
                               "--public-key", self.pub, "--request-id", f"several-{i}",
                               "--out", self.home.path(f"c{i}.pem")).stdout.decode().strip()

    def crl_serials(self, server):
        der = http(server.base + "/crl/nes.crl")[2]
        text = run(["openssl", "crl", "-inform", "DER", "-noout", "-text"], input=der).stdout.decode()
        return set(re.findall(r"Serial Number: ([0-9A-F]+)", text))

    def test_one_publisher_among_several(self):
        serials = [self.issue(i) for i in range(21)]
        numbers_before = self.crl_numbers()
        cas = [CaRole(self.home, "ca-a"), CaRole(self.home, "ca-b")]
        statuses = [harness.Server(self.home, "--roles", "status") for _ in range(2)]
        for d in cas + statuses:
            self.addCleanup(d.stop)
        self.wait_for("no ca role took the lease", lambda: sum("ca role publishes the CRLs" in c.output() for c in cas) >= 1)
        self.assertEqual(sum("ca role publishes the CRLs" in c.output() for c in cas), 1, [c.output() for c in cas])
        leader = next(c for c in cas if "ca role publishes the CRLs" in c.output())
        standby = next(c for c in cas if c is not leader)
        self.wait_for("the other never stood by", lambda: "standing by" in standby.output())

        for serial in serials[:20]:
            self.home.tugra("ca", "revoke", serial, "--reason", "keyCompromise")
        for server in statuses:
            self.wait_for("a status server never served every revocation",
                          lambda: set(serials[:20]) <= self.crl_serials(server))
        numbers = self.crl_numbers()[len(numbers_before):]
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + len(numbers))))  # never repeat or skip
        self.assertLessEqual(len(numbers), 21)  # at most one per change (+ the catch-up)
        self.assertNotIn("ca role publishes the CRLs", standby.output())
        self.assertEqual(self.home.sql("SELECT COUNT(*) FROM (SELECT change_seq FROM crls WHERE issuer = 'nes' "
                                       "AND delta_base = 0 GROUP BY change_seq HAVING COUNT(*) > 1) AS twice")
                         .strip(), "0")

        # The publisher stops: the other takes over and publishes the next change.
        leader.stop()
        self.home.tugra("ca", "revoke", serials[20], "--reason", "superseded")
        self.wait_for("nobody took over", lambda: "ca role publishes the CRLs" in standby.output(), tries=150)
        for server in statuses:
            self.wait_for("the change after the takeover never reached a CRL",
                          lambda: serials[20] in self.crl_serials(server))
        numbers = self.crl_numbers()
        self.assertEqual(numbers, sorted(set(numbers)))
        self.assertIn("Audit chain intact", self.home.tugra("audit", "verify").stdout.decode())

    def crl_numbers(self):
        return [int(n) for n in self.home.sql("SELECT number FROM crls WHERE issuer = 'nes' ORDER BY number").split()]


if __name__ == "__main__":
    harness.main()
