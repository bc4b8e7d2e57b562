// What a person reads: canonical stored values shown in Turkish formats.
// Dates as dd.MM.yyyy, mobile numbers as "0542 221 11 11", times in Turkey's
// time (Europe/Istanbul), a certificate's subject as its named fields.
// Stored values stay canonical (ISO dates, E.164 numbers, unix seconds).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tugra {

// "1988-09-30" -> "30.09.1988"; anything else is returned as it is.
std::string display_date(std::string_view iso_date);
// "+905422211111" -> "0542 221 11 11"; anything else is returned as it is.
std::string display_phone(std::string_view e164);
// Unix seconds -> "02.12.2026 07:16" in Turkey's time. Turkey has kept
// UTC+3 all year since September 2016 (no daylight saving), so a fixed
// offset is exact for every certificate this service can have issued, and
// needs no process-wide TZ setting in a multi-threaded server.
std::string display_time(std::int64_t unix_seconds);
// Unix seconds -> "02.12.2026", the day in Turkey's time.
std::string display_day(std::int64_t unix_seconds);
// "CN=ÇAĞRI IŞIL ÖZTÜRK,SN=ÖZTÜRK,GN=ÇAĞRI IŞIL,serialNumber=99900000210,C=TR"
// -> {{"CN", "ÇAĞRI IŞIL ÖZTÜRK"}, {"SN", "ÖZTÜRK"}, …}, in order; a comma
// escaped as "\," stays in its value.
std::vector<std::pair<std::string, std::string>> dn_fields(std::string_view dn);

}  // namespace tugra
