#include "core/contacts/field_map.hpp"

#include <algorithm>
#include <array>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/common/strings.hpp"

namespace cadent {
namespace {

std::string Join(const std::vector<std::string_view>& pieces, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0) out.append(separator);
    out.append(pieces[i]);
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (absl::ascii_tolower(a[i]) != absl::ascii_tolower(b[i])) return false;
  }
  return true;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = absl::ascii_tolower(c);
  return out;
}

constexpr std::array kAllFields = {
    ContactField::kEmail,    ContactField::kFirstName,   ContactField::kLastName,
    ContactField::kFullName, ContactField::kCompany,     ContactField::kTitle,
    ContactField::kPhone,    ContactField::kLinkedInUrl, ContactField::kLinkedInProviderId,
    ContactField::kCountry,  ContactField::kTimeZone,
};

// Header keys (see HeaderKey) and the field each one means. Only unambiguous spellings:
// exports often carry several phones ("Work Direct Phone", "Mobile Phone", "Corporate
// Phone" in Apollo; "Phone Number" and "Mobile Phone Number" in HubSpot) and company-level
// columns ("Company Linkedin Url", "Company Country"); those stay custom fields, so an
// export imports without --map and nothing is lost.
constexpr std::pair<std::string_view, ContactField> kHeaderKeys[] = {
    {"email", ContactField::kEmail},
    {"emailaddress", ContactField::kEmail},
    {"mail", ContactField::kEmail},
    {"email1", ContactField::kEmail},
    {"emailid", ContactField::kEmail},
    {"primaryemail", ContactField::kEmail},
    {"workemail", ContactField::kEmail},
    {"workemailaddress", ContactField::kEmail},
    {"businessemail", ContactField::kEmail},
    {"businessemailaddress", ContactField::kEmail},
    {"professionalemail", ContactField::kEmail},
    {"contactemail", ContactField::kEmail},
    {"firstname", ContactField::kFirstName},
    {"first", ContactField::kFirstName},
    {"fname", ContactField::kFirstName},
    {"givenname", ContactField::kFirstName},
    {"forename", ContactField::kFirstName},
    {"contactfirstname", ContactField::kFirstName},
    {"personfirstname", ContactField::kFirstName},
    {"leadfirstname", ContactField::kFirstName},
    {"lastname", ContactField::kLastName},
    {"last", ContactField::kLastName},
    {"lname", ContactField::kLastName},
    {"surname", ContactField::kLastName},
    {"familyname", ContactField::kLastName},
    {"contactlastname", ContactField::kLastName},
    {"personlastname", ContactField::kLastName},
    {"leadlastname", ContactField::kLastName},
    {"fullname", ContactField::kFullName},
    {"name", ContactField::kFullName},
    {"contactname", ContactField::kFullName},
    {"personname", ContactField::kFullName},
    {"leadname", ContactField::kFullName},
    {"displayname", ContactField::kFullName},
    {"company", ContactField::kCompany},
    {"companyname", ContactField::kCompany},
    {"organization", ContactField::kCompany},
    {"organisation", ContactField::kCompany},
    {"organizationname", ContactField::kCompany},
    {"organisationname", ContactField::kCompany},
    {"account", ContactField::kCompany},
    {"accountname", ContactField::kCompany},
    {"employer", ContactField::kCompany},
    {"currentcompany", ContactField::kCompany},
    {"businessname", ContactField::kCompany},
    {"title", ContactField::kTitle},
    {"jobtitle", ContactField::kTitle},
    {"position", ContactField::kTitle},
    {"jobposition", ContactField::kTitle},
    {"role", ContactField::kTitle},
    {"jobrole", ContactField::kTitle},
    {"designation", ContactField::kTitle},
    {"currenttitle", ContactField::kTitle},
    {"currentjobtitle", ContactField::kTitle},
    {"persontitle", ContactField::kTitle},
    {"phone", ContactField::kPhone},
    {"phonenumber", ContactField::kPhone},
    {"phone1", ContactField::kPhone},
    {"telephone", ContactField::kPhone},
    {"telephonenumber", ContactField::kPhone},
    {"tel", ContactField::kPhone},
    {"mobile", ContactField::kPhone},
    {"mobilephone", ContactField::kPhone},
    {"mobilenumber", ContactField::kPhone},
    {"cell", ContactField::kPhone},
    {"cellphone", ContactField::kPhone},
    {"cellnumber", ContactField::kPhone},
    {"directphone", ContactField::kPhone},
    {"directdial", ContactField::kPhone},
    {"linkedin", ContactField::kLinkedInUrl},
    {"linkedinurl", ContactField::kLinkedInUrl},
    {"linkedinprofile", ContactField::kLinkedInUrl},
    {"linkedinprofileurl", ContactField::kLinkedInUrl},
    {"linkedinprofilelink", ContactField::kLinkedInUrl},
    {"linkedinlink", ContactField::kLinkedInUrl},
    {"linkedinpublicurl", ContactField::kLinkedInUrl},
    {"personlinkedinurl", ContactField::kLinkedInUrl},
    {"personlinkedin", ContactField::kLinkedInUrl},
    {"contactlinkedinurl", ContactField::kLinkedInUrl},
    {"publicprofileurl", ContactField::kLinkedInUrl},
    {"linkedinproviderid", ContactField::kLinkedInProviderId},
    {"providerid", ContactField::kLinkedInProviderId},
    {"linkedinid", ContactField::kLinkedInProviderId},
    {"linkedinmemberid", ContactField::kLinkedInProviderId},
    {"memberid", ContactField::kLinkedInProviderId},
    {"unipileid", ContactField::kLinkedInProviderId},
    {"unipileproviderid", ContactField::kLinkedInProviderId},
    {"country", ContactField::kCountry},
    {"countrycode", ContactField::kCountry},
    {"countryname", ContactField::kCountry},
    {"countryregion", ContactField::kCountry},
    {"personcountry", ContactField::kCountry},
    {"contactcountry", ContactField::kCountry},
    {"timezone", ContactField::kTimeZone},
    {"tz", ContactField::kTimeZone},
    {"timezonename", ContactField::kTimeZone},
    {"ianatimezone", ContactField::kTimeZone},
    {"localtimezone", ContactField::kTimeZone},
    {"contacttimezone", ContactField::kTimeZone},
};

