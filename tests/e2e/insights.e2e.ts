// Issue 15 end to end: a reader on a phone, in Greece, follows a link from another site to a post of
// the example site (built by Debian's hugo) carrying a campaign, and the owner sees each of those in
// the JSON and on the stats pages, without the service keeping anything that names the reader.
// The referrer is set by Chromium itself (a real click from another origin), and the country by a
// relay that adds CF-IPCountry as Cloudflare's tunnel does. Run with `bun run test:e2e`.
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type BrowserContextOptions, devices } from 'playwright-core'
import { freePort } from '../../harness/free-port.ts'
import { startService } from '../../harness/service.ts'
import { launchBrowser } from './browser.ts'
import { cleanUp, createChecklist } from './checklist.ts'
import { buildExampleSite } from './hugo-build.ts'
import { waitForPageList } from './hugo-readers.ts'
import { createE2eDatabase } from './scratch-database.ts'
import { serveSite } from './static-site.ts'

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname
const SLUG = 'posts/hello-world/'
const TITLE = 'Hello, world'
// Chromium resolves it to this machine (browser.ts), so the link really leaves another origin.
const REFERRING_HOST = 'news.ycombinator.com'
const PHONE = devices['Pixel 7']
const { check, report } = createChecklist()
const cleanup: (() => unknown)[] = []

// What each table must show for the reader, in the JSON (value) and on the stats pages (label), and
// how many of the site's two views have it: the second view, from within the site, has no referrer or campaign.
const expected = [
  { table: 'referrers', value: 'Hacker News', label: 'Hacker News', siteViews: 1 },
  { table: 'sources', value: 'newsletter', label: 'newsletter', siteViews: 1 },
  { table: 'campaigns', value: 'launch', label: 'launch', siteViews: 1 },
  { table: 'countries', value: 'GR', label: 'Greece', siteViews: 2 },
  { table: 'browsers', value: 'Chrome', label: 'Chrome', siteViews: 2 },
  { table: 'systems', value: 'Android', label: 'Android', siteViews: 2 },
  { table: 'devices', value: 'phone', label: 'Phone', siteViews: 2 },
  { table: 'screens', value: 's', label: 'Under 600 px', siteViews: 2 },
] as const

// Cloudflare's tunnel hands each request to the service with the reader's country and address added
// (https://developers.cloudflare.com/fundamentals/reference/http-headers/: CF-IPCountry, CF-Connecting-IP).
// 203.0.113.7 is a documentation address (RFC 5737), standing in for the reader's.
function startTunnelRelay(service: string) {
  return Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const { pathname, search } = new URL(request.url)
      const headers = new Headers(request.headers)
      // The relay's own connection decides these; an uncompressed answer passes through as it is.
      for (const name of ['host', 'content-length', 'accept-encoding']) headers.delete(name)
      headers.set('cf-ipcountry', 'GR')
      headers.set('cf-connecting-ip', '203.0.113.7')
      const body = ['GET', 'HEAD'].includes(request.method) ? undefined : await request.arrayBuffer()
      const answer = await fetch(service + pathname + search, {
        method: request.method,
        headers,
        body: body?.byteLength ? body : undefined,
        redirect: 'manual',
      }).catch(() => undefined)
      // With the service not (yet) up, the tunnel answers 502 (Cloudflare's "bad gateway").
      if (!answer) return new Response('bad gateway', { status: 502 })
      return new Response(answer.body, { status: answer.status, headers: answer.headers })
    },
  })
}

// The page of "news" linking to the post, as a story link on Hacker News does.
function startReferringSite(postUrl: string) {
  return Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () =>
      new Response(
        `<!doctype html><html lang="en"><title>Hacker News</title><body><a id="story" href="${postUrl}">${TITLE}</a></body></html>`,
        { headers: { 'content-type': 'text/html; charset=utf-8' } },
      ),
  })
}

type Row = { value: string | null; count: number; name?: string }
async function insights(url: string) {
  const response = await fetch(url)
  assert.equal(response.status, 200, `${url} answered ${response.status}`)
  return (await response.json()) as Record<string, unknown> & { views: number }
}

