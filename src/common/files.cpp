#include "common/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tugra {
namespace {

std::runtime_error failure(const std::string& what, const std::filesystem::path& path) {
  return std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

void write_all(int fd, std::string_view content, const std::filesystem::path& path) {
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw failure("cannot write", path);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

// The file a path finally names: symlinks followed, a dangling one included
// (its target is then created).
std::filesystem::path resolve_links(std::filesystem::path path) {
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code ec;
    if (!std::filesystem::is_symlink(path, ec)) return path;
    auto target = std::filesystem::read_symlink(path, ec);
    if (ec) throw std::runtime_error("cannot read link " + path.string() + ": " + ec.message());
    path = target.is_absolute() ? target : path.parent_path() / target;
  }
  throw std::runtime_error("too many levels of symbolic links: " + path.string());
}

// Closes a descriptor and removes a temporary file unless the write went through.
struct Temporary {
  int fd = -1;
  std::string path;
  bool keep = false;
  ~Temporary() {
    if (fd >= 0) ::close(fd);
    if (!keep && !path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw failure("cannot read", path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file_atomic(const std::filesystem::path& given, std::string_view content, unsigned mode) {
  std::filesystem::path path = resolve_links(given);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // A device or a FIFO: renaming a file over it would destroy it (as root,
    // even /dev/null). It gets the bytes, written in place.
    if (S_ISDIR(st.st_mode)) throw std::runtime_error("cannot write " + path.string() + ": is a directory");
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw failure("cannot open", path);
    Temporary guard{fd, "", true};
    write_all(fd, content, path);
    return;
  }
  // A unique name in the target's directory: two writers cannot collide,
  // and the rename stays on one file system.
  auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  Temporary tmp;
  tmp.path = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  tmp.fd = ::mkstemp(tmp.path.data());
  if (tmp.fd < 0) {
    tmp.path.clear();
    throw failure("cannot write in", dir);
  }
  write_all(tmp.fd, content, path);
  if (::fchmod(tmp.fd, mode) != 0 || ::fsync(tmp.fd) != 0) throw failure("cannot write", path);
  ::close(tmp.fd);
  tmp.fd = -1;
  if (::rename(tmp.path.c_str(), path.c_str()) != 0) throw failure("cannot replace", path);
  tmp.keep = true;
}

}  // namespace tugra
