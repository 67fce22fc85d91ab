// `cadent templates ...` end to end in-process: files in, versions stored, previews and the
// missing-data report out, and bad files refused with nothing stored.
#include "cli/cli_test_fixture.hpp"

namespace cadent::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class TemplatesCliTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    const std::string csv = Write("people.csv",
                                  "email,first_name,company,industry,time_zone\n"
                                  "ann@acme.com,Ann,Acme,SaaS,Europe/Berlin\n"
                                  "bob@globex.com,,Globex,,\n"
                                  "cy@initech.com,Cy,,Retail,Asia/Tokyo\n");
    Outcome imported = Cadent({"import", "contacts", csv, "--list", "Leads"});
    ASSERT_EQ(imported.code, 0) << imported.err;
  }

  static constexpr const char* kIntro =
      "---\n"
      "name: intro\n"
      "channel: email\n"
      "subject: \"Quick question, {{first_name|there}}\"\n"
      "note: first draft\n"
      "---\n"
      "<p>Hi {{first_name}},</p>\n"
      "<p>{{#if company}}How is {{company}}?{{else}}How are things?{{/if}}</p>\n"
      "<p>Seen <a href=\"https://example.com/case\">our {{industry}} case</a>?</p>\n";
};

TEST_F(TemplatesCliTest, CreatePreviewAndVersion) {
  Outcome created = Cadent({"templates", "create", Write("intro.tmpl", kIntro)});
  ASSERT_EQ(created.code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("created template 'intro'"));
  EXPECT_THAT(created.out, HasSubstr("version 1"));
  // first_name and industry can render empty: warned, not refused.
  EXPECT_THAT(created.err, HasSubstr("first_name"));

  Outcome preview =
      Cadent({"--json", "templates", "preview", "intro", "--contact", "ann@acme.com"});
  ASSERT_EQ(preview.code, 0) << preview.err;
  const nlohmann::json p = preview.Json();
  EXPECT_EQ(p["subject"], "Quick question, Ann");
  EXPECT_THAT(p["html"].get<std::string>(), HasSubstr("How is Acme?"));
  EXPECT_THAT(p["html"].get<std::string>(), HasSubstr("our SaaS case"));
  EXPECT_THAT(p["text"].get<std::string>(), HasSubstr("https://example.com/case"));
  ASSERT_EQ(p["links"].size(), 1u);
  EXPECT_EQ(p["links"][0]["url"], "https://example.com/case");
  EXPECT_EQ(p["zone"], "Europe/Berlin");
  EXPECT_EQ(p["zone_source"], "contact");
  EXPECT_EQ(p["missing"].size(), 0u);

  // Bob has no first name (the fallback covers the subject, not the body) and no industry.
  Outcome bob = Cadent({"--json", "templates", "preview", "intro", "--contact", "bob@globex.com"});
  ASSERT_EQ(bob.code, 0) << bob.err;
  EXPECT_EQ(bob.Json()["subject"], "Quick question, there");
  EXPECT_THAT(bob.Json()["missing"], ::testing::Contains("first_name"));

  // Same file again: no new version. Changed file: version 2, version 1 kept as it was.
  Outcome same = Cadent({"templates", "update", "intro", Write("intro.tmpl", kIntro)});
  ASSERT_EQ(same.code, 0) << same.err;
  EXPECT_THAT(same.out, HasSubstr("unchanged (version 1)"));
  std::string edited = kIntro;
  edited.replace(edited.find("Hi {{first_name}}"), 17, "Hello {{first_name|there}}");
  Outcome updated = Cadent(
      {"templates", "update", "intro", Write("intro2.tmpl", edited), "--note", "friendlier"});
  ASSERT_EQ(updated.code, 0) << updated.err;
  EXPECT_THAT(updated.out, HasSubstr("version 2"));
  Outcome versions = Cadent({"--json", "templates", "versions", "intro"});
  ASSERT_EQ(versions.code, 0) << versions.err;
  ASSERT_EQ(versions.Json().size(), 2u);
  EXPECT_EQ(versions.Json()[1]["note"], "friendlier");
  EXPECT_THAT(versions.Json()[0]["html"].get<std::string>(), HasSubstr("Hi {{first_name}}"));
  Outcome old = Cadent(
      {"--json", "templates", "preview", "intro", "--contact", "bob@globex.com", "--version", "1"});
  ASSERT_EQ(old.code, 0) << old.err;
  EXPECT_EQ(old.Json()["version"], 1);
  Outcome latest =
      Cadent({"--json", "templates", "preview", "intro", "--contact", "bob@globex.com"});
  EXPECT_THAT(latest.Json()["html"].get<std::string>(), HasSubstr("Hello there"));

  Outcome list = Cadent({"templates", "list"});
  EXPECT_THAT(list.out, HasSubstr("intro"));
  Outcome show = Cadent({"--json", "templates", "show", "intro", "--version", "1"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_EQ(show.Json()["latest_version"], 2);
  EXPECT_EQ(show.Json()["shown_version"]["version"], 1);
}

TEST_F(TemplatesCliTest, MissingDataReportCountsTheAudience) {
  ASSERT_EQ(Cadent({"templates", "create", Write("intro.tmpl", kIntro)}).code, 0);
  Outcome report = Cadent({"--json", "templates", "missing", "intro", "--list", "Leads"});
  ASSERT_EQ(report.code, 0) << report.err;
  const nlohmann::json r = report.Json();
  EXPECT_EQ(r["audience"], 3);
  EXPECT_EQ(r["affected"], 1);  // Bob: no first name, no industry. Cy has no company: guarded.
  EXPECT_EQ(r["by_variable"]["first_name"], 1);
  ASSERT_EQ(r["contacts"].size(), 1u);
  EXPECT_EQ(r["contacts"][0]["email"], "bob@globex.com");
}

TEST_F(TemplatesCliTest, BadTemplatesAreRefusedWithPlaceAndNothingStored) {
  Outcome unclosed = Cadent({"templates", "create",
                             Write("bad.tmpl",
                                   "---\nname: bad\nsubject: Hi\n---\n<p>\n"
                                   "{{#if company}}Hi {{company}}\n</p>\n")});
  EXPECT_EQ(unclosed.code, 2);
  EXPECT_THAT(unclosed.err, HasSubstr("html:2:"));
  Outcome helper = Cadent({"templates", "create",
                           Write("bad2.tmpl",
                                 "---\nname: bad\nsubject: Hi\n---\n"
                                 "{{#each items}}x{{/each}}\n")});
  EXPECT_EQ(helper.code, 2);
  EXPECT_THAT(helper.err, HasSubstr("each"));
  Outcome yaml =
      Cadent({"templates", "create", Write("bad3.tmpl", "---\nname: [unclosed\n---\nbody\n")});
  EXPECT_EQ(yaml.code, 2);
  EXPECT_THAT(yaml.err, HasSubstr("bad3.tmpl:"));
  Outcome key = Cadent(
      {"templates", "create", Write("bad4.tmpl", "---\nname: x\nsubjet: typo\n---\nbody\n")});
  EXPECT_EQ(key.code, 2);
  EXPECT_THAT(key.err, HasSubstr("bad4.tmpl:3: unknown key 'subjet'"));
  Outcome never_closed =
      Cadent({"templates", "create", Write("bad5.tmpl", "---\nname: x\nbody\n")});
  EXPECT_EQ(never_closed.code, 2);
  EXPECT_THAT(never_closed.err, HasSubstr("never closed"));
  Outcome list = Cadent({"--json", "templates", "list"});
  ASSERT_EQ(list.code, 0);
  EXPECT_EQ(list.Json().size(), 0u);
}

TEST_F(TemplatesCliTest, OtherChannelsFromJsonAndBareFiles) {
  Outcome sms =
      Cadent({"templates", "create", Write("sms.json", R"({"name": "ping", "channel": "sms",
                                              "text": "Hi {{first_name|there}}, quick one: are you free Tue?"})")});
  ASSERT_EQ(sms.code, 0) << sms.err;
  Outcome preview = Cadent({"--json", "templates", "preview", "ping", "--contact", "ann@acme.com"});
  ASSERT_EQ(preview.code, 0) << preview.err;
  EXPECT_EQ(preview.Json()["text"], "Hi Ann, quick one: are you free Tue?");
  EXPECT_EQ(preview.Json()["sms_segments"], 1);
  EXPECT_EQ(preview.Json()["sms_encoding"], "gsm7");

  // A bare body: name and channel from the command line. Over 300 characters once rendered:
  // the preview fails for that contact instead of truncating.
  const std::string note = "{firstName}, " + std::string(296, 'x');
  Outcome invite = Cadent({"templates", "create", Write("invite.txt", note), "--name", "invite",
                           "--channel", "linkedin_invite"});
  ASSERT_EQ(invite.code, 0) << invite.err;
  Outcome too_long = Cadent({"templates", "preview", "invite", "--contact", "ann@acme.com"});
  EXPECT_NE(too_long.code, 0);
  EXPECT_THAT(too_long.err, HasSubstr("300"));
  Outcome fits =
      Cadent({"--json", "templates", "preview", "invite", "--contact", "bob@globex.com"});
  EXPECT_EQ(fits.code, 0) << fits.err;  // empty first name: ", xxx..." is 298 characters

  Outcome conflict =
      Cadent({"templates", "create", Write("c.json", R"({"name":"c","channel":"sms","text":"x"})"),
              "--channel", "email"});
  EXPECT_EQ(conflict.code, 2);
  EXPECT_THAT(conflict.err, HasSubstr("says channel sms"));
}

TEST_F(TemplatesCliTest, CheckValidatesWithoutSaving) {
  Outcome ok = Cadent({"templates", "check", Write("intro.tmpl", kIntro)});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("ok"));
  Outcome unknown =
      Cadent({"--json", "templates", "check",
              Write("u.tmpl", "---\nsubject: Hi {{favourite_color}}\n---\n<p>x</p>")});
  EXPECT_EQ(unknown.code, 0) << unknown.err;
  EXPECT_THAT(unknown.Json()["unknown_variables"].dump(), HasSubstr("favourite_color"));
  EXPECT_EQ(Cadent({"--json", "templates", "list"}).Json().size(), 0u);
}

}  // namespace
}  // namespace cadent::cli
