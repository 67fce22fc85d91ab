// Campaign definition files as users keep them in version control: YAML (usual) or JSON, in
// the format of docs/CAMPAIGNS.md. YAML is turned into the JSON tree it stands for and read
// by the same parser as the API's JSON (engine/campaign_json), so both say the same things.
//
//   name: Q1 founders
//   audience: {lists: [leads]}
//   steps:
//     - send: email
//       template: intro
//     - send: email
//       template: follow-up
//       after: 3 business days
#pragma once

#include <string_view>

#include "core/common/result.hpp"
#include "engine/campaign_json.hpp"

namespace cadent::cli {

inline constexpr size_t kMaxCampaignFileBytes = size_t{1024} * 1024;

// Parses a campaign file's text: JSON when its first non-blank character is `{`, else YAML.
// YAML scalars keep the type YAML 1.2 gives them: quoted text is a string, plain true/false
// are booleans, plain integers numbers, null/~/nothing null, everything else (dates too)
// text. Errors (kInvalidArgument) are one per line, each prefixed with `file` and, where
// known, the line: "campaign.yaml:7: steps[1].after: ...". Files over kMaxCampaignFileBytes,
// invalid UTF-8, several YAML documents, duplicate keys, anchors that expand too far and
// nesting deeper than 32 levels are refused.
Result<CampaignDefinition> ParseCampaignFile(std::string_view file, std::string_view text);

}  // namespace cadent::cli
