// How the CLI prints domain objects: JSON (with --json, and import summaries) and aligned
// text tables for people.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/contacts/contact.hpp"
#include "core/contacts/suppression.hpp"
#include "nlohmann/json.hpp"
#include "storage/import_store.hpp"
#include "storage/list_store.hpp"

namespace cadent::cli {

nlohmann::json ToJson(const Contact& contact);
nlohmann::json ToJson(const ContactList& list);
nlohmann::json ToJson(const SuppressionEntry& entry);
nlohmann::json ToJson(const ImportCounts& counts);
nlohmann::json ToJson(const ImportRecord& record);

// Prints `rows` under `headers`, columns padded to their widest cell (counted in code
// points, so accented names line up).
void PrintTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows);

// JSON text that never throws on invalid UTF-8 (replaced by U+FFFD).
std::string Dump(const nlohmann::json& json, int indent = 2);

}  // namespace cadent::cli
