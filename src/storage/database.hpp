// A storage backend as the application sees it: its per-aggregate stores and its health.
// Only src/app/ names a concrete backend (SQLite now, PostgreSQL later).
#pragma once

#include <string>

#include "core/common/result.hpp"
#include "storage/campaign_store.hpp"
#include "storage/contact_store.hpp"
#include "storage/engine_store.hpp"
#include "storage/import_store.hpp"
#include "storage/list_store.hpp"
#include "storage/suppression_store.hpp"
#include "storage/template_store.hpp"
#include "storage/workspace_store.hpp"

namespace cadent {

struct DatabaseStatus {
  std::string backend;     // "sqlite"
  std::string location;    // file path or connection target (no credentials)
  int schema_version = 0;  // migrations applied
  int latest_schema_version = 0;
  int64_t workspaces = 0;
  int64_t contacts = 0;
};

// Owns the connection(s); the stores it hands out live as long as it does.
class Database {
 public:
  virtual ~Database() = default;
  virtual WorkspaceStore& workspaces() = 0;
  virtual ContactStore& contacts() = 0;
  virtual ListStore& lists() = 0;
  virtual SuppressionStore& suppression() = 0;
  virtual ImportStore& imports() = 0;
  virtual TemplateStore& templates() = 0;
  virtual CampaignStore& campaigns() = 0;
  virtual SenderStore& senders() = 0;
  virtual EngineStore& engine() = 0;
  // Cheap health probe for /status: kUnavailable when the database cannot be reached.
  virtual Result<DatabaseStatus> Status() = 0;
};

}  // namespace cadent
