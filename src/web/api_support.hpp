// What the /api/v1 files share (internal to web/): JSON answers and RFC 9457
// problem details in the asker's language.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "web/portal_internal.hpp"

namespace tugra::web {

using Json = nlohmann::json;

Response api_json(const Json& body, int status = 200);
// type https://tugra.example/problems/KIND; title and detail from the
// catalog (web.api.title_KIND, web.api.detail_KIND) unless `detail` is given;
// `extra`'s members added (RFC 9457 extension members).
Response api_problem(Exchange& ex, int status, const std::string& kind, const std::string& detail = "",
                     const Json& extra = Json::object());

// A record id in a path or cursor: 1 to 15 digits; 0 for anything else.
std::int64_t id_number(const std::string& text);

// Cursor pagination: ?cursor= (opaque, from the last answer's next_cursor)
// and ?limit= (1..200, 50 by default).
struct PageRequest {
  std::int64_t after_id = 0;
  int limit = 50;
};
// False (and `problem` set) for a bad cursor or limit.
bool page_request(Exchange& ex, PageRequest& page, Response& problem);
// The cursor that continues after the row `id`.
std::string cursor_after(std::int64_t id);
// {"items": …, "next_cursor": …} of rows read with limit + 1: the extra row
// is not shown, it only tells that there is a next page.
template <typename Row, typename ToJson>
Json page_answer(const std::vector<Row>& rows, const PageRequest& page, ToJson to_json) {
  std::size_t shown = std::min<std::size_t>(rows.size(), static_cast<std::size_t>(page.limit));
  Json items = Json::array();
  for (std::size_t i = 0; i < shown; ++i) items.push_back(to_json(rows[i]));
  Json out{{"items", std::move(items)}, {"next_cursor", nullptr}};
  if (rows.size() > shown) out["next_cursor"] = cursor_after(rows[shown - 1].id);
  return out;
}

// The REST API for keys (institutions and operators): /api/v1/institution/…
// and /api/v1/operator/….
Response keyed_api(Exchange& ex);

}  // namespace tugra::web
