// Issue 5 from the site's side: the page list the component publishes, the service counting readers
// (COUNT_MODE=readers) against that list, and the owner's #view-counter=ignore flag.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { freePort } from '../../harness/free-port.ts'
import { startService } from '../../harness/service.ts'
import { newContext, PLAIN_VISIT, type VisitOptions, visit } from './browser.ts'
import type { createChecklist } from './checklist.ts'
import { createE2eDatabase } from './scratch-database.ts'

const GREEK = 'καλημέρα-κόσμε'
const PAGE_LIST = 'view-counter/pages.json'
const IGNORE_KEY = 'view-counter-ignore'

export interface ReadersSetup {
  check: ReturnType<typeof createChecklist>['check']
  browser: Browser
  /** Builds the example site for the API at apiUrl and serves it on 127.0.0.1; resolves to its port and a reader of its files. */
  buildSite: (apiUrl: string) => Promise<{ port: string; read: (path: string) => Promise<string> }>
  cleanup: (() => unknown)[]
  artifacts: string
}

// A bot's POST is never counted, so asking until unknown pages are refused changes nothing.
export async function waitForPageList(apiUrl: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const response = await fetch(`${apiUrl}/views/e2e-not-a-page/`, {
      method: 'POST',
      headers: { 'user-agent': 'curl/8.5.0' },
    })
    if (response.status === 404) return
    await Bun.sleep(100)
  }
  throw new Error(`the service did not load the page list within ${timeoutMs} ms`)
}

// Keeps what the service answered to each POST, to tell "counted" from "shown".
async function recordCounted(page: Page, answers: Promise<boolean>[]) {
  page.on('response', (response) => {
    if (response.request().method() === 'POST')
      answers.push(response.json().then((body: { counted: boolean }) => body.counted))
  })
}

