#include "ra/provinces.hpp"

#include "common/text.hpp"

namespace tugra::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& places();
}

namespace tugra::ra {
namespace {

std::vector<Province> load() {
  std::vector<Province> out;
  std::string_view text = embedded::places().at(0).second;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line.empty() || line.front() == '#') continue;
    auto tab1 = line.find('\t'), tab2 = line.find('\t', tab1 + 1);
    std::string name(line.substr(tab1 + 1, tab2 - tab1 - 1));
    if (out.empty() || out.back().name != name) out.push_back({std::string(line.substr(0, tab1)), name, {}});
    out.back().districts.emplace_back(line.substr(tab2 + 1));
  }
  return out;
}

}  // namespace

const std::vector<Province>& provinces() {
  static const std::vector<Province> all = load();
  return all;
}

const Province* find_province(std::string_view name) {
  std::string wanted = normalise_name(name);
  for (const auto& p : provinces())
    if (normalise_name(p.name) == wanted) return &p;
  return nullptr;
}

std::optional<std::string> find_district(const Province& province, std::string_view name) {
  std::string wanted = normalise_name(name);
  for (const auto& d : province.districts)
    if (normalise_name(d) == wanted) return d;
  return std::nullopt;
}

}  // namespace tugra::ra
