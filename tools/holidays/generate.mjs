#!/usr/bin/env node
// Generates data/holidays/<CC>.tsv (and data/holidays/README.md) from the npm package
// date-holidays, pinned in package.json. Run: cd tools/holidays && npm ci && node generate.mjs
//
// One row per civil date (in the country's zone) on which business is generally closed:
//   date<TAB>name<TAB>type<TAB>flags
// See README.md next to this file for what is included and why.

import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDITIONS, SUPPLEMENT } from './supplement.mjs';

const require = createRequire(import.meta.url);
const Holidays = require('date-holidays');
const { data: HD_DATA } = require('date-holidays/data');

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, '..', '..', 'data', 'holidays');

const FIRST_YEAR = 2024;
const LAST_YEAR = 2035;

// ---------------------------------------------------------------------------
// Which countries. Order here is only for the log; files are per country.
// G20 members (the EU itself is covered by its larger states below).
const G20 = ['AR', 'AU', 'BR', 'CA', 'CN', 'FR', 'DE', 'IN', 'ID', 'IT', 'JP', 'KR', 'MX', 'RU', 'SA', 'ZA', 'TR', 'GB', 'US'];
const GULF = ['AE', 'BH', 'KW', 'OM', 'QA', 'SA'];
const MIDEAST_AFRICA = ['IL', 'EG', 'NG', 'KE'];
const EU_LARGE = ['DE', 'FR', 'IT', 'ES', 'PL', 'NL', 'BE', 'SE', 'AT', 'IE', 'PT', 'CZ', 'RO', 'GR'];
const NORDICS = ['DK', 'FI', 'NO', 'SE', 'IS'];
const ASIA_PACIFIC = ['SG', 'PH', 'VN', 'PK', 'BD', 'NZ'];
const COUNTRIES = [...new Set([...G20, ...GULF, ...MIDEAST_AFRICA, ...EU_LARGE, ...NORDICS, ...ASIA_PACIFIC])].sort();

// English country names, fixed here (not from ICU) so the output does not depend on the
// Node version.
const COUNTRY_NAMES = {
  AE: 'United Arab Emirates', AR: 'Argentina', AT: 'Austria', AU: 'Australia', BD: 'Bangladesh',
  BE: 'Belgium', BH: 'Bahrain', BR: 'Brazil', CA: 'Canada', CN: 'China', CZ: 'Czechia',
  DE: 'Germany', DK: 'Denmark', EG: 'Egypt', ES: 'Spain', FI: 'Finland', FR: 'France',
  GB: 'United Kingdom', GR: 'Greece', ID: 'Indonesia', IE: 'Ireland', IL: 'Israel', IN: 'India',
  IS: 'Iceland', IT: 'Italy', JP: 'Japan', KE: 'Kenya', KR: 'South Korea', KW: 'Kuwait',
  MX: 'Mexico', NG: 'Nigeria', NL: 'Netherlands', NO: 'Norway', NZ: 'New Zealand', OM: 'Oman',
  PH: 'Philippines', PK: 'Pakistan', PL: 'Poland', PT: 'Portugal', QA: 'Qatar', RO: 'Romania',
  RU: 'Russia', SA: 'Saudi Arabia', SE: 'Sweden', SG: 'Singapore', TR: 'Türkiye',
  US: 'United States', VN: 'Vietnam', ZA: 'South Africa',
};

// Nationwide calendars only, with one exception: the United Kingdom has no single
// set of bank holidays; date-holidays' country-level GB is the intersection of the
// four nations and so misses the August (Summer) bank holiday that England and Wales
// (about 89% of the UK population) keep. GB is generated from England's calendar
// (identical to Wales'); Scotland and Northern Ireland differ (see README).
const SOURCE_STATE = { GB: 'ENG' };

// date-holidays types kept. `public`: statutory days off. `bank`: date-holidays
// defines it as "banks and offices are closed" (e.g. JP Jan 2-3 and Dec 31, SE/FI
// Midsummer Eve and Christmas Eve, BR Carnival, MX Holy Thursday); kept with type
// `bank` so a consumer can treat it differently. `optional`, `observance` and `school`
// are dropped.
const KEEP_TYPES = new Set(['public', 'bank']);