// Lower-case ASCII letters and digits only; non-ASCII bytes are kept, so "Prénom" does not
// collapse into "prnom" and match something it is not.
std::string HeaderKey(std::string_view header) {
  std::string key;
  key.reserve(header.size());
  for (char c : TrimSpace(header)) {
    if (absl::ascii_isalnum(c)) {
      key.push_back(absl::ascii_tolower(c));
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      key.push_back(c);
    }
  }
  return key;
}

const absl::flat_hash_map<std::string_view, ContactField>& HeaderTable() {
  static const auto* const table = [] {
    auto* map = new absl::flat_hash_map<std::string_view, ContactField>();
    for (const auto& [key, field] : kHeaderKeys) map->emplace(key, field);
    return map;
  }();
  return *table;
}

std::string TargetList() {
  std::vector<std::string_view> names;
  for (ContactField field : kAllFields) names.push_back(ToString(field));
  return StrCat(Join(names, ", "), ", custom.NAME or ignore");
}

std::string MapFlag(std::string_view header, std::string_view target) {
  return StrCat("--map \"", header, "=", target, "\"");
}

Result<ColumnTarget> ParseTarget(std::string_view header, std::string_view raw_target) {
  const std::string_view target = TrimSpace(raw_target);
  if (EqualsIgnoreCase(target, "ignore")) return ColumnTarget::Ignore();
  if (target.starts_with("custom.")) {
    const std::string_view custom = TrimSpace(target.substr(7));
    if (custom.empty() || !IsValidUtf8(custom)) {
      return absl::InvalidArgumentError(
          StrCat(MapFlag(header, raw_target), ": a custom field needs a name, as in custom.Plan"));
    }
    return ColumnTarget::Custom(std::string(custom));
  }
  if (std::optional<ContactField> field = ParseContactField(AsciiLower(target))) {
    return ColumnTarget::Field(*field);
  }
  return absl::InvalidArgumentError(StrCat(MapFlag(header, raw_target), ": unknown field ",
                                           QuoteForError(target), "; use one of ", TargetList()));
}

