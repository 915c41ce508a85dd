// The owner's side, proven end to end (issue 7): the stats page and the badge served by the real
// service on a scratch PostgreSQL database, read by headless Chromium on a desktop and a phone.
// Run with `bun run test:e2e`; it is deliberately not a *.test.ts file, so plain `bun test` leaves it alone.
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, BrowserContextOptions } from 'playwright-core'
import { startService } from '../../harness/service.ts'
import { dayRange } from '../../src/db/history.ts'
import { launchBrowser } from './browser.ts'
import { cleanUp, createChecklist } from './checklist.ts'
import { createE2eDatabase } from './scratch-database.ts'

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname
const HOSTILE = 'posts/<script>alert(1)</script>/'
const today = new Date().toISOString().slice(0, 10)
const { check, report } = createChecklist()
const cleanup: (() => unknown)[] = []

// A believable blog: weekday rhythm, a post that took off three weeks ago, older posts fading out.
function history() {
  let seed = 7
  const random = () => {
    seed = (seed * 48271) % 2147483647
    return seed / 2147483647
  }
  const posts: [string, number, number][] = [
    ['posts/self-hosting-a-view-counter/', 40, 25],
    ['posts/hugo-partials-in-depth/', 12, 0],
    ['posts/postgres-advisory-locks/', 9, 0],
    ['posts/καλημέρα-κόσμε/', 4, 0],
    ['posts/a-rather-long-title-about-kubernetes-network-policies-and-why-they-matter/', 6, 0],
    ['about/', 5, 0],
    ['posts/bun-test-preloads/', 3, 0],
    [HOSTILE, 1, 0],
  ]
  const rows: { slug: string; day: string; count: number }[] = []
  dayRange(today, 90).forEach((day, i) => {
    const weekend = [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay())
    for (const [slug, rate, spike] of posts) {
      const boost = spike && i >= 66 && i <= 70 ? spike * (5 - Math.abs(68 - i)) : 0
      const count = Math.round(rate * (weekend ? 0.55 : 1) * (0.6 + random() * 0.8) * (0.5 + i / 180)) + boost
      if (count > 0) rows.push({ slug, day, count })
    }
  })
  return rows
}

// What those views came with, split the way a small technical blog's readers are: most arrive from search or
// typed in, the spike from Hacker News and a newsletter; mostly desktop Firefox and Chrome.
const mix: Record<string, [string | null, number][]> = {
  referrer: [
    [null, 40],
    ['Google', 22],
    ['Hacker News', 14],
    ['Reddit', 7],
    ['fosstodon.org', 6],
    ['Lobsters', 5],
    ['GitHub', 4],
    ['DuckDuckGo', 2],
  ],
  source: [
    [null, 85],
    ['newsletter', 10],
    ['mastodon', 5],
  ],
  campaign: [
    [null, 90],
    ['launch', 10],
  ],
  country: [
    ['US', 28],
    ['DE', 16],
    ['GR', 12],
    ['GB', 10],
    ['FR', 7],
    ['NL', 6],
    ['IN', 5],
    ['CA', 4],
    ['SE', 3],
    ['JP', 3],
    ['BR', 2],
    ['PL', 2],
    [null, 2],
  ],
  browser: [
    ['Firefox', 38],
    ['Chrome', 34],
    ['Safari', 16],
    ['Microsoft Edge', 7],
    ['Samsung Internet', 3],
    [null, 2],
  ],
  os: [
    ['Linux', 30],
    ['macOS', 22],
    ['Windows', 20],
    ['Android', 14],
    ['iOS', 12],
    [null, 2],
  ],
  device: [
    ['desktop', 70],
    ['phone', 26],
    ['tablet', 4],
  ],
  screen: [
    ['xl', 38],
    ['l', 30],
    ['s', 24],
    ['m', 8],
  ],
}

// Each day's views of a page shared out by the mix, the remainders to the largest shares, so every kind adds up.
function breakdowns(rows: { slug: string; day: string; count: number }[]) {
  return rows.flatMap(({ slug, day, count }) =>
    Object.entries(mix).flatMap(([kind, weights]) => {
      const total = weights.reduce((sum, [, weight]) => sum + weight, 0)
      const shares = weights.map(([value, weight]) => ({ value, exact: (count * weight) / total }))
      const counts = shares.map((share) => Math.floor(share.exact))
      let left = count - counts.reduce((sum, n) => sum + n, 0)
      for (const i of shares.map((_, i) => i).sort((a, b) => (shares[b]!.exact % 1) - (shares[a]!.exact % 1))) {
        if (left-- <= 0) break
        counts[i]! += 1
      }
      return shares.flatMap(({ value }, i) =>
        value === null || counts[i] === 0 ? [] : [{ kind, day, value, slug, count: counts[i]! }],
      )
    }),
  )
}

// Every request the page makes, and anything the console or the page reports as an error.
async function open(browser: Browser, url: string, options: BrowserContextOptions) {
  const context = await browser.newContext(options)
  cleanup.push(() => context.close())
  const page = await context.newPage()
  const requests: string[] = []
  const errors: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()))
  page.on('pageerror', (error) => errors.push(error.message))
  const response = await page.goto(url, { waitUntil: 'networkidle' })
  return { page, response, requests, errors }
}

