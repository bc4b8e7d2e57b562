#include "pkcs11/module.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

namespace tugra::pkcs11 {

std::string rv_name(CK_RV rv) {
  switch (rv) {
#define NAME(x) \
  case x:       \
    return #x;
    NAME(CKR_OK)
    NAME(CKR_CANCEL)
    NAME(CKR_HOST_MEMORY)
    NAME(CKR_SLOT_ID_INVALID)
    NAME(CKR_GENERAL_ERROR)
    NAME(CKR_FUNCTION_FAILED)
    NAME(CKR_ARGUMENTS_BAD)
    NAME(CKR_ATTRIBUTE_SENSITIVE)
    NAME(CKR_ATTRIBUTE_TYPE_INVALID)
    NAME(CKR_ATTRIBUTE_VALUE_INVALID)
    NAME(CKR_DATA_INVALID)
    NAME(CKR_DATA_LEN_RANGE)
    NAME(CKR_DEVICE_ERROR)
    NAME(CKR_DEVICE_REMOVED)
    NAME(CKR_FUNCTION_NOT_SUPPORTED)
    NAME(CKR_KEY_HANDLE_INVALID)
    NAME(CKR_KEY_TYPE_INCONSISTENT)
    NAME(CKR_MECHANISM_INVALID)
    NAME(CKR_MECHANISM_PARAM_INVALID)
    NAME(CKR_OBJECT_HANDLE_INVALID)
    NAME(CKR_OPERATION_ACTIVE)
    NAME(CKR_OPERATION_NOT_INITIALIZED)
    NAME(CKR_PIN_INCORRECT)
    NAME(CKR_PIN_INVALID)
    NAME(CKR_PIN_LEN_RANGE)
    NAME(CKR_PIN_EXPIRED)
    NAME(CKR_PIN_LOCKED)
    NAME(CKR_SESSION_CLOSED)
    NAME(CKR_SESSION_HANDLE_INVALID)
    NAME(CKR_SESSION_READ_ONLY)
    NAME(CKR_SESSION_EXISTS)
    NAME(CKR_TEMPLATE_INCOMPLETE)
    NAME(CKR_TEMPLATE_INCONSISTENT)
    NAME(CKR_TOKEN_NOT_PRESENT)
    NAME(CKR_TOKEN_NOT_RECOGNIZED)
    NAME(CKR_TOKEN_WRITE_PROTECTED)
    NAME(CKR_USER_ALREADY_LOGGED_IN)
    NAME(CKR_USER_NOT_LOGGED_IN)
    NAME(CKR_USER_PIN_NOT_INITIALIZED)
    NAME(CKR_USER_TYPE_INVALID)
    NAME(CKR_BUFFER_TOO_SMALL)
    NAME(CKR_CRYPTOKI_NOT_INITIALIZED)
    NAME(CKR_CRYPTOKI_ALREADY_INITIALIZED)
#undef NAME
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "CKR_0x%lx", static_cast<unsigned long>(rv));
      return buf;
    }
  }
}

Error::Error(CK_RV rv, std::string_view call)
    : std::runtime_error("PKCS#11 " + std::string(call) + ": " + rv_name(rv)), rv_(rv) {}

static void check(CK_RV rv, std::string_view call) {
  if (rv != CKR_OK) throw Error(rv, call);
}

std::string field(const unsigned char* data, std::size_t size) {
  std::string s(reinterpret_cast<const char*>(data), size);
  auto end = s.find_last_not_of(" \0", std::string::npos, 2);
  return end == std::string::npos ? std::string() : s.substr(0, end + 1);
}

Module::Module(const std::string& path) : path_(path) {
  handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) throw std::runtime_error("cannot load PKCS#11 module " + path + ": " + ::dlerror());
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(handle_, "C_GetFunctionList"));
  if (!get_list) {
    ::dlclose(handle_);
    throw std::runtime_error(path + " is not a PKCS#11 module (no C_GetFunctionList)");
  }
  CK_RV rv = get_list(&api_);
  if (rv != CKR_OK) {
    ::dlclose(handle_);
    throw Error(rv, "C_GetFunctionList");
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  rv = api_->C_Initialize(&args);
  if (rv == CKR_OK)
    finalize_ = true;
  else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    ::dlclose(handle_);
    throw Error(rv, "C_Initialize");
  }
}

