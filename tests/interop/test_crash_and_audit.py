"""Crash recovery and the audit chain: a process killed between the issuance
intent and the signature (or after signing, before recording) is completed by
the next start of a command or server that holds the CA token, and any tampering with the audit log is caught."""
import json
import os
import unittest

import harness
from loopback_servers import AuditWitness


class CrashAndAudit(unittest.TestCase):
    def setUp(self):
        self.home = harness.Home()
        self.home.tugra("init")
        _, self.pub = harness.ec_public_key(self.home)

    def tearDown(self):
        self.home.remove()

    def issue_args(self):
        return ["ca", "issue", "--tckn", "12345678950", "--given-name", "Zeynep", "--surname", "Ağaoğlu",
                "--public-key", self.pub, "--out", self.home.path("c.pem")]

    def assert_chain_intact(self):
        r = self.home.tugra("audit", "verify")
        self.assertIn("Audit chain intact", r.stdout.decode())

    def crash_and_recover(self, point):
        r = self.home.tugra(*self.issue_args(), check=False, TUGRA_FAULT=point)
        self.assertEqual(r.returncode, -9, r.stderr)  # killed by SIGKILL at the fault point
        pending = self.home.sql("SELECT serial FROM certificates WHERE status = 'pending'").split()
        self.assertEqual(len(pending), 1)
        # A command without the CA key (a listing) leaves the intent as it is...
        self.assertEqual([(c["serial"], c["status"]) for c in self.home.certificates()], [(pending[0], "pending")])
        # ...and the next start of anything that holds the CA token completes it.
        self.home.tugra("crl", "generate")
        certs = self.home.certificates()
        self.assertEqual([(c["serial"], c["status"]) for c in certs], [(pending[0], "valid")])
        self.assertEqual(self.home.sql("SELECT COUNT(*) FROM certificates WHERE status = 'pending'").strip(), "0")
        # The retry of the same request returns that same certificate.
        r = self.home.tugra(*self.issue_args())
        self.assertEqual(r.stdout.decode().strip(), pending[0])
        self.assertIn("fulfilled before", r.stderr.decode())
        harness.run(["openssl", "x509", "-in", self.home.path("c.pem"), "-noout"])
        self.assert_chain_intact()
        events = self.home.tugra("audit", "list").stdout.decode()
        self.assertIn('"recovered":true', events)
        return pending[0]

    def test_kill_between_intent_and_signature(self):
        self.crash_and_recover("issue.after_intent")

    def test_kill_after_signature_before_it_is_recorded(self):
        self.crash_and_recover("issue.after_sign")

    def test_kill_between_a_batchs_intents_and_signatures(self):
        self.batch_crash_and_recover("issue.after_intent")

    def test_kill_after_a_batchs_signatures_before_they_are_recorded(self):
        self.batch_crash_and_recover("issue.after_sign")

    def batch_crash_and_recover(self, fault):
        # Three good requests and a bad one: the good ones' intents share one commit.
        with open(self.pub) as f:
            key = f.read()
        lines = [json.dumps({"tckn": "12345678950", "given_name": "Zeynep", "surname": "Ağaoğlu",
                             "public_key": key, "request_id": f"batch-{i}"}) for i in range(3)]
        lines.insert(1, json.dumps({"tckn": "12345678951", "given_name": "X", "surname": "Y", "public_key": key}))
        batch = self.home.write("batch.jsonl", "\n".join(lines) + "\n")
        r = self.home.tugra("ca", "issue-batch", batch, check=False, TUGRA_FAULT=fault)
        self.assertEqual(r.returncode, -9, r.stderr)
        pending = sorted(self.home.sql("SELECT serial FROM certificates WHERE status = 'pending'").split())
        self.assertEqual(len(pending), 3)
        self.home.tugra("crl", "generate")  # the next holder of the CA token completes them all
        self.assertEqual(sorted(c["serial"] for c in self.home.certificates() if c["status"] == "valid"), pending)
        # The same file again: the three are the ones issued before, the bad line is refused by number.
        r = self.home.tugra("ca", "issue-batch", batch, "--out-dir", self.home.dir, check=False)
        self.assertEqual(r.returncode, 1)
        out = r.stdout.decode().split("\n")
        self.assertEqual(sorted(line.split()[1] for line in out if line), pending)
        self.assertTrue(all("(issued before)" in line for line in out if line))
        self.assertRegex(r.stderr.decode(), r"(?m)^2: ")
        chain = self.home.write("chain.pem", self.home.tugra("ca", "chain").stdout.decode())
        for serial in pending:
            harness.run(["openssl", "verify", "-CAfile", chain, "-x509_strict", "-purpose", "any",
                         self.home.path(serial + ".pem")])
        self.assert_chain_intact()

    def test_fresh_chain_verifies(self):
        self.assert_chain_intact()

    def test_altered_record_is_found(self):
        self.home.tugra(*self.issue_args())
        self.home.sql("UPDATE audit_log SET details = '{\"tckn\":\"98765432150\"}' WHERE seq = 9")
        r = self.home.tugra("audit", "verify", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("first bad record #9: record content altered", r.stdout.decode())

    def test_removed_record_is_found(self):
        self.home.tugra(*self.issue_args())
        self.home.sql("DELETE FROM audit_log WHERE seq = 4")
        r = self.home.tugra("audit", "verify", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("first bad record #4: record missing", r.stdout.decode())

    def test_removed_tail_is_found_by_the_signed_checkpoint(self):
        self.home.tugra(*self.issue_args())
        last = int(self.home.sql("SELECT MAX(seq) FROM audit_log"))
        self.home.sql(f"DELETE FROM audit_log WHERE seq = {last}")
        r = self.home.tugra("audit", "verify", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"#{last}", r.stdout.decode())

    def test_removed_tail_with_its_checkpoints_is_found_by_the_witness(self):
        # Deleting the newest records together with every checkpoint over them
        # leaves a shorter chain that verifies on its own; the witness file
        # outside the database still names the missing checkpoint.
        serial = self.home.tugra(*self.issue_args()).stdout.decode().strip()
        self.home.tugra("ca", "suspend", serial)
        cut = int(self.home.sql(f"SELECT MIN(seq) FROM audit_log WHERE subject = '{serial}'"))
        self.home.sql(f"DELETE FROM audit_checkpoints WHERE seq >= {cut}")
        self.home.sql(f"DELETE FROM audit_log WHERE seq >= {cut}")
        with open(self.home.path("audit-witness.log")) as f:
            witnessed = [int(line.split()[0]) for line in f]
        self.assertTrue(any(seq >= cut for seq in witnessed), witnessed)
        r = self.home.tugra("audit", "verify", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("missing from the database", r.stdout.decode())
        self.assertEqual(oct(os.stat(self.home.path("audit-witness.log")).st_mode & 0o777), "0o600")

    def test_a_witness_on_another_host_survives_a_truncated_witness_file(self):
        # Someone who owns this host can cut the database and the witness file
        # alike; the checkpoints POSTed to audit.witness_url are out of reach.
        witness = AuditWitness()
        self.addCleanup(witness.stop)
        env = {"TUGRA_AUDIT_WITNESS_URL": witness.url}
        serial = self.home.tugra(*self.issue_args(), **env).stdout.decode().strip()
        # While the witness is away a checkpoint waits, and goes with the next one.
        witness.up = False
        r = self.home.tugra("ca", "suspend", serial, **env)
        self.assertIn(b"Cannot reach the audit witness", r.stderr)
        witness.up = True
        self.home.tugra("ca", "unsuspend", serial, **env)
        checkpoints = self.home.sql("SELECT seq FROM audit_checkpoints").split()
        witnessed = [line.split()[0] for line in witness.lines]
        self.assertEqual(sorted(set(witnessed), key=int)[-3:], checkpoints[-3:])
        self.assertEqual(os.path.getsize(self.home.path("audit-witness.unsent")), 0)  # nothing left waiting
        self.assertIn(b"Audit chain intact", self.home.tugra("audit", "verify", **env).stdout)

        cut = int(self.home.sql(f"SELECT MIN(seq) FROM audit_log WHERE subject = '{serial}' "
                                f"AND event <> 'certificate.issued'"))
        self.home.sql(f"DELETE FROM audit_checkpoints WHERE seq >= {cut}")
        self.home.sql(f"DELETE FROM audit_log WHERE seq >= {cut}")
        with open(self.home.path("audit-witness.log")) as f:
            kept = [line for line in f if int(line.split()[0]) < cut]
        with open(self.home.path("audit-witness.log"), "w") as f:
            f.writelines(kept)
        self.assertIn(b"Audit chain intact", self.home.tugra("audit", "verify").stdout)  # the local view is fooled
        r = self.home.tugra("audit", "verify", check=False, **env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("missing from the database", r.stdout.decode())
        # A witness that cannot be read is an error, not a pass.
        witness.stop()
        r = self.home.tugra("audit", "verify", check=False, **env)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"Cannot read the audit witness", r.stderr)

    def test_rewritten_chain_is_found_by_the_signed_checkpoint(self):
        # An attacker who recomputes every hash after an edit still cannot
        # forge the checkpoint signature made in the token.
        self.home.tugra(*self.issue_args())
        self.home.sql("UPDATE audit_checkpoints SET hash = (SELECT hash FROM audit_log WHERE seq = 1) "
                      "WHERE seq = (SELECT MAX(seq) FROM audit_checkpoints)")
        self.home.sql("UPDATE audit_checkpoints SET seq = 1 WHERE seq = (SELECT MAX(seq) FROM audit_checkpoints)")
        r = self.home.tugra("audit", "verify", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("checkpoint signature invalid", r.stdout.decode())

    def test_every_status_change_is_audited(self):
        serial = self.home.tugra(*self.issue_args()).stdout.decode().strip()
        self.home.tugra("ca", "suspend", serial)
        self.home.tugra("ca", "unsuspend", serial)
        self.home.tugra("ca", "revoke", serial, "--reason", "affiliationChanged")
        rows = [line.split("\t") for line in self.home.tugra("audit", "list").stdout.decode().splitlines()]
        mine = [(r[2], json.loads(r[5]).get("status")) for r in rows if r[4] == serial]
        self.assertEqual(mine, [("certificate.intent", None), ("certificate.issued", "valid"),
                                ("certificate.suspended", "suspended"), ("certificate.unsuspended", "valid"),
                                ("certificate.revoked", "revoked")])
        self.assert_chain_intact()


if __name__ == "__main__":
    harness.main()
