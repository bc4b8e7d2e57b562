// The CA against real parts: SoftHSM2 holds the keys, and the database is
// SQLite or PostgreSQL (TUGRA_DATABASE_URL, set by tests/support/with-db).
#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>
#include <soci/soci.h>

#include <filesystem>
#include <random>
#include <atomic>
#include <set>
#include <thread>

#include "ca/authority.hpp"
#include "ca/certificates.hpp"
#include "ca/issuance_queue.hpp"
#include "ca/revocation.hpp"
#include "store/database.hpp"
#include "store/ledger.hpp"
#include "store/records.hpp"
#include "common/error.hpp"
#include "crypto/openssl.hpp"
#include "crypto/software_signer.hpp"

using namespace tugra;
using namespace tugra::ca;
namespace fs = std::filesystem;

namespace {

fs::path g_home;

Config config() { return Config::load(g_home); }

// The CA over a ledger of its own, with the status changes (which need no
// CA key) beside it, as one object for the tests.
class TestCa {
 public:
  TestCa() : ledger_(store::Ledger::open(config(), "test")), ca_(CertificateAuthority::open(config(), *ledger_)) {}
  ~TestCa() { ca_.reset(); }
  IssueResult issue(const IssueRequest& r) { return ca_->issue(r); }
  CertificateAuthority& authority() { return *ca_; }
  std::string chain_pem() { return ca_->chain_pem(); }
  store::CertificateRecord suspend(const std::string& s) { return Certificates(*ledger_).suspend(s); }
  store::CertificateRecord unsuspend(const std::string& s) { return Certificates(*ledger_).unsuspend(s); }
  store::CertificateRecord revoke(const std::string& s, int reason) { return Certificates(*ledger_).revoke(s, reason); }
  std::optional<store::CertificateRecord> find(const std::string& s) { return Certificates(*ledger_).find(s); }
  std::vector<store::CertificateRecord> list(const std::string& tckn) { return Certificates(*ledger_).list(tckn); }
  store::AuditLog& audit() { return ledger_->audit(); }
  Bytes audit_public_key() { return ledger_->audit_public_key(); }
  void checkpoint() { ledger_->checkpoint(); }
  store::Database& database() { return ledger_->database(); }

 private:
  std::unique_ptr<store::Ledger> ledger_;
  std::unique_ptr<CertificateAuthority> ca_;
};

std::unique_ptr<TestCa> open_ca() { return std::make_unique<TestCa>(); }

std::string public_key_pem(const char* algorithm = "ecdsa-p256") {
  auto key = SoftwareSigner::generate(parse_key_algorithm(algorithm));
  Bytes spki = key->public_key_der();
  return "-----BEGIN PUBLIC KEY-----\n" + base64_encode(spki) + "\n-----END PUBLIC KEY-----\n";
}

IssueRequest request(const std::string& tckn = "12345678950") {
  IssueRequest r;
  r.holder = {tckn, "Şule", "Ünlü", std::string("Ankara")};
  r.public_key = public_key_pem();
  return r;
}

// What an operation that fails must leave as it was.
struct Snapshot {
  std::size_t certificates;
  std::size_t audit_records;
  bool operator==(const Snapshot&) const = default;
};
Snapshot snapshot(TestCa& ca) {
  return {ca.list("").size(), ca.audit().list(0, 1000000).size()};
}

class CaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_process_lang(Lang::en);
    g_home = fs::temp_directory_path() / ("tugra-ca-test-" + std::to_string(::getpid()));
    fs::remove_all(g_home);
    auto cfg = Config::load(g_home);
    CertificateAuthority::initialize(cfg, "test");
  }
  static void TearDownTestSuite() { fs::remove_all(g_home); }
};

}  // namespace

TEST_F(CaTest, InitRefusesAnExistingCa) {
  try {
    CertificateAuthority::initialize(config(), "test");
    FAIL() << "second init succeeded";
  } catch (const UserError& e) {
    EXPECT_EQ(e.key(), "ca.exists");
  }
}