// Entries of date-holidays 3.37.0 that would otherwise be kept but are not general
// days off. Matched on country, date-holidays rule and English name (so a data update
// that changes them is noticed: an exclusion that matches nothing fails the run).
// `from` limits the exclusion to dates on or after it.
const EXCLUDE = [
  { cc: 'CN', rule: '06-01', name: "Children's Day",
    reason: 'day off only for children under 14 (date-holidays note); offices open' },
  { cc: 'NG', rule: '05-27', name: "Children's Day",
    reason: 'school pupils only; date-holidays meant type school (its `type: school` is mis-indented under `name` in NG.yaml)' },
  { cc: 'NL', rule: '12-31', name: "New Year's Eve",
    reason: 'ordinary working day in the Netherlands (typed bank by date-holidays)' },
  { cc: 'FI', rule: '12-31', name: "New Year's Eve",
    reason: 'ordinary working day in Finland (typed bank by date-holidays)' },
  { cc: 'BD', rule: '05-19', name: "Buddha's Birthday",
    reason: 'lunar holiday with real dates only up to 2020; later years fall back to a fixed 05-19 placeholder' },
  { cc: 'BD', rule: '08-24', name: 'Krishna Janmashtami',
    reason: 'lunar holiday with real dates only up to 2020; later years fall back to a fixed 08-24 placeholder' },
  { cc: 'BD', rule: '10-08', name: 'Durga Puja',
    reason: 'lunar holiday with real dates only up to 2020; later years fall back to a fixed 10-08 placeholder' },
  { cc: 'BD', rule: 'bengali-revised 4-31', name: 'National Mourning Day', from: '2024-08-01',
    reason: 'the 15 August holiday was cancelled by the interim government on 13 August 2024' },
  { cc: 'BD', rule: 'bengali-revised 12-3', name: "Mujib's Birthday & Children's Day", from: '2025-01-01',
    reason: 'cancelled as a national day by the interim government in October 2024' },
];

// Months of the Islamic calendar in date-holidays' rule grammar. Dates of these are
// computed by date-holidays; the official date follows a moon sighting and can be a
// day later (rarely earlier), and Gulf states often extend Eid by decree.
const ISLAMIC_MONTHS = ['Muharram', 'Safar', 'Rabi al-awwal', 'Rabi al-thani', 'Jumada al-awwal',
  'Jumada al-thani', 'Rajab', 'Shaban', 'Ramadan', 'Shawwal', 'Dhu al-Qidah', 'Dhu al-Hijjah'];
// A rule with a time of day ("12-24 14:00", "03-08 12:00") is a partial day.
const TIME_OF_DAY_RE = /(?:^|\s)\d{1,2}:\d{2}\b/; // not "in +09:00" (a zone offset)
const ISLAMIC_RE = new RegExp(`^\\d{1,2} (${ISLAMIC_MONTHS.join('|')})\\b`);

// ---------------------------------------------------------------------------
// Civil dates in an IANA zone, with Intl only (no extra dependency).

const fmtCache = new Map();
function civilDate(ms, zone) {
  let f = fmtCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    fmtCache.set(zone, f);
  }
  return f.format(ms); // en-CA formats as YYYY-MM-DD
}

const SLOT = 15 * 60 * 1000; // every UTC offset in use is a multiple of 15 minutes
const HALF_DAY = 12 * 60 * 60 * 1000;

// Civil dates that the interval [start, end) covers for more than half a day (12 h)
// in `zone`. This turns date-holidays' instants into days off:
//  - an Islamic or Jewish day starts at 18:00 the evening before (date-holidays shifts
//    it by -6 h), so that evening is not a day off but the last day (until 18:00) is;
//  - multi-day spans (P3D, PT90H...) become one date per day they mostly cover (TR's
//    Eid al-Adha, 114 h from the evening before, gives four days, not five);
//  - partial days would drop out too, but those are removed earlier by rule (below).
function coveredDates(start, end, zone) {
  const covered = new Map();
  for (let t = start; t < end; t += SLOT) {
    const w = Math.min(SLOT, end - t);
    const d = civilDate(t + w / 2, zone);
    covered.set(d, (covered.get(d) || 0) + w);
  }
  return [...covered].filter(([, ms]) => ms > HALF_DAY).map(([d]) => d);
}

