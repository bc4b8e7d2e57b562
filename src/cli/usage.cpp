#include "cli/usage.hpp"

#include <vector>

#include "common/messages.hpp"

namespace tugra::cli {
namespace {

std::string subcommand_names(CLI::App& app) {
  std::string names;
  const CLI::App& definitions = app;  // the const overload: every subcommand defined, parsed or not
  for (const CLI::App* sub : definitions.get_subcommands(std::function<bool(const CLI::App*)>{}))
    names += (names.empty() ? "" : ", ") + sub->get_name();
  return names;
}

// The text before " is required" in CLI11's "--reason is required".
std::string required_option(const std::string& what) {
  auto end = what.find(" is required");
  return end == std::string::npos ? what : what.substr(0, end);
}

}  // namespace

std::string describe_usage_error(CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
  // Follow the subcommands the arguments name, skipping options and their values.
  CLI::App* current = &app;
  std::string path = "tugra";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("-", 0) == 0) {
      if (arg.find('=') != std::string::npos) continue;
      const CLI::Option* option = nullptr;
      for (CLI::App* scope = current; scope && !option; scope = scope->get_parent())
        option = scope->get_option_no_throw(arg);
      if (option && option->get_expected_min() > 0) ++i;  // its value
      continue;
    }
    CLI::App* sub = nullptr;
    try {
      sub = current->get_subcommand(arg);
    } catch (const CLI::OptionNotFound&) {
    }
    if (sub) {
      current = sub;
      path += " " + arg;
      continue;
    }
    if (current->get_require_subcommand_min() > 0)
      return message("cli.unknown_command", {{"command", path + " " + arg}, {"valid", subcommand_names(*current)}});
    break;  // a positional argument of this command
  }
  std::string what = error.what();
  if (current->get_require_subcommand_min() > 0 && current->get_subcommands().empty() &&
      what.find("subcommand") != std::string::npos)
    return message("cli.missing_command", {{"command", path}, {"valid", subcommand_names(*current)}});
  if (dynamic_cast<const CLI::RequiredError*>(&error))
    return message("cli.option_required", {{"option", required_option(what)}, {"command", path}});
  if (dynamic_cast<const CLI::ExtrasError*>(&error))
    return message("cli.unexpected_arguments", {{"detail", what}, {"command", path}});
  if (dynamic_cast<const CLI::ConversionError*>(&error) || dynamic_cast<const CLI::ValidationError*>(&error))
    return message("cli.bad_value", {{"detail", what}, {"command", path}});
  if (dynamic_cast<const CLI::ExcludesError*>(&error))
    return message("cli.excluded_options", {{"detail", what}, {"command", path}});
  return message("cli.usage_error", {{"detail", what}});
}

}  // namespace tugra::cli