TEST_F(CaTest, IssuedCertificateChainsToTheRoot) {
  auto ca = open_ca();
  auto result = ca->issue(request());
  EXPECT_FALSE(result.existed);
  EXPECT_EQ(result.record.status, store::CertStatus::valid);

  auto chain = ca->chain_pem();
  auto nes = ossl::cert_from_pem_or_der(chain.substr(0, chain.find("-----END CERTIFICATE-----") + 26));
  auto root = ossl::cert_from_pem_or_der(chain.substr(chain.find("-----END CERTIFICATE-----") + 26));
  auto leaf = ossl::cert_from_der(result.der);
  ossl::Ptr<X509_STORE, X509_STORE_free> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), root.get());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  sk_X509_push(untrusted, nes.get());
  ossl::Ptr<X509_STORE_CTX, X509_STORE_CTX_free> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted);
  EXPECT_EQ(X509_verify_cert(ctx.get()), 1) << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  sk_X509_free(untrusted);
}

TEST_F(CaTest, RetriesAreIdempotent) {
  auto ca = open_ca();
  auto req = request("11111111110");
  auto first = ca->issue(req);
  auto again = ca->issue(req);
  EXPECT_TRUE(again.existed);
  EXPECT_EQ(again.record.serial, first.record.serial);
  EXPECT_EQ(again.der, first.der);

  req.request_id = "order-1";
  auto with_id = ca->issue(req);
  EXPECT_NE(with_id.record.serial, first.record.serial);
  EXPECT_EQ(ca->issue(req).record.serial, with_id.record.serial);
  auto other = request("11111111110");
  other.request_id = "order-1";
  try {
    ca->issue(other);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_EQ(e.key(), "ca.request_id_conflict");
  }
}

TEST_F(CaTest, SuspendedIssuanceAndRenewalLink) {
  auto ca = open_ca();
  auto old = ca->issue(request("50000000050"));
  auto req = request("50000000050");
  req.suspended = true;
  req.years = 5;
  req.renews = old.record.serial;
  auto renewal = ca->issue(req);
  EXPECT_EQ(renewal.record.status, store::CertStatus::suspended);
  EXPECT_EQ(renewal.record.revocation_reason, kReasonCertificateHold);
  EXPECT_EQ(renewal.record.renews, old.record.serial);
  EXPECT_EQ(ca->find(renewal.record.serial)->renews, old.record.serial);

  auto stranger = request("98765432150");
  stranger.renews = old.record.serial;
  EXPECT_THROW(ca->issue(stranger), UserError);
}

TEST_F(CaTest, ConcurrentRequestsShareBatchesAndEachGetsItsOwnCertificate) {
  auto ca = open_ca();
  IssuanceQueue queue(ca->authority());
  constexpr int kThreads = 8, kEach = 6;
  std::vector<std::vector<std::string>> serials(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> refused{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = request("10000000146");
        r.request_id = "queue-" + std::to_string(t) + "-" + std::to_string(i);
        serials[t].push_back(queue.issue(r).record.serial);
        auto bad = request("10000000147");  // a wrong checksum: refused, alone
        try {
          queue.issue(bad);
        } catch (const UserError&) {
          ++refused;
        }
      }
    });
  for (auto& t : threads) t.join();
  std::set<std::string> distinct;
  for (const auto& list : serials) distinct.insert(list.begin(), list.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(refused, kThreads * kEach);
  for (const auto& serial : distinct) EXPECT_EQ(ca->find(serial)->status, store::CertStatus::valid) << serial;
  // A batch refuses its bad requests one by one, and gives a request made twice one certificate.
  auto r = request("10000000146");
  r.request_id = "queue-0-0";
  r.public_key.reset();
  auto again = ca->authority().issue_batch({r, r});
  ASSERT_TRUE(again[0].error && again[1].error);  // without a key: refused, both
  auto fresh = request("10000000146");
  fresh.request_id = "twice-in-one-batch";
  auto twice = ca->authority().issue_batch({fresh, fresh});
  ASSERT_TRUE(twice[0].result && twice[1].result);
  EXPECT_EQ(twice[0].result->record.serial, twice[1].result->record.serial);
  EXPECT_FALSE(twice[0].result->existed);
  EXPECT_TRUE(twice[1].result->existed);
}

