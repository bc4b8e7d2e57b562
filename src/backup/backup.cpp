#include "backup/backup.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <set>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "crypto/openssl.hpp"
#include "store/database.hpp"
#include "store/ledger.hpp"
#include "store/snapshot.hpp"

namespace tugra::backup {
namespace {

namespace fs = std::filesystem;
constexpr const char* kFormat = "tugra-backup-1";
constexpr const char* kManifest = "MANIFEST.json";
constexpr std::size_t kChunk = 1 << 16;

std::string engine_name(store::Engine e) { return e == store::Engine::sqlite ? "sqlite" : "postgresql"; }

// SHA-256 of a stream, fed chunk by chunk.
class Digest {
 public:
  Digest() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void update(const void* data, std::size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_.get(), out, &n);
    return hex_encode(ByteView(out, n));
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

[[noreturn]] void archive_failed(archive* a, const fs::path& file) {
  throw UserError("backup.archive_failed", {{"file", file.string()}, {"detail", archive_error_string(a) ? archive_error_string(a) : "?"}});
}

// A tar.gz written entry by entry; each entry's SHA-256 goes into the manifest.
class Writer {
 public:
  explicit Writer(const fs::path& file) : file_(file), a_(archive_write_new()) {
    if (archive_write_add_filter_gzip(a_) != ARCHIVE_OK || archive_write_set_format_pax_restricted(a_) != ARCHIVE_OK ||
        archive_write_open_filename(a_, file.c_str()) != ARCHIVE_OK)
      archive_failed(a_, file_);
  }
  ~Writer() { archive_write_free(a_); }

  void add_bytes(const std::string& name, std::string_view data, unsigned mode) {
    header(name, data.size(), mode);
    Digest d;
    d.update(data.data(), data.size());
    write(data.data(), data.size());
    manifest_.push_back({{"path", name}, {"sha256", d.hex()}, {"size", data.size()}, {"mode", mode}});
  }

  void add_file(const std::string& name, const fs::path& path, unsigned mode) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UserError("backup.cannot_read", {{"file", path.string()}});
    auto size = fs::file_size(path);
    header(name, size, mode);
    Digest d;
    std::vector<char> buffer(kChunk);
    std::uintmax_t done = 0;
    while (done < size) {
      in.read(buffer.data(), static_cast<std::streamsize>(std::min<std::uintmax_t>(kChunk, size - done)));
      auto n = static_cast<std::size_t>(in.gcount());
      if (n == 0) break;
      d.update(buffer.data(), n);
      write(buffer.data(), n);
      done += n;
    }
    if (done != size) throw UserError("backup.cannot_read", {{"file", path.string()}});  // it shrank meanwhile
    manifest_.push_back({{"path", name}, {"sha256", d.hex()}, {"size", size}, {"mode", mode}});
  }

  void finish(nlohmann::json manifest) {
    manifest["files"] = manifest_;
    std::string text = manifest.dump(2) + "\n";
    header(kManifest, text.size(), 0600);
    write(text.data(), text.size());
    if (archive_write_close(a_) != ARCHIVE_OK) archive_failed(a_, file_);
  }

 private:
  void header(const std::string& name, std::uintmax_t size, unsigned mode) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), mode);
    archive_entry_set_mtime(e.get(), now_seconds(), 0);
    if (archive_write_header(a_, e.get()) != ARCHIVE_OK) archive_failed(a_, file_);
  }
  void write(const void* data, std::size_t size) {
    if (size && archive_write_data(a_, data, size) < 0) archive_failed(a_, file_);
  }

  fs::path file_;
  archive* a_;
  nlohmann::json manifest_ = nlohmann::json::array();
};

// The home's files that belong in a backup: not the live database (its
// consistent copy goes in instead), not logs (but the audit witness), not
// the backup being written.
std::vector<fs::path> home_files(const Config& config, const std::vector<fs::path>& ours) {
  std::set<fs::path> skip;
  for (const auto& p : ours) skip.insert(fs::weakly_canonical(p));
  if (store::engine_of(config) == store::Engine::sqlite) {
    fs::path db = store::sqlite_file(config);
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) skip.insert(fs::weakly_canonical(db.string() + suffix));
  }
  fs::path witness = fs::weakly_canonical(config.path("audit.witness_file"));
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(config.home())) {
    if (!entry.is_regular_file() || entry.is_symlink()) continue;
    fs::path path = fs::weakly_canonical(entry.path());
    if (skip.count(path)) continue;
    if (path.extension() == ".log" && path != witness) continue;
    if (path.filename().string().rfind(".tugra-tmp", 0) == 0) continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// A name from an archive, safe to put under a directory: relative, no "..".
bool safe_name(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find('\0') != std::string::npos) return false;
  for (const auto& part : fs::path(name))
    if (part == ".." || part == ".") return false;
  return true;
}

}  // namespace

