#include "core/tracking/machine.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cadent::tracking {
namespace {

using std::chrono::seconds;

constexpr std::string_view kIphoneMail =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148";
constexpr std::string_view kThunderbird =
    "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.5.0";

struct Case {
  std::string name;
  Hit hit;
  std::string open;   // MachineOpen
  std::string click;  // MachineClick
};

TEST(MachineTraffic, TellsMachinesFromPeople) {
  const std::vector<Case> cases = {
      {"a person on an iPhone, later", {false, kIphoneMail, "203.0.113.9", seconds(600)}, "", ""},
      {"a person in Thunderbird, time unknown", {false, kThunderbird, "198.51.100.2", {}}, "", ""},
      {"HEAD", {true, kThunderbird, "198.51.100.2", seconds(600)}, "head-request", "head-request"},
      {"no user agent",
       {false, "", "198.51.100.2", seconds(600)},
       "no-user-agent",
       "no-user-agent"},
      {"Apple MPP agent",
       {false, "Mozilla/5.0", "203.0.113.9", seconds(600)},
       "apple-mail-privacy",
       ""},
      {"Apple address",
       {false, kIphoneMail, "17.58.101.4", seconds(600)},
       "apple-mail-privacy",
       ""},
      {"Apple address, v4-mapped",
       {false, kIphoneMail, "::ffff:17.1.2.3", seconds(600)},
       "apple-mail-privacy",
       ""},
      {"not Apple: 170.x", {false, kIphoneMail, "170.1.2.3", seconds(600)}, "", ""},
      {"Gmail image proxy",
       {false,
        "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com "
        "GoogleImageProxy)",
        "66.249.84.1", seconds(600)},
       "google-image-proxy",
       ""},
      {"Yahoo proxy",
       {false, "YahooMailProxy; https://help.yahoo.com", "1.2.3.4", seconds(600)},
       "yahoo-mail-proxy",
       ""},
      {"Barracuda",
       {false, "Barracuda Sentinel (EE)", "1.2.3.4", seconds(600)},
       "scanner-user-agent",
       "scanner-user-agent"},
      {"curl",
       {false, "curl/7.88.1", "1.2.3.4", seconds(600)},
       "scanner-user-agent",
       "scanner-user-agent"},
      {"Slack preview",
       {false, "Slackbot-LinkExpanding 1.0", "1.2.3.4", seconds(600)},
       "scanner-user-agent",
       "scanner-user-agent"},
      {"seconds after sending",
       {false, kThunderbird, "1.2.3.4", seconds(3)},
       "too-soon-after-send",
       "too-soon-after-send"},
      {"just past the window", {false, kThunderbird, "1.2.3.4", kTooSoonAfterSend}, "", ""},
      {"clock skew: before sending", {false, kThunderbird, "1.2.3.4", seconds(-5)}, "", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(MachineOpen(c.hit), c.open);
    EXPECT_EQ(MachineClick(c.hit), c.click);
  }
}

}  // namespace
}  // namespace cadent::tracking
