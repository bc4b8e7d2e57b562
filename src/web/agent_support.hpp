// What the portal's pages that work through the card agent share: the
// operation a page hands the agent (a nonce in the session, the block of
// data attributes static/agent.js reads), JSON answers for that script, and
// a PDF the portal made, signed with the holder's card through the agent (E-İmzalı Başvuru, E-Onay): PAdES with BTK profile P4, in two steps
// the page's script drives (static/agent.js):
//   1. prepare: the card's certificate (from the agent) in; the PDF with its
//      empty signature, the byte range and the signed attributes out, for
//      the agent to show and the card to sign;
//   2. finish: the card's signature in; the signed PDF completed (timestamp,
//      revocation data), validated as İmza Doğrula would, and returned.
// What is under way lives in the session, for one document at a time.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include <kainjow/mustache.hpp>

#include "common/error.hpp"
#include "ra/signed_documents.hpp"
#include "web/http.hpp"

namespace tugra::web {

class Exchange;
struct Session;

// A new operation for the agent, remembered in the session: its nonce.
std::string begin_operation(Session& session, const std::string& purpose);
// The session's operation is `purpose` and the posted nonce is its nonce.
bool operation_matches(Exchange& ex, const std::string& purpose);
void end_operation(Session& session);
// The layout's agent block (templates/layout.mustache): the agent's address,
// the operation and where the script posts its steps.
kainjow::mustache::data agent_block(Exchange& ex, const std::string& kind, const std::string& nonce,
                                    const std::string& finish);
Response json_answer(int status, const nlohmann::json& body);
Response json_refusal(Exchange& ex, const UserError& e, int status = 400);

// A kept signed document for the officer's and the operator's pages: what
// it is, the verdict and the report's main lines (from its stored JSON).
kainjow::mustache::data signed_document_data(Exchange& ex, const store::SignedDocument& document);
// The signed PDF itself, as a download.
Response signed_pdf_response(const store::SignedDocument& document);

// The document (a PDF) and which page asked for it ("application:12", "acceptance:SERIAL").
nlohmann::json prepare_card_signature(Exchange& ex, Session& session, const std::string& purpose,
                                      const std::string& pdf, const std::string& document_name);
// UserError when nothing for `purpose` is under way or the signature does not complete.
ra::SignedPdf finish_card_signature(Exchange& ex, Session& session, const std::string& purpose);

}  // namespace tugra::web