let ok = false
try {
  const database = await createE2eDatabase()
  cleanup.push(database.drop)
  console.log(`e2e: scratch database ${database.name}`)
  const api = await startService({
    output: 'inherit',
    env: { DATABASE_URL: database.url, CORS_ORIGINS: 'http://localhost:1313' },
  })
  cleanup.push(() => api.stop())
  console.log(`e2e: API ready on ${api.url}`)

  const rows = history()
  await database.sql`insert into daily_views ${database.sql(rows)}`
  await database.sql`insert into views (slug, count) select slug, sum(count) from daily_views group by slug`
  for (const batch of Map.groupBy(breakdowns(rows), (row) => row.kind).values())
    await database.sql`insert into daily_breakdowns ${database.sql(batch)}`
  await database.sql`update views set count = count + 2500 where slug = 'posts/hugo-partials-in-depth/'`
  const total = rows.reduce((sum, row) => sum + row.count, 0) + 2500
  const last = (days: number) =>
    rows.filter((row) => row.day >= dayRange(today, days)[0]!).reduce((sum, row) => sum + row.count, 0)
  console.log(`e2e: seeded ${rows.length} days of history, ${total} views`)

  const browser = await launchBrowser([])
  cleanup.push(() => browser.close())
  await mkdir(ARTIFACTS, { recursive: true })
  const format = (n: number) => n.toLocaleString('en-US')

  await check(
    'desktop, light: the right numbers, 30 bars, eight pages by views in range; nothing else loaded, no errors',
    async () => {
      const seen = await open(browser, `${api.url}/stats`, {
        viewport: { width: 1200, height: 900 },
        colorScheme: 'light',
      })
      assert.equal(seen.response?.status(), 200)
      const cards = await seen.page.$$eval('.cards div', (divs) => divs.map((div) => div.textContent))
      assert.deepEqual(cards.slice(0, 3), [
        `Total${format(total)}`,
        `Today${format(last(1))}`,
        `Last 30 days${format(last(30))}`,
      ])
      assert.match(cards[3] ?? '', /^Change[+−]?[0-9,]+\u00a0%vs previous 30 days$/)
      assert.equal(await seen.page.locator('#range-heading + svg .bar').count(), 30)
      assert.equal(await seen.page.locator('table.pages tbody tr').count(), 8)
      assert.equal(
        await seen.page.locator('table.pages tbody tr:first-child .slug').textContent(),
        'posts/self-hosting-a-view-counter/',
      )
      assert.deepEqual(seen.requests, [`${api.url}/stats`], 'requests other than the page')
      assert.deepEqual(seen.errors, [], 'console errors (a CSP violation would be one)')
      await seen.page.screenshot({ path: join(ARTIFACTS, 'stats-desktop-light.png'), fullPage: true })
    },
  )

  await check('the range links and the from–to form (a GET the CSP allows) choose the range', async () => {
    const seen = await open(browser, `${api.url}/stats`, { viewport: { width: 1200, height: 900 } })
    await seen.page.getByRole('link', { name: '90 days' }).click()
    await seen.page.waitForURL(/range=90$/)
    assert.equal(await seen.page.locator('#range-heading + svg .bar').count(), 90)
    await seen.page.fill('input[name=from]', dayRange(today, 14)[0]!)
    await seen.page.fill('input[name=to]', today)
    await seen.page.getByRole('button', { name: 'Show' }).click()
    await seen.page.waitForURL(/from=/)
    assert.equal(await seen.page.locator('#range-heading + svg .bar').count(), 14)
    assert.deepEqual(seen.errors, [], 'console errors (a CSP violation would be one)')
  })

  await check('a top page links to its own stats: its chart and tables, and a way back', async () => {
    const seen = await open(browser, `${api.url}/stats`, { viewport: { width: 1200, height: 900 } })
    await seen.page.locator('table.pages tbody tr:first-child .slug a').click()
    await seen.page.waitForURL(/\/stats\/pages\/posts\/self-hosting-a-view-counter\/\?range=30$/)
    assert.equal(await seen.page.locator('h1').textContent(), 'posts/self-hosting-a-view-counter/')
    assert.equal(await seen.page.locator('#range-heading + svg .bar').count(), 30)
    assert.equal(await seen.page.locator('a', { hasText: '← All pages' }).getAttribute('href'), '/stats?range=30')
    assert.deepEqual(seen.errors, [])
    await seen.page.screenshot({ path: join(ARTIFACTS, 'stats-page-desktop-light.png'), fullPage: true })
  })

  await check('a hostile slug shows as text and adds no element', async () => {
    const seen = await open(browser, `${api.url}/stats`, { viewport: { width: 1200, height: 900 } })
    assert.equal(await seen.page.locator('script').count(), 0)
    assert.ok(await seen.page.getByText(HOSTILE, { exact: true }).isVisible(), 'the slug is not shown as text')
  })

  await check('phone, dark: no sideways scrolling, chart labels at least 9 px, headers above the slugs', async () => {
    const seen = await open(browser, `${api.url}/stats`, {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      colorScheme: 'dark',
    })
    // $eval callbacks run in the page; this file is type-checked without the DOM library.
    const layout = {
      background: await seen.page.$eval(
        'body',
        (body) => body.ownerDocument.defaultView.getComputedStyle(body).backgroundColor,
      ),
      overflow: await seen.page.$eval('html', (html) => html.scrollWidth - html.ownerDocument.defaultView.innerWidth),
      smallestLabel: Math.min(
        ...(await seen.page.$$eval('.chart text', (texts) => texts.map((text) => text.getBoundingClientRect().height))),
      ),
    }
    // The table's header mirrors its rows: "Page" above the slugs, the figures' names on a line below it.
    const box = (selector: string) => seen.page.locator(selector).first().boundingBox()
    const [pageHeader, trendHeader, firstSlug] = await Promise.all([box('th.page'), box('th.trend'), box('td.slug')])
    assert.ok(pageHeader && trendHeader && firstSlug, 'the Page header, the 30 days header and a slug are shown')
    assert.ok(pageHeader.y + pageHeader.height <= trendHeader.y, 'the 30 days header sits below the Page header')
    assert.ok(trendHeader.y + trendHeader.height <= firstSlug.y, 'the headers sit above the first slug')
    assert.equal(layout.background, 'rgb(17, 19, 24)')
    assert.ok(layout.overflow <= 0, `the page is ${layout.overflow} px wider than the phone`)
    assert.ok(layout.smallestLabel >= 9, `a chart label is ${layout.smallestLabel} px tall`)
    assert.deepEqual(seen.errors, [])
    await seen.page.screenshot({ path: join(ARTIFACTS, 'stats-phone-dark.png'), fullPage: true })
  })

  await check('the badge renders, its estimated widths within 20% of the real text', async () => {
    const slug = 'posts/hugo-partials-in-depth/'
    const seen = await open(browser, `${api.url}/badge/${slug}`, {
      viewport: { width: 200, height: 40 },
      deviceScaleFactor: 3,
    })
    assert.equal(seen.response?.headers()['content-type'], 'image/svg+xml; charset=utf-8')
    const count = Number((await database.sql`select count from views where slug = ${slug}`)[0]!.count)
    // Each text measured again without its textLength: its natural width in the browser's font.
    const texts: { text: string; estimated: number; width: number }[] = await seen.page.$$eval(
      'text[y="14"]',
      (elements) =>
        elements.map((text) => {
          const natural = text.cloneNode(true)
          natural.removeAttribute('textLength')
          text.parentNode.appendChild(natural)
          const width = natural.getComputedTextLength()
          natural.remove()
          return { text: text.textContent, estimated: Number(text.getAttribute('textLength')), width }
        }),
    )
    assert.deepEqual(
      texts.map((t) => t.text),
      ['views', format(count)],
    )
    for (const t of texts)
      assert.ok(
        Math.abs(t.estimated / t.width - 1) < 0.2,
        `"${t.text}": estimated ${t.estimated}, really ${t.width.toFixed(1)}`,
      )
    await seen.page.locator('svg').screenshot({ path: join(ARTIFACTS, 'badge.png'), omitBackground: true })
    assert.deepEqual(seen.errors, [])
  })

  await check('private: 401 with a challenge Chromium answers; the page with basic auth or the token', async () => {
    const password = 'correct horse battery staple'
    const token = 'e2e-token-0123456789abcdef'
    const service = await startService({
      env: { DATABASE_URL: database.url, STATS_USER: 'owner', STATS_PASSWORD: password, STATS_TOKEN: token },
    })
    cleanup.push(() => service.stop())
    const refused = await fetch(`${service.url}/stats`)
    assert.equal(refused.status, 401)
    assert.deepEqual(await refused.json(), { error: 'unauthorized' })
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Basic realm="view-counter stats"/)
    // Chromium reads Basic out of the one challenge header (Basic, then Bearer) and answers it.
    const wrong = await open(browser, `${service.url}/stats`, {
      httpCredentials: { username: 'owner', password: 'wrong' },
    })
    assert.equal(wrong.response?.status(), 401)
    const owner = await open(browser, `${service.url}/stats`, { httpCredentials: { username: 'owner', password } })
    assert.equal(owner.response?.status(), 200)
    assert.equal(await owner.page.locator('h1').textContent(), 'Page views')
    const withToken = await open(browser, `${service.url}/stats`, {
      extraHTTPHeaders: { Authorization: `Bearer ${token}` },
    })
    assert.equal(withToken.response?.status(), 200)
    assert.equal((await fetch(`${service.url}/badge/about/`)).status, 200, 'the badge stays public')
  })

  ok = report()
  console.log(
    `screenshots: ${['stats-desktop-light.png', 'stats-page-desktop-light.png', 'stats-phone-dark.png', 'badge.png'].map((name) => ARTIFACTS + name).join(', ')}`,
  )
} catch (error) {
  console.error('e2e: setup failed:', error)
} finally {
  await cleanUp(cleanup)
}
process.exit(ok ? 0 : 1)