BackupSummary create(const Config& config, const fs::path& out) {
  BackupSummary summary;
  int schema = 0;
  {
    auto db = store::Database::open(config);
    schema = db->schema_version();
  }
  // The witness is read before the database is copied: every checkpoint it
  // names is then in the copy (the copy may hold newer ones, which is fine).
  fs::path witness = config.path("audit.witness_file");
  std::string witness_text;
  if (fs::exists(witness)) witness_text = read_file(witness);

  fs::path temp = out;
  temp += ".partial";
  fs::path db_copy = out;
  db_copy += ".database";
  struct Cleanup {
    std::vector<fs::path> paths;
    ~Cleanup() {
      std::error_code ec;
      for (const auto& p : paths) fs::remove(p, ec);
    }
  } cleanup{{temp, db_copy}};
  store::snapshot_database(config, db_copy);

  auto engine = store::engine_of(config);
  {
    Writer writer(temp);
    fs::permissions(temp, fs::perms::owner_read | fs::perms::owner_write);
    for (const auto& file : home_files(config, {out, temp, db_copy})) {
      std::string name = "home/" + fs::relative(file, config.home()).generic_string();
      unsigned mode = static_cast<unsigned>(fs::status(file).permissions()) & 0700;
      if (fs::weakly_canonical(file) == fs::weakly_canonical(witness)) writer.add_bytes(name, witness_text, mode);
      else writer.add_file(name, file, mode);
      ++summary.files;
    }
    // An installed service's configuration lives outside the home (TUGRA_CONFIG): it goes in as the home's.
    if (fs::weakly_canonical(config.file()) != fs::weakly_canonical(config.home() / "tugra.toml") &&
        fs::exists(config.file())) {
      writer.add_file("home/tugra.toml", config.file(), 0600);
      ++summary.files;
    }
    writer.add_file(engine == store::Engine::sqlite ? "database.sqlite" : "database.pgdump", db_copy, 0600);
    writer.finish({{"format", kFormat}, {"created", format_utc(now_seconds())}, {"engine", engine_name(engine)},
                   {"schema", schema}});
  }
  fs::rename(temp, out);
  summary.bytes = fs::file_size(out);
  summary.engine = engine_name(engine);
  summary.schema = schema;

  auto ledger = store::Ledger::open(config, "cli:backup");
  ledger->write([&] {
    nlohmann::json details = {{"file", fs::absolute(out).string()}, {"bytes", summary.bytes}, {"files", summary.files}};
    ledger->record("home.backup", config.home().string(), details.dump());
  });
  ledger->checkpoint();
  return summary;
}