// ---------------------------------------------------------------------------

function hdVersion() {
  const pkg = JSON.parse(readFileSync(require.resolve('date-holidays/package.json'), 'utf8'));
  const pinned = JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')).dependencies['date-holidays'];
  if (pinned !== pkg.version) {
    throw new Error(`installed date-holidays ${pkg.version} is not the pinned ${pinned}; run npm ci`);
  }
  return pkg.version;
}

function makeCalendar(cc) {
  const opts = { languages: ['en'], types: [...KEEP_TYPES] };
  if (SUPPLEMENT[cc]) {
    if (HD_DATA.holidays[cc]) {
      throw new Error(`date-holidays now ships ${cc}: drop it from supplement.mjs and review`);
    }
    const Parser = Object.getPrototypeOf(Holidays); // date-holidays' engine, without its data
    const hd = new Parser({ holidays: SUPPLEMENT, names: HD_DATA.names }, cc, opts);
    return { hd, source: `cadent supplement (tools/holidays/supplement.mjs) in date-holidays' rule grammar`, supplement: true, added: new Set() };
  }
  if (!HD_DATA.holidays[cc]) throw new Error(`date-holidays has no data for ${cc}`);
  const state = SOURCE_STATE[cc];
  const hd = state ? new Holidays(cc, state, opts) : new Holidays(cc, opts);
  let source = state ? `date-holidays ${cc}-${state}` : `date-holidays ${cc}`;
  const added = new Set();
  for (const a of ADDITIONS[cc] || []) {
    if (!hd.setHoliday(a.rule, { name: a.name, type: a.type })) throw new Error(`${cc}: bad added rule ${a.rule}`);
    added.add(a.rule);
  }
  if (added.size) source += ` + ${added.size} rule(s) from tools/holidays/supplement.mjs`;
  return { hd, source, supplement: false, added };
}

function isSubstitute(h) {
  if (h.substitute === true || /\(substitute day\)/i.test(h.name)) return true;
  // Rules like "03-08 and if sunday then next monday" (RU) or "substitutes 08-09 if
  // sunday then next monday" (ZA) produce the moved day without date-holidays'
  // substitute mark: the moved day is the one whose month-day differs from the rule's.
  const m = /^(?:substitutes )?(\d\d-\d\d)\b/.exec(h.rule || '');
  if (m && (/ and if /.test(h.rule) || /^substitutes /.test(h.rule))) {
    return h.date.slice(5, 10) !== m[1];
  }
  return false;
}

function clean(s) {
  return String(s).replace(/[\t\r\n]+/g, ' ').replace(/\s+/g, ' ').trim();
}

