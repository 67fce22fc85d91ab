// Zone resolution and the local <-> instant conversions with the DST rule.
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <fstream>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/calendar/calendar.hpp"
#include "core/calendar/zone_table.hpp"
#include "core/common/strings.hpp"

namespace cadent::calendar {
namespace internal {
namespace {

using std::chrono::seconds;

// Table bounds: wide enough for every schedule cadent plans (2024-2035 and a search of 400
// days), narrow enough to stay a few kilobytes per zone.
constexpr int64_t kTableBegin = 0;         // 1970-01-01T00:00:00Z
constexpr int64_t kTableEnd = 4102444800;  // 2100-01-01T00:00:00Z

// One slot per zone of the tz database, filled on first use. Never freed: tables are
// reachable from here until exit, and instants computed by other threads may still use them.
struct Registry {
  const date::time_zone* first = nullptr;
  size_t count = 0;
  std::unique_ptr<std::atomic<const ZoneTable*>[]> slots;
  std::mutex mutex;                               // serialises building
  std::vector<std::unique_ptr<ZoneTable>> owned;  // guarded by mutex
};

Registry& GetRegistry() {
  static Registry* const registry = [] {
    auto* r = new Registry();
    try {
      const auto& zones = date::get_tzdb().zones;
      r->first = zones.data();
      r->count = zones.size();
    } catch (const std::exception&) {
      r->count = 0;
    }
    r->slots = std::make_unique<std::atomic<const ZoneTable*>[]>(r->count);
    for (size_t i = 0; i < r->count; ++i) r->slots[i].store(nullptr, std::memory_order_relaxed);
    return r;
  }();
  return *registry;
}

}  // namespace

ZoneTable::ZoneTable(const date::time_zone& zone) {
  try {
    int64_t t = kTableBegin;
    while (t < kTableEnd) {
      const date::sys_info info = zone.get_info(date::sys_seconds(seconds(t)));
      const auto offset = static_cast<int32_t>(info.offset.count());
      if (offset_.empty() || offset_.back() != offset) {
        begin_.push_back(t);
        offset_.push_back(offset);
      }
      const int64_t next = info.end.time_since_epoch().count();
      if (next <= t) return;  // malformed; leave unusable
      t = next;
    }
    end_ = kTableEnd;
  } catch (const std::exception&) {
    return;
  }
  // The fast LocalToSys looks at one period and its neighbours only: local begins must
  // increase strictly and no local time may fall in three periods.
  local_begin_.resize(begin_.size());
  for (size_t i = 0; i < begin_.size(); ++i) local_begin_[i] = begin_[i] + offset_[i];
  for (size_t i = 1; i < begin_.size(); ++i) {
    if (local_begin_[i] <= local_begin_[i - 1]) return;
    if (i >= 2) {
      const int64_t local_end_before = begin_[i - 1] + offset_[i - 2];  // end of period i-2
      if (local_end_before > local_begin_[i]) return;
    }
  }
  usable_ = !begin_.empty();
}

const ZoneTable* ZoneTable::For(const date::time_zone* zone) {
  Registry& registry = GetRegistry();
  if (zone < registry.first || zone >= registry.first + registry.count) return nullptr;
  std::atomic<const ZoneTable*>& slot = registry.slots[static_cast<size_t>(zone - registry.first)];
  const ZoneTable* table = slot.load(std::memory_order_acquire);
  if (table == nullptr) {
    std::lock_guard<std::mutex> lock(registry.mutex);
    table = slot.load(std::memory_order_acquire);
    if (table == nullptr) {
      // Unusable tables are kept too, so they are not rebuilt.
      auto built = std::make_unique<ZoneTable>(*zone);
      table = built.get();
      registry.owned.push_back(std::move(built));
      slot.store(table, std::memory_order_release);
    }
  }
  return table->usable() ? table : nullptr;
}

bool ZoneTable::OffsetAtSys(int64_t sys_s, int64_t* offset_s) const {
  if (sys_s < begin_.front() || sys_s >= end_) return false;
  const auto it = std::upper_bound(begin_.begin(), begin_.end(), sys_s);
  *offset_s = offset_[static_cast<size_t>(it - begin_.begin()) - 1];
  return true;
}

bool ZoneTable::LocalToSys(int64_t local_s, int64_t* sys_s, bool* exact) const {
  const auto it = std::upper_bound(local_begin_.begin(), local_begin_.end(), local_s);
  if (it == local_begin_.begin()) return false;
  const size_t i = static_cast<size_t>(it - local_begin_.begin()) - 1;
  const size_t n = begin_.size();
  // Repeated local time whose first occurrence is in the period before.
  if (i > 0 && local_s < begin_[i] + offset_[i - 1]) {
    *sys_s = local_s - offset_[i - 1];
    *exact = true;
    return true;
  }
  const int64_t local_end = (i + 1 < n ? begin_[i + 1] : end_) + offset_[i];
  if (local_s < local_end) {
    *sys_s = local_s - offset_[i];
    *exact = true;
    return *sys_s < end_;
  }
  if (i + 1 >= n) return false;
  *sys_s = begin_[i + 1];  // in the gap: the transition is the first valid instant after it
  *exact = false;
  return true;
}

int64_t OffsetAt(const date::time_zone& zone, const ZoneTable* table, int64_t sys_s) {
  int64_t offset = 0;
  if (table != nullptr && table->OffsetAtSys(sys_s, &offset)) return offset;
  return zone.get_info(date::sys_seconds(seconds(sys_s))).offset.count();
}

int64_t LocalToSys(const date::time_zone& zone, const ZoneTable* table, int64_t local_s,
                   bool* exact) {
  int64_t sys_s = 0;
  if (table != nullptr && table->LocalToSys(local_s, &sys_s, exact)) return sys_s;
  const date::local_info info = zone.get_info(date::local_seconds(seconds(local_s)));
  switch (info.result) {
    case date::local_info::nonexistent:
      *exact = false;
      return info.second.begin.time_since_epoch().count();
    case date::local_info::ambiguous:
    case date::local_info::unique:
      break;
  }
  *exact = true;
  return local_s - info.first.offset.count();
}

}  // namespace internal

Instant ToInstant(LocalMinutes local, const date::time_zone& zone) {
  bool exact = true;
  const int64_t local_s = local.time_since_epoch().count() * 60;
  const int64_t sys_s =
      internal::LocalToSys(zone, internal::ZoneTable::For(&zone), local_s, &exact);
  return Instant(std::chrono::seconds(sys_s));
}

LocalMinutes ToLocal(Instant at, const date::time_zone& zone) {
  const int64_t sys_s = internal::FloorDiv(at.time_since_epoch().count(), 1'000'000);
  const int64_t offset = internal::OffsetAt(zone, internal::ZoneTable::For(&zone), sys_s);
  return LocalMinutes(std::chrono::minutes(internal::FloorDiv(sys_s + offset, 60)));
}

// ---------------------------------------------------------------------------------------
// Zone resolution

std::string_view ToString(ZoneSource source) {
  switch (source) {
    case ZoneSource::kContact:
      return "contact";
    case ZoneSource::kPhone:
      return "phone";
    case ZoneSource::kCountry:
      return "country";
    case ZoneSource::kCampaignDefault:
      return "campaign_default";
    case ZoneSource::kSender:
      return "sender";
  }
  return "unknown";
}

namespace {

const date::time_zone* FindZone(std::string_view name) {
  if (name.empty()) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// Whether two zones keep the same civil time from 2024 to 2036 (Europe/Berlin and
// Europe/Busingen, say): then a country listing both still has one civil time.
bool SameCivilTime(const date::time_zone* a, const date::time_zone* b) {
  const int64_t from = 1704067200;  // 2024-01-01
  const int64_t to = 2082758400;    // 2036-01-01
  const internal::ZoneTable* ta = internal::ZoneTable::For(a);
  const internal::ZoneTable* tb = internal::ZoneTable::For(b);
  if (ta == nullptr || tb == nullptr) return false;
  auto periods = [&](const internal::ZoneTable* t) {
    std::vector<std::pair<int64_t, int32_t>> out;
    for (size_t i = 0; i < t->begins().size(); ++i) {
      const int64_t end = i + 1 < t->begins().size() ? t->begins()[i + 1] : to;
      if (end <= from || t->begins()[i] >= to) continue;
      out.emplace_back(std::max(t->begins()[i], from), t->offsets()[i]);
    }
    return out;
  };
  return periods(ta) == periods(tb);
}

// Country -> its single civil-time zone, from tzdata's zone.tab (one row per country and
// zone, unlike zone1970.tab which merges countries). Read once, on first use.
class CountryZones {
 public:
  static const CountryZones& Get() {
    static const CountryZones* const instance = new CountryZones();
    return *instance;
  }
  const date::time_zone* Single(std::string_view country) const {
    const int index = Index(country);
    return index < 0 ? nullptr : single_[static_cast<size_t>(index)];
  }

 private:
  // "DE" / "de" -> 0..675, else -1.
  static int Index(std::string_view country) {
    if (country.size() != 2) return -1;
    auto letter = [](char c) {
      if (c >= 'a' && c <= 'z') return c - 'a';
      if (c >= 'A' && c <= 'Z') return c - 'A';
      return -1;
    };
    const int a = letter(country[0]);
    const int b = letter(country[1]);
    return (a < 0 || b < 0) ? -1 : a * 26 + b;
  }

  CountryZones() {
    std::map<std::string, std::vector<const date::time_zone*>> zones;
    std::ifstream in("/usr/share/zoneinfo/zone.tab");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      const size_t t1 = line.find('\t');
      const size_t t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
      if (t2 == std::string::npos) continue;
      const size_t t3 = line.find('\t', t2 + 1);
      const std::string name = line.substr(t2 + 1, t3 == std::string::npos ? t3 : t3 - t2 - 1);
      if (const date::time_zone* zone = FindZone(name)) zones[line.substr(0, t1)].push_back(zone);
    }
    for (const auto& [country, list] : zones) {
      bool same = true;
      for (size_t i = 1; i < list.size() && same; ++i) same = SameCivilTime(list[0], list[i]);
      if (same && Index(country) >= 0) single_[static_cast<size_t>(Index(country))] = list[0];
    }
  }
  std::array<const date::time_zone*, 26 * 26> single_{};
};

// Calling codes served by one region only (+49 -> DE), so most numbers need no full parse.
// Index: the calling code (1-999); value: the region, or "" when several regions share it
// (+1, +7, +44, ...) or the code is unassigned.
const std::array<std::string, 1000>& SingleRegionCallingCodes() {
  static const std::array<std::string, 1000>* const table = [] {
    using i18n::phonenumbers::PhoneNumberUtil;
    auto* codes = new std::array<std::string, 1000>();
    const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
    for (int code = 1; code < 1000; ++code) {
      std::list<std::string> regions;
      util->GetRegionCodesForCountryCallingCode(code, &regions);
      if (regions.size() == 1 && regions.front() != PhoneNumberUtil::kRegionCodeForNonGeoEntity) {
        (*codes)[static_cast<size_t>(code)] = regions.front();
      }
    }
    return codes;
  }();
  return *table;
}

// The region of an E.164 number ("+4930...") per libphonenumber, or "" when unknown.
std::string PhoneRegion(std::string_view phone_e164) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  if (phone_e164.size() < 3 || phone_e164[0] != '+') return "";
  // Calling codes are prefix-free: the first 1-3 digits that form an assigned code are it.
  const auto& single = SingleRegionCallingCodes();
  int code = 0;
  for (size_t i = 1; i <= 3 && i < phone_e164.size(); ++i) {
    const char c = phone_e164[i];
    if (c < '0' || c > '9') break;
    code = code * 10 + (c - '0');
    if (!single[static_cast<size_t>(code)].empty()) return single[static_cast<size_t>(code)];
  }
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util->Parse(std::string(phone_e164), "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return "";
  }
  std::string region;
  util->GetRegionCodeForNumber(number, &region);
  if (region == "ZZ" || region == PhoneNumberUtil::kRegionCodeForNonGeoEntity) return "";
  return region;
}

}  // namespace

const date::time_zone* SingleZoneOfCountry(std::string_view country) {
  return CountryZones::Get().Single(country);
}

Result<ResolvedZone> ResolveZone(std::string_view contact_zone, std::string_view phone_e164,
                                 std::string_view country, std::string_view campaign_default) {
  if (const date::time_zone* zone = FindZone(contact_zone)) {
    return ResolvedZone{zone, ZoneSource::kContact};
  }
  if (!phone_e164.empty()) {
    const std::string region = PhoneRegion(phone_e164);
    if (const date::time_zone* zone = SingleZoneOfCountry(region)) {
      return ResolvedZone{zone, ZoneSource::kPhone};
    }
  }
  if (const date::time_zone* zone = SingleZoneOfCountry(country)) {
    return ResolvedZone{zone, ZoneSource::kCountry};
  }
  if (const date::time_zone* zone = FindZone(campaign_default)) {
    return ResolvedZone{zone, ZoneSource::kCampaignDefault};
  }
  return absl::InvalidArgumentError(
      StrCat("campaign default zone \"", campaign_default, "\" is not a known IANA zone"));
}

}  // namespace cadent::calendar
