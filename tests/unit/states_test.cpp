// The state machines of store/states.hpp and the freshness rule: what may
// follow what, and names that round-trip through the database.
#include <gtest/gtest.h>

#include "ca/nes_policy.hpp"
#include "common/freshness.hpp"
#include "store/states.hpp"

using namespace tugra;
using namespace tugra::store;

TEST(States, CertificateTransitions) {
  using S = CertStatus;
  EXPECT_TRUE(allowed(S::pending, S::suspended));  // a card delivered on hold
  EXPECT_TRUE(allowed(S::valid, S::suspended));
  EXPECT_TRUE(allowed(S::suspended, S::valid));
  EXPECT_TRUE(allowed(S::suspended, S::revoked));
  EXPECT_FALSE(allowed(S::revoked, S::valid));  // revocation is final
  EXPECT_FALSE(allowed(S::revoked, S::suspended));
  EXPECT_FALSE(allowed(S::valid, S::pending));
  EXPECT_FALSE(allowed(S::pending, S::revoked));  // an intent is completed, never revoked
}

TEST(States, ApplicationTransitions) {
  using S = ApplicationState;
  EXPECT_TRUE(allowed(S::draft, S::confirmed));
  EXPECT_TRUE(allowed(S::submitted, S::draft));  // the form changed: confirmed by SMS again
  EXPECT_TRUE(allowed(S::received, S::approved));
  EXPECT_TRUE(allowed(S::submitted, S::rejected));
  EXPECT_FALSE(allowed(S::submitted, S::approved));  // the signed form must be received first
  EXPECT_FALSE(allowed(S::approved, S::rejected));   // one decision
  EXPECT_FALSE(allowed(S::rejected, S::approved));
  EXPECT_FALSE(allowed(S::received, S::draft));      // the officer holds the form
}

TEST(States, ProductionTransitions) {
  using S = ProductionState;
  EXPECT_TRUE(allowed(S::queued, S::in_progress));
  EXPECT_TRUE(allowed(S::in_progress, S::done));
  EXPECT_TRUE(allowed(S::in_progress, S::failed));
  EXPECT_FALSE(allowed(S::done, S::in_progress));
  EXPECT_FALSE(allowed(S::failed, S::done));
  EXPECT_FALSE(allowed(S::queued, S::done));
}

TEST(States, NamesRoundTrip) {
  for (auto s : {CertStatus::pending, CertStatus::valid, CertStatus::suspended, CertStatus::revoked})
    EXPECT_EQ(parse_cert_status(to_string(s)), s);
  for (auto s : {ApplicationState::draft, ApplicationState::confirmed, ApplicationState::submitted,
                 ApplicationState::received, ApplicationState::approved, ApplicationState::rejected})
    EXPECT_EQ(parse_application_state(to_string(s)), s);
  ProductionState p;
  EXPECT_TRUE(try_parse_production_state("in_progress", p));
  EXPECT_EQ(p, ProductionState::in_progress);
  EXPECT_FALSE(try_parse_production_state("shipped", p));
  EXPECT_THROW(parse_application_state("approved "), std::runtime_error);
}

TEST(Freshness, RenewedAtHalfTheValidity) {
  EXPECT_FALSE(freshness::needs_renewal(1000, 2000, 1499));
  EXPECT_TRUE(freshness::needs_renewal(1000, 2000, 1500));
  EXPECT_TRUE(freshness::needs_renewal_after(1000, 1000, 1500));
  EXPECT_FALSE(freshness::needs_renewal_after(1000, 43200, 1000 + 21599));
}

TEST(NesPolicy, LifetimesAndValidity) {
  EXPECT_TRUE(ca::nes_policy::allowed_years(3));
  EXPECT_TRUE(ca::nes_policy::allowed_years(5));
  EXPECT_FALSE(ca::nes_policy::allowed_years(4));
  EXPECT_FALSE(ca::nes_policy::allowed_years(10));
  EXPECT_EQ(ca::nes_policy::max_validity_days(), 5 * 366);
  EXPECT_EQ(ca::nes_policy::year_choices()[0], "3");
}
