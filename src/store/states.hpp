// The state machines of the records that move through a life: holder
// certificates, applications (seed 000) and card production requests. Each
// has its states, their stored names and the transitions it allows;
// repositories write a transition only as a conditional update
// (`UPDATE … WHERE state = :expected`), so of two concurrent decisions only
// one can win.
#pragma once

#include <string>

namespace tugra::store {

// pending: an issuance intent; suspended: on hold (certificateHold).
enum class CertStatus { pending, valid, suspended, revoked };
// draft → confirmed (SMS) → submitted (wet signature chosen) → received
// (the officer holds the signed form) → approved | rejected. Until it is
// received, a changed form goes back to draft.
enum class ApplicationState { draft, confirmed, submitted, received, approved, rejected };
// queued → in_progress → done | failed.
enum class ProductionState { queued, in_progress, done, failed };

const char* to_string(CertStatus status);
const char* to_string(ApplicationState state);
const char* to_string(ProductionState state);
// These throw std::runtime_error on a name the database should never hold.
CertStatus parse_cert_status(const std::string& text);
ApplicationState parse_application_state(const std::string& text);
ProductionState parse_production_state(const std::string& text);
// For user input (a CLI filter): false when `text` names no state.
bool try_parse_production_state(const std::string& text, ProductionState& out);

bool allowed(CertStatus from, CertStatus to);
bool allowed(ApplicationState from, ApplicationState to);
bool allowed(ProductionState from, ProductionState to);

}  // namespace tugra::store
