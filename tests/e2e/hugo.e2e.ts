// The reader's side, proven end to end (issue 4): the example site built by Debian's hugo, served on
// this machine, counting through the real API on a scratch PostgreSQL database, read by headless Chromium.
// Issue 5's side of it (page list, readers mode, the owner's flag) is in hugo-readers.ts.
// Run with `bun run test:e2e`; it is deliberately not a *.test.ts file, so plain `bun test` leaves it alone.
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'bun'
import { freePort } from '../../harness/free-port.ts'
import { startService } from '../../harness/service.ts'
import { launchBrowser, PLAIN_VISIT, type VisitOptions, visit } from './browser.ts'
import { cleanUp, createChecklist } from './checklist.ts'
import { buildExampleSite, buildModuleSite } from './hugo-build.ts'
import { checkReadersMode } from './hugo-readers.ts'
import { createE2eDatabase } from './scratch-database.ts'
import { startSilentApi } from './silent-api.ts'
import { serveSite } from './static-site.ts'

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname
const INLINE_BUDGET_BYTES = 1024
const GREEK = 'καλημέρα-κόσμε'

const workDir = await mkdtemp(join(tmpdir(), 'vc-e2e-'))
const cacheDir = join(workDir, 'hugo-cache')
const apiPort = freePort()
const apiUrl = `http://127.0.0.1:${apiPort}`
const { check, report } = createChecklist()
const cleanup: (() => unknown)[] = []
const measured: Record<string, string> = {}

async function build(name: string, env: Record<string, string> = {}, args: string[] = []) {
  const destination = join(workDir, name)
  const result = await buildExampleSite({
    destination,
    cacheDir,
    env: { HUGO_PARAMS_VIEWCOUNTERHOST: apiUrl, ...env },
    args,
  })
  assert.equal(result.code, 0, `hugo build "${name}" failed:\n${result.output}`)
  return { ...result, destination }
}

function serve(root: string) {
  const server = serveSite(root)
  cleanup.push(() => server.stop(true))
  return String(server.port)
}

const visits =
  (browser: Awaited<ReturnType<typeof launchBrowser>>) =>
  async (url: string, options: Omit<VisitOptions, 'apiUrl'> = {}) => {
    const seen = await visit(browser, url, { apiUrl, ...options })
    cleanup.push(seen.close)
    return seen
  }

function assertQuiet(seen: { errors: string[]; layoutShift: number; otherRequests: string[] }) {
  assert.deepEqual(seen.errors, [], 'uncaught errors on the page')
  assert.equal(seen.layoutShift, 0, 'layout shift')
  assert.deepEqual(seen.otherRequests, [], 'requests for anything but the page and the API')
}

