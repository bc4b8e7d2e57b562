// The one interface every signing key hides behind. Certificates, CRLs, OCSP
// responses, timestamps, audit checkpoints and CMS signatures are all built
// against a Signer, so none of them cares whether the key is in memory, in an
// HSM or on a holder's card.
#pragma once

#include "common/bytes.hpp"
#include "crypto/algorithm.hpp"

namespace tugra {

class Signer {
 public:
  virtual ~Signer() = default;
  virtual SignatureScheme scheme() const = 0;
  // The SubjectPublicKeyInfo (DER).
  virtual const Bytes& public_key_der() const = 0;
  // Signs a digest made with digest_of(scheme()). The result is in the form
  // X.509 carries it: a DER ECDSA-Sig-Value, or the RSA signature bytes.
  virtual Bytes sign_digest(ByteView digest) const = 0;

  Bytes sign(ByteView data) const;
  Bytes algorithm_identifier() const { return tugra::algorithm_identifier(scheme()); }
};

// True when `signature` over `data` verifies with the SubjectPublicKeyInfo `spki`.
bool verify_signature(ByteView spki, SignatureScheme scheme, ByteView data, ByteView signature);

}  // namespace tugra
