import { deviceReader } from './devices.ts'
import { referrerValue } from './referrers.ts'

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

/** What a view arrived with, as the HTTP layer read it; each may be absent or invalid. */
export interface ViewContext {
  /** `?ref=`: the referring site, a host or a URL. */
  referrer?: string
  utmSource?: string
  utmCampaign?: string
  /** The value of the COUNTRY_HEADER header. */
  country?: string
  screen?: string
  userAgent?: string
}

// A campaign is as its author typed it, within reason: printable, short, compared case-insensitively.
const MAX_UTM = 64
const controls = /[\u0000-\u001f\u007f-\u009f]/

function utmValue(raw: string | undefined): string | undefined {
  const value = raw?.trim().toLowerCase()
  if (!value || value.length > MAX_UTM || controls.test(value) || value === OTHER_VALUE) return undefined
  return value
}

// Cloudflare's CF-IPCountry: an ISO 3166-1 alpha-2 code, XX when it could not tell, T1 for Tor
// (developers.cloudflare.com/fundamentals/reference/http-headers/#cf-ipcountry).
function countryValue(raw: string | undefined): string | undefined {
  const code = raw?.trim().toUpperCase()
  if (!code || code === 'XX' || !/^(?:[A-Z]{2}|T1)$/.test(code)) return undefined
  return code
}

export interface BreakdownReaderOptions {
  /** The site's own hosts (SITE_URL's, CORS_ORIGINS'): a referral from one of them is none. */
  siteHosts?: Set<string>
}

/**
 * Turns what a view arrived with into the values it adds 1 to: one per kind at most, and none for
 * a kind whose value is absent or invalid. Nothing here keeps more than a family, a class, a
 * country code or a host.
 */
export function breakdownReader({ siteHosts }: BreakdownReaderOptions = {}) {
  const devices = deviceReader()
  return (view: ViewContext): BreakdownValue[] => {
    const { browser, os, device } = devices(view.userAgent)
    const values: [BreakdownKind, string | undefined][] = [
      ['referrer', view.referrer === undefined ? undefined : referrerValue(view.referrer, siteHosts)],
      ['source', utmValue(view.utmSource)],
      ['campaign', utmValue(view.utmCampaign)],
      ['country', countryValue(view.country)],
      ['browser', browser],
      ['os', os],
      ['device', device],
      ['screen', view.screen !== undefined && Object.hasOwn(screenClasses, view.screen) ? view.screen : undefined],
    ]
    return values.flatMap(([kind, value]) => (value === undefined ? [] : [{ kind, value }]))
  }
}
