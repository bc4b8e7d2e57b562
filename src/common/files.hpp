// Small file helpers: whole-file reads and atomic, permission-aware writes.
#pragma once

#include <filesystem>
#include <string>

namespace tugra {

std::string read_file(const std::filesystem::path& path);
// Writes `content` to `path` so that readers see the old or the new content,
// never a mix: a temporary file with a unique name beside the target is
// written, fsynced and renamed over it (and removed if anything fails).
// A symlink is followed and its target replaced (the link stays a link); an
// existing file that is not a regular file (a device, a FIFO) is written in
// place, never renamed over. `mode` e.g. 0600, for a new or replaced file.
void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       unsigned mode = 0644);

}  // namespace tugra