// A CA key that refuses while `failing` is set (a token gone away), else
// signs with the real one.
class FlakySigner final : public Signer {
 public:
  explicit FlakySigner(std::unique_ptr<Signer> inner) : inner_(std::move(inner)) {}
  SignatureScheme scheme() const override { return inner_->scheme(); }
  const Bytes& public_key_der() const override { return inner_->public_key_der(); }
  Bytes sign_digest(ByteView digest) const override {
    if (failing) throw std::runtime_error("the token went away");
    return inner_->sign_digest(digest);
  }
  std::atomic<bool> failing{true};

 private:
  std::unique_ptr<Signer> inner_;
};

TEST_F(CaTest, ConcurrentRequestsWhoseSignaturesFailLeaveIntentsThatRecoveryCompletes) {
  auto ca = open_ca();
  auto& authority = ca->authority();
  auto flaky = std::make_unique<FlakySigner>(authority.take_signer_for_benchmark("nes"));
  FlakySigner* key = flaky.get();
  authority.replace_signer_for_benchmark("nes", std::move(flaky));
  IssuanceQueue queue(authority);
  constexpr int kThreads = 6;
  std::vector<IssueRequest> requests;
  for (int t = 0; t < kThreads; ++t) {
    requests.push_back(request("10000000146"));
    requests.back().request_id = "flaky-" + std::to_string(t);
  }
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      try {
        queue.issue(requests[t]);
      } catch (const UserError&) {
      } catch (const std::exception&) {
        ++failed;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, kThreads);  // no thread got an answer without its signature
  soci::session& sql = ca->database().sql();
  int pending = 0;
  sql << "SELECT COUNT(*) FROM certificates WHERE status = 'pending' AND request_key LIKE 'id:flaky-%'", soci::into(pending);
  EXPECT_EQ(pending, kThreads);  // every intent on disk before its signature was tried
  key->failing = false;
  EXPECT_EQ(authority.recover_pending(), kThreads);
  // A retry gets the certificate recovery made, signed over the intent's bytes.
  for (int t = 0; t < kThreads; ++t) {
    auto again = queue.issue(requests[t]);
    EXPECT_TRUE(again.existed);
    EXPECT_EQ(again.record.status, store::CertStatus::valid);
  }
}

// A CA key that notes, at each signature, how many times the database had
// made its commits durable.
class SyncWatchingSigner final : public Signer {
 public:
  SyncWatchingSigner(std::unique_ptr<Signer> inner, const store::Database& db) : inner_(std::move(inner)), db_(db) {}
  SignatureScheme scheme() const override { return inner_->scheme(); }
  const Bytes& public_key_der() const override { return inner_->public_key_der(); }
  Bytes sign_digest(ByteView digest) const override {
    std::lock_guard lock(mutex_);
    syncs_seen.push_back(db_.syncs());
    return inner_->sign_digest(digest);
  }
  mutable std::mutex mutex_;
  mutable std::vector<std::uint64_t> syncs_seen;

 private:
  std::unique_ptr<Signer> inner_;
  const store::Database& db_;
};

