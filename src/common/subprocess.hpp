// Running another program (pg_dump, pg_restore) and waiting for it.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace tugra {

// Runs argv[0] (looked up in PATH) with `extra_env` added to this process's
// environment; its standard output goes to `stdout_file` when given (created
// 0600), its standard error to ours. Returns its exit status (127 when it
// could not be started, 128+N when killed by signal N).
int run_program(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& extra_env,
                const std::filesystem::path& stdout_file = {});

}  // namespace tugra
