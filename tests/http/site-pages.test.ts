import { describe, expect, test } from 'bun:test'
import { pageUrl } from '../../src/http/site-pages.ts'

describe('a page link', () => {
  test('is the slug resolved against SITE_URL', () => {
    expect(pageUrl({ url: 'https://blog.example/' }, 'posts/a/')).toBe('https://blog.example/posts/a/')
  })

  test('does not double a sub-path the slug already holds, as Hugo slugs under a sub-path do', () => {
    expect(pageUrl({ url: 'https://x.dev/blog/' }, 'blog/posts/a/')).toBe('https://x.dev/blog/posts/a/')
    expect(pageUrl({ url: 'https://x.dev/blog' }, 'blog/posts/a/')).toBe('https://x.dev/blog/posts/a/')
  })

  test('adds the sub-path to a slug without it', () => {
    expect(pageUrl({ url: 'https://x.dev/blog/' }, 'posts/a/')).toBe('https://x.dev/blog/posts/a/')
  })

  test('never leaves the site, whatever the slug holds', () => {
    expect(pageUrl({ url: 'https://x.dev/blog/' }, 'javascript:alert(1)')).toBe(
      'https://x.dev/blog/javascript%3Aalert(1)',
    )
    expect(pageUrl({ url: 'https://x.dev/blog/' }, 'a?b#c')).toBe('https://x.dev/blog/a%3Fb%23c')
    expect(pageUrl({}, 'posts/a/')).toBeNull()
  })
})