function assertTables(json: Record<string, unknown>, where: string, siteWide: boolean) {
  for (const { table, value, siteViews } of expected) {
    const rows = json[table] as Row[] | undefined
    const count = siteWide ? siteViews : 1
    assert.ok(Array.isArray(rows), `${where} has no "${table}" table`)
    assert.ok(
      rows.some((row) => row.value === value && row.count === count),
      `${where} "${table}" lacks ${value} × ${count}: ${JSON.stringify(rows)}`,
    )
  }
  const greece = (json.countries as Row[]).find((row) => row.value === 'GR')
  assert.equal(greece?.name, 'Greece', `${where}: GR is not named Greece`)
}

async function open(browser: Browser, url: string, options: BrowserContextOptions) {
  const context = await browser.newContext(options)
  cleanup.push(() => context.close())
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()))
  page.on('pageerror', (error) => errors.push(error.message))
  const response = await page.goto(url, { waitUntil: 'networkidle' })
  return { page, response, errors }
}

const screens = {
  desktop: { viewport: { width: 1200, height: 900 } },
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
} satisfies Record<string, BrowserContextOptions>

let ok = false
const workDir = await mkdtemp(join(tmpdir(), 'vc-e2e-insights-'))
try {
  const database = await createE2eDatabase()
  cleanup.push(database.drop)
  console.log(`e2e: scratch database ${database.name}`)

  // The site is built for the relay, which is started first for the service that starts once the site is served.
  const apiPort = freePort()
  const relay = startTunnelRelay(`http://127.0.0.1:${apiPort}`)
  cleanup.push(() => relay.stop(true))
  const relayUrl = `http://127.0.0.1:${relay.port}`
  const build = (name: string) =>
    buildExampleSite({
      destination: join(workDir, name),
      cacheDir: join(workDir, `cache-${name}`),
      env: { HUGO_PARAMS_VIEWCOUNTERHOST: relayUrl },
    })
  const built = await build('site')
  assert.equal(built.code, 0, `hugo build failed:\n${built.output}`)
  const site = serveSite(join(workDir, 'site'))
  cleanup.push(() => site.stop(true))
  const blog = `http://blog.test:${site.port}`
  const pageList = `http://127.0.0.1:${site.port}/view-counter/pages.json`

  // As the cluster runs it: one count per reader, only the site's pages, behind the tunnel.
  const api = await startService({
    port: apiPort,
    output: 'inherit',
    env: {
      DATABASE_URL: database.url,
      CORS_ORIGINS: blog,
      COUNT_MODE: 'readers',
      SITE_PAGES_URL: pageList,
      VISITOR_HASH_SECRET: crypto.randomUUID() + crypto.randomUUID(),
      CLIENT_IP_HEADER: 'cf-connecting-ip',
      COUNTRY_HEADER: 'cf-ipcountry',
    },
  })
  cleanup.push(() => api.stop())
  await waitForPageList(api.url)
  console.log(`e2e: API on ${api.url}, behind the relay on ${relayUrl}; site on ${blog}`)

  const postUrl = `${blog}/${SLUG}?utm_source=newsletter&utm_campaign=launch`
  const referring = startReferringSite(postUrl)
  cleanup.push(() => referring.stop(true))
  const browser = await launchBrowser(['blog.test', REFERRING_HOST])
  cleanup.push(() => browser.close())
  await mkdir(ARTIFACTS, { recursive: true })

  const reader = await browser.newContext({ ...PHONE })
  cleanup.push(() => reader.close())
  const page = await reader.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  // The next POST the reader's page makes, once it is answered.
  const nextCount = () => page.waitForResponse((response) => response.request().method() === 'POST')

  await check(
    'a phone reader clicks a story link on another site: one POST with its host, campaign and screen',
    async () => {
      await page.goto(`http://${REFERRING_HOST}:${referring.port}/`)
      const counted = nextCount()
      await page.click('#story')
      const answer = await counted
      await page.waitForLoadState('networkidle')
      assert.equal(answer.status(), 200)
      assert.deepEqual(await answer.json(), { slug: SLUG, count: 1, counted: true })
      assert.equal(await page.evaluate('document.referrer'), `http://${REFERRING_HOST}:${referring.port}/`)
      const sent = new URL(answer.url())
      assert.equal(sent.origin + sent.pathname, `${relayUrl}/views/${SLUG}`)
      assert.deepEqual(Object.fromEntries(sent.searchParams), {
        ref: `${REFERRING_HOST}:${referring.port}`,
        utm_source: 'newsletter',
        utm_campaign: 'launch',
        screen: 's',
      })
      assert.equal(await page.textContent(`[data-view-slug="${SLUG}"]`), '1 view')
      assert.deepEqual(errors, [])
    },
  )

  await check('moving on within the site sends neither a referrer nor the campaign, only the screen', async () => {
    await page.click('header a')
    await page.waitForLoadState('networkidle')
    const counted = nextCount()
    await page.click('a[href="/posts/a-second-post/"]')
    const answer = await counted
    assert.equal(await page.evaluate('document.referrer'), `${blog}/`)
    assert.equal(new URL(answer.url()).search, '?screen=s')
    assert.deepEqual(errors, [])
  })

  await check(
    'GET /insights?range=7: Hacker News, newsletter, launch, Greece, phone, Chrome on Android, small screen',
    async () => {
      const site = await insights(`${api.url}/insights?range=7`)
      assert.equal(site.views, 2)
      assertTables(site, '/insights', true)
    },
  )

  await check(`GET /insights/pages/${SLUG}: the same for the post, with its title`, async () => {
    const page = await insights(`${api.url}/insights/pages/${SLUG}?range=7`)
    assert.equal(page.views, 1)
    assert.equal(page.title, TITLE)
    assertTables(page, `/insights/pages/${SLUG}`, false)
  })

  const shots: string[] = []
  for (const [name, path] of [
    ['stats', '/stats'],
    ['stats-page', `/stats/pages/${SLUG}`],
  ] as const) {
    await check(`${path} shows each of them, on desktop and phone, light and dark`, async () => {
      for (const [screen, options] of Object.entries(screens)) {
        for (const colorScheme of ['light', 'dark'] as const) {
          const seen = await open(browser, `${api.url}${path}`, { ...options, colorScheme })
          assert.equal(seen.response?.status(), 200, `${path} (${screen}, ${colorScheme})`)
          const text = (await seen.page.textContent('body')) ?? ''
          // Each table is a section named by its heading (render/breakdown-tables.tsx); the label in its rows.
          for (const { table, label } of expected) {
            const rows = await seen.page
              .locator(`section[aria-labelledby="${table}-heading"] td.value`)
              .allTextContents()
            assert.ok(
              rows.includes(label),
              `${path} (${screen}, ${colorScheme}): ${table} shows ${JSON.stringify(rows)}`,
            )
          }
          assert.ok(text.includes(TITLE), `${path}: the post's title is not shown`)
          assert.deepEqual(seen.errors, [], 'console errors (a CSP violation would be one)')
          const overflow = await seen.page.$eval(
            'html',
            (html) => html.scrollWidth - html.ownerDocument.defaultView.innerWidth,
          )
          assert.ok(overflow <= 0, `${path} is ${overflow} px wider than the ${screen}`)
          const file = join(ARTIFACTS, `insights-${name}-${screen}-${colorScheme}.png`)
          await seen.page.screenshot({ path: file, fullPage: true })
          shots.push(file)
        }
      }
    })
  }

  await check('a rebuild lists both posts under "Most read" with their titles and "1 view"', async () => {
    const rebuilt = await build('rebuilt')
    assert.equal(rebuilt.code, 0, `hugo build failed:\n${rebuilt.output}`)
    const list = (await rebuilt.read('index.html')).match(
      /<section class="view-counter-most-read">[\s\S]*?<\/section>/,
    )?.[0]
    assert.ok(list, 'no "Most read" list')
    assert.match(list, /<h2>Most read<\/h2>/)
    const items = [...list.matchAll(/<li><a href="([^"]+)">([^<]+)<\/a> <span[^>]*>([^<]+)<\/span><\/li>/g)]
    assert.deepEqual(items.map(([, href, title, count]) => `${href} ${title}: ${count}`).sort(), [
      '/posts/a-second-post/ A second post: 1 view',
      '/posts/hello-world/ Hello, world: 1 view',
    ])
  })

  ok = report()
  console.log(`screenshots: ${shots.join(', ')}`)
} catch (error) {
  console.error('e2e: setup failed:', error)
} finally {
  await cleanUp(cleanup)
  await rm(workDir, { recursive: true, force: true })
}
process.exit(ok ? 0 : 1)
