// Runs named checks in order, printing each as it finishes, and a result table at the end.
export function createChecklist() {
  const results: { name: string; ok: boolean; ms: number; detail: string }[] = []

  return {
    async check(name: string, run: () => Promise<unknown>) {
      const started = performance.now()
      let ok = true
      let detail = ''
      try {
        await run()
      } catch (error) {
        ok = false
        detail = error instanceof Error ? error.message : String(error)
      }
      const ms = Math.round(performance.now() - started)
      results.push({ name, ok, ms, detail })
      console.log(
        `${ok ? 'PASS' : 'FAIL'} ${name} (${ms} ms)${ok ? '' : `\n     ${detail.replaceAll('\n', '\n     ')}`}`,
      )
    },

    report() {
      const width = Math.max(...results.map((result) => result.name.length))
      console.log(`\n${'check'.padEnd(width)}  result    ms`)
      for (const { name, ok, ms } of results) {
        console.log(`${name.padEnd(width)}  ${ok ? 'pass' : 'FAIL'}  ${String(ms).padStart(6)}`)
      }
      const failed = results.filter((result) => !result.ok).length
      console.log(`\n${results.length - failed} passed, ${failed} failed`)
      return failed === 0
    },
  }
}

/** Runs a run's cleanup steps, last added first; one that fails does not keep the others from running. */
export async function cleanUp(steps: (() => unknown)[]) {
  for (const step of steps.reverse())
    await Promise.resolve()
      .then(step)
      .catch(() => {})
}
