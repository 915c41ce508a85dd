import { raw } from 'hono/html'
import type { Child } from 'hono/jsx'
import { css } from './styles.ts'

/** The frame every owner-facing page shares: one stylesheet (the one the CSP hash allows), no script. */
export function Document({ title, children }: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="robots" content="noindex" />
        <title>{title}</title>
        <style>{raw(css)}</style>
      </head>
      <body>
        <main>{children}</main>
      </body>
    </html>
  )
}
