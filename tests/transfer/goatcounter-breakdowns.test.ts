import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readDataset } from '../../src/transfer/formats.ts'
import { familyOf, screenClassOf } from '../../src/transfer/goatcounter-breakdowns.ts'

const scratch = mkdtempSync(join(tmpdir(), 'vc-goat-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const header =
  '2Path,Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,FirstVisit,Date'
const pageview = (referrer: string, { path = '/posts/x/', location = '' } = {}) =>
  `${path},X,false,,Firefox 133,Linux,s,0,${referrer},h,"1920,0,1",${location},true,2025-01-01T10:00:00Z`

async function breakdownsOf(lines: string[], options: { valuesPerDay?: number; siteHosts?: Set<string> } = {}) {
  const path = join(scratch, `goat-${Math.random().toString(36).slice(2)}.csv`)
  await Bun.write(path, [header, ...lines].join('\n'))
  const data = await readDataset(path, { trailingSlash: 'add', timeZone: 'UTC', ...options })
  return data.breakdowns!.map((row) => `${row.kind} ${row.slug} ${row.value} ${row.count}`).sort()
}

describe('GoatCounter values as the service keeps them', () => {
  test('browser and system names lose their version, and take the names bowser gives the same family', () => {
    expect(['Firefox 133', 'Firefox ', 'Chrome 131.0.6778', 'Edge 131', 'Samsung Internet 23.0'].map(familyOf)).toEqual(
      ['Firefox', 'Firefox', 'Chrome', 'Microsoft Edge', 'Samsung Internet for Android'],
    )
    expect(['Windows 11', 'Windows XP', 'macOS 14.1', 'iOS 18', 'Linux ', '', ' '].map(familyOf)).toEqual([
      'Windows',
      'Windows',
      'macOS',
      'iOS',
      'Linux',
      undefined,
      undefined,
    ])
  })

  test('a screen size becomes its width class; an unknown width (0) none', () => {
    expect(
      ['599,0,1', '600,0,2', '1023,0,1', '1024,0,1', '1439,0,1', '1440,0,1', '0,0,1', '', 'wide'].map(screenClassOf),
    ).toEqual(['s', 'm', 'm', 'l', 'l', 'xl', undefined, undefined, undefined])
  })

  test('a location becomes its country, as the live count keeps a country header; unknown ones none', async () => {
    const rows = await breakdownsOf(
      ['US-CA', 'gr', 'T1', 'XX', '', 'USA'].map((location) => pageview('', { location })),
    )
    expect(rows.filter((row) => row.startsWith('country'))).toEqual([
      'country posts/x/ GR 1',
      'country posts/x/ T1 1',
      'country posts/x/ US 1',
    ])
  })

  test('a User-Agent column, when GoatCounter filled it, gives the device class and families as for a live view', async () => {
    const iPhone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
    const rows = await breakdownsOf([pageview('').replace(',false,,Firefox 133,', `,false,"${iPhone}",Firefox 133,`)])
    expect(rows.filter((row) => /^(browser|os|device)/.test(row))).toEqual([
      'browser posts/x/ Safari 1',
      'device posts/x/ phone 1',
      'os posts/x/ iOS 1',
    ])
  })
})

describe('GoatCounter referrers', () => {
  test('a full referrer URL keeps its host only; the site itself and non-hosts are no referrer', async () => {
    const rows = await breakdownsOf(
      [
        pageview('https://news.ycombinator.com/item?id=1'),
        pageview('https://WWW.example.org/private/path?token=1'),
        pageview('https://blog.example.com/posts/other/'),
        pageview('not a host at all'),
      ],
      { siteHosts: new Set(['blog.example.com']) },
    )
    expect(rows.filter((row) => row.startsWith('referrer'))).toEqual([
      'referrer posts/x/ Hacker News 1',
      'referrer posts/x/ example.org 1',
    ])
  })

  test('beyond BREAKDOWN_VALUES_PER_DAY distinct values of a kind on a day, the least counted fold into (other)', async () => {
    const rows = await breakdownsOf(
      [
        pageview('https://a.example/'),
        pageview('https://a.example/', { path: '/posts/y/' }),
        pageview('https://b.example/'),
        pageview('https://b.example/'),
        pageview('https://b.example/'),
        pageview('https://c.example/'),
        pageview('https://d.example/', { path: '/posts/y/' }),
      ],
      { valuesPerDay: 2 },
    )
    expect(rows.filter((row) => row.startsWith('referrer'))).toEqual([
      'referrer posts/x/ (other) 1',
      'referrer posts/x/ a.example 1',
      'referrer posts/x/ b.example 3',
      'referrer posts/y/ (other) 1',
      'referrer posts/y/ a.example 1',
    ])
  })
})
