"""Concurrent officer decisions on one application: every transition is a
conditional update inside the ledger's transaction, so of approvals and
rejections pressed at the same moment exactly one wins, the production
queue gets at most one request, and the audit log agrees with the state."""
import json
import threading
import unittest

import harness
from portal_client import CAGRI, OFFICER, SUKRU, PortalSteps, tckn


class DecisionRaces(PortalSteps, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = harness.Home(TUGRA_PORTAL_DEMO="true", TUGRA_PORTAL_CAPTCHA_FIXED="ABCDE",
                                TUGRA_PORTAL_OFFICER_LOGINS_PER_MINUTE="1000",
                                TUGRA_PORTAL_ARGON2_MEMORY_KIB="8192", TUGRA_PORTAL_ARGON2_OPS="1",
                                TUGRA_PORTAL_POSTS_PER_MINUTE="1000", TUGRA_PORTAL_THREADS="8")
        cls.home.tugra("init")
        cls.home.tugra("demo", "seed")
        # Colleagues of the demo officer, each with a second factor of their own
        # (a code is accepted once: eight sessions need eight officers).
        institution = cls.home.sql(f"SELECT institution_id FROM officers WHERE username = '{OFFICER[0]}'").strip()
        cls.colleagues = []
        for i in range(8):
            username, password = f"memur.{i}", f"Memur-Parola-{i}-2026"
            out = cls.home.tugra("institution", "officer-add", "--institution", institution, "--username", username,
                                 "--tckn", tckn(f"55500000{i}"), "--name", f"Memur {i}", "--password-stdin",
                                 input=(password + "\n").encode()).stdout.decode()
            cls.colleagues.append((username, password, out.split()[-1]))
        cls.server = harness.Server(cls.home, "--roles", "portal")
        cls.base = cls.server.base

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.home.remove()

    def received_application(self, person):
        """An application whose signed form the officer has recorded."""
        self.apply(person)
        app_id = self.application_id(person["tckn"])
        self.assertEqual(self.officer().post(f"/kurum/basvuru/{app_id}/teslim", {"receipt_no": f"DK-{app_id}"})[0],
                         303)
        return app_id

    def at_once(self, posts):
        """Runs (browser, path) POSTs in threads released together; returns their statuses."""
        barrier = threading.Barrier(len(posts))
        statuses = [None] * len(posts)

        def go(i, browser, path, fields):
            barrier.wait()
            statuses[i] = browser.post(path, fields)[0]

        threads = [threading.Thread(target=go, args=(i, *p)) for i, p in enumerate(posts)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return statuses

    def events_for(self, tckn):
        lines = self.home.tugra("audit", "list", "--limit", "100000").stdout.decode().splitlines()
        return [line.split("\t")[2] for line in lines if line.split("\t")[4] == tckn]

    def production_requests(self, tckn):
        return [r for r in json.loads(self.home.tugra("production", "list", "--json").stdout) if r["tckn"] == tckn]

    def test_eight_officer_sessions_approve_at_once(self):
        app_id = self.received_application(CAGRI)
        sessions = [self.officer(*colleague, fresh=True) for colleague in self.colleagues]
        statuses = self.at_once([(s, f"/kurum/basvuru/{app_id}/onay", {}) for s in sessions])
        self.assertEqual(statuses.count(303), 1, statuses)
        self.assertEqual(statuses.count(400), 7, statuses)
        self.assertEqual(len(self.production_requests(CAGRI["tckn"])), 1)
        self.assertEqual(self.events_for(CAGRI["tckn"]).count("application.approved"), 1)
        self.assertEqual(self.home.sql(f"SELECT state FROM applications WHERE id = {app_id}").strip(), "approved")
        self.assertIn("Audit chain intact", self.home.tugra("audit", "verify").stdout.decode())

    def test_approve_and_reject_at_once_make_one_decision(self):
        app_id = self.received_application(SUKRU)
        a, r = self.officer(*self.colleagues[0], fresh=True), self.officer(*self.colleagues[1], fresh=True)
        statuses = self.at_once([(a, f"/kurum/basvuru/{app_id}/onay", {}),
                                 (r, f"/kurum/basvuru/{app_id}/red", {"reason": "Eksik belge"})])
        self.assertEqual(sorted(statuses), [303, 400], statuses)
        state = self.home.sql(f"SELECT state FROM applications WHERE id = {app_id}").strip()
        events = self.events_for(SUKRU["tckn"])
        requests = self.production_requests(SUKRU["tckn"])
        if state == "approved":
            self.assertEqual((events.count("application.approved"), events.count("application.rejected")), (1, 0))
            self.assertEqual(len(requests), 1)
        else:
            self.assertEqual(state, "rejected")
            self.assertEqual((events.count("application.approved"), events.count("application.rejected")), (0, 1))
            self.assertEqual(requests, [])
        self.assertIn("Audit chain intact", self.home.tugra("audit", "verify").stdout.decode())


if __name__ == "__main__":
    harness.main()
