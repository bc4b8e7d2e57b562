// The İl and İlçe lists of the application form and Bilgi Güncelle: the
// districts of every province in groups, which portal.js narrows to the
// chosen province (without script the groups show them all).
#include "ra/provinces.hpp"
#include "web/portal_internal.hpp"

namespace tugra::web {

std::string place_fields(Exchange& ex, const std::string& il, const std::string& ilce,
                         const std::map<std::string, std::string>& errors) {
  const ra::Province* chosen = ra::find_province(il);
  std::optional<std::string> district = chosen ? ra::find_district(*chosen, ilce) : std::nullopt;
  Data places{Data::type::list};
  for (const auto& p : ra::provinces()) {
    Data province;
    province.set("name", p.name);
    bool this_one = &p == chosen;
    province.set("selected", this_one);  // set on every item: a missing key would be looked up in the parent
    Data districts{Data::type::list};
    for (const auto& d : p.districts) {
      Data item;
      item.set("name", d);
      item.set("selected", this_one && district == d);
      districts.push_back(item);
    }
    province.set("districts", districts);
    places.push_back(province);
  }
  Data d;
  d.set("places", places);
  std::map<std::string, std::string> place_errors;
  for (const char* field : {"il", "ilce"})
    if (auto it = errors.find(field); it != errors.end()) place_errors[field] = it->second;
  d.set("err", ex.errors_data(place_errors));
  return ex.fragment("place_fields", d);
}

}  // namespace tugra::web
