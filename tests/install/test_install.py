"""`make install`: with DESTDIR it lays out the tree (binary, virtual card
module, a systemd unit per role with its hardening, the tugra user, the
/etc/tugra and /var/lib/tugra layout, the default configuration, the nginx
example); `systemd-analyze verify` accepts the units; systemd-sysusers and
systemd-tmpfiles (with --root) make the user and the layout with the modes
the units expect; and the installed binary initialises and serves a home
laid out that way (configuration in etc/tugra, data in var/lib/tugra)."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

SOURCE = os.environ["TUGRA_SOURCE_DIR"]
BUILD = os.environ["TUGRA_BUILD_DIR"]
ROLES = ("portal", "status", "ca")


def run(cmd, env=None, check=True):
    r = subprocess.run(cmd, capture_output=True, env=env)
    if check and r.returncode != 0:
        raise AssertionError(f"{cmd} exited {r.returncode}\n{r.stdout.decode()}\n{r.stderr.decode()}")
    return r


def make_install(**variables):
    return run(["make", "-C", SOURCE, "install", f"BUILD={BUILD}", *[f"{k}={v}" for k, v in variables.items()]])


def mode(path):
    st = os.stat(path)
    return oct(st.st_mode & 0o777), st.st_uid, st.st_gid


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="tugra-destdir-")
        make_install(DESTDIR=cls.root, PREFIX="/usr")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def test_destdir_tree(self):
        for f in ("usr/bin/tugra", "usr/lib/libtugra-vcard.so", "usr/lib/sysusers.d/tugra.conf",
                  "usr/lib/tmpfiles.d/tugra.conf", "usr/share/tugra/tugra.toml",
                  "usr/share/doc/tugra/nginx/tugra.conf", "usr/share/doc/tugra/OPERATIONS.md",
                  "usr/share/doc/tugra/README.md", "usr/lib/systemd/user/tugra-agent.service",
                  "usr/share/applications/tugra-agent.desktop",
                  *[f"usr/lib/systemd/system/tugra-{r}.service" for r in ROLES]):
            self.assertTrue(os.path.isfile(self.path(f)), f)
        self.assertTrue(os.access(self.path("usr/bin/tugra"), os.X_OK))
        # The installed binary carries no path into the build tree.
        dynamic = run(["readelf", "-d", self.path("usr/bin/tugra")]).stdout.decode()
        self.assertNotIn(BUILD, dynamic)
        for role in ROLES:
            with open(self.path(f"usr/lib/systemd/system/tugra-{role}.service")) as f:
                unit = f.read()
            self.assertIn(f"ExecStart=/usr/bin/tugra serve --roles {role}\n", unit)
            self.assertIn("ExecReload=/bin/kill -HUP $MAINPID", unit)
            for line in ("User=tugra", "ProtectSystem=strict", "NoNewPrivileges=yes", "ProtectHome=yes",
                         "PrivateTmp=yes", "CapabilityBoundingSet=\n", "StateDirectory=tugra",
                         "Environment=TUGRA_HOME=/var/lib/tugra", "Environment=TUGRA_CONFIG=/etc/tugra/tugra.toml"):
                self.assertIn(line, unit, role)
        # The card agent runs in the holder's own session, on their configuration.
        with open(self.path("usr/lib/systemd/user/tugra-agent.service")) as f:
            unit = f.read()
        for line in ("ExecStart=/usr/bin/tugra agent\n", "Environment=TUGRA_HOME=%h/.config/tugra", "NoNewPrivileges=yes"):
            self.assertIn(line, unit)
        with open(self.path("usr/share/applications/tugra-agent.desktop")) as f:
            self.assertIn("Exec=/usr/bin/tugra agent\n", f.read())
        # The default configuration is the binary's own, every key documented.
        with open(self.path("usr/share/tugra/tugra.toml")) as f:
            defaults = f.read()
        self.assertIn("[service]", defaults)
        self.assertIn("trusted_proxies", defaults)

    def test_units_pass_systemd_analyze_verify(self):
        prefix = tempfile.mkdtemp(prefix="tugra-prefix-")
        self.addCleanup(shutil.rmtree, prefix, True)
        make_install(PREFIX=prefix)  # the units then name a binary that exists here
        units = [os.path.join(prefix, f"lib/systemd/system/tugra-{r}.service") for r in ROLES]
        units.append(os.path.join(prefix, "lib/systemd/user/tugra-agent.service"))
        r = run(["systemd-analyze", "verify", *units], check=False)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(r.stderr, b"", r.stderr.decode())
        broken = os.path.join(prefix, "tugra-broken.service")
        with open(units[0]) as f, open(broken, "w") as out:
            out.write(f.read().replace("ProtectSystem=strict", "ProtectSystem=sometimes"))
        self.assertNotEqual(run(["systemd-analyze", "verify", broken], check=False).stderr, b"")

    def test_user_layout_and_a_home_laid_out_that_way(self):
        for name in ("passwd", "group", "shadow", "gshadow"):
            os.makedirs(self.path("etc"), exist_ok=True)
            open(self.path("etc", name), "a").close()
        run(["systemd-sysusers", f"--root={self.root}", self.path("usr/lib/sysusers.d/tugra.conf")])
        with open(self.path("etc/passwd")) as f:
            entry = next(line for line in f if line.startswith("tugra:")).split(":")
        uid, gid = int(entry[2]), int(entry[3])
        self.assertEqual(entry[5], "/var/lib/tugra")
        run(["systemd-tmpfiles", "--create", f"--root={self.root}", self.path("usr/lib/tmpfiles.d/tugra.conf")])
        self.assertEqual(mode(self.path("etc/tugra")), ("0o750", 0, gid))
        self.assertEqual(mode(self.path("etc/tugra/tugra.toml")), ("0o640", 0, gid))
        self.assertEqual(mode(self.path("var/lib/tugra")), ("0o700", uid, gid))

        # The installed tugra with the units' environment, pointed into the tree.
        home, config = self.path("var/lib/tugra"), self.path("etc/tugra/tugra.toml")
        port = free_port()
        env = dict(os.environ, TUGRA_HOME=home, TUGRA_CONFIG=config, TUGRA_LANG="en",
                   TUGRA_SERVICE_LISTEN=f"127.0.0.1:{port}")
        env.pop("TUGRA_DATABASE_URL", None)
        tugra = self.path("usr/bin/tugra")
        run([tugra, "init"], env=env)
        self.assertFalse(os.path.exists(os.path.join(home, "tugra.toml")))  # the configuration stays in etc
        self.assertTrue(os.path.exists(os.path.join(home, "tugra.db")))
        self.assertTrue(os.path.isdir(os.path.join(home, "tokens")))
        self.assertIn(b"BEGIN CERTIFICATE", run([tugra, "ca", "chain", "--issuing"], env=env).stdout)
        log_path = os.path.join(self.root, "serve.log")
        with open(log_path, "wb") as log:
            server = subprocess.Popen([tugra, "serve", "--roles", "status"], env=env, stdout=log,
                                      stderr=subprocess.STDOUT)
        self.addCleanup(server.wait, 20)
        self.addCleanup(server.terminate)

        def logged():
            with open(log_path, "rb") as f:
                return f.read().decode(errors="replace")

        def wait_for(what, check):
            for _ in range(100):
                if check():
                    return
                time.sleep(0.2)
            self.fail(f"{what}: {logged()}")

        wait_for("never listened", lambda: "listening on" in logged())
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/crl/nes.crl", timeout=5) as r:
            crl = r.read()
        text = subprocess.run(["openssl", "crl", "-inform", "DER", "-noout", "-text"], input=crl,
                              capture_output=True).stdout
        self.assertIn(b"Certificate Revocation List", text)
        server.send_signal(signal.SIGHUP)  # what `systemctl reload` sends
        wait_for("no reload", lambda: f"Configuration read again: {config}" in logged())
        self.assertIsNone(server.poll())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    unittest.main(verbosity=2)