TEST_F(CaTest, QueueSignsAnIntentOnlyAfterItsCommitIsSyncedAndBatchesShareOneSync) {
  auto ca = open_ca();
  auto& authority = ca->authority();
  auto watching = std::make_unique<SyncWatchingSigner>(authority.take_signer_for_benchmark("nes"), ca->database());
  SyncWatchingSigner* key = watching.get();
  authority.replace_signer_for_benchmark("nes", std::move(watching));
  IssuanceQueue queue(authority);
  // One request at a time: each intent is a step of its own, committed
  // without the sync; its signature must come after the sync of that step.
  std::uint64_t before = ca->database().syncs();
  for (int i = 1; i <= 3; ++i) {
    auto r = request("10000000146");
    r.request_id = "one-at-a-time-" + std::to_string(i);
    queue.issue(r);
    ASSERT_EQ(key->syncs_seen.size(), static_cast<std::size_t>(i));
    EXPECT_GE(key->syncs_seen.back(), before + static_cast<std::uint64_t>(i)) << "signed before the sync of its intent";
  }
  // Ten requests queued at once share one step and one sync; the results,
  // in order, include a refusal and a request made twice.
  std::vector<IssueRequest> bulk;
  for (int i = 0; i < 10; ++i) {
    bulk.push_back(request("10000000146"));
    bulk.back().request_id = "bulk-" + std::to_string(i);
  }
  bulk[4].holder.tckn = "10000000147";  // a wrong checksum
  bulk[7] = bulk[2];
  before = ca->database().syncs();
  std::vector<IssueOutcome> outcomes;
  queue.issue_all(bulk, [&](std::size_t i, const IssueOutcome& outcome) {
    EXPECT_EQ(i, outcomes.size());
    outcomes.push_back(outcome);
  });
  EXPECT_EQ(ca->database().syncs(), before + 1);
  ASSERT_EQ(outcomes.size(), bulk.size());
  EXPECT_TRUE(outcomes[4].error.has_value());
  ASSERT_TRUE(outcomes[2].result && outcomes[7].result);
  EXPECT_EQ(outcomes[7].result->record.serial, outcomes[2].result->record.serial);
  EXPECT_TRUE(outcomes[7].result->existed);
  std::set<std::string> serials;
  for (std::size_t i = 0; i < outcomes.size(); ++i)
    if (i != 4 && i != 7) {
      ASSERT_TRUE(outcomes[i].result) << i;
      EXPECT_EQ(ca->find(outcomes[i].result->record.serial)->status, store::CertStatus::valid);
      serials.insert(outcomes[i].result->record.serial);
    }
  EXPECT_EQ(serials.size(), 8u);
  for (std::size_t k = 3; k < key->syncs_seen.size(); ++k) EXPECT_EQ(key->syncs_seen[k], before + 1);
}

TEST_F(CaTest, ARetryOfAnIntentNotYetSyncedSyncsItBeforeSigning) {
  auto ca = open_ca();
  auto& authority = ca->authority();
  auto watching = std::make_unique<SyncWatchingSigner>(authority.take_signer_for_benchmark("nes"), ca->database());
  SyncWatchingSigner* key = watching.get();
  authority.replace_signer_for_benchmark("nes", std::move(watching));
  // The queue's database thread commits an intent without the sync...
  auto r = request("10000000146");
  r.request_id = "retried-before-its-sync";
  auto batch = authority.check_batch({r});
  std::vector<Bytes> none;
  authority.write_step(batch, {}, none, /*defer_sync=*/true);
  ASSERT_EQ(ca->find(batch.intents.at(0).serial)->status, store::CertStatus::pending);
  // ...and a retry of the same request completes it before the sync thread has.
  std::uint64_t before = ca->database().syncs();
  auto retried = ca->issue(r);
  EXPECT_TRUE(retried.existed);
  EXPECT_EQ(retried.record.serial, batch.intents.at(0).serial);
  ASSERT_EQ(key->syncs_seen.size(), 1u);
  EXPECT_GT(key->syncs_seen.front(), before) << "signed before its intent was synced";
}

