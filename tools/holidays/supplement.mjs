// Countries that date-holidays (3.37.0) does not ship, written in date-holidays'
// own rule grammar so that the same engine computes them (in particular the Islamic
// calendar, which then agrees with date-holidays' AE/BH/SA data day for day).
//
// Every row generated from here is flagged `supplement` in data/holidays/<CC>.tsv.
// Keep these conservative: only holidays fixed by law or decree for the public AND
// private sector. Governments in the Gulf regularly move or extend single days by
// decree a few weeks ahead; that is what workspace blackout dates are for.
//
// Rule grammar: https://github.com/commenthol/date-holidays/blob/master/docs/specification.md
// `_name` refers to a shared entry of date-holidays' names.yaml (its English name is used).

export const SUPPLEMENT = {
  // Kuwait. Civil Service Commission list of official holidays (public and private
  // sector): New Year, Isra and Mi'raj, National Day, Liberation Day, Eid al-Fitr
  // (3 days), Arafat Day, Eid al-Adha (3 days), Hijri New Year, Prophet's Birthday.
  KW: {
    names: { en: 'Kuwait', ar: 'الكويت' },
    langs: ['ar'],
    zones: ['Asia/Kuwait'],
    dayoff: '',
    days: {
      '01-01': { _name: '01-01' },
      '02-25': { name: { en: 'National Day', ar: 'اليوم الوطني' } },
      '02-26': { name: { en: 'Liberation Day', ar: 'يوم التحرير' } },
      '27 Rajab': { _name: '27 Rajab' },
      '1 Shawwal P3D': { _name: '1 Shawwal' },
      '9 Dhu al-Hijjah': { _name: '9 Dhu al-Hijjah' },
      '10 Dhu al-Hijjah P3D': { _name: '10 Dhu al-Hijjah' },
      '1 Muharram': { _name: '1 Muharram' },
      '12 Rabi al-awwal': { _name: '12 Rabi al-awwal' },
    },
  },

  // Oman. Royal Decree 88/2022 (official holidays, public and private sector):
  // 1 Muharram, 12 Rabi al-Awwal, 27 Rajab, National Day 18-19 November, Accession
  // Day 11 January; Eid al-Fitr from 29 Ramadan to 3 Shawwal, Eid al-Adha 9-12
  // Dhu al-Hijjah (as in Royal Decree of 20 April 2020). Royal Decree 15/2025 moved
  // National Day to 20-21 November from 2025. The decree's "a holiday on the weekly
  // day off is compensated by one day" is not modelled (the date is announced).
  OM: {
    names: { en: 'Oman', ar: 'عُمان' },
    langs: ['ar'],
    zones: ['Asia/Muscat'],
    dayoff: '',
    days: {
      '01-11': { name: { en: "Sultan's Accession Day", ar: 'يوم تولي السلطان مقاليد الحكم' } },
      '11-18 P2D prior to 2025': { name: { en: 'National Day', ar: 'العيد الوطني' } },
      '11-20 P2D since 2025': { name: { en: 'National Day', ar: 'العيد الوطني' } },
      '27 Rajab': { _name: '27 Rajab' },
      // 29 and (when the month has one) 30 Ramadan, then 1-3 Shawwal
      // (own name: date-holidays drops a second holiday with the same name and start,
      // and in a 29-day Ramadan its "30 Ramadan" falls on 1 Shawwal)
      '29 Ramadan': { name: { en: 'Eid al-Fitr holiday', ar: 'عطلة عيد الفطر' } },
      '30 Ramadan': { name: { en: 'Eid al-Fitr holiday', ar: 'عطلة عيد الفطر' } },
      '1 Shawwal P3D': { _name: '1 Shawwal' },
      '9 Dhu al-Hijjah': { _name: '9 Dhu al-Hijjah' },
      '10 Dhu al-Hijjah P3D': { _name: '10 Dhu al-Hijjah' },
      '1 Muharram': { _name: '1 Muharram' },
      '12 Rabi al-awwal': { _name: '12 Rabi al-awwal' },
    },
  },

  // Qatar. Official holidays for the private sector: Eid al-Fitr (3 days), Eid
  // al-Adha (3 days), National Day (18 December), National Sport Day (second Tuesday
  // of February, Amiri Resolution 80/2011, first held 2012). New Year's Day and the
  // March bank holiday (first Sunday of March) close banks only and are left out.
  QA: {
    names: { en: 'Qatar', ar: 'قطر' },
    langs: ['ar'],
    zones: ['Asia/Qatar'],
    dayoff: '',
    days: {
      '2nd tuesday in February since 2012': { name: { en: 'National Sport Day', ar: 'اليوم الوطني للرياضة' } },
      '12-18': { name: { en: 'National Day', ar: 'اليوم الوطني' } },
      '1 Shawwal P3D': { _name: '1 Shawwal' },
      '10 Dhu al-Hijjah P3D': { _name: '10 Dhu al-Hijjah' },
    },
  },
};

// Extra rules for countries date-holidays does ship, where its data lags the law.
// Rows from these are flagged `supplement` as well.
export const ADDITIONS = {
  // State Council decision of 12 November 2024 (in force 2025): Spring Festival has
  // four statutory days (eve and days 1-3 of the first lunar month) and Labour Day
  // two (1-2 May). date-holidays 3.37.0 has the eve and days 1-2, and 1 May only.
  // The yearly State Council schedule that bridges these into week-long breaks with
  // make-up working weekends is not modelled (see README).
  CN: [
    { rule: 'chinese 01-0-03', name: { en: 'Spring Festival', zh: '春节' }, type: 'public' },
    { rule: '05-02 since 2025', name: { en: 'Labour Day', zh: '劳动节' }, type: 'public' },
  ],
};
