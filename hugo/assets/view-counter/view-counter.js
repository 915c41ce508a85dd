// Inlined by layouts/partials/view-counter/script.html, which passes its settings as data attributes.
// It must never get in a reader's way: it runs after the page is parsed, gives up after a few
// seconds, and any failure leaves the placeholders empty without throwing. Every byte of it comes
// with every page and must stay under 1 KB gzipped (tests/hugo/script-size.test.ts), hence its terse shapes.
const settings = document.currentScript.dataset

// The owner's own visits (hugo server, a build opened from localhost) show counts but add none.
const isLocal = /^(localhost|127(\.\d+){3}|\[::1\])$/.test(location.hostname)

// The owner's own browser stops counting itself once any page is opened with #view-counter=ignore,
// until one is opened with #view-counter=count. The flag is the same in every browser that sets it,
// so it identifies no reader; where storage is blocked the browser simply stays counted.
const IGNORE_KEY = 'view-counter-ignore'
let optedOut
try {
  const choice = /^#view-counter=(ignore|count)$/.exec(location.hash)
  if (choice) {
    if (choice[1] === 'ignore') localStorage[IGNORE_KEY] = 1
    else delete localStorage[IGNORE_KEY]
    // The flag leaves the address bar, so a link the owner copies from it does not opt readers out.
    history.replaceState(null, '', location.href.split('#')[0])
  }
  optedOut = localStorage[IGNORE_KEY]
} catch {}

const countSlug = (isLocal && !('previews' in settings)) || optedOut ? '' : settings.countSlug

// Hands the answer to use (a GET unless method says otherwise). It gives up after 3 s, so a silent
// service never holds the page's loading indicator; browsers from before 2022, without
// AbortSignal.timeout, wait instead. An answer that is not 2xx is a failure like a network error, and a
// failure, or anything use throws, leaves the page as it is.
const api = (path, use, method) => {
  fetch(settings.host + path, {
    method,
    // biome-ignore lint/complexity/useOptionalChain: built for es2019 (script.html), ?. would be spelled out at length
    signal: AbortSignal.timeout && AbortSignal.timeout(3000),
    credentials: 'omit',
  })
    .then((response) => (response.ok ? response.json() : Promise.reject()))
    .then(use)
    .catch(() => {})
}

const run = () => {
  try {
    const plurals = new Intl.PluralRules(settings.lang)
    // Hugo rendered the translated phrase for sample counts (script.html, in this order); the browser's
    // plural rules tell which form each one is.
    const phrases = {}
    settings.phrases.split('|').forEach((phrase, i) => {
      phrases[plurals.select([0, 1, 2, 3, 5, 11, 100][i])] = phrase
    })
    const placeholders = [...document.querySelectorAll('[data-view-slug]')]
    const show = (slug, { count }) => {
      const text = (phrases[plurals.select(count)] || phrases.other).replace('#', count.toLocaleString(settings.lang))
      for (const placeholder of placeholders) {
        if (placeholder.dataset.viewSlug === slug) placeholder.textContent = text
      }
    }

    // Counting this page answers with its count, so it needs no read of its own. Slugs are kept
    // decoded; each path segment is encoded on the way out, as the API decodes them.
    if (countSlug) {
      // What the reader came with, as the service's POST /views/{slug} takes it; nothing that names them.
      const came = new URLSearchParams()
      // The referring site's host only, and only when it is another site. A referrer is always an absolute
      // URL without credentials (https://www.w3.org/TR/referrer-policy/#strip-url), so its host is the third part.
      const referrer = document.referrer.split('/')[2]
      if (referrer && referrer !== location.host) came.set('ref', referrer)
      for (const [key, value] of new URLSearchParams(location.search)) {
        if (/^utm_(source|campaign)$/.test(key)) came.set(key, value)
      }
      const width = screen.width
      came.set('screen', width < 600 ? 's' : width < 1024 ? 'm' : width < 1440 ? 'l' : 'xl')
      const path = countSlug.split('/').map(encodeURIComponent).join('/')
      api(`/views/${path}?${came}`, (views) => show(countSlug, views), 'POST')
    }
    const toRead = new Set(placeholders.map((placeholder) => placeholder.dataset.viewSlug))
    toRead.delete(countSlug)
    const slugs = [...toRead]
    // At most 100 slugs per read, as the API takes them.
    while (slugs.length) {
      const batch = slugs.splice(0, 100)
      api(`/views?slugs=${batch.map(encodeURIComponent).join()}`, (list) =>
        list.forEach((views, i) => show(batch[i], views)),
      )
    }
  } catch {
    // An old browser without Intl plural rules, or odd settings: no counts, and nothing else affected.
  }
}

if (document.readyState === 'loading') addEventListener('DOMContentLoaded', run)
else run()
