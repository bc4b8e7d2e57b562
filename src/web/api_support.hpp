// What the /api/v1 files share (internal to web/): JSON answers and RFC 9457
// problem details in the asker's language.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "web/portal_internal.hpp"

namespace tugra::web {

using Json = nlohmann::json;

Response api_json(const Json& body, int status = 200);
// type https://tugra.example/problems/KIND; title and detail from the
// catalog (web.api.title_KIND, web.api.detail_KIND) unless `detail` is given.
Response api_problem(Exchange& ex, int status, const std::string& kind, const std::string& detail = "");

// Cursor pagination: ?cursor= (opaque, from the last answer's next_cursor)
// and ?limit= (1..200, 50 by default).
struct PageRequest {
  std::int64_t after_id = 0;
  int limit = 50;
};
// False (and `problem` set) for a bad cursor or limit.
bool page_request(Exchange& ex, PageRequest& page, Response& problem);
// {"items": items, "next_cursor": …} where items holds up to limit + 1
// rows read: the extra one only tells that there is a next page.
Json page_answer(Json items, const PageRequest& page, std::int64_t last_id_shown);

// The REST API for keys (institutions and operators): /api/v1/institution/…
// and /api/v1/operator/….
Response keyed_api(Exchange& ex);

}  // namespace tugra::web
