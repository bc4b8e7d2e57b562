#include "common/client_address.hpp"

#include <utility>

namespace tugra {
namespace {
thread_local std::string current;
}

ClientAddressScope::ClientAddressScope(std::string address) : previous_(std::exchange(current, std::move(address))) {}
ClientAddressScope::~ClientAddressScope() { current = std::move(previous_); }

const std::string& current_client_address() { return current; }

}  // namespace tugra
