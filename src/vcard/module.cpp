// libtugra-vcard.so: a PKCS#11 v2.40 module whose tokens are virtual AKIS
// cards, one JSON file per card in $TUGRA_VCARD_DIR (see card_file.hpp).
//
// What it reproduces of an AKIS card (nes-facts §4): the PIN is 6 digits, the
// PUK (SO PIN) 8 digits; 3 wrong PINs lock the PIN; 3 wrong PUKs kill the
// card; the COUNT_LOW / FINAL_TRY / LOCKED token flags follow the tries;
// keys are generated on the card, sensitive and never extractable; EC keys
// report explicit curve parameters. State changes are written to the card
// file at once (under a directory lock, atomically), so they survive the
// process and are seen by every other process using the same directory.
//
// One mutex guards the module: a card does one thing at a time anyway.
#include <p11-kit/pkcs11.h>
#include <sys/stat.h>

#include <openssl/rand.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vcard/card_crypto.hpp"
#include "vcard/card_file.hpp"

namespace tugra::vcard {
namespace {

constexpr char kManufacturer[] = "Tugra";
constexpr char kModel[] = "AKIS-V";  // a virtual AKIS card
constexpr CK_ULONG kUserPinLength = 6;
constexpr CK_ULONG kSoPinLength = 8;
constexpr CK_USER_TYPE kNobody = ~CK_USER_TYPE{0};

[[noreturn]] void fail(CK_RV rv) { throw CardError{rv}; }

// ---- attribute values ----------------------------------------------------

Bytes ulong_value(CK_ULONG v) {
  Bytes b(sizeof v);
  std::memcpy(b.data(), &v, sizeof v);
  return b;
}
Bytes bool_value(bool v) { return {static_cast<std::uint8_t>(v ? CK_TRUE : CK_FALSE)}; }

const Bytes* find_attr(const CardObject& o, CK_ATTRIBUTE_TYPE type) {
  auto it = o.attributes.find(type);
  return it == o.attributes.end() ? nullptr : &it->second;
}
bool attr_bool(const CardObject& o, CK_ATTRIBUTE_TYPE type, bool fallback) {
  const Bytes* v = find_attr(o, type);
  return v && v->size() == 1 ? (*v)[0] != CK_FALSE : fallback;
}
CK_ULONG attr_ulong(const CardObject& o, CK_ATTRIBUTE_TYPE type) {
  const Bytes* v = find_attr(o, type);
  if (!v || v->size() != sizeof(CK_ULONG)) return CK_UNAVAILABLE_INFORMATION;
  CK_ULONG out;
  std::memcpy(&out, v->data(), sizeof out);
  return out;
}

bool is_bool_attribute(CK_ATTRIBUTE_TYPE t) {
  switch (t) {
    case CKA_TOKEN: case CKA_PRIVATE: case CKA_MODIFIABLE: case CKA_SENSITIVE: case CKA_EXTRACTABLE:
    case CKA_SIGN: case CKA_VERIFY: case CKA_ENCRYPT: case CKA_DECRYPT: case CKA_WRAP: case CKA_UNWRAP:
    case CKA_DERIVE: case CKA_TRUSTED: case CKA_SIGN_RECOVER: case CKA_VERIFY_RECOVER:
      return true;
    default:
      return false;
  }
}

// A caller's template, checked and copied.
using Attributes = std::map<CK_ATTRIBUTE_TYPE, Bytes>;
Attributes read_template(CK_ATTRIBUTE_PTR attrs, CK_ULONG count) {
  if (count > 0 && !attrs) fail(CKR_ARGUMENTS_BAD);
  Attributes out;
  for (CK_ULONG i = 0; i < count; ++i) {
    const auto& a = attrs[i];
    if (a.ulValueLen > 0 && !a.pValue) fail(CKR_ARGUMENTS_BAD);
    if (a.ulValueLen > (1u << 20)) fail(CKR_ATTRIBUTE_VALUE_INVALID);
    if (is_bool_attribute(a.type) && a.ulValueLen != 1) fail(CKR_ATTRIBUTE_VALUE_INVALID);
    if ((a.type == CKA_CLASS || a.type == CKA_KEY_TYPE || a.type == CKA_MODULUS_BITS ||
         a.type == CKA_CERTIFICATE_TYPE) && a.ulValueLen != sizeof(CK_ULONG))
      fail(CKR_ATTRIBUTE_VALUE_INVALID);
    auto* p = static_cast<const std::uint8_t*>(a.pValue);
    out[a.type] = Bytes(p, p + a.ulValueLen);
  }
  return out;
}

std::optional<CK_ULONG> template_ulong(const Attributes& t, CK_ATTRIBUTE_TYPE type) {
  auto it = t.find(type);
  if (it == t.end()) return std::nullopt;
  CK_ULONG v;
  std::memcpy(&v, it->second.data(), sizeof v);
  return v;
}
std::optional<bool> template_bool(const Attributes& t, CK_ATTRIBUTE_TYPE type) {
  auto it = t.find(type);
  if (it == t.end()) return std::nullopt;
  return it->second[0] != CK_FALSE;
}

bool is_sensitive(const CardObject& o, CK_ATTRIBUTE_TYPE type) {
  if (attr_ulong(o, CKA_CLASS) != CKO_PRIVATE_KEY) return false;
  switch (type) {
    case CKA_VALUE: case CKA_PRIVATE_EXPONENT: case CKA_PRIME_1: case CKA_PRIME_2:
    case CKA_EXPONENT_1: case CKA_EXPONENT_2: case CKA_COEFFICIENT:
      return true;
    default:
      return false;
  }
}

void pad(unsigned char* dst, std::size_t size, const std::string& text) {
  std::memset(dst, ' ', size);
  std::memcpy(dst, text.data(), std::min(size, text.size()));
}

// PINs are digits only, of one fixed length.
void check_pin_format(CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_ULONG required) {
  if (!pin && len > 0) fail(CKR_ARGUMENTS_BAD);
  if (len != required) fail(CKR_PIN_LEN_RANGE);
  for (CK_ULONG i = 0; i < len; ++i)
    if (pin[i] < '0' || pin[i] > '9') fail(CKR_PIN_INVALID);
}
std::string pin_text(CK_UTF8CHAR_PTR pin, CK_ULONG len) { return {reinterpret_cast<const char*>(pin), len}; }

// Checks a PIN against the card, counting a wrong try. Returns the CK_RV the
// caller gets for a wrong PIN; `dirty` is set when the card changed.
CK_RV verify_pin(const std::string& hash, int& tries, const std::string& pin, bool& dirty) {
  if (pin_matches(hash, pin)) {
    if (tries != kMaxTries) tries = kMaxTries, dirty = true;
    return CKR_OK;
  }
  --tries;
  dirty = true;
  return tries <= 0 ? CKR_PIN_LOCKED : CKR_PIN_INCORRECT;
}

// ---- the module's state --------------------------------------------------

struct SignOperation {
  SignMechanism mechanism;
  Bytes key_der;
  std::size_t size = 0;
  Bytes data;  // C_SignUpdate input so far
};

struct FindOperation {
  std::vector<CK_OBJECT_HANDLE> results;
  std::size_t next = 0;
};

struct Session {
  CK_SLOT_ID slot;
  bool read_write;
  std::optional<FindOperation> find;
  std::optional<SignOperation> sign;
};

struct Slot {
  CardState card;
  struct stat seen {};  // the file as last read: reread when it changes
  CK_USER_TYPE login = kNobody;
};

struct ModuleState {
  std::mutex mutex;
  bool initialized = false;
  std::unique_ptr<CardDirectory> dir;
  std::map<CK_SLOT_ID, Slot> slots;
  std::map<CK_SESSION_HANDLE, Session> sessions;
  CK_SESSION_HANDLE next_session = 1;

