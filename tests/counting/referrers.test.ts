import { describe, expect, test } from 'bun:test'
import { referrerHost, referrerValue } from '../../src/counting/referrers.ts'

describe('referrerValue', () => {
  test('keeps only the host of a full URL, lower-cased, without www., a trailing dot or a port', () => {
    expect(referrerValue('https://WWW.Example.COM./some/path?q=secret#frag')).toBe('example.com')
    expect(referrerValue('http://blog.example.org:8080/x')).toBe('blog.example.org')
    expect(referrerValue('example.net')).toBe('example.net')
    expect(referrerValue('example.net/a/path')).toBe('example.net')
    expect(referrerValue('https://user:pass@example.com/')).toBe('example.com')
  })

  test('groups well-known sites under readable names', () => {
    const cases: [string, string][] = [
      ['https://www.google.com/', 'Google'],
      ['google.de', 'Google'],
      ['https://www.google.co.uk/search?q=x', 'Google'],
      ['google.com.au', 'Google'],
      ['bing.com', 'Bing'],
      ['duckduckgo.com', 'DuckDuckGo'],
      ['search.yahoo.co.jp', 'Yahoo'],
      ['yandex.ru', 'Yandex'],
      ['baidu.com', 'Baidu'],
      ['ecosia.org', 'Ecosia'],
      ['search.brave.com', 'Brave Search'],
      ['https://news.ycombinator.com/item?id=123', 'Hacker News'],
      ['old.reddit.com', 'Reddit'],
      ['out.reddit.com', 'Reddit'],
      ['new.reddit.com', 'Reddit'],
      ['lobste.rs', 'Lobsters'],
      ['t.co', 'X (Twitter)'],
      ['x.com', 'X (Twitter)'],
      ['twitter.com', 'X (Twitter)'],
      ['l.facebook.com', 'Facebook'],
      ['lm.facebook.com', 'Facebook'],
      ['m.facebook.com', 'Facebook'],
      ['l.instagram.com', 'Instagram'],
      ['lnkd.in', 'LinkedIn'],
      ['www.linkedin.com', 'LinkedIn'],
      ['github.com', 'GitHub'],
      ['stackoverflow.com', 'Stack Overflow'],
      ['m.youtube.com', 'YouTube'],
      ['bsky.app', 'Bluesky'],
      ['en.wikipedia.org', 'Wikipedia'],
      ['feedly.com', 'Feedly'],
      ['substack.com', 'Substack'],
    ]
    for (const [input, name] of cases) expect([input, referrerValue(input)]).toEqual([input, name])
  })

  test('does not group look-alikes or the sites hosted on a group', () => {
    expect(referrerValue('notgoogle.com')).toBe('notgoogle.com')
    expect(referrerValue('google.com.evil.io')).toBe('google.com.evil.io')
    expect(referrerValue('someone.github.io')).toBe('someone.github.io')
    expect(referrerValue('mastodon.social')).toBe('mastodon.social')
    expect(referrerValue('writer.substack.com')).toBe('writer.substack.com')
  })

  test("drops the site's own hosts", () => {
    const site = new Set(['uclab.dev', 'localhost'])
    expect(referrerValue('https://www.uclab.dev/posts/', site)).toBeUndefined()
    expect(referrerValue('http://localhost:1313/', site)).toBeUndefined()
    expect(referrerValue('other.dev', site)).toBe('other.dev')
  })

  test('takes international names as punycode', () => {
    expect(referrerValue('https://münchen.de/')).toBe('xn--mnchen-3ya.de')
  })

  test('drops an address, in any spelling: it would be a machine, often a person, not a site', () => {
    for (const input of [
      'http://192.0.2.7/x',
      '192.0.2.7',
      'http://3221225991/',
      'http://0xc0000207/',
      'http://[2001:db8::1]/',
    ])
      expect(referrerValue(input)).toBeUndefined()
  })

  test('drops what is not a hostname', () => {
    for (const input of [
      '',
      '   ',
      'exa mple.com',
      'a_b.com',
      '-bad.com',
      `${'a'.repeat(64)}.com`,
      'x'.repeat(3000),
      'javascript:alert(1)',
      '<script>',
    ])
      expect([input, referrerValue(input)]).toEqual([input, undefined])
    expect(referrerHost(`${'a.'.repeat(127)}com`)).toBeUndefined()
  })
})
