// Fault injection for crash-recovery tests: when the environment variable
// TUGRA_FAULT names a point, the process kills itself there with SIGKILL, as
// a power cut or `kill -9` would. Unset, a fault point costs one getenv.
#pragma once

#include <string_view>

namespace tugra {

void fault_point(std::string_view name);

}  // namespace tugra
