import { etag, RETAINED_304_HEADERS } from 'hono/etag'

// Every read compares If-None-Match the same way: Hono's etag() does RFC 9110's weak comparison
// ("*", comma lists, W/"x" and "x" alike) and uses an ETag the handler already set rather than
// hashing the body again. The 304 keeps the CORS header, so a page revalidating a read can see it.
export const conditionalGet = () => etag({ retainedHeaders: [...RETAINED_304_HEADERS, 'access-control-allow-origin'] })
