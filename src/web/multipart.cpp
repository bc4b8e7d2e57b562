#include "web/multipart.hpp"

#include <restinio/helpers/http_field_parsers/content-disposition.hpp>
#include <restinio/helpers/http_field_parsers/content-type.hpp>
#include <restinio/helpers/multipart_body.hpp>

namespace tugra::web {

std::optional<MultipartForm> parse_multipart(std::string_view body, std::string_view content_type,
                                             std::size_t max_parts) {
  namespace hfp = restinio::http_field_parsers;
  namespace mp = restinio::multipart_body;
  using restinio::impl::is_equal_caseless;
  auto type = hfp::content_type_value_t::try_parse(content_type);
  if (!type || !is_equal_caseless(type->media_type.type, "multipart") ||
      !is_equal_caseless(type->media_type.subtype, "form-data"))
    return std::nullopt;
  auto boundary = hfp::find_first(type->media_type.parameters, "boundary");
  if (!boundary || mp::check_boundary_value(*boundary)) return std::nullopt;
  const std::string mark = "--" + std::string(boundary->data(), boundary->size());
  auto parts = mp::split_multipart_body(body, mark);
  if (parts.empty() || parts.size() > max_parts) return std::nullopt;

  MultipartForm form;
  for (auto part : parts) {
    auto parsed = mp::try_parse_part(part);
    if (!parsed) return std::nullopt;
    auto disposition_field = parsed->fields.opt_value_of(restinio::http_field::content_disposition);
    if (!disposition_field) return std::nullopt;
    auto disposition = hfp::content_disposition_value_t::try_parse(*disposition_field);
    if (!disposition || disposition->value != "form-data") return std::nullopt;
    auto name = hfp::find_first(disposition->parameters, "name");
    if (!name) return std::nullopt;
    std::string key(name->data(), name->size());
    std::string data(parsed->body.data(), parsed->body.size());
    if (auto filename = hfp::find_first(disposition->parameters, "filename"))
      form.files[key] = {std::string(filename->data(), filename->size()), std::move(data)};
    else
      form.fields[key] = std::move(data);
  }
  return form;
}

}  // namespace tugra::web
