#include "sign/pdf_file.hpp"

#include <qpdf/Buffer.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <set>
#include <sstream>

#include "common/error.hpp"

namespace tugra::sign {
namespace {

// qpdf reads from `pdf` in place: the string must outlive the QPDF.
std::unique_ptr<QPDF> open_pdf(const std::string& pdf) {
  auto q = std::make_unique<QPDF>();
  q->setSuppressWarnings(true);
  try {
    q->processMemoryFile("document.pdf", pdf.data(), pdf.size());
  } catch (const std::exception& e) {
    throw UserError("verify.bad_pdf", {{"detail", e.what()}});
  }
  return q;
}

// Every field of the form, down the /Kids.
void collect_fields(QPDFObjectHandle field, std::vector<QPDFObjectHandle>& out, std::set<QPDFObjGen>& seen) {
  if (!field.isDictionary() || (field.isIndirect() && !seen.insert(field.getObjGen()).second)) return;
  out.push_back(field);
  if (QPDFObjectHandle kids = field.getKey("/Kids"); kids.isArray())
    for (auto& kid : kids.getArrayAsVector()) collect_fields(kid, out, seen);
}

std::vector<QPDFObjectHandle> signature_fields(QPDF& q) {
  std::vector<QPDFObjectHandle> all, out;
  std::set<QPDFObjGen> seen;
  QPDFObjectHandle fields = q.getRoot().getKey("/AcroForm").getKeyIfDict("/Fields");
  if (fields.isArray())
    for (auto& f : fields.getArrayAsVector()) collect_fields(f, all, seen);
  for (auto& f : all)
    if (f.getKey("/FT").isNameAndEquals("/Sig") && f.getKey("/V").isDictionary()) out.push_back(f);
  return out;
}

// A page as it renders, annotations aside: every object reachable from it
// (streams with their bytes), whatever their numbers. Two revisions of a
// page print the same only when nothing that draws it changed.
void fingerprint(QPDFObjectHandle o, std::string& out, std::set<QPDFObjGen>& seen) {
  if (o.isIndirect() && !seen.insert(o.getObjGen()).second) {
    out += "@";
    return;
  }
  if (o.isStream()) {
    fingerprint(o.getDict(), out, seen);
    auto data = o.getRawStreamData();
    out += "stream";
    out.append(reinterpret_cast<const char*>(data->getBuffer()), data->getSize());
  } else if (o.isDictionary()) {
    out += "<<";
    for (auto& [key, value] : o.getDictAsMap()) {
      if (key == "/Parent" || key == "/Annots") continue;
      out += key;
      fingerprint(value, out, seen);
    }
    out += ">>";
  } else if (o.isArray()) {
    out += "[";
    for (auto& v : o.getArrayAsVector()) fingerprint(v, out, seen);
    out += "]";
  } else {
    out += o.unparse() + " ";
  }
}

std::string page_fingerprint(QPDFObjectHandle page) {
  std::string out;
  std::set<QPDFObjGen> seen;
  fingerprint(page, out, seen);
  return out;
}

std::size_t annotation_count(QPDFObjectHandle page) {
  QPDFObjectHandle annots = page.getKey("/Annots");
  return annots.isArray() ? static_cast<std::size_t>(annots.getArrayNItems()) : 0;
}

// "D:20261202150000Z"
std::string pdf_date(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "D:%Y%m%d%H%M%SZ", &tm);
  return text;
}

std::string ref(QPDFObjectHandle o) { return std::to_string(o.getObjectID()) + " " + std::to_string(o.getGeneration()) + " R"; }

// `dict` (direct or not) as PDF text without `drop`, with `extra` entries added.
std::string dictionary_with(QPDFObjectHandle dict, const std::vector<std::string>& drop, const std::string& extra) {
  QPDFObjectHandle copy = dict.isDictionary() ? dict.shallowCopy() : QPDFObjectHandle::newDictionary();
  for (const auto& key : drop) copy.removeKey(key);
  std::string text = copy.unparse();
  return text.substr(0, text.rfind(">>")) + " " + extra + " >>";
}

// `array` (or nothing) as PDF text with `item` appended.
std::string array_with(QPDFObjectHandle array, const std::string& item) {
  std::string text = "[";
  if (array.isArray())
    for (auto& v : array.getArrayAsVector()) text += " " + v.unparse();
  return text + " " + item + " ]";
}

// A PDF literal string in WinAnsiEncoding (the standard Helvetica's): the
// Turkish letters WinAnsi has (ç ö ü) kept, the others (ğ ı İ ş) written
// without their marks, since a standard font cannot show them.
std::string win_ansi_literal(const std::string& utf8) {
  static const std::vector<std::pair<std::string, std::string>> map = {
      {"ç", "\xE7"}, {"Ç", "\xC7"}, {"ö", "\xF6"}, {"Ö", "\xD6"}, {"ü", "\xFC"}, {"Ü", "\xDC"},
      {"ğ", "g"},    {"Ğ", "G"},    {"ı", "i"},    {"İ", "I"},    {"ş", "s"},    {"Ş", "S"}};
  std::string out = "(";
  for (std::size_t i = 0; i < utf8.size();) {
    auto m = std::find_if(map.begin(), map.end(), [&](const auto& p) { return utf8.compare(i, p.first.size(), p.first) == 0; });
    if (m != map.end()) {
      out += m->second;
      i += m->first.size();
      continue;
    }
    unsigned char c = static_cast<unsigned char>(utf8[i++]);
    if (c == '(' || c == ')' || c == '\\') out += '\\';
    if (c < 0x80) out += static_cast<char>(c);
    else if ((c & 0xC0) != 0x80) out += '?';  // any other non-ASCII character, once
  }
  return out + ")";
}

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", v);
  return text;
}

