import { join } from 'node:path'

const REPO_ROOT = new URL('../..', import.meta.url).pathname

export interface BuildOptions {
  destination: string
  cacheDir: string
  env?: Record<string, string>
  args?: string[]
}

// Builds the example site exactly as a reader of the README would, settings passed as HUGO_* variables.
export async function buildExampleSite({ destination, cacheDir, env = {}, args = [] }: BuildOptions) {
  const child = Bun.spawn(
    ['hugo', '-s', 'hugo/exampleSite', '-d', destination, '--cacheDir', cacheDir, ...args],
    { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' },
  )
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { code, output: stdout + stderr, read: (path: string) => Bun.file(join(destination, path)).text() }
}
