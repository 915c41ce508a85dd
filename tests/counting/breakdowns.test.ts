import { describe, expect, test } from 'bun:test'
import { breakdownReader } from '../../src/counting/breakdown-reader.ts'
import { deviceReader } from '../../src/counting/devices.ts'

const uas = {
  iPhone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
  iPad: 'Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
  android:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0',
  firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
}

describe('deviceReader', () => {
  test('gives browser and OS families and a device class, never a version', () => {
    const read = deviceReader()
    expect(read(uas.iPhone)).toEqual({ browser: 'Safari', os: 'iOS', device: 'phone' })
    expect(read(uas.iPad)).toEqual({ browser: 'Safari', os: 'iOS', device: 'tablet' })
    expect(read(uas.android)).toEqual({ browser: 'Chrome', os: 'Android', device: 'phone' })
    expect(read(uas.edge)).toEqual({ browser: 'Microsoft Edge', os: 'Windows', device: 'desktop' })
    expect(read(uas.firefox)).toEqual({ browser: 'Firefox', os: 'Linux', device: 'desktop' })
  })

  test('an absent, unparseable or over-long User-Agent gives no values', () => {
    const read = deviceReader()
    for (const ua of [undefined, '', 'garbage', 'curl/8.0', `${uas.firefox} ${'x'.repeat(1100)}`])
      expect(read(ua)).toEqual({})
  })

  test('remembers at most its cache size of User-Agents, and answers the same from memory', () => {
    const read = deviceReader(2)
    const first = read(uas.iPhone)
    expect(read(uas.iPhone)).toBe(first)
    read(uas.iPad)
    read(uas.android)
    // The oldest was forgotten: parsed again, an equal but new object.
    const again = read(uas.iPhone)
    expect(again).toEqual(first)
    expect(again).not.toBe(first)
  })
})

describe('breakdownReader', () => {
  const read = breakdownReader({ siteHosts: new Set(['uclab.dev']) })
  const values = (view: Parameters<typeof read>[0]) => Object.fromEntries(read(view).map((b) => [b.kind, b.value]))

  test('one value per kind the view has', () => {
    expect(
      values({
        referrer: 'https://old.reddit.com/r/x/comments/1',
        utmSource: ' Mastodon ',
        utmCampaign: 'Launch-2026',
        country: 'gr',
        screen: 'm',
        userAgent: uas.android,
      }),
    ).toEqual({
      referrer: 'Reddit',
      source: 'mastodon',
      campaign: 'launch-2026',
      country: 'GR',
      browser: 'Chrome',
      os: 'Android',
      device: 'phone',
      screen: 'm',
    })
  })

  test('drops what is absent or invalid, kind by kind', () => {
    expect(read({})).toEqual([])
    const bad = { referrer: 'uclab.dev', utmSource: 'x'.repeat(65), utmCampaign: 'a\u0007b', screen: 'xxl' }
    for (const country of ['XX', 'GRC', 'G1', '', 'ελ']) expect(read({ ...bad, country })).toEqual([])
    expect(values({ utmSource: 'x'.repeat(64), utmCampaign: '(other)', country: 'T1' })).toEqual({
      source: 'x'.repeat(64),
      country: 'T1',
    })
  })
})
