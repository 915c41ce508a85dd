// docs/hugo.md tells a site how to count every translation of a page as one: a slug.html of its own.
// This builds a two-language site with exactly the partial the page shows, taken from the page.
import { afterAll, describe, expect, test } from 'bun:test'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildSite, componentModulePath } from '../e2e/hugo-build.ts'
import { docs, fencedBlocks, repoRoot } from '../support/docs.ts'

const page = docs.find((doc) => doc.path === 'docs/hugo.md')!.text
const section = page.split(/^## /m).find((part) => part.startsWith('One count for every language\n'))!
const override = fencedBlocks(section).find((block) => block.language === 'go-html-template')!

const workDir = mkdtempSync(join(tmpdir(), 'vc-hugo-languages-'))
afterAll(() => rmSync(workDir, { recursive: true, force: true }))

describe('one count for every language (docs/hugo.md)', () => {
  test('with the documented slug.html, the Greek post counts and shows the English slug', async () => {
    const site = join(workDir, 'site')
    cpSync(join(repoRoot, 'tests/fixtures/hugo-module-site'), site, { recursive: true })
    mkdirSync(join(site, 'layouts/partials/view-counter'), { recursive: true })
    writeFileSync(join(site, 'layouts/partials/view-counter/slug.html'), `${override.body.join('\n')}\n`)
    const built = await buildSite(site, {
      destination: join(workDir, 'public'),
      cacheDir: join(workDir, 'cache'),
      env: {
        HUGO_MODULE_REPLACEMENTS: `${componentModulePath} -> ${join(repoRoot, 'hugo')}`,
        HUGO_PARAMS_VIEWCOUNTERHOST: 'https://counter.example.com',
      },
    })
    expect(built.output).not.toContain('ERROR')
    expect(built.code).toBe(0)
    const greek = await built.read('el/posts/hello/index.html')
    expect(greek).toContain('data-count-slug="posts/hello/"')
    expect(greek).toContain('data-view-slug="posts/hello/"')
    expect(await built.read('posts/hello/index.html')).toContain('data-count-slug="posts/hello/"')
  }, 60_000)
})
