// The Hugo component imported as a Hugo Module (issue 12), built by Debian's hugo against the real app;
// the theme-component way is the example site, proven in tests/e2e/hugo.e2e.ts.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { views } from '../../src/db/schema.ts'
import { buildModuleSite, type Hugo, hugos, warningsOf } from '../e2e/hugo-build.ts'
import { appOn } from '../support/app.ts'
import { useMigratedDatabase } from '../support/database.ts'

const database = useMigratedDatabase()
let server: ReturnType<typeof Bun.serve>
let workDir: string

beforeAll(async () => {
  await database.handle.db.insert(views).values([
    { slug: 'posts/hello/', count: 1234 },
    { slug: 'el/posts/hello/', count: 1234 },
  ])
  server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: appOn(database.handle).fetch })
  workDir = await mkdtemp(join(tmpdir(), 'vc-hugo-module-'))
})
afterAll(async () => {
  await server?.stop(true)
  await rm(workDir, { recursive: true, force: true })
})

async function build(hugo: Hugo, name: string, env: Record<string, string> = {}) {
  const built = await buildModuleSite({
    hugo,
    destination: join(workDir, `${name}-${hugo.version}`),
    cacheDir: join(workDir, `cache-${hugo.version}`),
    env: { HUGO_PARAMS_VIEWCOUNTERHOST: `http://127.0.0.1:${server.port}`, ...env },
  })
  expect(built.output).not.toContain('ERROR')
  expect(warningsOf(built.output)).toEqual([])
  expect(built.code).toBe(0)
  return built
}

describe.each(hugos)('the component as a Hugo Module, built by Hugo $version', (hugo) => {
  test('a site importing it renders the counter, its script in the page language, and the page list', async () => {
    const site = await build(hugo, 'plain')
    const post = await site.read('posts/hello/index.html')
    expect(post).toContain('<span data-view-slug="posts/hello/" style="display:inline-block;min-width:8ch"></span>')
    expect(post).toMatch(
      /<script data-host="http:\/\/127\.0\.0\.1:\d+" data-lang="en" [^>]*data-count-slug="posts\/hello\/">/,
    )
    const greek = await site.read('el/posts/hello/index.html')
    expect(greek).toContain('data-count-slug="el/posts/hello/"')
    expect(greek).toContain('προβολές')
    // A page without a date in its front matter has none in the list.
    expect(JSON.parse(await site.read('view-counter/pages.json'))).toEqual([
      { path: '/posts/hello/', title: 'Hello', lang: 'en', date: '2026-03-01' },
      { path: '/el/posts/hello/', title: 'Γεια', lang: 'el' },
    ])
  })

  test('build-time counts come from the service, written for each language', async () => {
    const site = await build(hugo, 'counted', { HUGO_PARAMS_VIEWCOUNTERBUILDCOUNTS: 'true' })
    expect(await site.read('posts/hello/index.html')).toContain('min-width:8ch">1,234 views</span>')
    expect(await site.read('posts/index.html')).toContain('min-width:8ch">1,234 views</span>')
    expect(await site.read('el/posts/hello/index.html')).toContain('min-width:8ch">1.234 προβολές</span>')
  })

  test('build-time counts with the service down: a warning, a finished build, and placeholders for the script to fill', async () => {
    await using closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
    const host = `http://127.0.0.1:${closed.port}`
    await closed.stop(true)
    const site = await buildModuleSite({
      hugo,
      destination: join(workDir, `down-${hugo.version}`),
      cacheDir: join(workDir, `cache-down-${hugo.version}`),
      env: { HUGO_PARAMS_VIEWCOUNTERHOST: host, HUGO_PARAMS_VIEWCOUNTERBUILDCOUNTS: 'true' },
    })
    expect(site.code).toBe(0)
    expect(site.output).toContain('view-counter: building without counts')
    expect(await site.read('posts/hello/index.html')).toContain('min-width:8ch"></span>')
  })
})