function generateCountry(cc, excludeHits) {
  const { hd, source, supplement, added } = makeCalendar(cc);
  const zone = hd.getTimezones()[0];
  hd.setTimezone(zone);
  const countryName = COUNTRY_NAMES[cc];
  if (!countryName) throw new Error(`add ${cc} to COUNTRY_NAMES`);
  const first = `${FIRST_YEAR}-01-01`;
  const last = `${LAST_YEAR}-12-31`;
  const entries = []; // { date, name, type, flags:Set }
  const seen = new Set();
  const dropped = [];
  // One year either side, for multi-day holidays crossing New Year.
  for (let y = FIRST_YEAR - 1; y <= LAST_YEAR + 1; y++) {
    for (const h of hd.getHolidays(y, 'en')) {
      if (!KEEP_TYPES.has(h.type)) continue;
      const name = clean(h.name);
      const startDate = civilDate(+h.start, zone);
      const inRange = startDate >= first && startDate <= last;
      // Afternoon-only holidays ("12-24 14:00 if sunday then 00:00") are dropped in
      // every year, also where a Sunday rule makes them whole (weekend) days.
      if (TIME_OF_DAY_RE.test(h.rule || '')) {
        if (inRange) dropped.push(`${name} [${h.rule}] (${h.type})`);
        continue;
      }
      const flags = new Set();
      if (isSubstitute(h)) flags.add('substitute');
      if (ISLAMIC_RE.test(h.rule || '')) flags.add('estimated');
      if (supplement || added.has(h.rule)) flags.add('supplement');
      const dates = coveredDates(+h.start, +h.end, zone);
      if (dates.length === 0 && inRange) dropped.push(`${name} [${h.rule}] (${h.type}, less than half a day)`);
      for (const date of dates) {
        if (date < first || date > last) continue;
        const ex = EXCLUDE.find((e) => e.cc === cc && e.rule === h.rule && e.name === name && (!e.from || date >= e.from));
        if (ex) {
          excludeHits.set(ex, (excludeHits.get(ex) || 0) + 1);
          continue;
        }
        const key = `${date}\t${name}\t${h.type}`;
        if (seen.has(key)) continue; // same holiday reached from two years' queries
        seen.add(key);
        entries.push({ date, name, type: h.type, flags });
      }
    }
  }

  // One row per date: names merged with " / " (non-substitute first, then in
  // date-holidays' order), type `public` if any merged holiday is public, and a flag
  // only if it holds for every merged holiday (so the flag says why the date is off).
  const byDate = new Map();
  for (const e of entries) {
    if (!byDate.has(e.date)) byDate.set(e.date, []);
    byDate.get(e.date).push(e);
  }
  const rows = [...byDate.keys()].sort().map((date) => {
    const list = byDate.get(date);
    list.sort((a, b) => (a.flags.has('substitute') ? 1 : 0) - (b.flags.has('substitute') ? 1 : 0));
    const names = [...new Set(list.map((e) => e.name))];
    const type = list.some((e) => e.type === 'public') ? 'public' : 'bank';
    const flags = ['estimated', 'substitute', 'supplement'].filter((f) => list.every((e) => e.flags.has(f)));
    return { date, name: names.join(' / '), type, flags: flags.length ? flags.join(',') : '-' };
  });
  return { cc, countryName, zone, source, supplement, rows, dropped };
}

function header(version, r) {
  return [
    `# generated by tools/holidays/generate.mjs from date-holidays ${version}; years ${FIRST_YEAR}-${LAST_YEAR}; do not edit`,
    `# country: ${r.cc} (${r.countryName}); zone: ${r.zone}; source: ${r.source}; types: public,bank`,
    '# date\tname\ttype\tflags',
  ].join('\n');
}

