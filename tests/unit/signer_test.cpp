#include "crypto/signer.hpp"

#include <gtest/gtest.h>

#include "crypto/software_signer.hpp"

using namespace tugra;

TEST(SoftwareSigner, EverySchemeSignsAndVerifies) {
  for (const char* name : {"ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-4096-pss"}) {
    auto signer = SoftwareSigner::generate(parse_key_algorithm(name));
    Bytes data = random_bytes(100);
    Bytes sig = signer->sign(data);
    EXPECT_TRUE(verify_signature(signer->public_key_der(), signer->scheme(), data, sig)) << name;
    data[0] ^= 1;
    EXPECT_FALSE(verify_signature(signer->public_key_der(), signer->scheme(), data, sig)) << name;
  }
}
