// The 81 provinces (il) of Türkiye and their districts (ilçe), the lists of
// the application form and of Bilgi Güncelle (data/provinces.tsv, built in).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tugra::ra {

struct Province {
  std::string plate;  // licence-plate code, "06"
  std::string name;   // "Ankara"
  std::vector<std::string> districts;  // in Turkish alphabetical order
};

// In Turkish alphabetical order.
const std::vector<Province>& provinces();
// The province a name means, in any case ("ANKARA", "ankara"); nullptr for none.
const Province* find_province(std::string_view name);
// The district of `province` a name means, in its spelling in the list.
std::optional<std::string> find_district(const Province& province, std::string_view name);

}  // namespace tugra::ra
