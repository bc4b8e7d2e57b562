// User-facing text. Every sentence a person reads comes from the catalogs in
// messages/ (Turkish first, English too); code refers to it by key.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tugra {

enum class Lang { tr, en };

// The language of this process: TUGRA_LANG, else LC_ALL / LC_MESSAGES / LANG
// when they start with "tr" or "en", else Turkish.
Lang process_lang();
void set_process_lang(Lang lang);
Lang parse_lang(std::string_view code, Lang fallback);

using MessageArgs = std::initializer_list<std::pair<std::string_view, std::string>>;

// The text of `key` in `lang` with {name} placeholders filled in. An unknown
// key yields the key itself, so a missing translation is visible, not fatal.
std::string message(Lang lang, std::string_view key, MessageArgs args = {});
inline std::string message(std::string_view key, MessageArgs args = {}) {
  return message(process_lang(), key, args);
}

// Every (key without the prefix, text) whose key starts with `prefix`
// (e.g. "web."), for templates that show many texts.
std::vector<std::pair<std::string, std::string>> messages_under(Lang lang, std::string_view prefix);

// True when both catalogs define `key` (used by tests to keep them in step).
bool has_message(Lang lang, std::string_view key);

}  // namespace tugra