  std::filesystem::path file(CK_SLOT_ID slot) const { return dir->file_for(slot); }

  // The card in `slot`, reread from its file if another process changed it.
  Slot& slot(CK_SLOT_ID id, bool force_reload = false) {
    auto path = file(id);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      slots.erase(id);
      fail(CKR_SLOT_ID_INVALID);
    }
    auto& s = slots[id];
    if (force_reload || s.card.serial.empty() || st.st_ino != s.seen.st_ino ||
        st.st_mtim.tv_sec != s.seen.st_mtim.tv_sec || st.st_mtim.tv_nsec != s.seen.st_mtim.tv_nsec ||
        st.st_size != s.seen.st_size) {
      try {
        s.card = dir->load(path);
      } catch (const std::exception&) {
        fail(CKR_DEVICE_ERROR);
      }
      s.seen = st;
    }
    return s;
  }

  // Reads the card under the directory lock, lets `change` work on it and
  // writes it back if it set `dirty`. Returns what `change` returns.
  template <typename F>
  CK_RV change(CK_SLOT_ID id, F&& change_fn) {
    CardDirectory::Lock lock(dir->path());
    Slot& s = slot(id, true);
    bool dirty = false;
    CK_RV rv = change_fn(s, dirty);
    if (dirty) {
      dir->save(s.card);
      ::stat(file(id).c_str(), &s.seen);
    }
    return rv;
  }

  Session& session(CK_SESSION_HANDLE h) {
    auto it = sessions.find(h);
    if (it == sessions.end()) fail(CKR_SESSION_HANDLE_INVALID);
    return it->second;
  }

  bool has_sessions(CK_SLOT_ID id, bool read_only_only = false) const {
    return std::any_of(sessions.begin(), sessions.end(), [&](const auto& kv) {
      return kv.second.slot == id && (!read_only_only || !kv.second.read_write);
    });
  }
};

// Never destroyed: an application may call C_Finalize from its own exit
// handlers, after this library's static objects would have been torn down.
ModuleState& state() {
  static ModuleState* s = new ModuleState;
  return *s;
}

// Runs `fn` with the module locked and initialised, turning exceptions into
// CK_RVs: a PKCS#11 module must never throw across the C boundary.
template <typename F>
CK_RV guarded(F&& fn) {
  auto& m = state();
  std::lock_guard lock(m.mutex);
  if (!m.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  try {
    return fn(m);
  } catch (const CardError& e) {
    return e.rv;
  } catch (const std::bad_alloc&) {
    return CKR_HOST_MEMORY;
  } catch (...) {
    return CKR_DEVICE_ERROR;
  }
}

bool visible(const Slot& s, const CardObject& o) {
  return !attr_bool(o, CKA_PRIVATE, false) || s.login == CKU_USER;
}

CardObject& object(Slot& s, CK_OBJECT_HANDLE h) {
  for (auto& o : s.card.objects)
    if (o.id == h && visible(s, o)) return o;
  fail(CKR_OBJECT_HANDLE_INVALID);
}

// Writing to the card needs a read/write session and the holder logged in.
void require_writer(const Session& session, const Slot& s) {
  if (!session.read_write) fail(CKR_SESSION_READ_ONLY);
  if (s.login != CKU_USER) fail(CKR_USER_NOT_LOGGED_IN);
}

CK_FLAGS pin_flags(int tries, CK_FLAGS count_low, CK_FLAGS final_try, CK_FLAGS locked) {
  if (tries <= 0) return locked | count_low;
  if (tries == 1) return final_try | count_low;
  return tries < kMaxTries ? count_low : 0;
}

// Fills the common attributes of a new object from defaults and the caller's
// template; `fixed` are the attributes the caller may not choose.
CardObject new_object(CardState& card, const Attributes& defaults, const Attributes& requested,
                      const std::set<CK_ATTRIBUTE_TYPE>& fixed) {
  CardObject o;
  o.id = card.next_id++;
  o.attributes = defaults;
  for (const auto& [type, value] : requested) {
    if (fixed.count(type)) {
      auto it = defaults.find(type);
      if (it == defaults.end() || it->second != value) fail(CKR_TEMPLATE_INCONSISTENT);
    }
    o.attributes[type] = value;
  }
  if (!attr_bool(o, CKA_TOKEN, true)) fail(CKR_ATTRIBUTE_VALUE_INVALID);  // no session objects on this card
  return o;
}

Bytes subject_field(const Bytes& der, int which) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())),
                                                   &X509_free);
  if (!cert) fail(CKR_ATTRIBUTE_VALUE_INVALID);
  unsigned char* out = nullptr;
  int len = 0;
  if (which == 0) len = i2d_X509_NAME(X509_get_subject_name(cert.get()), &out);
  else if (which == 1) len = i2d_X509_NAME(X509_get_issuer_name(cert.get()), &out);
  else len = i2d_ASN1_INTEGER(X509_get_serialNumber(cert.get()), &out);
  if (len <= 0) fail(CKR_ATTRIBUTE_VALUE_INVALID);
  Bytes b(out, out + len);
  OPENSSL_free(out);
  return b;
}

