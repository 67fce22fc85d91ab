// Campaign definitions as JSON: the file format of `cadent campaigns create FILE` (YAML files
// are converted to the same JSON tree by the CLI), the REST API's body, and the form the
// database stores settings and sequence versions in. docs/CAMPAIGNS.md documents it.
#pragma once

#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/sequence/sequence.hpp"

namespace cadent {

struct CampaignDefinition {
  std::string name;
  sequence::CampaignSettings settings;
  sequence::Sequence sequence;
};

// Parses a whole definition. Every problem found is reported, one per line, as
// "<path>: <message>" (paths like `steps[2].after`, `calendar.window`), in a kInvalidArgument
// status; nothing is partially returned. Unknown keys are errors (a typo must not silently
// drop a setting). Also runs sequence::Check on the parsed sequence.
Result<CampaignDefinition> ParseCampaignJson(std::string_view json_text);

// The canonical JSON of a definition (stable key order; parsing it gives back an equal
// definition). Pretty-printed with 2 spaces when `pretty`.
std::string ToJson(const CampaignDefinition& definition, bool pretty = false);

// The parts as stored: settings (everything but name and steps) and the sequence (the
// `steps` array alone), each a JSON document. Parse errors are as above, with paths
// relative to the part.
std::string SettingsToJson(const sequence::CampaignSettings& settings);
Result<sequence::CampaignSettings> ParseSettingsJson(std::string_view json_text);
std::string SequenceToJson(const sequence::Sequence& sequence);
Result<sequence::Sequence> ParseSequenceJson(std::string_view json_text,
                                             sequence::CampaignKind kind);

}  // namespace cadent
