// The kinds of daily aggregate a counted view adds to (db/schema.ts's daily_breakdowns), in the
// order the stats page and the JSON list them. Each is a value that names no one.
export const breakdownKinds = [
  'referrer', // the referring site: a group name (Google, Hacker News) or its host, never a path
  'source', // the page URL's utm_source
  'campaign', // the page URL's utm_campaign
  'country', // ISO 3166-1 alpha-2, from the header the operator's proxy sets (COUNTRY_HEADER)
  'browser', // browser family (Firefox, Chrome, Safari), no version
  'os', // OS family (Android, iOS, Windows), no version
  'device', // phone, tablet or desktop, from the User-Agent
  'screen', // the screen-width class the inline script sends
] as const

export type BreakdownKind = (typeof breakdownKinds)[number]

/** One aggregate a view adds 1 to. */
export interface BreakdownValue {
  kind: BreakdownKind
  value: string
}

/** Where values of a kind beyond its daily limit of distinct values are counted. */
export const OTHER_VALUE = '(other)'

/** The screen-width classes the script sends (`?screen=`), by the screen's width in CSS pixels. */
export const screenClasses = {
  s: 'under 600 px',
  m: '600–1023 px',
  l: '1024–1439 px',
  xl: '1440 px and wider',
} as const
export type ScreenClass = keyof typeof screenClasses
