// The "Most read" partial (layouts/partials/view-counter/most-read.html) in the example site, built by
// every Hugo the tests have (hugo-build.ts's hugos: both ways of fetching in CI) against the real app's
// GET /popular, and with no service at all.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dayRange } from '../../src/db/history.ts'
import { dailyViews } from '../../src/db/schema.ts'
import { buildExampleSite, type Hugo, hugos, warningsOf } from '../e2e/hugo-build.ts'
import { appOn } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'

const GREEK = 'καλημέρα-κόσμε'
const database = useMigratedDatabase()
let server: ReturnType<typeof Bun.serve>
let workDir: string

// Views as readers make them, most first. The example site builds four of them; the others are slugs only the
// service knows (one of them with a title in its page list), which a client can POST without any page list.
const viewed: [string, number][] = [
  ['cheap-pills-here/', 9],
  ['posts/a-second-post/', 6],
  [`posts/${GREEK}/`, 5],
  ['posts/since-removed/', 4],
  ['el/posts/hello-world/', 4],
  ['posts/hello-world/', 3],
]

beforeAll(async () => {
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: appOn(database.handle, {
      site: {
        url: 'https://blog.example.org/',
        pages: { page: (slug) => (slug === 'posts/since-removed/' ? { title: 'A post since removed' } : undefined) },
      },
    }).fetch,
  })
  for (const [slug, count] of viewed)
    for (let i = 0; i < count; i++) {
      const response = await fetch(`http://127.0.0.1:${server.port}/views/${encodeURI(slug)}`, { method: 'POST' })
      expect(response.status).toBe(200)
    }
  // Far more views, but two months ago: outside the last 30 days the example site asks for.
  const [longAgo] = dayRange(new Date().toISOString().slice(0, 10), 60)
  await database.handle.db.insert(dailyViews).values({ slug: 'posts/old-favourite/', day: longAgo!, count: 1000 })
  workDir = await mkdtemp(join(tmpdir(), 'vc-hugo-most-read-'))
}, 30_000)
afterAll(async () => {
  await server?.stop(true)
  await rm(workDir, { recursive: true, force: true })
})

function build(hugo: Hugo, name: string, host: string) {
  return buildExampleSite({
    hugo,
    destination: join(workDir, `${name}-${hugo.version}`),
    cacheDir: join(workDir, `cache-${name}-${hugo.version}`),
    env: { HUGO_PARAMS_VIEWCOUNTERHOST: host },
  })
}

/** The list as a reader sees it: each item's link, text and whether it is marked as the current page. */
function mostRead(html: string) {
  const section = html.match(/<section class="view-counter-most-read">[\s\S]*?<\/section>/)?.[0]
  if (!section) return undefined
  return {
    heading: section.match(/<h2>(.*?)<\/h2>/)?.[1],
    items: [
      ...section.matchAll(/<li><a href="([^"]*)"( aria-current="page")?>(.*?)<\/a> <span[^>]*>(.*?)<\/span><\/li>/g),
    ].map(([, href, current, title, count]) => ({ href, title, count, ...(current ? { current: true } : {}) })),
  }
}

describe.each(hugos)('the "Most read" partial, built by Hugo $version', (hugo) => {
  test("lists the top pages of the last 30 days the build has, with Hugo's titles and links, counts in the page's language", async () => {
    const built = await build(hugo, 'running', `http://127.0.0.1:${server.port}`)
    expect(warningsOf(built.output)).toEqual([])
    expect(built.code).toBe(0)
    const encodedGreek = `/posts/${encodeURIComponent(GREEK)}/`
    expect(mostRead(await built.read('posts/a-second-post/index.html'))).toEqual({
      heading: 'Most read',
      items: [
        { href: '/posts/a-second-post/', title: 'A second post', count: '6 views', current: true },
        { href: encodedGreek, title: 'Καλημέρα κόσμε', count: '5 views' },
        { href: '/el/posts/hello-world/', title: 'Γεια σου, κόσμε', count: '4 views' },
        { href: '/posts/hello-world/', title: 'Hello, world', count: '3 views' },
      ],
    })
    const greek = mostRead(await built.read('el/index.html'))
    expect(greek?.heading).toBe('Τα πιο διαβασμένα')
    expect(greek?.items.map((item) => item.count)).toEqual(['6 προβολές', '5 προβολές', '4 προβολές', '3 προβολές'])
  }, 60_000)

  test('with the service down the build succeeds with a warning and renders nothing, not even the heading', async () => {
    await using closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
    const host = `http://127.0.0.1:${closed.port}`
    await closed.stop(true)
    const built = await build(hugo, 'down', host)
    expect(built.code).toBe(0)
    expect(built.output).toContain('view-counter: building without the most read pages')
    for (const path of ['index.html', 'posts/hello-world/index.html', 'el/index.html']) {
      const html = await built.read(path)
      expect(html).not.toContain('<section class="view-counter-most-read">')
      expect(html).not.toMatch(/<h2>|Most read|Τα πιο διαβασμένα/)
      expect(html).toContain('<script data-host=')
    }
  }, 60_000)
})