TEST_F(CaTest, ARetryOfARequestStillInTheQueueGetsTheSameCertificate) {
  auto ca = open_ca();
  IssuanceQueue queue(ca->authority());
  auto r = request("10000000146");
  r.request_id = "twice-at-once";
  constexpr int kThreads = 6;
  std::vector<std::string> serials(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back([&, t] { serials[t] = queue.issue(r).record.serial; });
  for (auto& t : threads) t.join();
  for (const auto& serial : serials) EXPECT_EQ(serial, serials.front());
  EXPECT_EQ(ca->find(serials.front())->status, store::CertStatus::valid);
  int issued = 0;
  ca->database().sql() << "SELECT COUNT(*) FROM certificates WHERE request_key = 'id:twice-at-once'", soci::into(issued);
  EXPECT_EQ(issued, 1);
}

TEST_F(CaTest, StatusLifecycleAndRevocationIsFinal) {
  auto ca = open_ca();
  auto serial = ca->issue(request("10000008098")).record.serial;
  EXPECT_EQ(ca->suspend(serial).status, store::CertStatus::suspended);
  EXPECT_THROW(ca->suspend(serial), UserError);
  EXPECT_EQ(ca->unsuspend(serial).status, store::CertStatus::valid);
  EXPECT_THROW(ca->unsuspend(serial), UserError);
  auto revoked = ca->revoke(serial, parse_revocation_reason("keyCompromise"));
  EXPECT_EQ(revoked.status, store::CertStatus::revoked);
  EXPECT_EQ(revoked.revocation_reason, 1);
  EXPECT_TRUE(revoked.revoked_at.has_value());
  auto before = snapshot(*ca);
  EXPECT_THROW(ca->revoke(serial, 0), UserError);
  EXPECT_THROW(ca->unsuspend(serial), UserError);
  EXPECT_THROW(ca->suspend(serial), UserError);
  EXPECT_EQ(ca->find(serial)->status, store::CertStatus::revoked);
  EXPECT_EQ(snapshot(*ca), before);
  EXPECT_THROW(ca->suspend("ABCDEF0123"), UserError);
  EXPECT_THROW(parse_revocation_reason("certificateHold"), UserError);
}

TEST_F(CaTest, BadRequestsChangeNothing) {
  auto ca = open_ca();
  auto before = snapshot(*ca);
  auto expect_refused = [&](IssueRequest r, const char* key) {
    try {
      ca->issue(r);
      ADD_FAILURE() << "accepted: " << key;
    } catch (const UserError& e) {
      EXPECT_EQ(e.key(), key);
    }
  };
  expect_refused(request("12345678901"), "ca.invalid_tckn");
  auto weak = request();
  weak.public_key = "-----BEGIN PUBLIC KEY-----\n" +
                    base64_encode(SoftwareSigner(ossl::Pkey(EVP_RSA_gen(1024)), SignatureScheme::rsa_pkcs1_sha256)
                                      .public_key_der()) +
                    "\n-----END PUBLIC KEY-----\n";
  expect_refused(weak, "ca.weak_key");
  auto years = request();
  years.years = 4;
  expect_refused(years, "ca.bad_years");
  auto limit = request();
  limit.limit = "-10";
  expect_refused(limit, "ca.bad_limit");
  auto garbage = request();
  garbage.public_key.reset();
  garbage.csr = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
  expect_refused(garbage, "ca.bad_csr");
  auto both = request();
  both.csr = "x";
  expect_refused(both, "ca.need_key_or_csr");
  auto renew_missing = request();
  renew_missing.renews = "0102030405060708";
  expect_refused(renew_missing, "ca.not_found");
  EXPECT_EQ(snapshot(*ca), before);
}

TEST_F(CaTest, AuditChainVerifiesAndRecordsEveryEvent) {
  auto ca = open_ca();
  auto serial = ca->issue(request("98765432150")).record.serial;
  ca->suspend(serial);
  ca->checkpoint();
  auto result = ca->audit().verify(ca->audit_public_key());
  EXPECT_TRUE(result.ok) << result.problem << " at " << result.first_bad_seq;
  EXPECT_GT(result.checkpoints, 0);
  std::vector<std::string> events;
  for (const auto& r : ca->audit().list(0, 1000000))
    if (r.subject == serial) events.push_back(r.event);
  EXPECT_EQ(events, (std::vector<std::string>{"certificate.intent", "certificate.issued", "certificate.suspended"}));
  // A wrong key fails every checkpoint.
  auto other = SoftwareSigner::generate(parse_key_algorithm("ecdsa-p256"));
  auto forged = ca->audit().verify(other->public_key_der());
  EXPECT_FALSE(forged.ok);
  EXPECT_EQ(forged.problem, "audit.problem.checkpoint_signature");
}

// CRLs are stored as bytes in parts of 1 MiB (written straight from the kept
// list); a CRL of several parts and a row of the release before, with base64
// text in crls.der, both read back as the same bytes; deleting a CRL deletes
// its parts.
TEST_F(CaTest, CrlBytesRoundTripInPartsAndOldRowsStillRead) {
  auto ca = open_ca();
  for (int i = 0; i < 3; ++i) ca->revoke(ca->issue(request()).record.serial, 1);
  auto published = ca->authority().publish_crl("nes");
  auto& db = ca->database();
  auto stored = store::CrlRepository(db).latest("nes");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->number, published.number);
  const auto* p = reinterpret_cast<const unsigned char*>(stored->der.data());
  ossl::Ptr<X509_CRL, X509_CRL_free> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(stored->der.size())));
  ASSERT_TRUE(crl);
  EXPECT_EQ(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl.get())), published.entries);
  EXPECT_GE(published.entries, 3);
  // A reader holding this CRL is told of nothing newer, and reads no bytes.
  EXPECT_FALSE(store::CrlRepository(db).latest("nes", published.number));
  EXPECT_EQ(store::CrlRepository(db).latest("nes", published.number - 1)->number, published.number);

  std::mt19937 rng(15);
  std::string big(3 * (1 << 20) + 12345, '\0');  // three whole parts and a piece, zero bytes among them
  for (std::size_t i = 0; i < big.size(); i += 3) big[i] = static_cast<char>(rng());
  auto count = [&](const std::string& query) {
    long long n = 0;
    db.sql() << query, soci::into(n);
    return n;
  };
  store::CrlRecord record{"nes", published.number + 1, 1, 2, 0, big, 0, 0};
  {
    store::Transaction tx(db);
    store::CrlRepository(db).insert(record);
    tx.commit();
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM crl_parts WHERE number = " + std::to_string(record.number)), 4);
  EXPECT_EQ(store::CrlRepository(db).latest("nes")->der, big);

  std::string old_bytes = "\x30\x03\x02\x01\x00 and zeros \0\0";
  std::int64_t old_number = record.number + 1;
  {
    store::Transaction tx(db);
    db.sql() << "INSERT INTO crls (issuer, number, this_update, next_update, entries, der, delta_base, change_seq) "
                "VALUES ('nes', :n, 1, 2, 0, :der, 0, 0)",
        soci::use(static_cast<long long>(old_number)), soci::use(base64_encode(as_bytes(old_bytes)));
    tx.commit();
  }
  EXPECT_EQ(store::CrlRepository(db).latest("nes")->der, old_bytes);
  {
    store::Transaction tx(db);
    db.sql() << "DELETE FROM crls WHERE issuer = 'nes' AND number > :n", soci::use(static_cast<long long>(published.number));
    tx.commit();
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM crl_parts WHERE number > " + std::to_string(published.number)), 0);
  EXPECT_EQ(store::CrlRepository(db).latest("nes")->der, stored->der);
}

TEST_F(CaTest, MigrationsRunOnceAndReopenCleanly) {
  auto first = open_ca();
  int version = first->database().schema_version();
  EXPECT_GE(version, 1);
  auto second = open_ca();
  EXPECT_EQ(second->database().schema_version(), version);
}
