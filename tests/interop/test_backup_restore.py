"""`tugra backup` while the service runs, `tugra restore` into a new home
(and, on PostgreSQL, a new database): the restored home's audit chain
verifies, `ca list` is the same, it serves OCSP (checked by openssl) and
its CRL, and its next CRL number follows the last one backed up. A changed
archive, a home or database that is not new are refused and leave nothing
behind. A home copied elsewhere still finds its tokens."""
import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import unittest

import harness
from harness import http, run


class BackupRestore(harness.Waiting, unittest.TestCase):
    def setUp(self):
        self.home = harness.Home(TUGRA_SERVICE_POLL_MILLISECONDS="200", TUGRA_CRL_DEBOUNCE_SECONDS="0")
        self.addCleanup(self.home.remove)
        self.home.tugra("init")
        self.out_dir = tempfile.mkdtemp(prefix="tugra-backup-")
        self.addCleanup(shutil.rmtree, self.out_dir, True)

    def issue(self, name):
        _, pub = harness.ec_public_key(self.home, name)
        cert = self.home.path(f"{name}.pem")
        serial = self.home.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname", "Kaya",
                                 "--public-key", pub, "--request-id", name, "--out", cert).stdout.decode().strip()
        return serial, cert

    def new_database_env(self):
        """A second, empty database for the restored home (PostgreSQL); none needed on SQLite."""
        if harness.ENGINE != "postgresql":
            return {}
        admin = os.environ["TUGRA_TEST_PG_ADMIN"]
        name = f"r_{os.getpid()}_{len(os.listdir(self.out_dir))}"
        run(["psql", "-q", admin, "-c", f"CREATE DATABASE {name}"])
        return {"TUGRA_DATABASE_URL": admin.rsplit("/", 1)[0] + "/" + name}

    def restore(self, archive, target, env, check=True):
        return run([harness.TUGRA, "restore", archive, "--home", target], check=check,
                   env=dict(self.home.env, TUGRA_HOME="/nonexistent", **env))

    def crl_number(self, der):
        text = run(["openssl", "crl", "-inform", "DER", "-noout", "-crlnumber"], input=der).stdout.decode()
        return int(text.strip().split("=")[1], 16)

    def test_backup_while_serving_then_restore_elsewhere(self):
        good, good_cert = self.issue("good")
        revoked, revoked_cert = self.issue("revoked")
        self.home.tugra("ca", "revoke", revoked, "--reason", "keyCompromise")
        server = harness.Server(self.home)
        self.addCleanup(server.stop)
        self.wait_for("the revocation never reached the CRL",
                      lambda: int(revoked, 16) in crl_serials(http(server.base + "/crl/nes.crl")[2]))
        last_number = self.crl_number(http(server.base + "/crl/nes.crl")[2])

        archive = os.path.join(self.out_dir, "home.tar.gz")
        r = run([harness.TUGRA, "backup", "--out", archive], env=dict(self.home.env), cwd=self.out_dir)
        self.assertIn(b"Backup written", r.stdout)
        self.assertEqual(oct(os.stat(archive).st_mode & 0o777), "0o600")  # under the test's umask 022
        names = tarfile.open(archive).getnames()
        for expected in ("MANIFEST.json", "home/tugra.toml", "home/softhsm2.conf", "home/secrets/ca-token.pin",
                         "home/audit-witness.log"):
            self.assertIn(expected, names)
        self.assertIn("database.sqlite" if harness.ENGINE == "sqlite" else "database.pgdump", names)
        self.assertFalse([n for n in names if n.endswith(".log") and "witness" not in n], names)
        server.stop()
        before = self.home.tugra("ca", "list").stdout

        target = os.path.join(self.out_dir, "restored")
        env = self.new_database_env()
        out = self.restore(archive, target, env).stdout.decode()
        self.assertIn("Audit chain intact", out)
        restored = harness.Home.__new__(harness.Home)  # the restored home, not a new one
        restored.dir, restored.env = target, dict(self.home.env, TUGRA_HOME=target, **env)
        self.assertEqual(oct(os.stat(target).st_mode & 0o777), "0o700")
        with open(os.path.join(target, "softhsm2.conf")) as f:
            self.assertIn(target, f.read())
        self.assertIn(b"Audit chain intact", restored.tugra("audit", "verify").stdout)
        self.assertIn(b"Audit chain intact", restored.tugra("audit", "verify", "--offline").stdout)
        self.assertEqual(restored.tugra("ca", "list").stdout, before)

        # The restored home serves: OCSP verified by openssl, and the CRL.
        second = harness.Server(restored)
        self.addCleanup(second.stop)
        chain = restored.write("chain.pem", restored.tugra("ca", "chain").stdout.decode())
        nes = restored.write("nes.pem", restored.tugra("ca", "chain", "--issuing").stdout.decode())
        for cert, status in ((good_cert, "good"), (revoked_cert, "revoked")):
            r = run(["openssl", "ocsp", "-issuer", nes, "-cert", cert, "-url", second.base + "/ocsp",
                     "-CAfile", chain, "-no_nonce"], check=False)
            text = (r.stdout + r.stderr).decode()
            self.assertIn(f": {status}", text)
            self.assertIn("Response verify OK", text)
        crl = http(second.base + "/crl/nes.crl")[2]
        self.assertIn(int(revoked, 16), crl_serials(crl))
        self.assertEqual(self.crl_number(crl), last_number)
        # The next CRL follows the last one backed up.
        next_crl = restored.tugra("crl", "generate", "--out", "-").stdout
        self.assertEqual(self.crl_number(next_crl), last_number + 1)
        run(["openssl", "crl", "-inform", "DER", "-CAfile", chain, "-noout"], input=next_crl)
        # And it can issue (the CA token came along with its PIN).
        _, pub = harness.ec_public_key(restored, "after")
        restored.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname", "Kaya",
                       "--public-key", pub, "--request-id", "after")

        # A home or a database that is not new: refused, nothing changed.
        again = self.restore(archive, target, env, check=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn(b"not empty", again.stderr)
        if harness.ENGINE == "postgresql":
            other = os.path.join(self.out_dir, "other")
            again = self.restore(archive, other, env, check=False)
            self.assertEqual(again.returncode, 1)
            self.assertIn(b"target database is not empty", again.stderr)
            self.assertFalse(os.path.exists(other))

    def test_altered_archive_is_refused(self):
        archive = os.path.join(self.out_dir, "home.tar.gz")
        self.home.tugra("backup", "--out", archive)
        altered = os.path.join(self.out_dir, "altered.tar.gz")
        with tarfile.open(archive) as src, tarfile.open(altered, "w:gz") as dst:
            for member in src.getmembers():
                data = src.extractfile(member).read()
                if member.name == "home/tugra.toml":
                    data = data.replace(b"[ca]", b"[ca]\n# changed")
                    member.size = len(data)
                dst.addfile(member, io.BytesIO(data))
        target = os.path.join(self.out_dir, "restored")
        r = self.restore(altered, target, self.new_database_env(), check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"damaged or altered", r.stderr)
        self.assertIn(b"home/tugra.toml", r.stderr)
        self.assertFalse(os.path.exists(target))
        self.assertFalse(os.path.exists(target + ".restoring"))

    @unittest.skipUnless(harness.ENGINE == "sqlite", "a home with its own SQLite database")
    def test_a_moved_home_finds_its_tokens(self):
        moved = os.path.join(self.out_dir, "moved")
        shutil.copytree(self.home.dir, moved, symlinks=True)
        shutil.rmtree(self.home.dir)  # the old place is gone
        env = dict(self.home.env, TUGRA_HOME=moved)
        r = run([harness.TUGRA, "crl", "generate"], env=env)
        self.assertIn(b"CRL published", r.stdout)
        self.assertIn(b"Audit chain intact", run([harness.TUGRA, "audit", "verify"], env=env).stdout)


def crl_serials(der):
    text = run(["openssl", "crl", "-inform", "DER", "-noout", "-text"], input=der).stdout.decode()
    return {int(s, 16) for s in re.findall(r"Serial Number: ([0-9A-F]+)", text)}


if __name__ == "__main__":
    harness.main()
