// Text as people type it: UTF-8 length, surrounding blanks, and the Turkish
// rules the portal needs: upper case with the dotted and dotless i (i -> İ,
// ı -> I), and names compared the way a clerk would compare them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tugra {

// Upper case of UTF-8 text under Turkish rules (ASCII and the Turkish letters
// ç ğ ı i ö ş ü; other characters are kept as they are).
std::string turkish_upper(std::string_view text);
// Without leading and trailing spaces, tabs and line ends.
std::string trim(std::string_view text);
// Trimmed, inner runs of spaces made one, Turkish upper case.
std::string normalise_name(std::string_view text);
// Number of UTF-8 characters; -1 when the text is not valid UTF-8 or holds a
// control or format character (a form field or a certificate name never
// does): C0/C1 controls, and Unicode category Cf such as the bidirectional
// overrides U+202A-U+202E and isolates U+2066-U+2069, zero-width characters,
// the soft hyphen.
int utf8_length(std::string_view text);
// What is wrong with a text, the worst first: not UTF-8, a C0 control, a
// format or C1 control character.
enum class TextProblem { none, format, control, malformed };
TextProblem text_problem(std::string_view text);
// Valid UTF-8 without C0 controls, but with a format or C1 control character
// (to say why a field was refused).
bool has_format_control(std::string_view text);
// Text made safe inside HTML or XML, in elements and quoted attributes
// (& < > " ').
std::string escape_markup(std::string_view text);
// The parts with `separator` between them.
std::string join(const std::vector<std::string>& parts, std::string_view separator);

}  // namespace tugra