function writeReadme(version, results) {
  const total = results.reduce((n, r) => n + r.rows.length, 0);
  const table = results.map((r) => {
    const counts = {};
    for (const row of r.rows) counts[row.type] = (counts[row.type] || 0) + 1;
    const est = r.rows.filter((row) => row.flags.split(',').includes('estimated')).length;
    const notes = [];
    if (r.supplement) notes.push('supplement: not in date-holidays');
    if (SOURCE_STATE[r.cc]) notes.push(`from date-holidays ${r.cc}-${SOURCE_STATE[r.cc]} (England and Wales)`);
    if (ADDITIONS[r.cc]) notes.push(`${ADDITIONS[r.cc].length} rules added (supplement)`);
    const note = notes.join('; ');
    return `| ${r.cc} | ${r.countryName} | ${r.zone} | ${r.rows.length} | ${counts.public || 0} | ${counts.bank || 0} | ${est} | ${note} |`;
  });
  const text = `# data/holidays

Public-holiday calendars per country, generated by \`tools/holidays/generate.mjs\` from the npm
package **date-holidays ${version}** for the years **${FIRST_YEAR}-${LAST_YEAR}**. Do not edit these files
by hand: change the generator (see \`tools/holidays/README.md\`) and regenerate. This README is
generated too. The build does not need Node; the C++ calendar reads the TSV files.

## File format

One file per country, \`<CC>.tsv\`, where CC is the ISO 3166-1 alpha-2 code in upper case.
UTF-8, LF line endings, no BOM.

- Lines starting with \`#\` are comments. The first line is always
  \`# generated by tools/holidays/generate.mjs from date-holidays X.Y.Z; years ${FIRST_YEAR}-${LAST_YEAR}; do not edit\`,
  the second names the country, the zone the civil dates were computed in (informational; the
  dates are civil dates, valid in every zone of the country) and the source; the third names
  the columns. A loader skips every \`#\` line (and empty lines, though none are written).
- Every other line is one row of exactly four tab-separated fields:
  \`date<TAB>name<TAB>type<TAB>flags\`
  - \`date\`: \`YYYY-MM-DD\`, the civil date in the country (a whole day off, from local midnight to
    local midnight). Rows are sorted by date, strictly increasing: one row per date.
  - \`name\`: English name where date-holidays has one (otherwise the local name, UTF-8). When
    several holidays fall on one date their names are joined with \` / \`. Never contains a tab.
  - \`type\`: \`public\` (statutory day off) or \`bank\` (banks and most offices closed, not a
    statutory holiday everywhere, e.g. JP 01-02, SE Midsummer Eve, BR Carnival). A merged row is
    \`public\` if any of its holidays is.
  - \`flags\`: \`-\` for none, else a comma-separated subset of
    - \`substitute\`: the day is off because a holiday fell on a weekend or on another holiday
      (an "observed" day, e.g. US 2026-07-03 for 4 July on a Saturday);
    - \`estimated\`: the date comes from the Islamic calendar as computed by date-holidays; the
      official date follows a moon sighting and can differ by a day;
    - \`supplement\`: not from date-holidays' data but from cadent's own rules
      (\`tools/holidays/supplement.mjs\`, computed by the date-holidays engine): the countries
      date-holidays lacks (KW, OM, QA) and rules where its data lags the law (CN).
    A flag on a merged row holds for every holiday merged into it.
- Weekends are not in these files (they come from CLDR). A holiday on a weekend is still
  listed, with its substitute day (if the country has one) as a separate row.
- Multi-day holidays (Eid, Chinese/Korean New Year, Russian New Year week) have one row per day.
- Nationwide holidays only: no state, province or regional holidays (except GB, see below).

A loader should treat a date as a holiday of country CC when it has a row, and may offer a
campaign the choice to ignore \`bank\` rows. Workspace blackout dates are applied on top.

## Countries

${results.length} countries, ${total} rows in total.

| CC | country | zone | rows | public | bank | estimated | note |
| --- | --- | --- | ---: | ---: | ---: | ---: | --- |
${table.join('\n')}

GB is England and Wales: Scotland (2 January, St Andrew's Day, Summer bank holiday on the first
Monday of August) and Northern Ireland (St Patrick's Day, 12 July) differ.
See \`tools/holidays/README.md\` for what is excluded and the known limits.
`;
  writeFileSync(join(OUT, 'README.md'), text);
}

function main() {
  const version = hdVersion();
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (/^[A-Z]{2}\.tsv$/.test(f)) unlinkSync(join(OUT, f));
  const excludeHits = new Map();
  const results = [];
  for (const cc of COUNTRIES) {
    const r = generateCountry(cc, excludeHits);
    const body = r.rows.map((row) => `${row.date}\t${row.name}\t${row.type}\t${row.flags}`).join('\n');
    writeFileSync(join(OUT, `${cc}.tsv`), `${header(version, r)}\n${body}\n`);
    results.push(r);
    console.log(`${cc}\t${String(r.rows.length).padStart(4)} rows\t${r.zone}\t${r.source}`);
    const counts = new Map();
    for (const d of r.dropped) counts.set(d, (counts.get(d) || 0) + 1);
    for (const [d, n] of counts) console.log(`\tdropped partial-day ${d} x${n}`);
  }
  const unused = EXCLUDE.filter((e) => !excludeHits.has(e));
  for (const e of EXCLUDE) {
    console.log(`excluded ${e.cc} ${e.name} [${e.rule}]${e.from ? ` from ${e.from}` : ''}: ${excludeHits.get(e) || 0} day(s) — ${e.reason}`);
  }
  writeReadme(version, results);
  const total = results.reduce((n, r) => n + r.rows.length, 0);
  console.log(`wrote ${results.length} files, ${total} rows, to ${OUT}`);
  if (unused.length) {
    throw new Error(`exclusions that matched nothing (date-holidays data changed? review EXCLUDE): ${unused.map((e) => `${e.cc} ${e.name}`).join(', ')}`);
  }
}

main();
