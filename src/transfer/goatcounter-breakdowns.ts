import { breakdownReader } from '../counting/breakdown-reader.ts'
import { type BreakdownKind, type BreakdownValue, OTHER_VALUE, type ScreenClass } from '../counting/breakdowns.ts'
import { type BreakdownRow, breakdownKey } from './breakdown-rows.ts'

// What a GoatCounter pageview says about its reader, as the values the service itself keeps.
// Columns as GoatCounter's export writes them (https://www.goatcounter.com/code/export, and its
// source, export_csv.go: Browser and System are `name || ' ' || version`, Screen size is
// `width,0,1`): looked up by name, and any that is missing or empty adds nothing of its kind.

const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/
const MAX_NAME = 64

// GoatCounter's names where bowser (whose names the service counts, https://github.com/bowser-js/bowser,
// src/constants.js) spells the same family differently.
const familyAliases: Record<string, string> = {
  Edge: 'Microsoft Edge',
  'Samsung Internet': 'Samsung Internet for Android',
  Yandex: 'Yandex Browser',
  'Mac OS X': 'macOS',
  'OS X': 'macOS',
  ChromeOS: 'Chrome OS',
}

const nameOf = (text: string) => {
  const name = text.trim()
  return name !== '' && name.length <= MAX_NAME && !controlCharacter.test(name) ? name : undefined
}

/** "Firefox 133" → "Firefox", "Windows 11" → "Windows", "Linux " → "Linux": the family, no version. */
export function familyOf(nameAndVersion: string): string | undefined {
  const name = nameOf(nameAndVersion.replace(/\s+(?:[0-9]\S*|XP|Vista)?\s*$/, ''))
  return name && (familyAliases[name] ?? name)
}

// The classes the inline script sends, by width in CSS pixels (breakdowns.ts's screenClasses).
export function screenClassOf(size: string): ScreenClass | undefined {
  const width = Number(size.split(',')[0])
  if (!Number.isInteger(width) || width <= 0) return undefined
  return width < 600 ? 's' : width < 1024 ? 'm' : width < 1440 ? 'l' : 'xl'
}

const schemes = { generated: 'g', campaign: 'c' }

/**
 * Reads the values of one pageview from the columns its header names, through the live count's
 * own reader (counting/breakdowns.ts), so an imported value is exactly what the service would keep.
 */
export function goatCounterValues(header: string[], version: string, siteHosts?: Set<string>) {
  const column = (name: string) => header.indexOf(name)
  const at = {
    userAgent: column('UserAgent'),
    browser: column('Browser'),
    system: column('System'),
    referrer: column('Referrer'),
    scheme: column('Referrer scheme'),
    screen: column('Screen size'),
    location: column('Location'),
  }
  // Version 1's Browser column is the whole User-Agent, not a name and version.
  if (version === '1') [at.userAgent, at.browser] = [at.browser, -1]
  const read = breakdownReader({ siteHosts })
  return (record: string[], path: string): BreakdownValue[] => {
    const cell = (index: number) => (index === -1 ? '' : (record[index] ?? ''))
    // The page's own URL carries the campaign, as the inline script reads it from location.search.
    const query = new URLSearchParams(/\?([^#]*)/.exec(path)?.[1] ?? '')
    const referrer = cell(at.referrer)
    const scheme = cell(at.scheme)
    // A generated referrer is already a readable name ("Hacker News"); a campaign one is the
    // campaign parameter's text, counted as the source when the path names none.
    const generated = scheme === schemes.generated
    const campaign = scheme === schemes.campaign
    const values = read({
      referrer: generated || campaign || referrer === '' ? undefined : referrer,
      utmSource: query.get('utm_source') || (campaign ? referrer : undefined),
      utmCampaign: query.get('utm_campaign') ?? undefined,
      country: cell(at.location).split('-')[0],
      screen: screenClassOf(cell(at.screen)),
      userAgent: cell(at.userAgent) || undefined,
    })
    const add = (kind: BreakdownKind, value: string | undefined) => {
      if (value !== undefined && !values.some((known) => known.kind === kind)) values.push({ kind, value })
    }
    if (generated) add('referrer', nameOf(referrer))
    // GoatCounter's exports now leave UserAgent blank ("no longer stored", its export docs) and
    // give the parsed name and version instead: the families from those when no User-Agent says.
    add('browser', familyOf(cell(at.browser)))
    add('os', familyOf(cell(at.system)))
    return values
  }
}

/**
 * Adds up values per kind, day, value and slug. At the end, beyond `valuesPerDay` distinct values
 * of a kind on a day, the least counted fold into OTHER_VALUE, as the live count folds them.
 */
export function breakdownTally() {
  const rows = new Map<string, BreakdownRow>()
  return {
    add(slug: string, day: string, values: BreakdownValue[]) {
      for (const { kind, value } of values) {
        const row = { kind, day, value, slug, count: 0 }
        const key = breakdownKey(row)
        const existing = rows.get(key) ?? rows.set(key, row).get(key)!
        existing.count++
      }
    },
    finish(valuesPerDay?: number): BreakdownRow[] {
      if (valuesPerDay === undefined) return [...rows.values()]
      const byKindAndDay = Map.groupBy(rows.values(), (row) => `${row.kind}\0${row.day}`)
      const folded = new Map<string, BreakdownRow>()
      for (const group of byKindAndDay.values()) {
        const totals = new Map<string, number>()
        for (const row of group) totals.set(row.value, (totals.get(row.value) ?? 0) + row.count)
        const kept = new Set(
          [...totals]
            .filter(([value]) => value !== OTHER_VALUE)
            .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
            .slice(0, valuesPerDay)
            .map(([value]) => value),
        )
        for (const row of group) {
          const value = kept.has(row.value) ? row.value : OTHER_VALUE
          const key = breakdownKey({ ...row, value })
          const into = folded.get(key) ?? folded.set(key, { ...row, value, count: 0 }).get(key)!
          into.count += row.count
        }
      }
      return [...folded.values()]
    },
  }
}
