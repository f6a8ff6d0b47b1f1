#include "directory/mis_import.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <unordered_map>

#include "directory/csv_reader.h"
#include "export/text_safety.h"

namespace vigil::collector {
namespace {

constexpr size_t kMaxFieldBytes = 256;

enum class Column { kUsername, kEmail, kName, kForename, kSurname, kPreferredForename, kPreferredSurname, kYear, kForm };

// Header names as the MIS systems export them, compared lowercase with spaces, underscores,
// dots, hyphens and slashes removed. First listed wins when a file has several.
const std::vector<std::pair<Column, std::vector<std::string>>>& header_names() {
  static const std::vector<std::pair<Column, std::vector<std::string>>> kNames = {
      {Column::kUsername, {"username", "networkusername", "networklogin", "login", "loginname", "logonname", "userid", "windowsusername",
                           "networkid", "samaccountname", "accountname", "computerusername"}},
      {Column::kEmail, {"email", "emailaddress", "schoolemail", "schoolemailaddress", "pupilemail", "studentemail", "primaryemail"}},
      {Column::kName, {"name", "fullname", "pupilname", "studentname", "pupil", "student", "displayname"}},
      {Column::kForename, {"legalforename", "forename", "firstname", "legalfirstname", "givenname"}},
      {Column::kSurname, {"legalsurname", "surname", "lastname", "legallastname", "familyname"}},
      {Column::kPreferredForename, {"preferredforename", "preferredfirstname", "knownas", "chosenforename"}},
      {Column::kPreferredSurname, {"preferredsurname", "preferredlastname", "chosensurname"}},
      {Column::kYear, {"yeargroup", "year", "ncyear", "ncyeargroup", "nationalcurriculumyear", "currentncyear", "curriculumyear", "yr"}},
      {Column::kForm, {"reggroup", "registrationgroup", "regform", "registrationform", "form", "formgroup", "tutorgroup", "class",
                       "classname", "regclass", "tutor"}},
  };
  return kNames;
}

std::string header_key(std::string_view h) {
  std::string out;
  for (const char c : h) {
    if (c == ' ' || c == '_' || c == '.' || c == '-' || c == '/' || c == '\t') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string trim(std::string_view s) {
  size_t a = 0;
  size_t b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join_name(const std::string& forename, const std::string& surname) {
  if (forename.empty()) return surname;
  if (surname.empty()) return forename;
  return forename + " " + surname;
}

// A login that can be typed at a Windows or Linux sign-in: no spaces or control characters.
std::optional<std::string> username_problem(const std::string& u) {
  if (u.empty()) return "no username";
  if (u.size() > 128) return "username longer than 128 bytes";
  for (const char c : u) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x21 || b == 0x7F || c == ',' || c == '"') return "username \"" + single_line(u) + "\" has a space or control character";
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> normalise_year_group(std::string_view raw) {
  std::string t = lower(trim(raw));
  if (t.empty()) return std::string();
  if (t == "r" || t == "rec" || t == "reception" || t == "yr r" || t == "year r") return std::string("Reception");
  if (t == "n" || t == "n1" || t == "n2" || t == "nursery") return std::string("Nursery");
  // Strip the words the MIS systems put before the number: "NC Year 9", "Year 09", "Yr9", "Y9".
  for (const std::string_view prefix : {"nc year", "national curriculum year", "year", "yr", "y"}) {
    if (t.rfind(prefix, 0) == 0) {
      t = trim(std::string_view(t).substr(prefix.size()));
      break;
    }
  }
  if (t.empty() || t.size() > 2 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return make_error(ErrorCode::kInvalidArgument, "year group \"" + single_line(raw) + "\" is not a year (e.g. Year 9, Y9, 9, R)");
  }
  const int n = std::stoi(t);
  if (n == 0) return std::string("Reception");
  if (n > 14) return make_error(ErrorCode::kInvalidArgument, "year group \"" + single_line(raw) + "\" is above Year 14");
  return "Year " + std::to_string(n);
}

Result<MisImport> parse_mis_csv(std::string_view text, const std::string& name) {
  if (text.size() > kMaxMisFileBytes) {
    return make_error(ErrorCode::kInvalidArgument, name + ": " + std::to_string(text.size()) + " bytes is larger than the " +
                                                       std::to_string(kMaxMisFileBytes) + "-byte limit");
  }
  auto records = read_csv(text, name);
  if (!records) return records.error();
  if (records->empty()) return make_error(ErrorCode::kInvalidArgument, name + ": empty file (expected a header row)");
  const CsvRecord& header = records->front();
  std::map<Column, size_t> columns;
  std::unordered_map<std::string, size_t> by_key;
  for (size_t i = 0; i < header.fields.size(); ++i) by_key.emplace(header_key(header.fields[i]), i);
  for (const auto& [column, names] : header_names()) {
    for (const auto& n : names) {
      if (auto it = by_key.find(n); it != by_key.end()) {
        columns.emplace(column, it->second);
        break;
      }
    }
  }
  const auto where = [&](size_t line) { return name + ":" + std::to_string(line) + ": "; };
  if (!columns.count(Column::kUsername) && !columns.count(Column::kEmail)) {
    return make_error(ErrorCode::kInvalidArgument,
                      where(header.line) + "no username column (expected a header such as Username, Network Username, Login or Email)");
  }
  if (!columns.count(Column::kName) && !columns.count(Column::kForename) && !columns.count(Column::kSurname) &&
      !columns.count(Column::kPreferredForename)) {
    return make_error(ErrorCode::kInvalidArgument,
                      where(header.line) + "no name column (expected Name, Forename/Surname, Legal Forename/Legal Surname or First name/Last name)");
  }

  MisImport out;
  std::unordered_map<std::string, size_t> seen;  // lowercase username -> line
  for (size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& rec = (*records)[r];
    if (std::all_of(rec.fields.begin(), rec.fields.end(), [](const std::string& f) { return trim(f).empty(); })) continue;
    if (rec.fields.size() > header.fields.size()) {
      out.rejected.push_back(where(rec.line) + std::to_string(rec.fields.size()) + " fields, but the header has " +
                             std::to_string(header.fields.size()));
      continue;
    }
    std::optional<std::string> problem;
    const auto get = [&](Column c) -> std::string {
      auto it = columns.find(c);
      if (it == columns.end() || it->second >= rec.fields.size()) return {};
      const std::string& raw = rec.fields[it->second];
      if (raw.size() > kMaxFieldBytes && !problem) problem = "a field is longer than " + std::to_string(kMaxFieldBytes) + " bytes";
      if (valid_utf8(raw) != raw && !problem) problem = "not UTF-8 (save the export as CSV UTF-8)";
      return trim(raw);
    };
    PupilRecord p;
    p.username = get(Column::kUsername);
    if (p.username.empty()) {
      // Many schools sign pupils in with their email's local part; used only without a username column value.
      const std::string email = get(Column::kEmail);
      p.username = email.substr(0, email.find('@'));
    }
    const std::string forename = get(Column::kForename);
    const std::string surname = get(Column::kSurname);
    const std::string preferred_forename = get(Column::kPreferredForename);
    const std::string preferred_surname = get(Column::kPreferredSurname);
    p.display_name = join_name(preferred_forename.empty() ? forename : preferred_forename, preferred_surname.empty() ? surname : preferred_surname);
    if (p.display_name.empty()) p.display_name = get(Column::kName);
    // Names and forms are shown on one line everywhere; a line break inside a quoted cell is noise.
    p.display_name = single_line(p.display_name);
    const std::string year = get(Column::kYear);
    p.form = single_line(get(Column::kForm));
    if (problem) {
      out.rejected.push_back(where(rec.line) + *problem);
      continue;
    }
    if (auto bad = username_problem(p.username)) {
      out.rejected.push_back(where(rec.line) + *bad);
      continue;
    }
    if (p.display_name.empty()) {
      out.rejected.push_back(where(rec.line) + "no name for " + p.username);
      continue;
    }
    auto normalised = normalise_year_group(year);
    if (!normalised) {
      out.rejected.push_back(where(rec.line) + normalised.error().message);
      continue;
    }
    p.year_group = *normalised;
    auto [it, fresh] = seen.emplace(lower(p.username), rec.line);
    if (!fresh) {
      out.rejected.push_back(where(rec.line) + "username " + p.username + " already given on line " + std::to_string(it->second));
      continue;
    }
    out.pupils.push_back(std::move(p));
  }
  return out;
}

}  // namespace vigil::collector
