"""The LDAP directory on both databases: Debian's slapd on loopback, written
by the portal (directory.ldap_url) and read back with ldapsearch and openssl.
A published certificate appears as userCertificate;binary, an unpublished
one never; its status follows (suspended, valid, revoked) and each CA's
newest CRL is certificateRevocationList;binary, listing the revoked serial."""
import base64
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import harness
from harness import Waiting, free_port, run
from portal_client import AYSE, PortalSteps

BASE = "dc=tugra,dc=example"
ADMIN = "cn=admin," + BASE
SLAPD = "/usr/sbin/slapd"


class Slapd:
    """A throwaway OpenLDAP server with an mdb database for BASE."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tugra-slapd-")
        os.mkdir(os.path.join(self.dir, "db"))
        self.password = "ldap-test-password"
        config = os.path.join(self.dir, "slapd.conf")
        with open(config, "w") as f:
            f.write("\n".join([
                "include /etc/ldap/schema/core.schema", "include /etc/ldap/schema/cosine.schema",
                "include /etc/ldap/schema/inetorgperson.schema", f"pidfile {self.dir}/slapd.pid",
                "modulepath /usr/lib/ldap", "moduleload back_mdb", "database mdb", f'suffix "{BASE}"',
                f'rootdn "{ADMIN}"', f"rootpw {self.password}", f"directory {self.dir}/db", ""]))
        self.url = f"ldap://127.0.0.1:{free_port()}"
        self.log = open(os.path.join(self.dir, "slapd.log"), "wb")
        # -d 0: in the foreground, so that the test owns the process.
        self.process = subprocess.Popen([SLAPD, "-f", config, "-h", self.url + "/", "-d", "0"], stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(100):
            if run(["ldapsearch", "-x", "-H", self.url, "-b", "", "-s", "base"], check=False).returncode == 0:
                break
            time.sleep(0.1)
        run(["ldapadd", "-x", "-H", self.url, "-D", ADMIN, "-w", self.password],
            input=f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: tugra\no: Tugra\n".encode())

    def search(self, base, *attributes, filter="(objectClass=*)"):
        """The entries under `base` as {dn: {attribute: [values as bytes]}}."""
        out = run(["ldapsearch", "-x", "-H", self.url, "-b", base, "-LLL", "-o", "ldif-wrap=no", filter,
                   *attributes], check=False)
        if out.returncode == 32:  # no such object
            return {}
        self.check = out
        entries, dn = {}, None
        for line in out.stdout.decode().splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition(":")
            if sep and value.startswith(":"):
                data = base64.b64decode(value[1:].strip())
            else:
                data = value.strip().encode()
            if name == "dn":
                dn = data.decode()
                entries[dn] = {}
            else:
                entries[dn].setdefault(name, []).append(data)
        return entries

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class LdapDirectory(PortalSteps, Waiting, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.slapd = Slapd()
        cls.addClassCleanup(cls.slapd.stop)
        password_file = os.path.join(cls.slapd.dir, "bind-password")
        with open(password_file, "w") as f:
            f.write(cls.slapd.password + "\n")
        cls.start_demo(TUGRA_DIRECTORY_LDAP_URL=cls.slapd.url, TUGRA_DIRECTORY_LDAP_BIND_DN=ADMIN,
                       TUGRA_DIRECTORY_LDAP_PASSWORD_FILE=password_file, TUGRA_WEBHOOKS_POLL_MILLISECONDS="200")

    def certificate(self, serial):
        found = self.slapd.search(f"ou=certificates,{BASE}", "userCertificate;binary", "description", "cn", "o",
                                  filter=f"(uid={serial})")
        return next(iter(found.values()), None)

    def test_published_certificates_status_and_crl(self):
        published = self.make_card(AYSE, mobile="0535 000 11 22")
        hidden_person = self.register_person("555666778", "7001", "Selin", "Aydın")
        hidden = self.make_card(hidden_person, mobile="0535 000 11 23", publish="no")

        entry = self.wait_for("the published certificate in LDAP", lambda: self.certificate(published))
        der = entry["userCertificate;binary"][0]
        text = run(["openssl", "x509", "-inform", "DER", "-noout", "-serial", "-subject"], input=der).stdout.decode()
        self.assertIn(f"serial={published}", text)
        self.assertEqual(entry["cn"], ["AYŞE YILMAZ".encode()])
        self.assertEqual(entry["o"], [b"TEST KURUM"])
        self.assertEqual(entry["description"], [b"suspended"])  # on hold until the holder activates it
        # The one whose holder said no is never written.
        self.assertIsNone(self.certificate(hidden))
        self.assertEqual(len(self.slapd.search(f"ou=certificates,{BASE}", "uid",
                                               filter="(objectClass=inetOrgPerson)")), 1)

        self.home.tugra("ca", "unsuspend", published)
        self.wait_for("the activation in LDAP", lambda: "description" not in self.certificate(published))
        self.home.tugra("ca", "revoke", published, "--reason", "keyCompromise")
        self.wait_for("the revocation in LDAP", lambda: self.certificate(published).get("description") == [b"revoked"])

        # The CA's newest CRL, with the revoked serial in it.
        self.home.tugra("crl", "generate")

        def crl_lists_it():
            found = self.slapd.search(f"ou=authorities,{BASE}", "certificateRevocationList;binary",
                                      "cACertificate;binary", filter="(cn=nes)")
            entry = next(iter(found.values()), {})
            if "certificateRevocationList;binary" not in entry:
                return None
            crl = entry["certificateRevocationList;binary"][0]
            text = run(["openssl", "crl", "-inform", "DER", "-noout", "-text"], input=crl).stdout.decode()
            # A CRL of before the revocation lists it on hold: wait for the one after.
            listed = text.replace(":", "").split("Serial Number ")
            entry_text = next((e for e in listed if e.startswith(published)), "")
            return (text, entry) if "Key Compromise" in entry_text else None

        text, entry = self.wait_for("the CRL in LDAP listing the revoked certificate", crl_lists_it)
        ca = run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"],
                 input=entry["cACertificate;binary"][0]).stdout.decode()
        self.assertIn("subject=", ca)


if __name__ == "__main__":
    harness.main()
