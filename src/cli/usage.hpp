// What was wrong with a command line, said in the user's language: an
// unknown or missing subcommand names the valid ones, a missing option names
// the option. CLI11's own texts are English and name no alternatives.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace tugra::cli {

std::string describe_usage_error(CLI::App& app, const CLI::ParseError& error, int argc, char** argv);

}  // namespace tugra::cli
