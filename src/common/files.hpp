// Small file helpers: whole-file reads and atomic, permission-aware writes.
#pragma once

#include <filesystem>
#include <string>

namespace tugra {

std::string read_file(const std::filesystem::path& path);
// Writes to a temporary file in the same directory, fsyncs, then renames, so
// readers see the old or the new content, never a mix. `mode` e.g. 0600.
void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       unsigned mode = 0644);

}  // namespace tugra
