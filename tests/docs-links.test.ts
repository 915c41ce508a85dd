import { describe, expect, test } from 'bun:test'
import { existsSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { docs, prose, repoRoot } from './support/docs.ts'

// The README and docs/ link to each other by file and heading; a page moved or a heading renamed
// must not leave a dead link behind.

/** GitHub's anchor for a heading: lower-case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  const outsideFences = text.replace(/^\s*```[\s\S]*?^\s*```\s*$/gm, '')
  for (const [, heading] of outsideFences.matchAll(/^#{1,6}\s+(.+?)\s*$/gm)) {
    const base = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    result.add(count === 0 ? base : `${base}-${count}`)
  }
  return result
}

const byPath = new Map(docs.map((doc) => [doc.path, doc.text]))

const links = docs.flatMap((doc) =>
  [...prose(doc.text).matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => ({
    from: doc.path,
    target: match[1]!,
    image: match[0].startsWith('!'),
  })),
)
const local = links.filter(({ target }) => !/^[a-z]+:/i.test(target))

describe('links in the README and docs/', () => {
  test('there are links to check', () => {
    expect(local.length).toBeGreaterThan(20)
  })

  test('every relative link names a file in the repository', () => {
    const dead = local.filter(({ from, target }) => {
      const path = target.split('#')[0]!
      return path !== '' && !existsSync(join(repoRoot, dirname(from), decodeURI(path)))
    })
    expect(dead.map(({ from, target }) => `${from}: ${target}`)).toEqual([])
  })

  test('every #anchor names a heading of the page it points into', () => {
    const dead = local.filter(({ from, target }) => {
      if (!target.includes('#')) return false
      const [path, anchor] = target.split('#') as [string, string]
      const page = path === '' ? from : relative(repoRoot, normalize(join(repoRoot, dirname(from), path)))
      const text = byPath.get(page)
      return text === undefined || !anchors(text).has(anchor)
    })
    expect(dead.map(({ from, target }) => `${from}: ${target}`)).toEqual([])
  })

  test('every image is a PNG of at most 200 KiB', () => {
    const images = local.filter(({ image }) => image)
    expect(images.length).toBeGreaterThanOrEqual(2)
    for (const { from, target } of images) {
      const path = join(repoRoot, dirname(from), target)
      expect({ target, png: target.endsWith('.png') }).toEqual({ target, png: true })
      expect(statSync(path).size).toBeLessThanOrEqual(200 * 1024)
    }
  })

  test('the README shows the two screenshots and stays a front door of at most 150 lines', () => {
    const readme = byPath.get('README.md')!
    expect(readme).toContain('](docs/images/post.png)')
    expect(readme).toContain('](docs/images/stats.png)')
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(150)
  })
})
