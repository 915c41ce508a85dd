import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const REPO_ROOT = new URL('../..', import.meta.url).pathname
const COMPONENT = join(REPO_ROOT, 'hugo')

/** The component's module path, as its go.mod declares it. */
export const componentModulePath = readFileSync(join(COMPONENT, 'go.mod'), 'utf8').match(/^module (\S+)$/m)![1]!

export interface BuildOptions {
  destination: string
  cacheDir: string
  env?: Record<string, string>
  args?: string[]
}

export async function buildSite(source: string, { destination, cacheDir, env = {}, args = [] }: BuildOptions) {
  const child = Bun.spawn(['hugo', '-s', source, '-d', destination, '--cacheDir', cacheDir, ...args], {
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