// A sign operation fails as a whole: bad input ends it (PKCS#11 §5.2).
void check_sign_input(Session& session, CK_BYTE_PTR data, CK_ULONG len) {
  if (!session.sign) fail(CKR_OPERATION_NOT_INITIALIZED);
  if (!data && len > 0) {
    session.sign.reset();
    fail(CKR_ARGUMENTS_BAD);
  }
}

// The two-call pattern: a size query or too small a buffer keeps the
// operation; anything else ends it. `data` null means the C_SignUpdate input.
CK_RV finish_sign(Session& session, const Bytes* data, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len) {
  if (!sig_len) {
    session.sign.reset();
    fail(CKR_ARGUMENTS_BAD);
  }
  auto& op = *session.sign;
  if (!sig || *sig_len < op.size) {
    CK_RV rv = sig ? CKR_BUFFER_TOO_SMALL : CKR_OK;
    *sig_len = op.size;
    return rv;
  }
  SignOperation done = std::move(op);
  session.sign.reset();
  Bytes out = vcard::sign(done.key_der, done.mechanism, data ? *data : done.data);
  std::memcpy(sig, out.data(), out.size());
  *sig_len = out.size();
  return CKR_OK;
}

}  // namespace
}  // namespace tugra::vcard

using namespace tugra::vcard;

extern "C" {

CK_RV C_Initialize(void* init_args) {
  auto& m = state();
  std::lock_guard lock(m.mutex);
  if (m.initialized) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
  if (init_args && static_cast<CK_C_INITIALIZE_ARGS*>(init_args)->pReserved) return CKR_ARGUMENTS_BAD;
  m.dir = std::make_unique<CardDirectory>(CardDirectory::from_environment());
  m.initialized = true;
  return CKR_OK;
}

CK_RV C_Finalize(void* reserved) {
  if (reserved) return CKR_ARGUMENTS_BAD;
  auto& m = state();
  std::lock_guard lock(m.mutex);
  if (!m.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  m.sessions.clear();
  m.slots.clear();
  m.initialized = false;
  return CKR_OK;
}

CK_RV C_GetInfo(CK_INFO_PTR info) {
  return guarded([&](ModuleState&) {
    if (!info) fail(CKR_ARGUMENTS_BAD);
    *info = {};
    info->cryptokiVersion = {2, 40};
    pad(info->manufacturerID, sizeof info->manufacturerID, kManufacturer);
    pad(info->libraryDescription, sizeof info->libraryDescription, "Tugra virtual AKIS card");
    info->libraryVersion = {0, 1};
    return CKR_OK;
  });
}

CK_RV C_GetSlotList(CK_BBOOL, CK_SLOT_ID_PTR list, CK_ULONG_PTR count) {
  return guarded([&](ModuleState& m) {
    if (!count) fail(CKR_ARGUMENTS_BAD);
    auto files = m.dir->files();  // every card is present: cards are slots
    if (!list) {
      *count = files.size();
      return CKR_OK;
    }
    if (*count < files.size()) {
      *count = files.size();
      return CKR_BUFFER_TOO_SMALL;
    }
    CK_ULONG i = 0;
    for (const auto& [slot, file] : files) list[i++] = slot;
    *count = i;
    return CKR_OK;
  });
}

CK_RV C_GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR info) {
  return guarded([&](ModuleState& m) {
    if (!info) fail(CKR_ARGUMENTS_BAD);
    m.slot(id);
    *info = {};
    pad(info->slotDescription, sizeof info->slotDescription, "Tugra sanal kart okuyucu " + std::to_string(id));
    pad(info->manufacturerID, sizeof info->manufacturerID, kManufacturer);
    info->flags = CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
    info->hardwareVersion = info->firmwareVersion = {1, 0};
    return CKR_OK;
  });
}

CK_RV C_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info) {
  return guarded([&](ModuleState& m) {
    if (!info) fail(CKR_ARGUMENTS_BAD);
    const CardState& c = m.slot(id).card;
    *info = {};
    pad(info->label, sizeof info->label, c.label);
    pad(info->manufacturerID, sizeof info->manufacturerID, kManufacturer);
    pad(info->model, sizeof info->model, kModel);
    pad(info->serialNumber, sizeof info->serialNumber, c.serial);
    CK_FLAGS f = CKF_RNG | CKF_LOGIN_REQUIRED;
    if (c.initialized) f |= CKF_TOKEN_INITIALIZED;
    if (!c.user_pin_hash.empty()) f |= CKF_USER_PIN_INITIALIZED;
    f |= pin_flags(c.dead() ? 0 : c.user_tries, CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY,
                   CKF_USER_PIN_LOCKED);
    f |= pin_flags(c.so_tries, CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED);
    info->flags = f;
    info->ulMaxSessionCount = info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
    CK_ULONG open = 0, rw = 0;
    for (const auto& [h, s] : m.sessions)
      if (s.slot == id) ++open, rw += s.read_write;
    info->ulSessionCount = open;
    info->ulRwSessionCount = rw;
    info->ulMinPinLen = kUserPinLength;
    info->ulMaxPinLen = kSoPinLength;
    info->ulTotalPublicMemory = info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulTotalPrivateMemory = info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->hardwareVersion = info->firmwareVersion = {1, 0};
    return CKR_OK;
  });
}

