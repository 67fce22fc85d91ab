#include "cli/output.hpp"

#include <algorithm>

#include "engine/webhooks.hpp"

namespace cadent::cli {
namespace {

size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

nlohmann::json ToJson(const Contact& c) { return ContactJson(c); }

nlohmann::json ToJson(const ContactList& list) {
  return {{"id", list.id.value()},
          {"name", list.name},
          {"members", list.member_count},
          {"created_at", FormatRfc3339(list.created_at)}};
}

nlohmann::json ToJson(const SuppressionEntry& e) {
  return {{"id", e.id.value()},
          {"scope", e.workspace ? "workspace" : "global"},
          {"kind", e.kind == SuppressionKind::kEmail ? "email" : "domain"},
          {"value", e.value},
          {"reason", e.reason},
          {"created_at", FormatRfc3339(e.created_at)}};
}

nlohmann::json ToJson(const ImportCounts& c) {
  return {{"total", c.total},           {"imported", c.imported},     {"updated", c.updated},
          {"duplicates", c.duplicates}, {"suppressed", c.suppressed}, {"rejected", c.rejected}};
}

nlohmann::json ToJson(const ImportRecord& r) {
  nlohmann::json json = {{"id", r.id.value()},
                         {"file", r.spec.file_name},
                         {"status", ToString(r.status)},
                         {"on_duplicate", ToString(r.spec.policy)},
                         {"counts", ToJson(r.counts)},
                         {"error_report", r.counts.rejected + r.counts.suppressed > 0
                                              ? nlohmann::json(r.spec.report_path)
                                              : nlohmann::json(nullptr)},
                         {"created_at", FormatRfc3339(r.created_at)}};
  if (r.spec.list) json["list_id"] = r.spec.list->value();
  if (r.finished_at) json["finished_at"] = FormatRfc3339(*r.finished_at);
  if (!r.error.empty()) json["error"] = r.error;
  return json;
}

void PrintTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) widths[i] = CodePoints(headers[i]);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], CodePoints(row[i]));
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      out << cells[i];
      if (i + 1 < cells.size()) out << std::string(widths[i] - CodePoints(cells[i]) + 2, ' ');
    }
    out << "\n";
  };
  print_row(headers);
  for (const auto& row : rows) print_row(row);
}

std::string Dump(const nlohmann::json& json, int indent) {
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cadent::cli
