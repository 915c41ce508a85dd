/** `bun run import` or `bun run export` in a process of its own, with PATH and `env` for its whole environment. */
export function run(script: 'import' | 'export', args: string[], env: Record<string, string>) {
  const child = Bun.spawnSync(['bun', 'run', '--silent', script, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  return { exitCode: child.exitCode, stdout: child.stdout.toString(), stderr: child.stderr.toString() }
}