CK_RV C_GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
  return guarded([&](ModuleState& m) {
    if (!count) fail(CKR_ARGUMENTS_BAD);
    m.slot(id);
    const auto& all = mechanisms();
    if (!list) {
      *count = all.size();
      return CKR_OK;
    }
    if (*count < all.size()) {
      *count = all.size();
      return CKR_BUFFER_TOO_SMALL;
    }
    for (std::size_t i = 0; i < all.size(); ++i) list[i] = all[i].type;
    *count = all.size();
    return CKR_OK;
  });
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
  return guarded([&](ModuleState& m) {
    if (!info) fail(CKR_ARGUMENTS_BAD);
    m.slot(id);
    for (const auto& e : mechanisms())
      if (e.type == type) {
        *info = e.info;
        return CKR_OK;
      }
    return CKR_MECHANISM_INVALID;
  });
}

CK_RV C_InitToken(CK_SLOT_ID id, CK_UTF8CHAR_PTR puk, CK_ULONG puk_len, CK_UTF8CHAR_PTR label) {
  return guarded([&](ModuleState& m) {
    if (!label) fail(CKR_ARGUMENTS_BAD);
    m.slot(id);
    if (m.has_sessions(id)) fail(CKR_SESSION_EXISTS);
    check_pin_format(puk, puk_len, kSoPinLength);
    std::string text(reinterpret_cast<const char*>(label), 32);
    text.erase(text.find_last_not_of(' ') + 1);
    return m.change(id, [&](Slot& s, bool& dirty) {
      CardState& c = s.card;
      if (c.dead()) return CKR_PIN_LOCKED;
      if (c.initialized) {
        CK_RV rv = verify_pin(c.so_pin_hash, c.so_tries, pin_text(puk, puk_len), dirty);
        if (rv != CKR_OK) return rv;
      }
      c.initialized = true;
      c.label = text;
      c.so_pin_hash = hash_pin(pin_text(puk, puk_len));
      c.user_pin_hash.clear();
      c.so_tries = c.user_tries = kMaxTries;
      c.objects.clear();
      s.login = kNobody;
      dirty = true;
      return CKR_OK;
    });
  });
}

CK_RV C_OpenSession(CK_SLOT_ID id, CK_FLAGS flags, void*, CK_NOTIFY, CK_SESSION_HANDLE_PTR out) {
  return guarded([&](ModuleState& m) {
    if (!out) fail(CKR_ARGUMENTS_BAD);
    if (!(flags & CKF_SERIAL_SESSION)) fail(CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    Slot& s = m.slot(id);
    bool rw = flags & CKF_RW_SESSION;
    if (!rw && s.login == CKU_SO) fail(CKR_SESSION_READ_WRITE_SO_EXISTS);
    CK_SESSION_HANDLE h = m.next_session++;
    m.sessions.emplace(h, Session{id, rw, {}, {}});
    *out = h;
    return CKR_OK;
  });
}

CK_RV C_CloseSession(CK_SESSION_HANDLE h) {
  return guarded([&](ModuleState& m) {
    CK_SLOT_ID id = m.session(h).slot;
    m.sessions.erase(h);
    if (!m.has_sessions(id)) m.slots[id].login = kNobody;  // logins end with the last session
    return CKR_OK;
  });
}

CK_RV C_CloseAllSessions(CK_SLOT_ID id) {
  return guarded([&](ModuleState& m) {
    m.slot(id);
    std::erase_if(m.sessions, [&](const auto& kv) { return kv.second.slot == id; });
    m.slots[id].login = kNobody;
    return CKR_OK;
  });
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info) {
  return guarded([&](ModuleState& m) {
    if (!info) fail(CKR_ARGUMENTS_BAD);
    const Session& session = m.session(h);
    CK_USER_TYPE login = m.slot(session.slot).login;
    *info = {};
    info->slotID = session.slot;
    info->flags = CKF_SERIAL_SESSION | (session.read_write ? CKF_RW_SESSION : 0);
    if (login == CKU_SO) info->state = CKS_RW_SO_FUNCTIONS;
    else if (login == CKU_USER) info->state = session.read_write ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
    else info->state = session.read_write ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
    return CKR_OK;
  });
}

CK_RV C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len) {
  return guarded([&](ModuleState& m) {
    const Session& session = m.session(h);
    if (type != CKU_USER && type != CKU_SO) fail(CKR_USER_TYPE_INVALID);
    CK_SLOT_ID id = session.slot;
    return m.change(id, [&](Slot& s, bool& dirty) {
      CardState& c = s.card;
      if (s.login == type) return CKR_USER_ALREADY_LOGGED_IN;
      if (s.login != kNobody) return CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
      if (!c.initialized) return CKR_USER_PIN_NOT_INITIALIZED;
      if (c.dead()) return CKR_PIN_LOCKED;
      if (type == CKU_SO) {
        if (m.has_sessions(id, true)) return CKR_SESSION_READ_ONLY_EXISTS;
        check_pin_format(pin, pin_len, kSoPinLength);
        CK_RV rv = verify_pin(c.so_pin_hash, c.so_tries, pin_text(pin, pin_len), dirty);
        if (rv == CKR_OK) s.login = CKU_SO;
        return rv;
      }
      if (c.user_pin_hash.empty()) return CKR_USER_PIN_NOT_INITIALIZED;
      if (c.user_tries <= 0) return CKR_PIN_LOCKED;
      check_pin_format(pin, pin_len, kUserPinLength);
      CK_RV rv = verify_pin(c.user_pin_hash, c.user_tries, pin_text(pin, pin_len), dirty);
      if (rv == CKR_OK) s.login = CKU_USER;
      return rv;
    });
  });
}

