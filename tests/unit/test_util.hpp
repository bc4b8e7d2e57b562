// Helpers shared by the unit tests.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/bytes.hpp"

namespace tugra::test {

// Runs a shell command and returns its standard output.
inline std::string run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

// Writes `data` to a temporary file and returns its path.
inline std::string temp_file(ByteView data, const std::string& suffix = ".der") {
  static int counter = 0;
  auto path = std::filesystem::temp_directory_path() /
              ("tugra-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + suffix);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()),
                                              static_cast<std::streamsize>(data.size()));
  return path.string();
}

// `openssl asn1parse` of DER bytes, as text.
inline std::string asn1parse(ByteView der) {
  return run("openssl asn1parse -inform DER -i -in " + temp_file(der) + " 2>&1");
}

}  // namespace tugra::test
