// PDF files for PAdES: the signatures a PDF holds, what later incremental
// updates changed, and the incremental update that adds a signature.
//
// qpdf (libqpdf) reads the PDF; the update is written here as text because
// a signature must be appended to the file exactly as it is (qpdf's writer
// rewrites the whole file, which would break every earlier signature).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "sign/evidence.hpp"

namespace tugra::sign {

struct PdfSignature {
  std::string field;          // the signature field's /T
  long long range[4] = {};    // /ByteRange: offset, length, offset, length
  Bytes contents;             // /Contents: the CMS (DER, zero padding included)
  std::optional<std::int64_t> signing_time;  // /M, the time the signer claims (PAdES has no signing-time attribute)
  bool document_timestamp = false;           // SubFilter ETSI.RFC3161: /Contents is a TimeStampToken
  bool range_ok = false;      // covers the file from 0 to its revision's end but /Contents
  std::string range_detail;
  // The signed bytes: the two ranges joined.
  Bytes signed_bytes(const std::string& pdf) const;
  // Where the signed revision ends.
  std::size_t revision_length() const { return static_cast<std::size_t>(range[2] + range[3]); }
};

// The signature fields of `pdf` that hold a signature. UserError when the
// file cannot be read as a PDF.
std::vector<PdfSignature> pdf_signatures(const std::string& pdf);

struct PdfChanges {
  bool content_changed = false;  // pages added, removed, or their content/resources changed
  std::string summary;           // what changed, for the report
};
// What the incremental updates of one PDF changed after each signed
// revision. The whole document is read once; each revision asked about is
// read on its own.
class PdfChangeAnalysis {
 public:
  explicit PdfChangeAnalysis(const std::string& pdf) : pdf_(pdf) {}
  // What the updates after the first `signed_length` bytes changed.
  PdfChanges after(std::size_t signed_length);

 private:
  struct Page {
    std::string fingerprint;
    std::size_t annotations = 0;
  };
  const std::string& pdf_;
  bool read_ = false;
  std::vector<Page> pages_;  // of the whole document
  std::size_t signatures_ = 0;
  std::string unreadable_;   // why the whole document could not be read
};

// The PDF's Document Security Store (ISO 32000-2 §12.8.4.3, PAdES B-LT):
// the certificates, CRLs and OCSP responses kept for later validation.
ValidationData pdf_validation_data(const std::string& pdf);
// `pdf` with `data` added to its DSS by an incremental update.
std::string add_validation_data(const std::string& pdf, const ValidationData& data);

// A visible signature: a box on a page with the signer's name and the time.
struct VisibleSignature {
  int page = 1;  // 1-based
  double x = 36, y = 36, width = 220, height = 50;
  std::string text;  // lines separated by '\n'
};

// A PDF with a signature field added by an incremental update, its
// /Contents a run of zeros to be replaced by the CMS.
class PdfSignatureSlot {
 public:
  // `reserve` is the most CMS bytes /Contents can take.
  // `document_timestamp`: an RFC 3161 document timestamp (PAdES LTA,
  // SubFilter ETSI.RFC3161) instead of a signature; `signing_time` unused.
  PdfSignatureSlot(const std::string& pdf, std::int64_t signing_time, std::size_t reserve,
                   const std::optional<VisibleSignature>& visible, bool document_timestamp = false);
  // The bytes the signature covers (everything but /Contents).
  Bytes signed_bytes() const;
  // The PDF with the empty signature (its /Contents all zeros), and the
  // /ByteRange [a b c d] that leaves out exactly the <…> of /Contents.
  const std::string& document() const { return document_; }
  std::array<std::int64_t, 4> byte_range() const;
  // The signed PDF. UserError when the CMS is larger than the reserve.
  std::string fill(ByteView cms) const;

 private:
  std::string document_;
  std::size_t contents_begin_ = 0, contents_end_ = 0;  // the hex digits, between '<' and '>'
};

}  // namespace tugra::sign