std::shared_ptr<Module> Module::shared(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<Module>> loaded;
  std::lock_guard lock(mutex);
  if (auto existing = loaded[path].lock()) return existing;
  auto module = std::make_shared<Module>(path);
  loaded[path] = module;
  return module;
}

Module::~Module() {
  if (finalize_) api_->C_Finalize(nullptr);
  // The module stays mapped: some modules register atexit handlers or
  // thread-local destructors that would run after an unmap.
}

std::vector<CK_SLOT_ID> Module::slots(bool with_token_only) const {
  CK_ULONG count = 0;
  check(api_->C_GetSlotList(with_token_only, nullptr, &count), "C_GetSlotList");
  std::vector<CK_SLOT_ID> list(count);
  check(api_->C_GetSlotList(with_token_only, list.data(), &count), "C_GetSlotList");
  list.resize(count);
  return list;
}

CK_TOKEN_INFO Module::token_info(CK_SLOT_ID slot) const {
  CK_TOKEN_INFO info{};
  check(api_->C_GetTokenInfo(slot, &info), "C_GetTokenInfo");
  return info;
}

std::optional<CK_SLOT_ID> Module::find_token(std::string_view label) const {
  for (CK_SLOT_ID slot : slots(true)) {
    CK_TOKEN_INFO info = token_info(slot);
    if ((info.flags & CKF_TOKEN_INITIALIZED) && field(info.label, sizeof info.label) == label)
      return slot;
  }
  return std::nullopt;
}

void Module::init_token(CK_SLOT_ID slot, std::string_view so_pin, std::string_view label) const {
  unsigned char padded[32];
  std::memset(padded, ' ', sizeof padded);
  std::memcpy(padded, label.data(), std::min(label.size(), sizeof padded));
  check(api_->C_InitToken(slot, reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(so_pin.data())),
                          so_pin.size(), padded),
        "C_InitToken");
}

Template& Template::add(CK_ATTRIBUTE_TYPE type, bool value) {
  return add(type, ByteView(reinterpret_cast<const std::uint8_t*>(value ? "\1" : "\0"), 1));
}

Template& Template::add(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
  return add(type, ByteView(reinterpret_cast<const std::uint8_t*>(&value), sizeof value));
}

Template& Template::add(CK_ATTRIBUTE_TYPE type, ByteView value) {
  auto& stored = storage_.emplace_back(value.begin(), value.end());
  attrs_.push_back(CK_ATTRIBUTE{type, stored.data(), stored.size()});
  return *this;
}

Session::Session(std::shared_ptr<const Module> module, CK_SLOT_ID slot, bool read_write)
    : module_(std::move(module)), slot_(slot) {
  CK_FLAGS flags = CKF_SERIAL_SESSION | (read_write ? CKF_RW_SESSION : 0);
  check(module_->api()->C_OpenSession(slot, flags, nullptr, nullptr, &handle_), "C_OpenSession");
}

Session::~Session() {
  if (logged_in_ && logout_on_close_) module_->api()->C_Logout(handle_);
  module_->api()->C_CloseSession(handle_);
}

static CK_UTF8CHAR_PTR pin_ptr(std::string_view pin) {
  return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data()));
}

void Session::login(CK_USER_TYPE user, std::string_view pin) {
  CK_RV rv = module_->api()->C_Login(handle_, user, pin_ptr(pin), pin.size());
  if (rv != CKR_USER_ALREADY_LOGGED_IN) check(rv, "C_Login");
  logged_in_ = true;
}

void Session::logout() {
  if (!logged_in_) return;
  logged_in_ = false;
  check(module_->api()->C_Logout(handle_), "C_Logout");
}