CK_RV C_Logout(CK_SESSION_HANDLE h) {
  return guarded([&](ModuleState& m) {
    CK_SLOT_ID id = m.session(h).slot;
    Slot& s = m.slot(id);
    if (s.login == kNobody) return CKR_USER_NOT_LOGGED_IN;
    s.login = kNobody;
    for (auto& [handle, session] : m.sessions)
      if (session.slot == id) session.sign.reset(), session.find.reset();
    return CKR_OK;
  });
}

// Unlock: the SO (PUK holder) sets a new user PIN and clears its lock.
CK_RV C_InitPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len) {
  return guarded([&](ModuleState& m) {
    const Session& session = m.session(h);
    if (!session.read_write) fail(CKR_SESSION_READ_ONLY);
    return m.change(session.slot, [&](Slot& s, bool& dirty) {
      if (s.login != CKU_SO) return CKR_USER_NOT_LOGGED_IN;
      check_pin_format(pin, pin_len, kUserPinLength);
      s.card.user_pin_hash = hash_pin(pin_text(pin, pin_len));
      s.card.user_tries = kMaxTries;
      dirty = true;
      return CKR_OK;
    });
  });
}

CK_RV C_SetPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len, CK_UTF8CHAR_PTR new_pin,
               CK_ULONG new_len) {
  return guarded([&](ModuleState& m) {
    const Session& session = m.session(h);
    if (!session.read_write) fail(CKR_SESSION_READ_ONLY);
    return m.change(session.slot, [&](Slot& s, bool& dirty) {
      CardState& c = s.card;
      if (c.dead()) return CKR_PIN_LOCKED;
      bool so = s.login == CKU_SO;
      if (!so && s.login != CKU_USER && old_len == kSoPinLength) {
        // OpenSC's unblock convention (pkcs11-tool --unlock-pin): C_SetPIN
        // outside a login with the PUK as the old PIN sets a new user PIN.
        // Unambiguous here, as a PIN has 6 digits and a PUK 8.
        check_pin_format(old_pin, old_len, kSoPinLength);
        check_pin_format(new_pin, new_len, kUserPinLength);
        CK_RV rv = verify_pin(c.so_pin_hash, c.so_tries, pin_text(old_pin, old_len), dirty);
        if (rv != CKR_OK) return rv;
        c.user_pin_hash = hash_pin(pin_text(new_pin, new_len));
        c.user_tries = kMaxTries;
        dirty = true;
        return CKR_OK;
      }
      CK_ULONG length = so ? kSoPinLength : kUserPinLength;
      if (!so && c.user_pin_hash.empty()) return CKR_USER_PIN_NOT_INITIALIZED;
      if (!so && c.user_tries <= 0) return CKR_PIN_LOCKED;
      check_pin_format(old_pin, old_len, length);
      check_pin_format(new_pin, new_len, length);
      std::string& hash = so ? c.so_pin_hash : c.user_pin_hash;
      CK_RV rv = verify_pin(hash, so ? c.so_tries : c.user_tries, pin_text(old_pin, old_len), dirty);
      if (rv != CKR_OK) return rv;
      hash = hash_pin(pin_text(new_pin, new_len));
      dirty = true;
      return CKR_OK;
    });
  });
}