// One incremental update: objects appended after the file as it is, then
// their cross-reference section and a trailer pointing back to the last one
// (ISO 32000-1 §7.5.6). Nothing before the end of the file changes.
class IncrementalUpdate {
 public:
  explicit IncrementalUpdate(const std::string& pdf) : pdf_(open_pdf(pdf)), text_(pdf) {
    if (pdf_->isEncrypted()) throw UserError("sign.pdf_encrypted");
    std::size_t at = pdf.rfind("startxref");
    if (at == std::string::npos) throw UserError("verify.bad_pdf", {{"detail", "no startxref"}});
    previous_ = std::atoll(pdf.c_str() + at + 9);
    next_ = static_cast<int>(pdf_->getTrailer().getKey("/Size").getIntValue());
    if (text_.back() != '\n') text_ += '\n';
  }
  QPDF& pdf() { return *pdf_; }
  QPDFObjectHandle root() { return pdf_->getTrailer().getKey("/Root"); }
  int new_object() { return next_++; }
  // The text so far, for callers that note where their bytes land.
  std::string& text() { return text_; }
  void begin(int number, int generation = 0) {
    entries_.push_back({number, generation, text_.size()});
    text_ += std::to_string(number) + " " + std::to_string(generation) + " obj\n";
  }
  void end() { text_ += "\nendobj\n"; }
  void write(int number, int generation, const std::string& body) {
    begin(number, generation);
    text_ += body;
    end();
  }
  void replace(QPDFObjectHandle existing, const std::string& body) {
    write(existing.getObjectID(), existing.getGeneration(), body);
  }
  // A stream object holding `data` unfiltered; its reference.
  std::string stream(ByteView data) {
    int number = new_object();
    begin(number);
    text_ += "<</Length " + std::to_string(data.size()) + ">>stream\n";
    text_.append(reinterpret_cast<const char*>(data.data()), data.size());
    text_ += "\nendstream";
    end();
    return std::to_string(number) + " 0 R";
  }
  // The root catalog rewritten with `entries` (replacing the keys they name).
  void replace_root(const std::vector<std::string>& keys, const std::string& entries) {
    replace(root(), dictionary_with(root(), keys, entries));
  }

