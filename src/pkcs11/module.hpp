// A PKCS#11 module loaded with dlopen, and sessions on its tokens.
//
// Thin RAII over the C API: every call is checked and turned into an Error
// naming the CK_RV, and every variable-length output (attributes, signatures)
// is sized with the two-call pattern, never a fixed buffer — AKIS cards, for
// one, return explicit EC parameters larger than a named-curve OID.
#pragma once

#include <p11-kit/pkcs11.h>

#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"

namespace tugra::pkcs11 {

std::string rv_name(CK_RV rv);

class Error : public std::runtime_error {
 public:
  Error(CK_RV rv, std::string_view call);
  CK_RV rv() const noexcept { return rv_; }

 private:
  CK_RV rv_;
};

// Blank-padded fixed-size fields of CK_TOKEN_INFO and friends, trimmed.
std::string field(const unsigned char* data, std::size_t size);

class Module {
 public:
  explicit Module(const std::string& path);
  // One Module per path and process: PKCS#11 allows a single C_Initialize per
  // process, so every user of a module shares the same instance.
  static std::shared_ptr<Module> shared(const std::string& path);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  CK_FUNCTION_LIST* api() const { return api_; }
  const std::string& path() const { return path_; }

  std::vector<CK_SLOT_ID> slots(bool with_token_only = true) const;
  CK_TOKEN_INFO token_info(CK_SLOT_ID slot) const;
  // The slot whose token carries `label`, if any.
  std::optional<CK_SLOT_ID> find_token(std::string_view label) const;
  void init_token(CK_SLOT_ID slot, std::string_view so_pin, std::string_view label) const;

 private:
  std::string path_;
  void* handle_ = nullptr;
  CK_FUNCTION_LIST* api_ = nullptr;
  bool finalize_ = false;
};

// An attribute template that owns the memory its attributes point to.
class Template {
 public:
  Template& add(CK_ATTRIBUTE_TYPE type, bool value);
  Template& add(CK_ATTRIBUTE_TYPE type, CK_ULONG value);
  Template& add(CK_ATTRIBUTE_TYPE type, ByteView value);
  Template& add(CK_ATTRIBUTE_TYPE type, std::string_view value) { return add(type, as_bytes(value)); }
  CK_ATTRIBUTE* data() { return attrs_.data(); }
  CK_ULONG size() const { return attrs_.size(); }

 private:
  std::deque<Bytes> storage_;
  std::vector<CK_ATTRIBUTE> attrs_;
};

class Session {
 public:
  Session(std::shared_ptr<const Module> module, CK_SLOT_ID slot, bool read_write = true);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  CK_SESSION_HANDLE handle() const { return handle_; }
  CK_SLOT_ID slot() const { return slot_; }
  const Module& module() const { return *module_; }

  void login(CK_USER_TYPE user, std::string_view pin);
  void logout();
  // A login is the whole process's, not this session's (PKCS#11 §5.6): a
  // C_Logout here would log out every other session on the token too. With
  // false, closing this session leaves the login alone; it ends when the
  // process's last session on the token closes.
  void logout_on_close(bool yes) { logout_on_close_ = yes; }
  void init_pin(std::string_view pin);
  void set_pin(std::string_view old_pin, std::string_view new_pin);

  std::vector<CK_OBJECT_HANDLE> find(Template& match);
  // The attribute's value; std::nullopt when the object does not have it or
  // it is sensitive.
  std::optional<Bytes> attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);
  Bytes required_attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);
  CK_OBJECT_HANDLE create_object(Template& attributes);
  void destroy_object(CK_OBJECT_HANDLE object);

  struct KeyPair {
    CK_OBJECT_HANDLE public_key;
    CK_OBJECT_HANDLE private_key;
  };
  KeyPair generate_key_pair(CK_MECHANISM& mechanism, Template& public_template,
                            Template& private_template);
  Bytes sign(CK_OBJECT_HANDLE key, CK_MECHANISM& mechanism, ByteView data);
  Bytes random(std::size_t n);

 private:
  std::shared_ptr<const Module> module_;
  CK_SLOT_ID slot_;
  CK_SESSION_HANDLE handle_ = CK_INVALID_HANDLE;
  bool logged_in_ = false;
  bool logout_on_close_ = true;
};

}  // namespace tugra::pkcs11