CK_RV C_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR attrs, CK_ULONG count, CK_OBJECT_HANDLE_PTR out) {
  return guarded([&](ModuleState& m) {
    if (!out) fail(CKR_ARGUMENTS_BAD);
    const Session& session = m.session(h);
    Attributes t = read_template(attrs, count);
    auto cls = template_ulong(t, CKA_CLASS);
    if (!cls) fail(CKR_TEMPLATE_INCOMPLETE);
    // Keys are only ever made on the card; certificates and data may be written.
    if (*cls != CKO_CERTIFICATE && *cls != CKO_DATA) fail(CKR_TEMPLATE_INCONSISTENT);
    if (!t.count(CKA_VALUE)) fail(CKR_TEMPLATE_INCOMPLETE);
    return m.change(session.slot, [&](Slot& s, bool& dirty) {
      require_writer(session, s);
      Attributes defaults = {{CKA_CLASS, ulong_value(*cls)}, {CKA_TOKEN, bool_value(true)},
                             {CKA_PRIVATE, bool_value(false)}, {CKA_MODIFIABLE, bool_value(true)},
                             {CKA_LABEL, {}}};
      if (*cls == CKO_CERTIFICATE) {
        auto type = template_ulong(t, CKA_CERTIFICATE_TYPE);
        if (type && *type != CKC_X_509) fail(CKR_ATTRIBUTE_VALUE_INVALID);
        const Bytes& der = t.at(CKA_VALUE);
        defaults[CKA_CERTIFICATE_TYPE] = ulong_value(CKC_X_509);
        defaults[CKA_TRUSTED] = bool_value(false);
        defaults[CKA_CERTIFICATE_CATEGORY] = ulong_value(0);
        defaults[CKA_ID] = {};
        defaults[CKA_SUBJECT] = subject_field(der, 0);
        defaults[CKA_ISSUER] = subject_field(der, 1);
        defaults[CKA_SERIAL_NUMBER] = subject_field(der, 2);
      } else {
        defaults[CKA_APPLICATION] = {};
        defaults[CKA_OBJECT_ID] = {};
      }
      CardObject o = new_object(s.card, defaults, t, {CKA_CLASS});
      *out = o.id;
      s.card.objects.push_back(std::move(o));
      dirty = true;
      return CKR_OK;
    });
  });
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE handle) {
  return guarded([&](ModuleState& m) {
    const Session& session = m.session(h);
    return m.change(session.slot, [&](Slot& s, bool& dirty) {
      require_writer(session, s);
      object(s, handle);
      std::erase_if(s.card.objects, [&](const CardObject& o) { return o.id == handle; });
      dirty = true;
      return CKR_OK;
    });
  });
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE handle, CK_ATTRIBUTE_PTR attrs, CK_ULONG count) {
  return guarded([&](ModuleState& m) {
    if (count > 0 && !attrs) fail(CKR_ARGUMENTS_BAD);
    Slot& s = m.slot(m.session(h).slot);
    const CardObject& o = object(s, handle);
    CK_RV rv = CKR_OK;
    for (CK_ULONG i = 0; i < count; ++i) {
      auto& a = attrs[i];
      const Bytes* value = find_attr(o, a.type);
      if (is_sensitive(o, a.type)) {
        a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
        rv = CKR_ATTRIBUTE_SENSITIVE;
      } else if (!value) {
        a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
        rv = CKR_ATTRIBUTE_TYPE_INVALID;
      } else if (!a.pValue) {
        a.ulValueLen = value->size();
      } else if (a.ulValueLen >= value->size()) {
        std::memcpy(a.pValue, value->data(), value->size());
        a.ulValueLen = value->size();
      } else {
        a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
        rv = CKR_BUFFER_TOO_SMALL;
      }
    }
    return rv;
  });
}

// Only the names an owner may give their objects can change.
CK_RV C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE handle, CK_ATTRIBUTE_PTR attrs, CK_ULONG count) {
  return guarded([&](ModuleState& m) {
    const Session& session = m.session(h);
    Attributes t = read_template(attrs, count);
    return m.change(session.slot, [&](Slot& s, bool& dirty) {
      require_writer(session, s);
      CardObject& o = object(s, handle);
      if (!attr_bool(o, CKA_MODIFIABLE, true)) return CKR_ATTRIBUTE_READ_ONLY;
      for (const auto& [type, value] : t)
        if (type != CKA_LABEL && type != CKA_ID) return CKR_ATTRIBUTE_READ_ONLY;
      for (const auto& [type, value] : t) o.attributes[type] = value;
      dirty = true;
      return CKR_OK;
    });
  });
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR attrs, CK_ULONG count) {
  return guarded([&](ModuleState& m) {
    Session& session = m.session(h);
    if (session.find || session.sign) fail(CKR_OPERATION_ACTIVE);
    Attributes t = read_template(attrs, count);
    Slot& s = m.slot(session.slot);
    FindOperation op;
    for (const auto& o : s.card.objects) {
      if (!visible(s, o)) continue;
      bool match = std::all_of(t.begin(), t.end(), [&](const auto& kv) {
        const Bytes* v = find_attr(o, kv.first);
        return v && *v == kv.second;
      });
      if (match) op.results.push_back(o.id);
    }
    session.find = std::move(op);
    return CKR_OK;
  });
}

CK_RV C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count) {
  return guarded([&](ModuleState& m) {
    if (!out || !count) fail(CKR_ARGUMENTS_BAD);
    Session& session = m.session(h);
    if (!session.find) fail(CKR_OPERATION_NOT_INITIALIZED);
    auto& op = *session.find;
    CK_ULONG n = 0;
    while (n < max && op.next < op.results.size()) out[n++] = op.results[op.next++];
    *count = n;
    return CKR_OK;
  });
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE h) {
  return guarded([&](ModuleState& m) {
    Session& session = m.session(h);
    if (!session.find) fail(CKR_OPERATION_NOT_INITIALIZED);
    session.find.reset();
    return CKR_OK;
  });
}

CK_RV C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key) {
  return guarded([&](ModuleState& m) {
    if (!mechanism) fail(CKR_ARGUMENTS_BAD);
    Session& session = m.session(h);
    if (session.sign || session.find) fail(CKR_OPERATION_ACTIVE);
    Slot& s = m.slot(session.slot);
    if (s.login != CKU_USER) fail(CKR_USER_NOT_LOGGED_IN);
    const CardObject& o = object(s, key);
    if (attr_ulong(o, CKA_CLASS) != CKO_PRIVATE_KEY || !attr_bool(o, CKA_SIGN, false))
      fail(CKR_KEY_FUNCTION_NOT_PERMITTED);
    SignOperation op;
    op.mechanism = check_sign_mechanism(*mechanism, attr_ulong(o, CKA_KEY_TYPE));
    op.key_der = o.private_key;
    op.size = signature_size(o.private_key);
    session.sign = std::move(op);
    return CKR_OK;
  });
}

CK_RV C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len) {
  return guarded([&](ModuleState& m) {
    Session& session = m.session(h);
    check_sign_input(session, data, len);
    Bytes input(data, data + len);
    return finish_sign(session, &input, sig, sig_len);
  });
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len) {
  return guarded([&](ModuleState& m) {
    Session& session = m.session(h);
    check_sign_input(session, data, len);
    session.sign->data.insert(session.sign->data.end(), data, data + len);
    return CKR_OK;
  });
}

