"""Shared helpers for the interop tests: a throwaway Tugra home on the engine
chosen by tests/support/with-db, and ways to run tugra, openssl and SQL."""
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

TUGRA = os.environ.get("TUGRA_BIN", "build/bin/tugra")
ENGINE = os.environ.get("TUGRA_TEST_ENGINE", "sqlite")
SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


def run(cmd, check=True, input=None, env=None, cwd=None):
    result = subprocess.run(cmd, input=input, capture_output=True, env=env, cwd=cwd)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{cmd} exited {result.returncode}\nstdout: {result.stdout.decode(errors='replace')}\n"
            f"stderr: {result.stderr.decode(errors='replace')}")
    return result


class Home:
    """A Tugra home in a temporary directory with its own database."""

    def __init__(self, **config_env):
        self.dir = tempfile.mkdtemp(prefix="tugra-interop-")
        self.env = dict(os.environ, TUGRA_HOME=self.dir, TUGRA_LANG="en")
        self.env.update(config_env)
        if ENGINE == "postgresql":
            admin = os.environ["TUGRA_TEST_PG_ADMIN"]
            name = f"i_{os.getpid()}_{time.time_ns()}"
            run(["psql", "-q", admin, "-c", f"CREATE DATABASE {name}"])
            self.env["TUGRA_DATABASE_URL"] = admin.rsplit("/", 1)[0] + "/" + name
        else:
            self.env.pop("TUGRA_DATABASE_URL", None)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def tugra(self, *args, check=True, input=None, **extra_env):
        env = dict(self.env, **extra_env)
        return run([TUGRA, *args], check=check, input=input, env=env)

    def sql(self, query):
        """Runs SQL directly on the home's database (as an attacker or a crash would)."""
        if ENGINE == "postgresql":
            return run(["psql", "-q", "-t", "-A", self.env["TUGRA_DATABASE_URL"], "-c", query]).stdout.decode()
        # Waits for a lock as tugra does (a server may be writing at that moment), instead of failing at once.
        return run(["sqlite3", "-cmd", ".timeout 10000", self.path("tugra.db"), query]).stdout.decode()

    def snapshot(self):
        """Everything a failed command must leave unchanged."""
        certs = self.tugra("ca", "list", "--json").stdout
        audit = self.tugra("audit", "list", "--limit", "100000").stdout
        return certs, audit

    def certificates(self):
        return json.loads(self.tugra("ca", "list", "--json").stdout)

    def write(self, name, data):
        path = self.path(name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return path

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def ec_public_key(home, name="holder", curve="P-256"):
    """Makes a key pair with openssl; returns (private key path, public key path)."""
    key = home.path(f"{name}.key")
    pub = home.path(f"{name}.pub")
    run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{curve}", "-out", key])
    run(["openssl", "pkey", "-in", key, "-pubout", "-out", pub])
    return key, pub


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url, data=None, headers=None, opener=None):
    """(status, headers, body) of a request; HTTP errors are answers too."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with (opener.open(req, timeout=10) if opener else urllib.request.urlopen(req, timeout=10)) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class Daemon:
    """A `tugra` command running in the background, its output in a log file
    of the home; started once `ready()` is true, stopped with SIGTERM."""

    def __init__(self, home, args, ready, log_name, wrapper=(), **extra_env):
        self.log = open(home.path(log_name), "wb")
        # A process group of its own: a wrapper (faketime forks) and the tugra under it stop together.
        self.process = subprocess.Popen([*wrapper, TUGRA, *args], env=dict(home.env, **extra_env), stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(150):
            try:
                if ready():
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        with open(self.log.name, "rb") as f:
            raise AssertionError(f"{args} did not start: " + f.read().decode(errors="replace"))

    def signal_group(self, sig):
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def output(self):
        with open(self.log.name, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
                self.process.wait()
        self.signal_group(signal.SIGKILL)  # anything of the group still alive (a wrapper's child)
        self.log.close()
        return self.process.returncode


class Server(Daemon):
    """`tugra serve` of a home on a free loopback port, ready when /healthz answers."""

    def __init__(self, home, *args, wrapper=(), **extra_env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        super().__init__(home, ["serve", "--listen", f"127.0.0.1:{self.port}", *args],
                         lambda: http(self.base + "/healthz")[0] == 200, f"serve-{self.port}.log", wrapper,
                         **extra_env)


class Waiting:
    """A mixin for test cases: wait_for(what, check) polls `check` every 0.2 s
    and returns its first true value, or fails the test saying `what`, and
    what `details()` returns then (the last answer seen, a server's log)."""

    def wait_for(self, what, check, tries=100, details=None):
        for _ in range(tries):
            value = check()
            if value:
                return value
            time.sleep(0.2)
        self.fail(what + ("\n" + details() if details else ""))


def faketime(days):
    """A command prefix that runs a program `days` days from now (Debian's
    libfaketime). The monotonic clock stays real: timed waits keep their length.
    The library is preloaded directly: the `faketime` wrapper keeps a POSIX
    semaphore named after its pid, which a killed wrapper leaves behind, and a
    later wrapper with the same pid then refuses to start ("sem_open: File exists")."""
    library = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")[0]
    return ["env", f"LD_PRELOAD={library}", f"FAKETIME=+{days}d", "FAKETIME_DONT_FAKE_MONOTONIC=1"]


def main():
    unittest.main(verbosity=2)