let ok = false
try {
  console.log(`e2e: work dir ${workDir}, API on ${apiUrl}`)
  const database = await createE2eDatabase()
  cleanup.push(database.drop)
  const storedCount = async (slug: string) =>
    Number((await database.sql`select count from views where slug = ${slug}`)[0]?.count ?? 0)
  console.log(`e2e: scratch database ${database.name}`)

  const production = await build('production')
  // The example site counts its previews in development (config/development/params.toml), as a
  // newcomer's `hugo server` does; this build turns that off to show what a real site's previews do.
  const development = await build('development', { HUGO_PARAMS_VIEWCOUNTERCOUNTPREVIEWS: 'false' }, [
    '--environment',
    'development',
  ])
  const previews = await build('previews', {}, ['--environment', 'development'])
  const ugly = await build('ugly', { HUGO_UGLYURLS: 'true' })
  console.log('e2e: example site built four ways')
  const moduleSite = await buildModuleSite({
    destination: join(workDir, 'module'),
    cacheDir,
    env: { HUGO_PARAMS_VIEWCOUNTERHOST: apiUrl },
  })
  assert.equal(moduleSite.code, 0, `hugo build of the module site failed:\n${moduleSite.output}`)
  console.log('e2e: a site importing the component as a Hugo Module built')

  const productionPort = serve(production.destination)
  const origins = {
    reader: `http://blog.test:${productionPort}`,
    localhost: `http://localhost:${productionPort}`,
    foreign: `http://elsewhere.test:${productionPort}`,
    development: `http://blog.test:${serve(development.destination)}`,
    previews: `http://localhost:${serve(previews.destination)}`,
    ugly: `http://blog.test:${serve(ugly.destination)}`,
    module: `http://blog.test:${serve(join(workDir, 'module'))}`,
  }
  const { foreign: _notAllowed, ...allowed } = origins
  const api = await startService({
    port: apiPort,
    output: 'inherit',
    env: { DATABASE_URL: database.url, CORS_ORIGINS: Object.values(allowed).join(',') },
  })
  let apiRunning = true
  cleanup.push(() => apiRunning && api.stop())
  console.log('e2e: API ready')

  const browser = await launchBrowser(['blog.test', 'elsewhere.test'])
  cleanup.push(() => browser.close())
  const open = visits(browser)
  await mkdir(ARTIFACTS, { recursive: true })

  await check('inline script is minified, self-contained and under 1 KB gzipped', async () => {
    // The Greek post carries the longest phrases.
    for (const [language, path] of [
      ['en', 'posts/hello-world/index.html'],
      ['el', 'el/posts/hello-world/index.html'],
    ] as const) {
      const html = await production.read(path)
      const inline = html.match(/<script data-host=[\s\S]*?<\/script>/)?.[0]
      assert.ok(inline, `no counter script in ${path}`)
      const gzipped = gzipSync(inline).length
      measured[`inline script (${language})`] = `${Buffer.byteLength(inline)} B raw, ${gzipped} B gzipped`
      assert.ok(gzipped < INLINE_BUDGET_BYTES, `${gzipped} B gzipped is over budget in ${path}`)
      assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+stylesheet/, 'external files')
      // Storage holds the owner's opt-out and nothing else; the reader checks prove a reader's stays empty.
      assert.doesNotMatch(inline, /cookie|sessionStorage/, 'the script touches cookies or session storage')
      assert.match(inline, /"view-counter-ignore"/, 'the owner flag is missing')
    }
  })

  await check('a post shows "1 view", then "2 views" on reload, one POST each', async () => {
    for (const expected of ['1 view', '2 views']) {
      const seen = await open(`${origins.reader}/posts/hello-world/`)
      assert.equal(seen.counts['posts/hello-world/'], expected)
      assert.deepEqual(seen.apiRequests, [`POST /views/posts/hello-world/${PLAIN_VISIT}`])
      assertQuiet(seen)
      assert.deepEqual(seen.cookies, [], 'cookies set')
      assert.equal(seen.storedItems, 0, 'items in local or session storage')
      if (expected === '2 views') await seen.page.screenshot({ path: join(ARTIFACTS, 'post.png'), fullPage: true })
    }
    assert.equal(await storedCount('posts/hello-world/'), 2)
  })

  await check('the Greek-titled post counts under its decoded slug', async () => {
    const seen = await open(`${origins.reader}/posts/${encodeURIComponent(GREEK)}/`)
    assert.equal(seen.counts[`posts/${GREEK}/`], '1 view')
    assert.deepEqual(seen.apiRequests, [`POST /views/posts/${GREEK}/${PLAIN_VISIT}`])
    assertQuiet(seen)
    assert.equal(await storedCount(`posts/${GREEK}/`), 1)
    const ranked = (await (await fetch(`${apiUrl}/views`)).json()) as { slug: string }[]
    assert.ok(
      ranked.some(({ slug }) => slug === `posts/${GREEK}/`),
      'decoded slug missing from GET /views',
    )
  })

  await check('numbers are formatted for the page language (1,234 / 1.234)', async () => {
    await database.sql`insert into views (slug, count) values ('posts/a-second-post/', 1233), ('el/posts/hello-world/', 1233)`
    const english = await open(`${origins.reader}/posts/a-second-post/`)
    assert.equal(english.counts['posts/a-second-post/'], '1,234 views')
    const greek = await open(`${origins.reader}/el/posts/hello-world/`)
    assert.equal(greek.counts['el/posts/hello-world/'], '1.234 προβολές')
  })

  const expectedList = {
    [`posts/${GREEK}/`]: '1 view',
    'posts/a-second-post/': '1,234 views',
    'posts/hello-world/': '2 views',
  }
  await check("list pages show every post's count after exactly one request", async () => {
    for (const path of ['/', '/posts/', '/tags/hugo/']) {
      const seen = await open(`${origins.reader}${path}`)
      const expected =
        path === '/tags/hugo/'
          ? { 'posts/a-second-post/': '1,234 views', 'posts/hello-world/': '2 views' }
          : expectedList
      assert.deepEqual(seen.counts, expected, `counts on ${path}`)
      assert.equal(seen.apiRequests.length, 1, `requests on ${path}: ${seen.apiRequests.join(', ')}`)
      assert.match(String(seen.apiRequests[0]), /^GET \/views\?slugs=/)
      assertQuiet(seen)
      if (path === '/') await seen.page.screenshot({ path: join(ARTIFACTS, 'list.png'), fullPage: true })
    }
    assert.equal(await storedCount('posts/hello-world/'), 2, 'a list page changed a count')
  })

  await check('from localhost a post shows its count and adds none', async () => {
    const seen = await open(`${origins.localhost}/posts/hello-world/`)
    assert.equal(seen.counts['posts/hello-world/'], '2 views')
    assert.deepEqual(seen.apiRequests, [`GET /views?slugs=${encodeURIComponent('posts/hello-world/')}`])
    assertQuiet(seen)
    assert.equal(await storedCount('posts/hello-world/'), 2)
  })

  await check('a non-production build shows counts and adds none', async () => {
    const seen = await open(`${origins.development}/posts/hello-world/`)
    assert.equal(seen.counts['posts/hello-world/'], '2 views')
    assert.deepEqual(seen.apiRequests, [`GET /views?slugs=${encodeURIComponent('posts/hello-world/')}`])
    assert.equal(await storedCount('posts/hello-world/'), 2)
  })

  await check('the example site as `hugo server` builds it counts a preview on localhost, and says so', async () => {
    const seen = await open(`${origins.previews}/posts/hello-world/`)
    assert.equal(seen.counts['posts/hello-world/'], '3 views')
    assert.match(await previews.read('posts/hello-world/index.html'), /This preview counts its own views/)
    assert.deepEqual(seen.apiRequests, [`POST /views/posts/hello-world/${PLAIN_VISIT}`])
    assert.equal(await storedCount('posts/hello-world/'), 3)
  })

  await check('from an origin that is not allowed nothing is shown or counted', async () => {
    for (const path of ['/posts/hello-world/', '/']) {
      const seen = await open(`${origins.foreign}${path}`)
      assert.ok(
        Object.values(seen.counts).every((text) => text === ''),
        `counts shown on ${path}: ${JSON.stringify(seen.counts)}`,
      )
      assert.deepEqual(seen.errors, [], 'uncaught errors on the page')
    }
    assert.equal(await storedCount('posts/hello-world/'), 3)
  })

  await check('uglyURLs: posts count under their .html slugs, the list reads them at once', async () => {
    for (const slug of ['posts/hello-world.html', `posts/${GREEK}.html`]) {
      const seen = await open(`${origins.ugly}/${encodeURI(slug)}`)
      assert.equal(seen.counts[slug], '1 view')
      assert.deepEqual(seen.apiRequests, [`POST /views/${slug}${PLAIN_VISIT}`])
      assert.equal(await storedCount(slug), 1)
    }
    const list = await open(`${origins.ugly}/`)
    assert.equal(list.apiRequests.length, 1)
    assert.equal(list.counts['posts/hello-world.html'], '1 view')
    assert.equal(list.counts['posts/a-second-post.html'], '0 views')
  })

  await check('an ad-blocked API shows nothing and throws nothing', async () => {
    const seen = await open(`${origins.reader}/posts/hello-world/`, {
      prepare: (page) => page.route(`${apiUrl}/**`, (route) => route.abort('blockedbyclient')),
    })
    assert.equal(seen.counts['posts/hello-world/'], '')
    assertQuiet(seen)
  })

  await check('build-time counts render without JavaScript', async () => {
    const counted = await build('build-counts', { HUGO_PARAMS_VIEWCOUNTERBUILDCOUNTS: 'true' })
    const site = `http://blog.test:${serve(counted.destination)}`
    const home = await open(`${site}/`, { javaScript: false })
    assert.deepEqual(home.counts, { ...expectedList, 'posts/hello-world/': '3 views' })
    const greek = await open(`${site}/el/posts/hello-world/`, { javaScript: false })
    assert.equal(greek.counts['el/posts/hello-world/'], '1.234 προβολές')
  })

  await check('a site importing the component as a Hugo Module counts and shows "1 view"', async () => {
    const seen = await open(`${origins.module}/posts/hello/`)
    assert.equal(seen.counts['posts/hello/'], '1 view')
    assert.deepEqual(seen.apiRequests, [`POST /views/posts/hello/${PLAIN_VISIT}`])
    assertQuiet(seen)
    assert.equal(await storedCount('posts/hello/'), 1)
  })

  await checkReadersMode({
    check,
    browser,
    cleanup,
    artifacts: ARTIFACTS,
    buildSite: async (host) => {
      const built = await build('readers', { HUGO_PARAMS_VIEWCOUNTERHOST: host })
      return { port: serve(built.destination), read: built.read }
    },
  })

  await api.stop()
  apiRunning = false
  console.log('e2e: API stopped')

  await check('with the API stopped the build still succeeds, without counts', async () => {
    const uncounted = await build('build-counts-api-down', { HUGO_PARAMS_VIEWCOUNTERBUILDCOUNTS: 'true' })
    assert.match(uncounted.output, /building without counts/)
    const html = await uncounted.read('index.html')
    assert.doesNotMatch(html, /data-view-slug="[^"]*"[^>]*>[^<]/, 'a count was rendered')
  })

  await check('with the API stopped a post renders fully, shows no count, throws nothing', async () => {
    const seen = await open(`${origins.reader}/posts/hello-world/`)
    assert.equal(await seen.page.textContent('h1'), 'Hello, world')
    assert.match((await seen.page.textContent('article')) ?? '', /The first post/)
    assert.equal(seen.counts['posts/hello-world/'], '')
    assertQuiet(seen)
  })

  await check('an API that never answers is given up on after about 3 s', async () => {
    const silent = startSilentApi(apiPort)
    cleanup.push(silent.stop)
    const seen = await open(`${origins.reader}/posts/hello-world/`)
    measured['silent API settled after'] = `${Math.round(seen.settledMs)} ms`
    assert.equal(seen.counts['posts/hello-world/'], '')
    assert.equal(seen.failures.length, 1, `failed requests: ${seen.failures.join(', ')}`)
    assert.match(String(seen.failures[0]), /ERR_ABORTED/)
    assert.ok(seen.settledMs > 2900 && seen.settledMs < 6000, `settled after ${seen.settledMs} ms`)
    assertQuiet(seen)
  })

  ok = report()
  for (const [what, value] of Object.entries(measured)) console.log(`measured: ${what}: ${value}`)
  console.log(
    `screenshots: ${['post', 'list', 'readers', 'owner-ignored'].map((name) => `${ARTIFACTS}${name}.png`).join(', ')}`,
  )
} catch (error) {
  console.error('e2e: setup failed:', error)
} finally {
  await cleanUp(cleanup)
  await rm(workDir, { recursive: true, force: true })
}
process.exit(ok ? 0 : 1)
