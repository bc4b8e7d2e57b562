#include "common/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"

using namespace tugra;
namespace fs = std::filesystem;

namespace {
fs::path temp_home() {
  auto dir = fs::temp_directory_path() / ("tugra-config-" + std::to_string(::getpid()) + "-" +
                                          std::to_string(std::rand()));
  fs::create_directories(dir);
  return dir;
}
}  // namespace

TEST(Config, DefaultsWithoutFile) {
  auto home = temp_home();
  auto c = Config::load(home);
  EXPECT_EQ(c.str("ca.key_algorithm"), "ecdsa-p384");
  EXPECT_EQ(c.integer("audit.checkpoint_every"), 100);
  EXPECT_FALSE(c.boolean("profile.etsi_serial_number"));
  EXPECT_EQ(c.path("pkcs11.pin_file"), home / "secrets/ca-token.pin");
}

TEST(Config, DefaultFileListsEveryKeyAndParsesBack) {
  auto home = temp_home();
  std::ofstream(home / "tugra.toml") << Config::default_file_text();
  auto c = Config::load(home);
  EXPECT_EQ(c.str("ca.root_name"), "Tugra Kök Sertifika Hizmet Sağlayıcısı - Sürüm 1");
  EXPECT_NE(Config::default_file_text().find("[profile]"), std::string::npos);
  EXPECT_NE(Config::default_file_text().find("policy_oid = "), std::string::npos);
}

TEST(Config, FileAndEnvironmentOverride) {
  auto home = temp_home();
  std::ofstream(home / "tugra.toml") << "[ca]\nroot_years = 25\n[service]\npublic_base_url = \"http://x\"\n";
  ::setenv("TUGRA_SERVICE_PUBLIC_BASE_URL", "http://from-env", 1);
  auto c = Config::load(home);
  ::unsetenv("TUGRA_SERVICE_PUBLIC_BASE_URL");
  EXPECT_EQ(c.integer("ca.root_years"), 25);
  EXPECT_EQ(c.str("service.public_base_url"), "http://from-env");
}

TEST(Config, RejectsUnknownKeysWrongTypesAndBadSyntax) {
  auto home = temp_home();
  std::ofstream(home / "tugra.toml") << "[ca]\nroot_yaers = 25\n";
  EXPECT_THROW(Config::load(home), UserError);
  std::ofstream(home / "tugra.toml") << "[ca]\nroot_years = \"many\"\n";
  EXPECT_THROW(Config::load(home), UserError);
  std::ofstream(home / "tugra.toml") << "[ca\n";
  EXPECT_THROW(Config::load(home), UserError);
}
