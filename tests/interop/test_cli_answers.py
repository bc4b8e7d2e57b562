"""The command line as a newcomer meets it: output files that respect what
they are given (devices, FIFOs, symlinks, `-`), and a clear answer where the
old one surprised: a revoked certificate is not handed out again, a second
card needs --force, a production run takes the whole queue, usage errors
exit 2, hints name real flags, help speaks the user's language, the card
warning only without --slot, the audit list filters, and the audit actor is
the real OS account."""
import base64
import datetime
import json
import os
import pwd
import stat
import subprocess
import threading
import unittest

from cryptography import x509

import harness
from harness import run


class CliAnswers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = harness.Home()
        cls.home.tugra("init")
        _, cls.pub = harness.ec_public_key(cls.home)
        cls.home.env["TUGRA_VCARD_DIR"] = cls.home.path("vcards")

    @classmethod
    def tearDownClass(cls):
        cls.home.remove()

    def issue(self, request_id, check=True):
        return self.home.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname", "Kaya",
                               "--public-key", self.pub, "--request-id", request_id, check=check)

    def leftovers(self, directory):
        return [n for n in os.listdir(directory) if ".tmp" in n]

    # --- output files ------------------------------------------------------------------

    def test_out_writes_into_a_device_node_in_place(self):
        device = self.home.path("null-device")
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
        self.home.tugra("crl", "generate", "--out", device)
        self.assertTrue(stat.S_ISCHR(os.stat(device).st_mode), "the device was replaced by a file")
        self.assertEqual(self.leftovers(self.home.dir), [])

    def test_out_writes_into_a_fifo_for_its_reader(self):
        fifo = self.home.path("chain.fifo")
        os.mkfifo(fifo)
        got = []
        reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
        reader.start()
        self.home.tugra("ca", "chain", "--out", fifo)
        reader.join(timeout=20)
        self.assertEqual(got[0].count(b"-----BEGIN CERTIFICATE-----"), 2)
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))

    def test_out_through_a_symlink_replaces_its_target(self):
        target = self.home.path("issuing.pem")
        with open(target, "w") as f:
            f.write("old\n")
        link = self.home.path("current.pem")
        os.symlink("issuing.pem", link)
        self.home.tugra("ca", "chain", "--issuing", "--out", link)
        self.assertTrue(os.path.islink(link))
        self.assertEqual(os.readlink(link), "issuing.pem")
        with open(target) as f:
            text = f.read()
        self.assertEqual(text.count("-----BEGIN CERTIFICATE-----"), 1)
        run(["openssl", "x509", "-in", target, "-noout"])
        self.assertEqual(self.leftovers(self.home.dir), [])

    def test_out_dash_is_standard_output_and_failures_leave_nothing(self):
        r = self.home.tugra("crl", "generate", "--out", "-")
        der = r.stdout
        run(["openssl", "crl", "-inform", "DER", "-noout"], input=der)
        self.assertIn(b"published", r.stderr)
        self.assertIn(b"BEGIN CERTIFICATE", self.home.tugra("ca", "chain", "--root", "--out", "-").stdout)
        missing = self.home.path("no-such-dir", "chain.pem")
        r = self.home.tugra("ca", "chain", "--out", missing, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no-such-dir", r.stderr.decode())

    def test_two_writers_at_once_do_not_collide(self):
        out = self.home.path("both.pem")
        procs = [subprocess.Popen([harness.TUGRA, "ca", "chain", "--out", out], env=self.home.env,
                                  stderr=subprocess.PIPE) for _ in range(4)]
        self.assertEqual([p.wait() for p in procs], [0, 0, 0, 0])
        with open(out) as f:
            self.assertEqual(f.read().count("-----BEGIN CERTIFICATE-----"), 2)
        self.assertEqual(self.leftovers(self.home.dir), [])

    # --- surprising answers ----------------------------------------------------------------

    def test_a_revoked_certificate_is_not_handed_out_again(self):
        serial = self.issue("answers-1").stderr.decode().strip().splitlines()[-1]
        self.home.tugra("ca", "revoke", serial, "--reason", "keyCompromise")
        r = self.issue("answers-1", check=False)
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode()
        self.assertIn(serial, err)
        self.assertIn("revoked", err)
        self.assertEqual(r.stdout, b"")
        fresh = self.issue("answers-2").stderr.decode().strip().splitlines()[-1]
        self.assertNotEqual(fresh, serial)

    def test_enqueue_refuses_a_second_card_unless_forced_and_run_takes_the_whole_queue(self):
        def enqueue(tckn, *extra, check=True):
            return self.home.tugra("production", "enqueue", "--tckn", tckn, "--given-name", "Ali", "--surname",
                                   "Veli", "--phone", "0532 111 22 33", "--email", "ali@example.org", *extra,
                                   check=check)
        people = [harness_tckn(f"5{i:08d}") for i in range(11)]
        for t in people:
            enqueue(t)
        r = enqueue(people[0], check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--force", r.stderr.decode())
        enqueue(people[0], "--force")
        events = self.home.tugra("audit", "list", "--event", "production.forced", "--json").stdout
        self.assertEqual([e["subject"] for e in json.loads(events)], [people[0]])

        self.home.tugra("vcard", "add", "--count", "14")
        out = self.home.tugra("production", "run").stdout.decode()
        self.assertIn("12 cards made", out)  # more than the old silent batch of 10
        self.assertIn("still in the queue: 0", out)
        for t in ("500000011", "500000012"):
            enqueue(harness_tckn(t))
        out = self.home.tugra("production", "run", "--batch", "1").stdout.decode()
        self.assertIn("1 cards made", out)
        self.assertIn("still in the queue: 1", out)

    def test_usage_errors_exit_2(self):
        cases = [["demo", "totp", "--secret", "notbase32!"], ["drivers", "remove", "abc"],
                 ["crl", "generate", "--ca", "foo"], ["ca", "list", "--no-such-flag"], ["ca"],
                 ["audit", "list", "--limit", "-3"], ["ca", "chain", "--issuing", "--root"]]
        for args in cases:
            r = self.home.tugra(*args, check=False)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn("usage error", r.stderr.decode())
        self.assertEqual(self.home.tugra("ca", "issue", "--help").returncode, 0)

    def test_schema_changes_only_by_migrate_and_never_backwards(self):
        home = harness.Home()
        self.addCleanup(home.remove)
        home.tugra("init")
        latest = int(home.sql("SELECT MAX(version) FROM schema_migrations"))
        self.assertIn(f"up to date: version {latest}", home.tugra("migrate").stdout.decode())
        crl = home.tugra("crl", "generate", "--out", "-").stdout
        # As a database left by the previous release: the newest migration (015,
        # CRLs stored as bytes in parts) not applied, every CRL as base64 text in
        # crls.der as that release wrote it. A newer migration changes these lines.
        hex_of = "encode(bytes, 'hex')" if harness.ENGINE == "postgresql" else "hex(bytes)"
        for row in home.sql("SELECT issuer, number FROM crls").split():
            issuer, number = row.split("|")
            parts = home.sql(f"SELECT {hex_of} FROM crl_parts WHERE issuer = '{issuer}' AND number = {number} "
                             "ORDER BY part").split()
            der = base64.b64encode(bytes.fromhex("".join(parts))).decode()
            home.sql(f"UPDATE crls SET der = '{der}' WHERE issuer = '{issuer}' AND number = {number}")
        home.sql(f"DELETE FROM schema_migrations WHERE version = {latest}")
        home.sql("DROP TABLE crl_parts")
        r = home.tugra("ca", "list", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"at version {latest - 1}, this tugra expects version {latest}: run tugra migrate",
                      r.stderr.decode())
        r = home.tugra("migrate")
        self.assertIn(f"migrated from version {latest - 1} to version {latest}", r.stderr.decode())
        self.assertEqual(home.tugra("ca", "list", "--json").returncode, 0)
        self.assertEqual(home.sql("SELECT COUNT(*) FROM crl_parts").strip(), "0")
        # The old release's CRL is served as it was; a new one goes into parts.
        server = harness.Server(home)
        try:
            self.assertEqual(harness.http(server.base + "/crl/nes.crl")[2], crl)
        finally:
            server.stop()
        self.assertEqual(home.tugra("crl", "generate", "--out", "-").stdout[:1], b"\x30")
        self.assertNotEqual(home.sql("SELECT COUNT(*) FROM crl_parts").strip(), "0")
        # A database of a newer release: every command refuses, migrate too.
        home.sql("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)")
        for args in (["ca", "list"], ["migrate"], ["audit", "verify"]):
            r = home.tugra(*args, check=False)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(f"schema is at version 999; this tugra knows up to version {latest}", r.stderr.decode())

    def test_audit_verified_offline_without_the_audit_token(self):
        home, other = harness.Home(), harness.Home()
        for h in (home, other):
            self.addCleanup(h.remove)
            h.tugra("init")
        key = home.path("audit-key.pem")
        self.assertEqual(oct(os.stat(key).st_mode & 0o777), "0o644")  # public: to be copied off the host
        self.assertIn("Public-Key: (256 bit)", run(["openssl", "pkey", "-pubin", "-in", key, "-noout", "-text"])
                      .stdout.decode())
        self.assertEqual(home.tugra("audit", "key", "--out", "-").stdout.decode(), open(key).read())
        os.rename(home.path("secrets", "audit-token.pin"), home.path("audit-pin.moved"))
        r = home.tugra("audit", "verify", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("No PIN for the audit token", r.stderr.decode())
        self.assertIn("Audit chain intact", home.tugra("audit", "verify", "--offline").stdout.decode())
        # Another home's key does not vouch for this chain; an altered record is found.
        r = home.tugra("audit", "verify", "--key", other.path("audit-key.pem"), check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("BROKEN", r.stdout.decode())
        home.sql("UPDATE audit_log SET details = '{}' WHERE seq = 3")
        r = home.tugra("audit", "verify", "--offline", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("first bad record #3", r.stdout.decode())

    def test_usage_errors_say_what_would_be_right_in_the_users_language(self):
        r = self.home.tugra("ca", "revok", "01", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn('there is no command "tugra ca revok". Valid ones: chain, rollover, show, list, issue, issue-batch, revoke',
                      r.stderr.decode())
        r = self.home.tugra("--home", self.home.dir, "sevre", check=False)
        self.assertIn("Valid ones: init, config", r.stderr.decode())
        r = self.home.tugra("ca", check=False)
        self.assertIn('"tugra ca" needs a subcommand: chain, rollover', r.stderr.decode())
        r = self.home.tugra("ca", "revoke", "01", check=False)
        self.assertIn("tugra ca revoke needs --reason", r.stderr.decode())
        r = self.home.tugra("ca", "revok", "01", check=False, TUGRA_LANG="tr")
        self.assertEqual(r.returncode, 2)
        self.assertIn('"tugra ca revok" diye bir komut yok. Geçerli olanlar: chain', r.stderr.decode())
        r = self.home.tugra("ca", "revoke", "01", check=False, TUGRA_LANG="tr")
        self.assertIn("tugra ca revoke için --reason gerekli", r.stderr.decode())

    def test_demo_data_only_in_a_demo_home(self):
        r = self.home.tugra("demo", "seed", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("demo home", r.stderr.decode())
        self.assertNotIn("TEST KURUM", self.home.tugra("institution", "list").stdout.decode())

    def test_config_get_and_a_busy_port(self):
        self.assertEqual(self.home.tugra("config", "get", "crl.nes_hours").stdout.decode().strip(), "24")
        self.assertEqual(self.home.tugra("config", "get", "service.listen", TUGRA_SERVICE_LISTEN="127.0.0.1:9").stdout
                         .decode().strip(), "127.0.0.1:9")
        self.assertEqual(self.home.tugra("config", "get", "no.such_key", check=False).returncode, 2)
        import socket
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            r = self.home.tugra("serve", "--roles", "status", "--listen", f"127.0.0.1:{port}", check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"Cannot listen on 127.0.0.1:{port}", r.stderr.decode())
        self.assertNotIn("internal error", r.stderr.decode())

    def test_the_password_hint_names_the_real_flag(self):
        r = subprocess.run([harness.TUGRA, "institution", "officer-add", "--institution", "1", "--username",
                            "a.b", "--tckn", "10000000146", "--name", "A B"], env=self.home.env,
                           capture_output=True, stdin=subprocess.DEVNULL, start_new_session=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--password-stdin", r.stderr.decode())
        self.assertNotIn("--pin-stdin", r.stderr.decode())

    def test_the_card_warning_only_without_a_slot(self):
        self.home.tugra("vcard", "add", "--count", "2")
        quiet = self.home.tugra("card", "show", "--slot", "1")
        self.assertNotIn("--slot", quiet.stderr.decode())
        warned = self.home.tugra("card", "show")
        self.assertIn("--slot", warned.stderr.decode())

    def test_help_in_turkish_and_english(self):
        tr = self.home.tugra("ca", "issue", "--help", TUGRA_LANG="tr").stdout.decode()
        en = self.home.tugra("ca", "issue", "--help", TUGRA_LANG="en").stdout.decode()
        self.assertIn("nitelikli", tr.lower())
        self.assertIn("Issue a qualified", en)
        self.assertNotIn("Issue a qualified", tr)
        serve_tr = self.home.tugra("serve", "--help", TUGRA_LANG="tr").stdout.decode()
        self.assertIn("Görevler", serve_tr)

    def test_audit_list_filters_and_the_real_account_as_actor(self):
        serial = self.issue("answers-actor").stderr.decode().strip().splitlines()[-1]
        self.home.tugra("ca", "suspend", serial, USER="ali.camli", LOGNAME="ali.camli")
        records = json.loads(self.home.tugra("audit", "list", "--event", "certificate.suspended", "--json",
                                             "--limit", "1000").stdout)
        mine = [r for r in records if r["subject"] == serial]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["actor"], "cli:" + pwd.getpwuid(os.getuid()).pw_name)
        self.assertEqual(mine[0]["details"]["status"], "suspended")
        by_actor = json.loads(self.home.tugra("audit", "list", "--actor", mine[0]["actor"], "--from",
                                              str(mine[0]["seq"]), "--json").stdout)
        self.assertEqual(by_actor[0]["seq"], mine[0]["seq"])
        self.assertTrue(all(r["actor"] == mine[0]["actor"] for r in by_actor))
        self.assertEqual(json.loads(self.home.tugra("audit", "list", "--actor", "cli:ali.camli", "--json").stdout),
                         [])


class HomeFiles(unittest.TestCase):
    """A home is the owner's alone whatever the umask, and what `init` was
    told by environment stays in its configuration."""

    def test_modes_under_a_permissive_umask_and_settings_kept_from_init(self):
        home = harness.Home(TUGRA_CRL_NES_HOURS="12")
        self.addCleanup(home.remove)
        r = subprocess.run([harness.TUGRA, "init"], env=home.env, capture_output=True,
                           preexec_fn=lambda: os.umask(0o022))
        self.assertEqual(r.returncode, 0, r.stderr)
        mode = lambda *p: oct(os.stat(home.path(*p)).st_mode & 0o777)
        self.assertEqual(mode(), "0o700")
        self.assertEqual(mode("secrets"), "0o700")
        self.assertEqual(mode("tugra.toml"), "0o600")
        if harness.ENGINE == "sqlite":
            self.assertEqual(mode("tugra.db"), "0o600")  # (its -wal file is gone once the last user closes it)
        with open(home.path("tugra.toml")) as f:
            toml = f.read()
        self.assertIn("nes_hours = 12", toml)
        if harness.ENGINE == "postgresql":
            self.assertIn(home.env["TUGRA_DATABASE_URL"], toml)
        # Without the variables the next command still finds the CA and its settings.
        env = {k: v for k, v in home.env.items() if k not in ("TUGRA_DATABASE_URL", "TUGRA_CRL_NES_HOURS")}
        crl = home.path("nes.crl")
        run([harness.TUGRA, "crl", "generate", "--out", crl], env=env)
        crl_cert = x509.load_der_x509_crl(open(crl, "rb").read())
        self.assertEqual(crl_cert.next_update - crl_cert.last_update, datetime.timedelta(hours=12))
        smtp = harness.Home(TUGRA_NOTIFY_SMTP_PASSWORD="s3cret-word")
        self.addCleanup(smtp.remove)
        smtp.tugra("init")
        with open(smtp.path("tugra.toml")) as f:
            self.assertNotIn("s3cret-word", f.read())


def harness_tckn(nine):
    d = [int(c) for c in nine]
    tenth = (7 * sum(d[0:9:2]) - sum(d[1:8:2])) % 10
    return nine + str(tenth) + str((sum(d) + tenth) % 10)


if __name__ == "__main__":
    harness.main()
