/** A POST with no headers or body of its own, as the tests of the running service send a view. */
export const post = (url: string) => fetch(url, { method: 'POST' })
