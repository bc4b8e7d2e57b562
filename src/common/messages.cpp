#include "common/messages.hpp"

#include <toml++/toml.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <vector>

namespace tugra::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& messages();
}

namespace tugra {
namespace {

using Catalog = std::map<std::string, std::string, std::less<>>;

void flatten(const toml::table& table, const std::string& prefix, Catalog& out) {
  for (const auto& [k, v] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = v.as_table())
      flatten(*sub, key, out);
    else if (const auto* s = v.as_string())
      out[key] = s->get();
  }
}

const Catalog& catalog(Lang lang) {
  static const auto catalogs = [] {
    std::map<std::string, Catalog, std::less<>> all;
    for (const auto& [name, text] : embedded::messages()) {
      std::string lang_code(name.substr(0, name.find('.')));
      flatten(toml::parse(text, name), "", all[lang_code]);
    }
    return all;
  }();
  static const Catalog empty;
  auto it = catalogs.find(lang == Lang::tr ? "tr" : "en");
  return it == catalogs.end() ? empty : it->second;
}

std::atomic<int> g_lang{-1};

}  // namespace

Lang parse_lang(std::string_view code, Lang fallback) {
  if (code.substr(0, 2) == "tr") return Lang::tr;
  if (code.substr(0, 2) == "en") return Lang::en;
  return fallback;
}

Lang process_lang() {
  int cached = g_lang.load();
  if (cached >= 0) return static_cast<Lang>(cached);
  Lang lang = Lang::tr;
  for (const char* var : {"TUGRA_LANG", "LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(var);
    if (v && *v && (std::string_view(v).substr(0, 2) == "tr" || std::string_view(v).substr(0, 2) == "en")) {
      lang = parse_lang(v, Lang::tr);
      break;
    }
  }
  g_lang.store(static_cast<int>(lang));
  return lang;
}

void set_process_lang(Lang lang) { g_lang.store(static_cast<int>(lang)); }

std::vector<std::pair<std::string, std::string>> messages_under(Lang lang, std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto& c = catalog(lang);
  for (auto it = c.lower_bound(prefix); it != c.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    out.emplace_back(it->first.substr(prefix.size()), it->second);
  return out;
}

bool has_message(Lang lang, std::string_view key) {
  const auto& c = catalog(lang);
  return c.find(key) != c.end();
}

std::string message(Lang lang, std::string_view key, MessageArgs args) {
  const auto& c = catalog(lang);
  auto it = c.find(key);
  if (it == c.end()) return std::string(key);
  const std::string& pattern = it->second;
  std::string out;
  out.reserve(pattern.size() + 32);
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      auto close = pattern.find('}', i);
      if (close != std::string::npos) {
        std::string_view name(pattern.data() + i + 1, close - i - 1);
        bool found = false;
        for (const auto& [n, value] : args) {
          if (n == name) {
            out += value;
            found = true;
            break;
          }
        }
        if (found) {
          i = close;
          continue;
        }
      }
    }
    out.push_back(pattern[i]);
  }
  return out;
}

}  // namespace tugra