std::string RawContact::*MemberOf(ContactField field) {
  switch (field) {
    case ContactField::kEmail:
      return &RawContact::email;
    case ContactField::kFirstName:
      return &RawContact::first_name;
    case ContactField::kLastName:
      return &RawContact::last_name;
    case ContactField::kFullName:
      return &RawContact::full_name;
    case ContactField::kCompany:
      return &RawContact::company;
    case ContactField::kTitle:
      return &RawContact::title;
    case ContactField::kPhone:
      return &RawContact::phone;
    case ContactField::kLinkedInUrl:
      return &RawContact::linkedin_url;
    case ContactField::kLinkedInProviderId:
      return &RawContact::linkedin_provider_id;
    case ContactField::kCountry:
      return &RawContact::country;
    case ContactField::kTimeZone:
      return &RawContact::time_zone;
  }
  return &RawContact::email;
}

}  // namespace

std::string_view ToString(ContactField field) {
  switch (field) {
    case ContactField::kEmail:
      return "email";
    case ContactField::kFirstName:
      return "first_name";
    case ContactField::kLastName:
      return "last_name";
    case ContactField::kFullName:
      return "full_name";
    case ContactField::kCompany:
      return "company";
    case ContactField::kTitle:
      return "title";
    case ContactField::kPhone:
      return "phone";
    case ContactField::kLinkedInUrl:
      return "linkedin_url";
    case ContactField::kLinkedInProviderId:
      return "linkedin_provider_id";
    case ContactField::kCountry:
      return "country";
    case ContactField::kTimeZone:
      return "time_zone";
  }
  return "email";
}

std::optional<ContactField> ParseContactField(std::string_view name) {
  for (ContactField field : kAllFields) {
    if (name == ToString(field)) return field;
  }
  return std::nullopt;
}

std::optional<ContactField> MatchHeader(std::string_view header) {
  const auto& table = HeaderTable();
  const auto it = table.find(HeaderKey(header));
  if (it == table.end()) return std::nullopt;
  return it->second;
}

std::optional<size_t> HeaderMapping::ColumnOf(ContactField field) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].kind == ColumnTarget::Kind::kField && columns[i].field == field) return i;
  }
  return std::nullopt;
}

Status HeaderMapping::RequireIdentity() const {
  if (ColumnOf(ContactField::kEmail) || ColumnOf(ContactField::kLinkedInUrl) ||
      ColumnOf(ContactField::kPhone)) {
    return OkStatus();
  }
  constexpr size_t kListed = 30;
  std::vector<std::string_view> found;
  for (size_t i = 0; i < headers.size() && i < kListed; ++i) found.push_back(TrimSpace(headers[i]));
  return absl::InvalidArgumentError(StrCat(
      "missing required column: the file needs an email, LinkedIn URL or phone column; found: ",
      found.empty() ? "no columns" : Join(found, ", "), headers.size() > kListed ? ", ..." : "",
      " (name one with --map \"Header=email\")"));
}

RawContact HeaderMapping::ToRawContact(const std::vector<std::string_view>& fields) const {
  RawContact raw;
  const size_t n = std::min(fields.size(), columns.size());
  for (size_t i = 0; i < n; ++i) {
    const ColumnTarget& target = columns[i];
    switch (target.kind) {
      case ColumnTarget::Kind::kField:
        (raw.*MemberOf(target.field)).assign(fields[i]);
        break;
      case ColumnTarget::Kind::kCustom:
        if (!fields[i].empty()) raw.custom_fields.emplace(target.custom_name, fields[i]);
        break;
      case ColumnTarget::Kind::kIgnore:
        break;
    }
  }
  return raw;
}

