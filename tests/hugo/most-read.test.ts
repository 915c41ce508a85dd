// The "Most read" partial (layouts/partials/view-counter/most-read.html) in the example site, built by
// Debian's hugo with no service at all.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildExampleSite } from '../e2e/hugo-build.ts'

const workDir = mkdtempSync(join(tmpdir(), 'vc-hugo-most-read-'))
afterAll(() => rmSync(workDir, { recursive: true, force: true }))

describe('the "Most read" partial', () => {
  test('with the service down the build succeeds with a warning and renders nothing, not even the heading', async () => {
    await using closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
    const host = `http://127.0.0.1:${closed.port}`
    await closed.stop(true)
    const built = await buildExampleSite({
      destination: join(workDir, 'down'),
      cacheDir: join(workDir, 'cache'),
      env: { HUGO_PARAMS_VIEWCOUNTERHOST: host },
    })
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