CK_RV C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len) {
  return guarded([&](ModuleState& m) {
    Session& session = m.session(h);
    if (!session.sign) fail(CKR_OPERATION_NOT_INITIALIZED);
    return finish_sign(session, nullptr, sig, sig_len);
  });
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mechanism, CK_ATTRIBUTE_PTR pub_attrs,
                        CK_ULONG pub_count, CK_ATTRIBUTE_PTR priv_attrs, CK_ULONG priv_count,
                        CK_OBJECT_HANDLE_PTR pub_out, CK_OBJECT_HANDLE_PTR priv_out) {
  return guarded([&](ModuleState& m) {
    if (!mechanism || !pub_out || !priv_out) fail(CKR_ARGUMENTS_BAD);
    const Session& session = m.session(h);
    Attributes pub_t = read_template(pub_attrs, pub_count);
    Attributes priv_t = read_template(priv_attrs, priv_count);
    {
      Slot& s = m.slot(session.slot);
      require_writer(session, s);
    }
    // A never-extractable, sensitive key is what a qualified signature needs.
    if (template_bool(priv_t, CKA_SENSITIVE) == false || template_bool(priv_t, CKA_EXTRACTABLE) == true)
      fail(CKR_TEMPLATE_INCONSISTENT);

    CK_KEY_TYPE key_type;
    GeneratedKey key;
    if (mechanism->mechanism == CKM_RSA_PKCS_KEY_PAIR_GEN) {
      key_type = CKK_RSA;
      auto bits = template_ulong(pub_t, CKA_MODULUS_BITS);
      if (!bits) fail(CKR_TEMPLATE_INCOMPLETE);
      auto e = pub_t.find(CKA_PUBLIC_EXPONENT);
      key = generate_rsa(*bits, e == pub_t.end() ? Bytes{} : e->second);
    } else if (mechanism->mechanism == CKM_EC_KEY_PAIR_GEN) {
      key_type = CKK_EC;
      auto params = pub_t.find(CKA_EC_PARAMS);
      if (params == pub_t.end()) fail(CKR_TEMPLATE_INCOMPLETE);
      key = generate_ec(params->second);
    } else {
      fail(CKR_MECHANISM_INVALID);
    }
    pub_t.erase(CKA_MODULUS_BITS);
    pub_t.erase(CKA_PUBLIC_EXPONENT);
    pub_t.erase(CKA_EC_PARAMS);

    Attributes common = {{CKA_KEY_TYPE, ulong_value(key_type)},  {CKA_TOKEN, bool_value(true)},
                         {CKA_MODIFIABLE, bool_value(true)},     {CKA_LABEL, {}},
                         {CKA_ID, {}},                           {CKA_LOCAL, bool_value(true)},
                         {CKA_KEY_GEN_MECHANISM, ulong_value(mechanism->mechanism)},
                         {CKA_DERIVE, bool_value(false)},        {CKA_SUBJECT, {}},
                         {CKA_START_DATE, {}},                   {CKA_END_DATE, {}}};
    if (key_type == CKK_RSA) {
      common[CKA_MODULUS] = key.modulus;
      common[CKA_PUBLIC_EXPONENT] = key.exponent;
    } else {
      common[CKA_EC_PARAMS] = key.ec_params;
    }
    Attributes pub = common, priv = common;
    pub[CKA_CLASS] = ulong_value(CKO_PUBLIC_KEY);
    pub[CKA_PRIVATE] = bool_value(false);
    pub[CKA_VERIFY] = bool_value(true);
    pub[CKA_ENCRYPT] = pub[CKA_WRAP] = pub[CKA_VERIFY_RECOVER] = bool_value(false);
    pub[CKA_TRUSTED] = bool_value(false);
    if (key_type == CKK_RSA) pub[CKA_MODULUS_BITS] = ulong_value(key.bits);
    else pub[CKA_EC_POINT] = key.ec_point;
    priv[CKA_CLASS] = ulong_value(CKO_PRIVATE_KEY);
    priv[CKA_PRIVATE] = bool_value(true);
    priv[CKA_SENSITIVE] = priv[CKA_ALWAYS_SENSITIVE] = bool_value(true);
    priv[CKA_EXTRACTABLE] = bool_value(false);
    priv[CKA_NEVER_EXTRACTABLE] = bool_value(true);
    priv[CKA_SIGN] = bool_value(true);
    priv[CKA_DECRYPT] = priv[CKA_UNWRAP] = priv[CKA_SIGN_RECOVER] = bool_value(false);
    priv[CKA_ALWAYS_AUTHENTICATE] = bool_value(false);
    priv[CKA_WRAP_WITH_TRUSTED] = bool_value(false);

    const std::set<CK_ATTRIBUTE_TYPE> fixed = {CKA_CLASS, CKA_KEY_TYPE, CKA_LOCAL, CKA_KEY_GEN_MECHANISM,
                                               CKA_MODULUS, CKA_EC_POINT, CKA_ALWAYS_SENSITIVE,
                                               CKA_NEVER_EXTRACTABLE};
    return m.change(session.slot, [&](Slot& s, bool& dirty) {
      require_writer(session, s);
      CardObject pub_o = new_object(s.card, pub, pub_t, fixed);
      CardObject priv_o = new_object(s.card, priv, priv_t, fixed);
      priv_o.private_key = key.key_der;
      // The card signs and nothing else, whatever usage the caller asked for.
      for (auto type : {CKA_DECRYPT, CKA_UNWRAP, CKA_DERIVE, CKA_SIGN_RECOVER})
        priv_o.attributes[type] = bool_value(false);
      for (auto type : {CKA_ENCRYPT, CKA_WRAP, CKA_DERIVE, CKA_VERIFY_RECOVER})
        pub_o.attributes[type] = bool_value(false);
      *pub_out = pub_o.id;
      *priv_out = priv_o.id;
      s.card.objects.push_back(std::move(pub_o));
      s.card.objects.push_back(std::move(priv_o));
      dirty = true;
      return CKR_OK;
    });
  });
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG) {
  return guarded([&](ModuleState& m) {
    m.session(h);
    return CKR_RANDOM_SEED_NOT_SUPPORTED;
  });
}

