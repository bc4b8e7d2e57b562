// CAdES archive-time-stamp-v3 (ETSI EN 319 122-1 §5.5.3, level LTA): a
// timestamp over the signed content's hash, the signer's signed fields and
// an ATSHashIndexV3 listing the hashes of every certificate, revocation
// value and unsigned attribute value the signature holds at that moment; the
// index travels as an unsigned attribute of the timestamp token itself.
#pragma once

#include <openssl/evp.h>

#include <string>

#include "common/bytes.hpp"

namespace tugra::sign {

class EvidenceFetcher;

inline constexpr const char* kIdArchiveTimeStampV3 = "0.4.0.1733.2.4";
inline constexpr const char* kIdAtsHashIndexV3 = "0.4.0.19122.1.5";

// `content_info` (one signer) with an archive-time-stamp-v3 added; the
// hashes are made with `md`, `content_digest` being the content's.
Bytes add_archive_timestamp(ByteView content_info, ByteView content_digest, const EVP_MD* md,
                            const EvidenceFetcher& evidence);

// What an archive timestamp `token` on signer `index` covers, to be checked
// against its imprint; `content_digest` made with the token's own algorithm
// (archive_digest() names it). Empty, with `problem` set, when the
// signature no longer holds what the token's hash index lists.
Bytes archive_timestamp_input(ByteView content_info, std::size_t index, ByteView token, ByteView content_digest,
                              std::string& problem);
// The hash algorithm of a token's ATSHashIndexV3 (SHA-256 when it names none).
const EVP_MD* archive_digest(ByteView token);

}  // namespace tugra::sign