RestoreSummary restore(const fs::path& archive_file, const fs::path& home) {
  if (fs::exists(home) && !(fs::is_directory(home) && fs::is_empty(home)))
    throw UserError("backup.home_not_empty", {{"home", home.string()}});
  // With TUGRA_CONFIG the configuration goes there (an installed service's /etc/tugra), if it is new too.
  fs::path config_file = Config::file_of(home);
  bool config_outside = config_file != home / "tugra.toml";
  if (config_outside && fs::exists(config_file))
    throw UserError("backup.home_not_empty", {{"home", config_file.string()}});
  fs::path staging = home;
  staging += ".restoring";
  fs::remove_all(staging);
  fs::create_directories(staging);
  fs::permissions(staging, fs::perms::owner_all);
  bool placed = false;
  try {
    // 1. Unpack beside the target, hashing every file.
    std::map<std::string, std::string> hashes;
    std::string manifest_text;
    {
      std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
      archive_read_support_filter_gzip(a.get());
      archive_read_support_format_tar(a.get());
      if (archive_read_open_filename(a.get(), archive_file.c_str(), kChunk) != ARCHIVE_OK)
        archive_failed(a.get(), archive_file);
      archive_entry* entry = nullptr;
      int rc = 0;
      while ((rc = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
        std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
        if (!safe_name(name) || archive_entry_filetype(entry) != AE_IFREG)
          throw UserError("backup.bad_archive", {{"file", archive_file.string()}, {"detail", name}});
        Digest d;
        std::string content;  // the manifest is kept in memory, every other file goes to disk
        std::ofstream out;
        fs::path target = staging / name;
        if (name != kManifest) {
          fs::create_directories(target.parent_path());
          out.open(target, std::ios::binary | std::ios::trunc);
          fs::permissions(target, static_cast<fs::perms>(archive_entry_perm(entry) & 0700) | fs::perms::owner_read);
        }
        std::vector<char> buffer(kChunk);
        for (la_ssize_t n; (n = archive_read_data(a.get(), buffer.data(), buffer.size())) != 0;) {
          if (n < 0) archive_failed(a.get(), archive_file);
          if (name == kManifest) content.append(buffer.data(), static_cast<std::size_t>(n));
          else {
            d.update(buffer.data(), static_cast<std::size_t>(n));
            out.write(buffer.data(), n);
          }
        }
        if (name == kManifest) manifest_text = content;
        else {
          out.close();
          if (!out) throw UserError("backup.cannot_write", {{"file", target.string()}});
          hashes[name] = d.hex();
        }
      }
      if (rc != ARCHIVE_EOF) archive_failed(a.get(), archive_file);
    }
    // 2. Everything the manifest lists, and nothing else, with its hash.
    auto manifest = nlohmann::json::parse(manifest_text, nullptr, false);
    if (manifest.is_discarded() || manifest.value("format", "") != kFormat || !manifest.contains("files"))
      throw UserError("backup.bad_archive", {{"file", archive_file.string()}, {"detail", kManifest}});
    for (const auto& f : manifest["files"]) {
      std::string name = f.value("path", "");
      auto it = hashes.find(name);
      if (it == hashes.end() || it->second != f.value("sha256", ""))
        throw UserError("backup.bad_archive", {{"file", archive_file.string()}, {"detail", name}});
      hashes.erase(it);
    }
    if (!hashes.empty())
      throw UserError("backup.bad_archive", {{"file", archive_file.string()}, {"detail", hashes.begin()->first}});
    if (!fs::exists(staging / "home" / "tugra.toml"))
      throw UserError("backup.bad_archive", {{"file", archive_file.string()}, {"detail", "home/tugra.toml"}});

    // 3. The home in place, then its database loaded.
    if (fs::exists(home)) fs::remove(home);
    fs::rename(staging / "home", home);
    placed = true;
    fs::permissions(home, fs::perms::owner_all);
    if (config_outside) {
      fs::copy_file(home / "tugra.toml", config_file);
      fs::remove(home / "tugra.toml");
    }
    Config config = Config::load(home);
    auto engine = store::engine_of(config);
    std::string engine_in_archive = manifest.value("engine", "");
    if (engine_name(engine) != engine_in_archive)
      throw UserError("backup.engine_mismatch", {{"archive", engine_in_archive}, {"home", engine_name(engine)}});
    store::load_snapshot(config, staging / (engine == store::Engine::sqlite ? "database.sqlite" : "database.pgdump"));
    // Settings given by environment now (TUGRA_DATABASE_URL of the new database) stay, as at init.
    write_file_atomic(config.file(), config.file_text(), 0600);
    fs::remove_all(staging);

    RestoreSummary summary;
    summary.files = manifest["files"].size();
    summary.engine = engine_in_archive;
    summary.schema = manifest.value("schema", 0);
    auto ledger = store::Ledger::open(config, "cli:restore");
    ledger->write([&] {
      nlohmann::json details = {{"file", fs::absolute(archive_file).string()}, {"created", manifest.value("created", "")}};
      ledger->record("home.restored", home.string(), details.dump());
    });
    ledger->checkpoint();
    return summary;
  } catch (...) {
    std::error_code ec;
    fs::remove_all(staging, ec);
    if (placed) fs::remove_all(home, ec);
    if (placed && config_outside) fs::remove(config_file, ec);
    throw;
  }
}

}  // namespace tugra::backup
