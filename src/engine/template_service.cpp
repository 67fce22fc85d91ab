#include "engine/template_service.hpp"

#include "core/calendar/calendar.hpp"
#include "core/common/strings.hpp"

namespace cadent {
namespace {

constexpr int kMaxKnownFields = 1000;
constexpr int kPageSize = 1000;

std::string ErrorList(const templating::Validation& validation) {
  std::string out;
  for (const templating::Diagnostic& d : validation.errors) {
    if (!out.empty()) out += "\n";
    out += d.ToString();
  }
  return out;
}

std::string_view WeekdayName(date::weekday day) {
  static constexpr std::string_view kNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                "Thursday", "Friday", "Saturday"};
  return kNames[day.c_encoding()];
}

}  // namespace

std::string_view ToString(MissingDataPolicy policy) {
  switch (policy) {
    case MissingDataPolicy::kSkip:
      return "skip";
    case MissingDataPolicy::kSendAnyway:
      return "send";
    case MissingDataPolicy::kHold:
      return "hold";
  }
  return "skip";
}

std::optional<MissingDataPolicy> ParseMissingDataPolicy(std::string_view text) {
  if (text == "skip") return MissingDataPolicy::kSkip;
  if (text == "send") return MissingDataPolicy::kSendAnyway;
  if (text == "hold") return MissingDataPolicy::kHold;
  return std::nullopt;
}

Result<std::vector<std::string>> TemplateService::KnownFields(WorkspaceId workspace) {
  return db_.contacts().CustomFieldNames(workspace, kMaxKnownFields);
}

Result<templating::Validation> TemplateService::Check(WorkspaceId workspace,
                                                      const templating::TemplateSource& source) {
  ASSIGN_OR_RETURN(std::vector<std::string> known, KnownFields(workspace));
  return templating::Validate(source, known);
}

Result<TemplateSaveResult> TemplateService::Save(WorkspaceId workspace, std::string_view name,
                                                 const templating::TemplateSource& source,
                                                 std::string_view note, SaveMode mode) {
  if (name.empty()) return absl::InvalidArgumentError("a template needs a name");
  ASSIGN_OR_RETURN(templating::Validation validation, Check(workspace, source));
  if (!validation.ok()) {
    return absl::InvalidArgumentError(
        StrCat("template '", name, "' has errors:\n", ErrorList(validation)));
  }
  TemplateSaveResult result;
  result.validation = std::move(validation);
  if (mode == SaveMode::kCreate) {
    ASSIGN_OR_RETURN(result.tmpl, db_.templates().Create(workspace, name, source, note));
    result.version = 1;
    return result;
  }
  ASSIGN_OR_RETURN(std::optional<Template> existing, db_.templates().FindByName(workspace, name));
  if (!existing) {
    return absl::NotFoundError(StrCat("no template named '", name, "'"));
  }
  ASSIGN_OR_RETURN(TemplateVersion latest,
                   db_.templates().GetVersion(workspace, existing->id, existing->latest_version));
  const templating::TemplateSource& old = latest.source;
  if (old.channel == source.channel && old.subject == source.subject && old.html == source.html &&
      old.text == source.text) {
    result.tmpl = *existing;
    result.version = latest.version;
    result.unchanged = true;
    return result;
  }
  ASSIGN_OR_RETURN(
      TemplateVersion added,
      db_.templates().AddVersion(workspace, existing->id, existing->latest_version, source, note));
  ASSIGN_OR_RETURN(result.tmpl, db_.templates().Get(workspace, existing->id));
  result.version = added.version;
  return result;
}

Result<TemplateVersion> TemplateService::LoadVersion(WorkspaceId workspace, TemplateId id,
                                                     int version) {
  if (version < 0) return absl::InvalidArgumentError("a version number is 1 or more");
  if (version == 0) {
    ASSIGN_OR_RETURN(Template tmpl, db_.templates().Get(workspace, id));
    version = tmpl.latest_version;
  }
  return db_.templates().GetVersion(workspace, id, version);
}

Result<TemplatePreview> TemplateService::Preview(WorkspaceId workspace, TemplateId id, int version,
                                                 const Contact& contact,
                                                 const templating::SenderFields& sender,
                                                 int64_t step_id) {
  TemplatePreview preview;
  ASSIGN_OR_RETURN(preview.tmpl, db_.templates().Get(workspace, id));
  ASSIGN_OR_RETURN(TemplateVersion stored, LoadVersion(workspace, id, version));
  preview.version = stored.version;
  ASSIGN_OR_RETURN(templating::CompiledTemplate compiled, templating::Compile(stored.source));

  // The weekday where the recipient is, by the calendar's zone rule (UTC when nothing
  // says where they are: the campaign's default zone is not known here).
  ASSIGN_OR_RETURN(calendar::ResolvedZone zone,
                   calendar::ResolveZone(contact.data.time_zone, contact.data.phone,
                                         contact.data.country, "UTC"));
  const calendar::LocalMinutes local = calendar::ToLocal(clock_.Now(), *zone.zone);
  preview.day_of_week = std::string(WeekdayName(date::weekday(date::floor<date::days>(local))));
  preview.zone = std::string(zone.zone->name());
  preview.zone_source = std::string(calendar::ToString(zone.source));

  templating::RenderContext context;
  context.contact = &contact.data;
  context.sender = &sender;
  context.unsubscribe_url = kPreviewUnsubscribeUrl;
  context.day_of_week = preview.day_of_week;
  context.spin_seed = templating::SpinSeed(contact.id.value(), step_id);
  TRY(templating::Render(compiled, context, preview.rendered));
  for (std::string_view v : preview.rendered.empty_variables) preview.missing.emplace_back(v);
  return preview;
}

Result<MissingDataReport> TemplateService::MissingData(WorkspaceId workspace, TemplateId id,
                                                       int version, std::optional<ListId> list,
                                                       int limit) {
  ASSIGN_OR_RETURN(TemplateVersion stored, LoadVersion(workspace, id, version));
  ASSIGN_OR_RETURN(templating::CompiledTemplate compiled, templating::Compile(stored.source));
  // Sender fields are the sender account's, filled at send time: not a contact's gap.
  const templating::SenderFields sender{"-", "-", "-", "-", "-"};
  MissingDataReport report;
  ContactQuery query;
  query.list = list;
  query.status = ContactStatus::kActive;  // the only contacts a campaign writes to
  query.limit = kPageSize;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<Contact> page, db_.contacts().List(workspace, query));
    for (Contact& contact : page) {
      ++report.audience;
      std::vector<std::string> missing =
          templating::MissingVariables(compiled, contact.data, &sender);
      if (missing.empty()) continue;
      ++report.affected;
      for (const std::string& v : missing) ++report.by_variable[v];
      if (static_cast<int>(report.rows.size()) < limit) {
        report.rows.push_back({std::move(contact), std::move(missing)});
      }
    }
    if (static_cast<int>(page.size()) < kPageSize) break;
    query.after = page.back().id;
  }
  return report;
}

}  // namespace cadent