void Session::init_pin(std::string_view pin) {
  check(module_->api()->C_InitPIN(handle_, pin_ptr(pin), pin.size()), "C_InitPIN");
}

void Session::set_pin(std::string_view old_pin, std::string_view new_pin) {
  check(module_->api()->C_SetPIN(handle_, pin_ptr(old_pin), old_pin.size(), pin_ptr(new_pin),
                                 new_pin.size()),
        "C_SetPIN");
}

std::vector<CK_OBJECT_HANDLE> Session::find(Template& match) {
  auto* api = module_->api();
  check(api->C_FindObjectsInit(handle_, match.data(), match.size()), "C_FindObjectsInit");
  std::vector<CK_OBJECT_HANDLE> found;
  CK_OBJECT_HANDLE batch[32];
  for (;;) {
    CK_ULONG n = 0;
    CK_RV rv = api->C_FindObjects(handle_, batch, 32, &n);
    if (rv != CKR_OK) {
      api->C_FindObjectsFinal(handle_);
      throw Error(rv, "C_FindObjects");
    }
    found.insert(found.end(), batch, batch + n);
    if (n < 32) break;
  }
  check(api->C_FindObjectsFinal(handle_), "C_FindObjectsFinal");
  return found;
}

std::optional<Bytes> Session::attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE attr{type, nullptr, 0};
  CK_RV rv = module_->api()->C_GetAttributeValue(handle_, object, &attr, 1);
  if (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
      attr.ulValueLen == CK_UNAVAILABLE_INFORMATION)
    return std::nullopt;
  check(rv, "C_GetAttributeValue");
  Bytes value(attr.ulValueLen);
  attr.pValue = value.data();
  check(module_->api()->C_GetAttributeValue(handle_, object, &attr, 1), "C_GetAttributeValue");
  value.resize(attr.ulValueLen);
  return value;
}

Bytes Session::required_attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  auto value = attribute(object, type);
  if (!value) throw Error(CKR_ATTRIBUTE_TYPE_INVALID, "C_GetAttributeValue");
  return *value;
}

CK_OBJECT_HANDLE Session::create_object(Template& attributes) {
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  check(module_->api()->C_CreateObject(handle_, attributes.data(), attributes.size(), &h),
        "C_CreateObject");
  return h;
}

void Session::destroy_object(CK_OBJECT_HANDLE object) {
  check(module_->api()->C_DestroyObject(handle_, object), "C_DestroyObject");
}

Session::KeyPair Session::generate_key_pair(CK_MECHANISM& mechanism, Template& public_template,
                                            Template& private_template) {
  KeyPair pair{};
  check(module_->api()->C_GenerateKeyPair(handle_, &mechanism, public_template.data(),
                                          public_template.size(), private_template.data(),
                                          private_template.size(), &pair.public_key,
                                          &pair.private_key),
        "C_GenerateKeyPair");
  return pair;
}

Bytes Session::sign(CK_OBJECT_HANDLE key, CK_MECHANISM& mechanism, ByteView data) {
  auto* api = module_->api();
  check(api->C_SignInit(handle_, &mechanism, key), "C_SignInit");
  CK_BYTE_PTR in = const_cast<CK_BYTE_PTR>(data.data());
  CK_ULONG len = 0;
  // First call sizes the output. Per PKCS#11 §5.2 a size query leaves the
  // operation active for the second call.
  CK_RV rv = api->C_Sign(handle_, in, data.size(), nullptr, &len);
  check(rv, "C_Sign");
  Bytes signature(len);
  check(api->C_Sign(handle_, in, data.size(), signature.data(), &len), "C_Sign");
  signature.resize(len);
  return signature;
}

Bytes Session::random(std::size_t n) {
  Bytes out(n);
  check(module_->api()->C_GenerateRandom(handle_, out.data(), n), "C_GenerateRandom");
  return out;
}

}  // namespace tugra::pkcs11
