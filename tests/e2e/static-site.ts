import { join, normalize } from 'node:path'

// A tiny static file server for a built Hugo site: directories serve their index.html, as on any host.
export function serveSite(root: string) {
  return Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const path = normalize(decodeURIComponent(new URL(request.url).pathname))
      const file = Bun.file(join(root, path.endsWith('/') ? `${path}index.html` : path))
      if (await file.exists()) return new Response(file)
      return new Response('not found', { status: 404 })
    },
  })
}
