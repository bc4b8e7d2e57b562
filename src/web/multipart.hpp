// multipart/form-data bodies (RFC 7578), for the one form that uploads
// files: the parts split and their headers parsed by RESTinio's helpers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tugra::web {

struct Upload {
  std::string filename;
  std::string data;
};

struct MultipartForm {
  std::map<std::string, std::string> fields;  // parts without a filename
  std::map<std::string, Upload> files;        // parts with one (an empty file input has an empty name)
};

// nullopt when `content_type` is not multipart/form-data with a boundary,
// or the body is not well formed; at most `max_parts` parts.
std::optional<MultipartForm> parse_multipart(std::string_view body, std::string_view content_type,
                                             std::size_t max_parts = 16);

}  // namespace tugra::web