CK_RV C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len) {
  return guarded([&](ModuleState& m) {
    m.session(h);
    if (!out && len > 0) fail(CKR_ARGUMENTS_BAD);
    if (len > 0 && RAND_bytes(out, static_cast<int>(len)) != 1) fail(CKR_FUNCTION_FAILED);
    return CKR_OK;
  });
}

}  // extern "C"

namespace {

// Every function the card does not offer answers CKR_FUNCTION_NOT_SUPPORTED
// (after the usual checks a caller can rely on).
template <typename F>
struct Unsupported;
template <typename... Args>
struct Unsupported<CK_RV (*)(Args...)> {
  static CK_RV call(Args...) {
    return guarded([](ModuleState&) { return CKR_FUNCTION_NOT_SUPPORTED; });
  }
};

CK_FUNCTION_LIST make_function_list() {
  CK_FUNCTION_LIST f{};
  f.version = {2, 40};
#define TUGRA_UNSUPPORTED(name) f.name = Unsupported<decltype(f.name)>::call
  TUGRA_UNSUPPORTED(C_GetOperationState);
  TUGRA_UNSUPPORTED(C_SetOperationState);
  TUGRA_UNSUPPORTED(C_CopyObject);
  TUGRA_UNSUPPORTED(C_GetObjectSize);
  TUGRA_UNSUPPORTED(C_EncryptInit);
  TUGRA_UNSUPPORTED(C_Encrypt);
  TUGRA_UNSUPPORTED(C_EncryptUpdate);
  TUGRA_UNSUPPORTED(C_EncryptFinal);
  TUGRA_UNSUPPORTED(C_DecryptInit);
  TUGRA_UNSUPPORTED(C_Decrypt);
  TUGRA_UNSUPPORTED(C_DecryptUpdate);
  TUGRA_UNSUPPORTED(C_DecryptFinal);
  TUGRA_UNSUPPORTED(C_DigestInit);
  TUGRA_UNSUPPORTED(C_Digest);
  TUGRA_UNSUPPORTED(C_DigestUpdate);
  TUGRA_UNSUPPORTED(C_DigestKey);
  TUGRA_UNSUPPORTED(C_DigestFinal);
  TUGRA_UNSUPPORTED(C_SignRecoverInit);
  TUGRA_UNSUPPORTED(C_SignRecover);
  TUGRA_UNSUPPORTED(C_VerifyInit);
  TUGRA_UNSUPPORTED(C_Verify);
  TUGRA_UNSUPPORTED(C_VerifyUpdate);
  TUGRA_UNSUPPORTED(C_VerifyFinal);
  TUGRA_UNSUPPORTED(C_VerifyRecoverInit);
  TUGRA_UNSUPPORTED(C_VerifyRecover);
  TUGRA_UNSUPPORTED(C_DigestEncryptUpdate);
  TUGRA_UNSUPPORTED(C_DecryptDigestUpdate);
  TUGRA_UNSUPPORTED(C_SignEncryptUpdate);
  TUGRA_UNSUPPORTED(C_DecryptVerifyUpdate);
  TUGRA_UNSUPPORTED(C_GenerateKey);
  TUGRA_UNSUPPORTED(C_WrapKey);
  TUGRA_UNSUPPORTED(C_UnwrapKey);
  TUGRA_UNSUPPORTED(C_DeriveKey);
  TUGRA_UNSUPPORTED(C_GetFunctionStatus);
  TUGRA_UNSUPPORTED(C_CancelFunction);
  TUGRA_UNSUPPORTED(C_WaitForSlotEvent);
#undef TUGRA_UNSUPPORTED
  f.C_Initialize = C_Initialize;
  f.C_Finalize = C_Finalize;
  f.C_GetInfo = C_GetInfo;
  f.C_GetFunctionList = C_GetFunctionList;
  f.C_GetSlotList = C_GetSlotList;
  f.C_GetSlotInfo = C_GetSlotInfo;
  f.C_GetTokenInfo = C_GetTokenInfo;
  f.C_GetMechanismList = C_GetMechanismList;
  f.C_GetMechanismInfo = C_GetMechanismInfo;
  f.C_InitToken = C_InitToken;
  f.C_InitPIN = C_InitPIN;
  f.C_SetPIN = C_SetPIN;
  f.C_OpenSession = C_OpenSession;
  f.C_CloseSession = C_CloseSession;
  f.C_CloseAllSessions = C_CloseAllSessions;
  f.C_GetSessionInfo = C_GetSessionInfo;
  f.C_Login = C_Login;
  f.C_Logout = C_Logout;
  f.C_CreateObject = C_CreateObject;
  f.C_DestroyObject = C_DestroyObject;
  f.C_GetAttributeValue = C_GetAttributeValue;
  f.C_SetAttributeValue = C_SetAttributeValue;
  f.C_FindObjectsInit = C_FindObjectsInit;
  f.C_FindObjects = C_FindObjects;
  f.C_FindObjectsFinal = C_FindObjectsFinal;
  f.C_SignInit = C_SignInit;
  f.C_Sign = C_Sign;
  f.C_SignUpdate = C_SignUpdate;
  f.C_SignFinal = C_SignFinal;
  f.C_GenerateKeyPair = C_GenerateKeyPair;
  f.C_SeedRandom = C_SeedRandom;
  f.C_GenerateRandom = C_GenerateRandom;
  return f;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
  static CK_FUNCTION_LIST functions = make_function_list();
  if (!list) return CKR_ARGUMENTS_BAD;
  *list = &functions;
  return CKR_OK;
}
