import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const REPO_ROOT = new URL('../..', import.meta.url).pathname
const COMPONENT = join(REPO_ROOT, 'hugo')

/** The component's module path, as its go.mod declares it. */
export const componentModulePath = readFileSync(join(COMPONENT, 'go.mod'), 'utf8').match(/^module (\S+)$/m)![1]!

/** A Hugo to build with: its path and the version it reports. */
export interface Hugo {
  path: string
  version: string
}

// Hugo 0.141.0 replaced GetRemote's .Err with `try`, which older Hugo cannot parse, so the component
// fetches through a partial that picks one way or the other by version (partials/view-counter/get-remote.html).
export const TRY_SINCE = '0.141.0'

const versionOf = (path: string) =>
  new TextDecoder().decode(Bun.spawnSync([path, 'version']).stdout).match(/v(\d+\.\d+\.\d+)/)?.[1] ?? ''

export const isBefore = (version: string, than: string) => version.localeCompare(than, 'en', { numeric: true }) < 0

/**
 * The Hugos the component is built with: the `hugo` on PATH, plus any listed in VIEW_COUNTER_TEST_HUGO
 * (paths separated by ":"). CI lists a Hugo of the other generation, so both ways of fetching are built.
 */
export const hugos: Hugo[] = ['hugo', ...(process.env.VIEW_COUNTER_TEST_HUGO ?? '').split(':').filter(Boolean)].map(
  (path) => ({ path, version: versionOf(path) }),
)

/** Warnings but those about the site's own config keys (the example's languageCode, deprecated in Hugo 0.158.0). */
export const warningsOf = (output: string) =>
  output.split('\n').filter((line) => /\bWARN\b/.test(line) && !line.includes('deprecated: project config key'))

export interface BuildOptions {
  destination: string
  cacheDir: string
  env?: Record<string, string>
  args?: string[]
  /** Defaults to the `hugo` on PATH. */
  hugo?: Hugo
}

export async function buildSite(source: string, { destination, cacheDir, env = {}, args = [], hugo }: BuildOptions) {
  const child = Bun.spawn([hugo?.path ?? 'hugo', '-s', source, '-d', destination, '--cacheDir', cacheDir, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { code, output: stdout + stderr, read: (path: string) => Bun.file(join(destination, path)).text() }
}

// Builds the example site exactly as a reader of the README would, settings passed as HUGO_* variables.
export function buildExampleSite(options: BuildOptions) {
  return buildSite('hugo/exampleSite', options)
}

// Builds a site that imports the component as a Hugo Module. Hugo resolves a module path that a replacement
// maps to a local folder without Go or network (https://gohugo.io/hugo-modules/configuration/, "replacements").
export function buildModuleSite({ env = {}, ...options }: BuildOptions) {
  const replacement = `${componentModulePath} -> ${COMPONENT}`
  return buildSite('tests/fixtures/hugo-module-site', {
    ...options,
    env: { HUGO_MODULE_REPLACEMENTS: replacement, ...env },
  })
}