  std::string finish() {
    std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.number < b.number; });
    std::size_t xref_at = text_.size();
    text_ += "xref\n";
    for (const auto& e : entries_) {
      char line[64];
      std::snprintf(line, sizeof line, "%d 1\n%010zu %05d n \n", e.number, e.offset, e.generation);
      text_ += line;
    }
    QPDFObjectHandle trailer = pdf_->getTrailer();
    std::string t = "<</Size " + std::to_string(next_) + "/Root " + ref(root());
    if (trailer.getKey("/Info").isIndirect()) t += "/Info " + ref(trailer.getKey("/Info"));
    if (trailer.getKey("/ID").isArray()) t += "/ID " + trailer.getKey("/ID").unparse();
    t += "/Prev " + std::to_string(previous_) + ">>";
    text_ += "trailer\n" + t + "\nstartxref\n" + std::to_string(xref_at) + "\n%%EOF\n";
    return std::move(text_);
  }

 private:
  struct Entry {
    int number, generation;
    std::size_t offset;
  };
  std::unique_ptr<QPDF> pdf_;
  std::string text_;
  long long previous_ = 0;
  int next_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace

Bytes PdfSignature::signed_bytes(const std::string& pdf) const {
  Bytes out;
  if (!range_ok) return out;
  out.reserve(static_cast<std::size_t>(range[1] + range[3]));
  out.insert(out.end(), pdf.begin(), pdf.begin() + range[1]);
  out.insert(out.end(), pdf.begin() + range[2], pdf.begin() + range[2] + range[3]);
  return out;
}

