// Kept apart from breakdowns.ts's list of kinds, which storage and the readers import: only what
// counts live views or imports them loads the User-Agent parser.
import { type BreakdownKind, type BreakdownValue, OTHER_VALUE, screenClasses } from './breakdowns.ts'
import { deviceReader } from './devices.ts'
import { referrerValue } from './referrers.ts'

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
