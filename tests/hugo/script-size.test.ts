// The inline script comes with every page of the site, so it has a budget: under 1 KB gzipped, as the
// page carries it (settings, translated phrases and all). The Greek pages carry the longest phrases.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'bun'
import { buildExampleSite } from '../e2e/hugo-build.ts'

const BUDGET_BYTES = 1024
const workDir = mkdtempSync(join(tmpdir(), 'vc-hugo-size-'))
afterAll(() => rmSync(workDir, { recursive: true, force: true }))

describe('the inline script', () => {
  test('is under 1 KB gzipped on an English and a Greek post, with the longest local host the e2e uses', async () => {
    // Nothing listens there: the build only warns that it has no "Most read" list.
    const built = await buildExampleSite({
      destination: join(workDir, 'public'),
      cacheDir: join(workDir, 'cache'),
      env: { HUGO_PARAMS_VIEWCOUNTERHOST: 'http://127.0.0.1:65535' },
    })
    expect(built.code).toBe(0)
    for (const path of ['posts/hello-world/index.html', 'el/posts/hello-world/index.html']) {
      const inline = (await built.read(path)).match(/<script data-host=[\s\S]*?<\/script>/)?.[0] ?? ''
      expect(inline).toContain('data-count-slug=')
      const gzipped = gzipSync(inline).length
      console.log(`inline script on ${path}: ${Buffer.byteLength(inline)} B raw, ${gzipped} B gzipped`)
      expect(gzipped).toBeLessThan(BUDGET_BYTES)
    }
  }, 60_000)
})
