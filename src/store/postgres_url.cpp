#include "store/postgres_url.hpp"

namespace tugra::store {

std::string postgres_keywords(const std::string& url, std::string* password_out) {
  std::string rest = url.substr(url.find("://") + 3);
  std::string params;
  if (auto q = rest.find('?'); q != std::string::npos) {
    params = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  auto quote = [](std::string v) {
    std::string out = "'";
    for (char c : v) {
      if (c == '\\' || c == '\'') out.push_back('\\');
      out.push_back(c);
    }
    return out + "'";
  };
  auto decode = [&](const std::string& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '%' && i + 2 < v.size()) {
        out.push_back(static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else {
        out.push_back(v[i]);
      }
    }
    return out;
  };
  std::string out;
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty()) out += std::string(key) + "=" + quote(decode(value)) + " ";
  };
  std::string dbname;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    dbname = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = userinfo.find(':');
    add("user", userinfo.substr(0, colon));
    if (colon != std::string::npos) {
      if (password_out) *password_out = decode(userinfo.substr(colon + 1));
      else add("password", userinfo.substr(colon + 1));
    }
  }
  std::string host = rest, port;
  if (auto colon = rest.rfind(':'); colon != std::string::npos && rest.find(']') == std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  add("host", host);
  add("port", port);
  add("dbname", dbname);
  std::size_t pos = 0;
  while (pos < params.size()) {
    auto amp = params.find('&', pos);
    std::string kv = params.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (auto eq = kv.find('='); eq != std::string::npos) out += kv.substr(0, eq) + "=" + quote(decode(kv.substr(eq + 1))) + " ";
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

}  // namespace tugra::store