Result<HeaderMapping> MapHeaders(
    const std::vector<std::string>& headers,
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  HeaderMapping mapping;
  mapping.headers = headers;
  mapping.columns.resize(headers.size());

  // Header names: UTF-8 and unique.
  absl::flat_hash_map<std::string_view, size_t> by_name;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (!IsValidUtf8(headers[i])) {
      return absl::InvalidArgumentError(StrCat("column ", i + 1, " header ",
                                               QuoteForError(headers[i]),
                                               " is not valid UTF-8; save the file as UTF-8"));
    }
    const std::string_view name = TrimSpace(headers[i]);
    if (name.empty()) continue;
    const auto [it, inserted] = by_name.try_emplace(name, i);
    if (!inserted) {
      return absl::InvalidArgumentError(StrCat("duplicate column name ", QuoteForError(name),
                                               " (columns ", it->second + 1, " and ", i + 1,
                                               "); rename or remove one"));
    }
  }

  // Overrides first.
  std::vector<bool> overridden(headers.size(), false);
  for (const auto& [raw_header, raw_target] : overrides) {
    const std::string_view header = TrimSpace(raw_header);
    std::optional<size_t> column;
    if (const auto it = by_name.find(header); it != by_name.end()) {
      column = it->second;
    } else {
      for (const auto& [name, index] : by_name) {
        if (!EqualsIgnoreCase(name, header)) continue;
        if (column) {
          return absl::InvalidArgumentError(
              StrCat(MapFlag(raw_header, raw_target), ": several columns match ",
                     QuoteForError(header), " when case is ignored; write it exactly"));
        }
        column = index;
      }
    }
    if (!column) {
      std::vector<std::string_view> names;
      for (const std::string& h : headers) names.push_back(TrimSpace(h));
      return absl::InvalidArgumentError(StrCat(MapFlag(raw_header, raw_target),
                                               ": the file has no column ", QuoteForError(header),
                                               "; its columns are: ", Join(names, ", ")));
    }
    if (overridden[*column]) {
      return absl::InvalidArgumentError(
          StrCat("column ", QuoteForError(header), " is given to --map twice"));
    }
    ASSIGN_OR_RETURN(mapping.columns[*column], ParseTarget(raw_header, raw_target));
    overridden[*column] = true;
  }

  // Then automatic matching.
  for (size_t i = 0; i < headers.size(); ++i) {
    if (overridden[i]) continue;
    const std::string_view name = TrimSpace(headers[i]);
    if (name.empty()) {
      mapping.columns[i] = ColumnTarget::Ignore();
    } else if (std::optional<ContactField> field = MatchHeader(name)) {
      mapping.columns[i] = ColumnTarget::Field(*field);
    } else {
      mapping.columns[i] = ColumnTarget::Custom(std::string(name));
    }
  }

  // One column per field: an override beats automatic matches, which then keep their data
  // as custom fields; two of the same kind are an error.
  for (ContactField field : kAllFields) {
    std::vector<size_t> by_override;
    std::vector<size_t> automatic;
    for (size_t i = 0; i < headers.size(); ++i) {
      const ColumnTarget& target = mapping.columns[i];
      if (target.kind != ColumnTarget::Kind::kField || target.field != field) continue;
      (overridden[i] ? by_override : automatic).push_back(i);
    }
    const std::string_view field_name = ToString(field);
    if (by_override.size() > 1) {
      return absl::InvalidArgumentError(
          StrCat("--map gives columns ", QuoteForError(TrimSpace(headers[by_override[0]])), " and ",
                 QuoteForError(TrimSpace(headers[by_override[1]])), " both to ", field_name));
    }
    if (by_override.empty() && automatic.size() > 1) {
      const std::string_view second = TrimSpace(headers[automatic[1]]);
      return absl::InvalidArgumentError(
          StrCat("columns ", QuoteForError(TrimSpace(headers[automatic[0]])), " and ",
                 QuoteForError(second), " both look like ", field_name, "; choose one with ",
                 MapFlag(second, "ignore"), " or ", MapFlag(second, StrCat("custom.", second))));
    }
    if (!by_override.empty()) {
      for (size_t i : automatic) {
        mapping.columns[i] = ColumnTarget::Custom(std::string(TrimSpace(headers[i])));
      }
    }
  }

  // One column per custom field name.
  absl::flat_hash_map<std::string_view, size_t> custom_names;
  for (size_t i = 0; i < headers.size(); ++i) {
    const ColumnTarget& target = mapping.columns[i];
    if (target.kind != ColumnTarget::Kind::kCustom) continue;
    const auto [it, inserted] = custom_names.try_emplace(target.custom_name, i);
    if (!inserted) {
      return absl::InvalidArgumentError(
          StrCat("columns ", QuoteForError(TrimSpace(headers[it->second])), " and ",
                 QuoteForError(TrimSpace(headers[i])), " both go to custom field ",
                 QuoteForError(target.custom_name), "; rename one with --map"));
    }
  }
  return mapping;
}

}  // namespace cadent