std::vector<PdfSignature> pdf_signatures(const std::string& pdf) {
  auto q = open_pdf(pdf);
  std::vector<PdfSignature> out;
  try {
    for (auto& field : signature_fields(*q)) {
      PdfSignature s;
      QPDFObjectHandle value = field.getKey("/V");
      s.field = field.getKey("/T").isString() ? field.getKey("/T").getUTF8Value() : "";
      QPDFObjectHandle range = value.getKey("/ByteRange");
      std::string contents = value.getKey("/Contents").isString() ? value.getKey("/Contents").getStringValue() : "";
      s.contents.assign(contents.begin(), contents.end());
      s.document_timestamp = value.getKey("/SubFilter").isNameAndEquals("/ETSI.RFC3161");
      if (QPDFObjectHandle m = value.getKey("/M"); m.isString()) {
        std::tm tm{};
        if (std::sscanf(m.getUTF8Value().c_str(), "D:%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                        &tm.tm_min, &tm.tm_sec) == 6) {
          tm.tm_year -= 1900;
          tm.tm_mon -= 1;
          s.signing_time = static_cast<std::int64_t>(timegm(&tm));  // a zone offset after the seconds is not applied
        }
      }
      const auto size = static_cast<long long>(pdf.size());
      if (range.isArray() && range.getArrayNItems() == 4) {
        for (int i = 0; i < 4; ++i) s.range[i] = range.getArrayItem(i).isInteger() ? range.getArrayItem(i).getIntValue() : -1;
        auto [a, b, c, d] = s.range;
        s.range_ok = a == 0 && b > 0 && c > b + 1 && d >= 0 && c + d <= size && pdf[static_cast<std::size_t>(b)] == '<' &&
                     pdf[static_cast<std::size_t>(c - 1)] == '>' &&
                     static_cast<long long>(2 * contents.size()) == c - b - 2;
      }
      s.range_detail = s.range_ok ? "the byte range covers the signed revision but /Contents"
                                  : "the byte range does not cover the document as PAdES requires";
      out.push_back(std::move(s));
    }
  } catch (const std::exception& e) {
    throw UserError("verify.bad_pdf", {{"detail", e.what()}});
  }
  return out;
}

PdfChanges PdfChangeAnalysis::after(std::size_t signed_length) {
  if (signed_length >= pdf_.size()) return {false, "no changes after signing"};
  auto pages_of = [](QPDF& q) {
    std::vector<Page> out;
    for (auto& page : q.getAllPages()) out.push_back({page_fingerprint(page), annotation_count(page)});
    return out;
  };
  if (!read_) {
    read_ = true;
    try {
      auto whole = open_pdf(pdf_);
      pages_ = pages_of(*whole);
      signatures_ = signature_fields(*whole).size();
    } catch (const std::exception& e) {
      unreadable_ = e.what();
    }
  }
  if (!unreadable_.empty()) return {true, "the later updates cannot be read: " + unreadable_};
  try {
    const std::string before_text = pdf_.substr(0, signed_length);
    auto before = open_pdf(before_text);
    std::vector<Page> old_pages = pages_of(*before);
    if (old_pages.size() != pages_.size())
      return {true, "pages changed after signing: " + std::to_string(old_pages.size()) + " -> " +
                        std::to_string(pages_.size())};
    std::size_t annotations = 0;
    for (std::size_t i = 0; i < old_pages.size(); ++i) {
      if (old_pages[i].fingerprint != pages_[i].fingerprint)
        return {true, "the content of page " + std::to_string(i + 1) + " changed after signing"};
      if (pages_[i].annotations > old_pages[i].annotations) annotations += pages_[i].annotations - old_pages[i].annotations;
    }
    std::ostringstream summary;
    summary << "later updates leave the pages as signed (" << signatures_ - signature_fields(*before).size()
            << " signature(s) and " << annotations << " annotation(s) added)";
    return {false, summary.str()};
  } catch (const std::exception& e) {
    return {true, std::string("the signed revision cannot be read: ") + e.what()};
  }
}

PdfSignatureSlot::PdfSignatureSlot(const std::string& pdf, std::int64_t signing_time, std::size_t reserve,
                                   const std::optional<VisibleSignature>& visible, bool document_timestamp) {
  IncrementalUpdate update(pdf);
  QPDFObjectHandle root = update.root();
  const auto& pages = update.pdf().getAllPages();
  int page_number = visible ? visible->page : 1;
  if (pages.empty() || page_number < 1 || page_number > static_cast<int>(pages.size()))
    throw UserError("sign.pdf_no_page", {{"page", std::to_string(page_number)}});
  QPDFObjectHandle page = pages[static_cast<std::size_t>(page_number - 1)];
  const int sig = update.new_object(), field = update.new_object(), appearance = visible ? update.new_object() : 0;
  std::string name = (document_timestamp ? "ZamanDamgasi" : "Imza") + std::to_string(signature_fields(update.pdf()).size() + 1);

  // The signature dictionary: /ByteRange written at its widest, filled in below.
  const std::string range_placeholder = "[0 0000000000 0000000000 0000000000]";
  std::string& text = update.text();
  update.begin(sig);
  text += document_timestamp ? "<</Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161/ByteRange"
                             : "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/M(" + pdf_date(signing_time) +
                                   ")/ByteRange";
  std::size_t range_at = text.size();
  text += range_placeholder + "/Contents<";
  contents_begin_ = text.size();
  text += std::string(2 * reserve, '0');
  contents_end_ = text.size();
  text += ">>>";
  update.end();

  std::string rect = "[0 0 0 0]";
  if (visible) {
    rect = "[" + number(visible->x) + " " + number(visible->y) + " " + number(visible->x + visible->width) + " " +
           number(visible->y + visible->height) + "]";
    std::string stream = "q 0.1 0.2 0.5 RG 1 w 0.5 0.5 " + number(visible->width - 1) + " " +
                         number(visible->height - 1) + " re S Q BT /F1 9 Tf 11 TL 6 " + number(visible->height - 14) +
                         " Td";
    std::istringstream lines(visible->text);
    bool first = true;
    for (std::string line; std::getline(lines, line); first = false)
      stream += (first ? " " : " T* ") + win_ansi_literal(line) + " Tj";
    stream += " ET";
    update.write(appearance, 0,
                 "<</Type/XObject/Subtype/Form/BBox[0 0 " + number(visible->width) + " " + number(visible->height) +
                     "]/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>"
                     ">>>>/Length " + std::to_string(stream.size()) + ">>stream\n" + stream + "\nendstream");
  }
  // The field and its widget in one dictionary; hidden unless visible (print flag 4, else hidden 2 + locked 128).
  update.write(field, 0,
               "<</Type/Annot/Subtype/Widget/FT/Sig/T(" + name + ")/V " + std::to_string(sig) + " 0 R/P " + ref(page) +
                   "/Rect" + rect + "/F " + (visible ? "4" : "130") +
                   (visible ? "/AP<</N " + std::to_string(appearance) + " 0 R>>" : "") + ">>");
  const std::string field_ref = std::to_string(field) + " 0 R";

  // The page lists the widget among its annotations.
  QPDFObjectHandle annots = page.getKey("/Annots");
  if (annots.isIndirect()) update.replace(annots, array_with(annots, field_ref));
  else update.replace(page, dictionary_with(page, {"/Annots"}, "/Annots " + array_with(annots, field_ref)));

  // The form lists the field; SigFlags 3: signatures exist, append only.
  QPDFObjectHandle form = root.getKey("/AcroForm");
  QPDFObjectHandle fields = form.getKeyIfDict("/Fields");
  std::string fields_text = array_with(fields, field_ref);
  if (fields.isIndirect()) {
    update.replace(fields, fields_text);
    fields_text = ref(fields);
  }
  std::string form_text = dictionary_with(form, {"/Fields", "/SigFlags"}, "/Fields " + fields_text + " /SigFlags 3");
  if (form.isIndirect()) update.replace(form, form_text);
  else update.replace_root({"/AcroForm"}, "/AcroForm " + form_text);
  document_ = update.finish();

  // The byte range: everything but the hex digits and their brackets.
  const long long b = static_cast<long long>(contents_begin_) - 1, c = static_cast<long long>(contents_end_) + 1;
  char range[64];
  int n = std::snprintf(range, sizeof range, "[0 %lld %lld %lld", b, c, static_cast<long long>(document_.size()) - c);
  std::string filled(range, static_cast<std::size_t>(n));
  filled.resize(range_placeholder.size() - 1, ' ');
  document_.replace(range_at, range_placeholder.size(), filled + "]");
}

ValidationData pdf_validation_data(const std::string& pdf) {
  auto q = open_pdf(pdf);
  ValidationData out;
  try {
    QPDFObjectHandle dss = q->getRoot().getKey("/DSS");
    auto read = [&dss](const char* key, std::vector<Bytes>& into) {
      QPDFObjectHandle list = dss.getKeyIfDict(key);
      if (!list.isArray()) return;
      for (auto& item : list.getArrayAsVector()) {
        if (!item.isStream()) continue;
        auto data = item.getStreamData(qpdf_dl_generalized);
        into.emplace_back(data->getBuffer(), data->getBuffer() + data->getSize());
      }
    };
    read("/Certs", out.certificates);
    read("/CRLs", out.crls);
    read("/OCSPs", out.ocsp_responses);
  } catch (const std::exception& e) {
    throw UserError("verify.bad_pdf", {{"detail", e.what()}});
  }
  return out;
}

std::string add_validation_data(const std::string& pdf, const ValidationData& data) {
  IncrementalUpdate update(pdf);
  // What the DSS already keeps stays; the new items join it.
  QPDFObjectHandle dss = update.root().getKey("/DSS");
  std::string entries;
  for (auto [key, items] : {std::pair{"/Certs", &data.certificates}, std::pair{"/CRLs", &data.crls},
                            std::pair{"/OCSPs", &data.ocsp_responses}}) {
    std::string list = "[";
    if (QPDFObjectHandle old = dss.getKeyIfDict(key); old.isArray())
      for (auto& v : old.getArrayAsVector()) list += " " + v.unparse();
    for (const auto& item : *items) list += " " + update.stream(item);
    entries += std::string(key) + " " + list + " ]";
  }
  update.replace_root({"/DSS"}, "/DSS <<" + entries + ">>");
  return update.finish();
}

std::array<std::int64_t, 4> PdfSignatureSlot::byte_range() const {
  auto b = static_cast<std::int64_t>(contents_begin_) - 1, c = static_cast<std::int64_t>(contents_end_) + 1;
  return {0, b, c, static_cast<std::int64_t>(document_.size()) - c};
}

Bytes PdfSignatureSlot::signed_bytes() const {
  Bytes out(document_.begin(), document_.begin() + static_cast<std::ptrdiff_t>(contents_begin_) - 1);
  out.insert(out.end(), document_.begin() + static_cast<std::ptrdiff_t>(contents_end_) + 1, document_.end());
  return out;
}

std::string PdfSignatureSlot::fill(ByteView cms) const {
  std::string hex = hex_encode(cms, true);
  if (hex.size() > contents_end_ - contents_begin_)
    throw UserError("sign.pdf_reserve_small", {{"size", std::to_string(cms.size())}});
  std::string out = document_;
  out.replace(contents_begin_, hex.size(), hex);
  return out;
}

}  // namespace tugra::sign