export async function checkReadersMode({ check, browser, buildSite, cleanup, artifacts }: ReadersSetup) {
  const database = await createE2eDatabase()
  cleanup.push(database.drop)
  const rows = async (slug: string) =>
    (await database.sql`select count from views where slug = ${slug}`).map((row) => Number(row.count))

  const apiPort = freePort()
  const apiUrl = `http://127.0.0.1:${apiPort}`
  const built = await buildSite(apiUrl)
  const site = { origin: `http://blog.test:${built.port}`, read: built.read }
  const pagesUrl = `http://127.0.0.1:${built.port}/${PAGE_LIST}`
  const api = await startService({
    port: apiPort,
    output: 'inherit',
    env: {
      DATABASE_URL: database.url,
      CORS_ORIGINS: site.origin,
      COUNT_MODE: 'readers',
      SITE_PAGES_URL: pagesUrl,
      VISITOR_HASH_SECRET: crypto.randomUUID() + crypto.randomUUID(),
    },
  })
  cleanup.push(api.stop)
  await waitForPageList(apiUrl)
  console.log(`e2e: readers-mode API on ${apiUrl}, SITE_PAGES_URL=${pagesUrl}`)

  // The same Chromium, saying what a desktop Chrome says instead of "HeadlessChrome".
  const userAgent = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version()} Safari/537.36`
  const open = async (url: string, options: Omit<VisitOptions, 'apiUrl'> = {}) => {
    const seen = await visit(browser, url, { apiUrl, userAgent, ...options })
    cleanup.push(seen.close)
    return seen
  }

  await check('the build publishes every post, in every language, with its title, as a JSON page list', async () => {
    const list: unknown = JSON.parse(await site.read(PAGE_LIST))
    assert.ok(Array.isArray(list), 'not a JSON array')
    const pages = list as { path: string; title: string; lang: string }[]
    for (const page of pages) assert.ok(page.title && page.lang, `${page.path} has no title or language`)
    assert.deepEqual(
      pages.map((page) => page.path).sort(),
      ['/el/posts/hello-world/', '/posts/a-second-post/', '/posts/hello-world/', `/posts/${GREEK}/`].sort(),
    )
    assert.equal(
      await site.read(`el/${PAGE_LIST}`),
      await site.read(PAGE_LIST),
      'the languages publish different lists',
    )
  })

  await check('readers mode: a post counts once; a reload within the window shows "1 view" again', async () => {
    for (const [slug, counted] of [
      ['posts/hello-world/', [true]],
      ['posts/hello-world/', [false]],
      [`posts/${GREEK}/`, [true]],
    ] as const) {
      const answers: Promise<boolean>[] = []
      const seen = await open(`${site.origin}/${encodeURI(slug)}`, { prepare: (page) => recordCounted(page, answers) })
      assert.equal(seen.counts[slug], '1 view')
      assert.deepEqual(seen.apiRequests, [`POST /views/${slug}${PLAIN_VISIT}`])
      assert.deepEqual(await Promise.all(answers), counted, `"counted" answered for ${slug}`)
      assert.deepEqual(seen.errors, [], 'uncaught errors on the page')
      assert.equal(seen.storedItems, 0, 'items in local or session storage')
      if (slug === 'posts/hello-world/' && !counted[0])
        await seen.page.screenshot({ path: join(artifacts, 'readers.png'), fullPage: true })
    }
    assert.deepEqual(await rows('posts/hello-world/'), [1])
    assert.deepEqual(await rows(`posts/${GREEK}/`), [1])
  })

  await check('readers mode: a headless browser is shown the count and not counted', async () => {
    const answers: Promise<boolean>[] = []
    const seen = await open(`${site.origin}/posts/hello-world/`, {
      userAgent: undefined,
      prepare: (page) => recordCounted(page, answers),
    })
    assert.equal(seen.counts['posts/hello-world/'], '1 view')
    assert.deepEqual(await Promise.all(answers), [false])
    assert.deepEqual(await rows('posts/hello-world/'), [1])
  })

  await check('readers mode: a POST for a page not in the page list is refused with 404, no row', async () => {
    const response = await fetch(`${apiUrl}/views/posts/no-such-post/`, {
      method: 'POST',
      headers: { 'user-agent': userAgent, origin: site.origin },
    })
    assert.equal(response.status, 404)
    assert.deepEqual(await response.json(), { error: 'unknown page' })
    assert.deepEqual(await rows('posts/no-such-post/'), [])
  })

  await check(
    '#view-counter=ignore: this browser only reads counts, on every page; #view-counter=count undoes it',
    async () => {
      const context = await newContext(browser, { userAgent })
      cleanup.push(() => context.close())
      const flag = (seen: { page: Page }) => seen.page.evaluate((key) => localStorage.getItem(key), IGNORE_KEY)
      const read = (slug: string) => [`GET /views?slugs=${encodeURIComponent(slug)}`]

      const ignoring = await open(`${site.origin}/posts/a-second-post/#view-counter=ignore`, { context })
      assert.equal(await flag(ignoring), '1')
      assert.equal(new URL(ignoring.page.url()).hash, '', 'the flag stayed in the address bar')
      assert.deepEqual(ignoring.apiRequests, read('posts/a-second-post/'))
      assert.equal(ignoring.counts['posts/a-second-post/'], '0 views')
      await ignoring.page.screenshot({ path: join(artifacts, 'owner-ignored.png'), fullPage: true })
      for (const slug of ['posts/a-second-post/', 'posts/hello-world/']) {
        const again = await open(`${site.origin}/${slug}`, { context })
        assert.deepEqual(again.apiRequests, read(slug), `requests on ${slug}`)
        assert.equal(again.counts[slug], slug === 'posts/hello-world/' ? '1 view' : '0 views')
        assert.deepEqual(again.errors, [], 'uncaught errors on the page')
      }
      assert.deepEqual(await rows('posts/a-second-post/'), [])

      const counting = await open(`${site.origin}/posts/a-second-post/#view-counter=count`, { context })
      assert.equal(await flag(counting), null)
      assert.equal(new URL(counting.page.url()).hash, '', 'the flag stayed in the address bar')
      assert.deepEqual(counting.apiRequests, [`POST /views/posts/a-second-post/${PLAIN_VISIT}`])
      assert.equal(counting.counts['posts/a-second-post/'], '1 view')
      assert.deepEqual(await rows('posts/a-second-post/'), [1])
    },
  )

  await api.stop()
}
