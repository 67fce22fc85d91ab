// Message templates and their immutable versions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/ids.hpp"
#include "core/common/result.hpp"
#include "core/templating/template.hpp"

namespace cadent {

struct Template {
  TemplateId id;
  WorkspaceId workspace_id;
  std::string name;  // unique per workspace
  templating::Channel channel = templating::Channel::kEmail;
  int latest_version = 0;
  Instant created_at;
  Instant updated_at;
};

// One immutable version. A message records (template_id, version).
struct TemplateVersion {
  TemplateId template_id;
  int version = 0;
  templating::TemplateSource source;  // source.channel is the template's channel
  std::string note;                   // what changed, as the editor wrote it
  Instant created_at;
};

// Thread-safe; every method filters by workspace. Stores text as given: validation is the
// caller's (engine/template_service), so a store never judges a template. Errors:
// kNotFound (no such template or version in this workspace), kAlreadyExists (name taken),
// kInvalidArgument (empty name, a version whose channel differs from the template's),
// kAborted (AddVersion raced another editor: reload and retry).
class TemplateStore {
 public:
  virtual ~TemplateStore() = default;
  // Creates the template with `first` as version 1.
  virtual Result<Template> Create(WorkspaceId workspace, std::string_view name,
                                  const templating::TemplateSource& first,
                                  std::string_view note) = 0;
  // Adds version latest+1, provided the latest is still `expected_latest` (optimistic
  // concurrency: two editors cannot both create version N+1).
  virtual Result<TemplateVersion> AddVersion(WorkspaceId workspace, TemplateId id,
                                             int expected_latest,
                                             const templating::TemplateSource& source,
                                             std::string_view note) = 0;
  virtual Result<Template> Get(WorkspaceId workspace, TemplateId id) = 0;
  virtual Result<std::optional<Template>> FindByName(WorkspaceId workspace,
                                                     std::string_view name) = 0;
  virtual Result<std::vector<Template>> List(WorkspaceId workspace) = 0;
  virtual Result<TemplateVersion> GetVersion(WorkspaceId workspace, TemplateId id, int version) = 0;
  // Every version, oldest first.
  virtual Result<std::vector<TemplateVersion>> Versions(WorkspaceId workspace, TemplateId id) = 0;
};

}  // namespace cadent
