"""Retention: `tugra purge` blanks the bodies of outbox messages older than
retention.outbox_days (they hold SMS codes and reset links) and keeps only
the newest retention.full_crls full CRLs of each CA; --dry-run changes
nothing; the ca role applies the same rules by itself. Every purge is
audited, the chain still verifies and CRL numbering goes on."""
import json
import unittest

import harness


class CaRole(harness.Daemon):
    def __init__(self, home):
        super().__init__(home, ["serve", "--roles", "ca"], lambda: "ca role running" in self.output(), "ca.log")


class Retention(harness.Waiting, unittest.TestCase):
    def setUp(self):
        self.home = harness.Home(TUGRA_RETENTION_FULL_CRLS="3", TUGRA_RETENTION_OUTBOX_DAYS="30")
        self.addCleanup(self.home.remove)
        self.home.tugra("init")

    def message(self, to, days_old):
        self.home.tugra("notify", "test", "--sms", to)
        self.home.sql(f"UPDATE outbox SET created_at = created_at - {days_old * 86400} WHERE recipient LIKE '%{to[-7:]}'")

    def outbox(self, to):
        return json.loads(self.home.tugra("outbox", "--to", to, "--json").stdout)

    def crl_numbers(self):
        rows = self.home.sql("SELECT number, delta_base FROM crls WHERE issuer = 'nes' ORDER BY number").split()
        return [tuple(int(x) for x in row.split("|")) for row in rows]

    def test_purge_by_hand_and_by_the_ca_role(self):
        self.message("+905321110001", 31)
        self.message("+905321110002", 5)
        for _ in range(5):
            self.home.tugra("crl", "generate")
        numbers = [n for n, _ in self.crl_numbers()]
        self.assertGreaterEqual(len(numbers), 6)
        audit_before = self.home.tugra("audit", "list", "--limit", "100000").stdout

        dry = self.home.tugra("purge", "--dry-run").stdout.decode()
        self.assertIn("Would remove: 1 message bodies", dry)
        self.assertIn(f"{len(numbers) - 3} old CRLs", dry)
        self.assertEqual(self.home.tugra("audit", "list", "--limit", "100000").stdout, audit_before)
        self.assertEqual([n for n, _ in self.crl_numbers()], numbers)

        done = self.home.tugra("purge").stdout.decode()
        self.assertIn(f"1 message bodies blanked, {len(numbers) - 3} old CRLs deleted", done)
        old, new = self.outbox("+905321110001"), self.outbox("+905321110002")
        self.assertEqual((len(old), old[0]["body"]), (1, ""))  # the row stays: who got what kind of message, when
        self.assertNotEqual(new[0]["body"], "")
        self.assertEqual([n for n, _ in self.crl_numbers()], numbers[-3:])
        record = json.loads(self.home.tugra("audit", "list", "--event", "retention.purged", "--json").stdout)[-1]
        self.assertEqual(record["details"]["crls"], len(numbers) - 3)
        self.assertIn(b"Audit chain intact", self.home.tugra("audit", "verify").stdout)
        # Nothing due now; numbering goes on from the newest.
        self.assertIn("Would remove: 0 message bodies", self.home.tugra("purge", "--dry-run").stdout.decode())
        self.assertIn(f"number {numbers[-1] + 1},", self.home.tugra("crl", "generate").stdout.decode())

        # The ca role applies the rules when it starts, then every retention.every_hours.
        self.message("+905321110003", 40)
        ca = CaRole(self.home)
        self.addCleanup(ca.stop)
        self.wait_for("the ca role never purged", lambda: "Retention rules applied: 1 message bodies" in ca.output())
        self.assertEqual(self.outbox("+905321110003")[0]["body"], "")

    def test_a_setting_below_one_is_refused(self):
        r = self.home.tugra("purge", check=False, TUGRA_RETENTION_FULL_CRLS="0")
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"retention.full_crls must be at least 1", r.stderr)
        r = harness.run([harness.TUGRA, "serve", "--roles", "ca"], check=False,
                        env=dict(self.home.env, TUGRA_RETENTION_OUTBOX_DAYS="0"))
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"retention.outbox_days must be at least 1", r.stderr)


if __name__ == "__main__":
    harness.main()
