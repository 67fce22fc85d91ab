// Templates as data: validated saves into immutable versions, previews for a contact, and
// the "missing data" report for an audience. The CLI calls it now; the REST API (server
// issue) and the dispatcher (engine issue) call the same functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/templating/template.hpp"
#include "storage/database.hpp"

namespace cadent {

// What a campaign does with a contact whose message would render with an empty variable
// that has no fallback (chosen per campaign; applied by the engine issue's dispatcher).
enum class MissingDataPolicy { kSkip, kSendAnyway, kHold };
std::string_view ToString(MissingDataPolicy policy);
std::optional<MissingDataPolicy> ParseMissingDataPolicy(std::string_view text);

enum class SaveMode {
  kCreate,  // a new template; kAlreadyExists when the name is taken
  kUpdate,  // a new version of an existing template; kNotFound when there is none
};

struct TemplateSaveResult {
  Template tmpl;
  int version = 0;         // the version now holding the source
  bool unchanged = false;  // kUpdate with the latest version's exact source: nothing added
  templating::Validation validation;  // warnings (unknown variables, missing fallbacks)
};

struct TemplatePreview {
  Template tmpl;
  int version = 0;
  templating::Rendered rendered;
  std::string day_of_week;  // the recipient's local weekday used for {{day_of_week}}
  std::string zone;         // the zone it was computed in, and why ("contact", "phone", ...)
  std::string zone_source;
  std::vector<std::string> missing;  // variables that rendered empty with no fallback
};

struct MissingDataReport {
  int64_t audience = 0;                        // contacts examined
  int64_t affected = 0;                        // contacts with at least one empty variable
  std::map<std::string, int64_t> by_variable;  // variable -> contacts missing it
  struct Row {
    Contact contact;
    std::vector<std::string> variables;
  };
  std::vector<Row> rows;  // the first `limit` affected contacts, in id order
};

class TemplateService {
 public:
  // `db` and `clock` must outlive the service. Thread-safe as the stores are.
  TemplateService(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Validates `source` against the workspace's custom fields and stores it. A template with
  // errors is refused whole (kInvalidArgument, every error as "part:line:column: message",
  // one per line); nothing is written. Warnings come back in the result.
  Result<TemplateSaveResult> Save(WorkspaceId workspace, std::string_view name,
                                  const templating::TemplateSource& source, std::string_view note,
                                  SaveMode mode);

  // Validation only (the API's "check" and the CLI's dry run).
  Result<templating::Validation> Check(WorkspaceId workspace,
                                       const templating::TemplateSource& source);

  // Renders `version` (0 = latest) for `contact`, as the dispatcher will: the spin seed of
  // (contact, step_id), the contact's local weekday now, the preview unsubscribe URL.
  // Channel-limit errors are returned as errors, as they would be at send time.
  Result<TemplatePreview> Preview(WorkspaceId workspace, TemplateId id, int version,
                                  const Contact& contact, const templating::SenderFields& sender,
                                  int64_t step_id = 0);

  // Which active contacts of `list` (every active contact of the workspace when absent) would
  // render `version` (0 = latest) with an empty variable that has no fallback.
  Result<MissingDataReport> MissingData(WorkspaceId workspace, TemplateId id, int version,
                                        std::optional<ListId> list, int limit);

  // The placeholder {{unsubscribe_url}} in previews (the real one is minted per message).
  static constexpr std::string_view kPreviewUnsubscribeUrl = "https://unsubscribe.example/preview";

 private:
  Result<std::vector<std::string>> KnownFields(WorkspaceId workspace);
  Result<TemplateVersion> LoadVersion(WorkspaceId workspace, TemplateId id, int version);

  Database& db_;
  const Clock& clock_;
};

}  // namespace cadent
