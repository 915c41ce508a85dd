// The component fetches from the service one way on Hugo before 0.141.0 (.Err) and another since (`try`, parsed only
// when executed): partials/view-counter/get-remote.html. The Hugo tests build with every Hugo in hugo-build.ts's
// list; .ci/run adds a Hugo of the other generation (VIEW_COUNTER_TEST_HUGO), and this holds it to that.
import { describe, expect, test } from 'bun:test'
import { hugos, isBefore, TRY_SINCE } from '../e2e/hugo-build.ts'

describe('the Hugos the component is built with', () => {
  test('each one runs and reports its version', () => {
    for (const hugo of hugos) expect(hugo.version).toMatch(/^\d+\.\d+\.\d+$/)
  })

  test('a second Hugo, when one is listed, is of the other generation, so both ways of fetching are built', () => {
    if (hugos.length < 2) return
    const generations = new Set(hugos.map((hugo) => isBefore(hugo.version, TRY_SINCE)))
    expect(generations.size).toBe(2)
  })
})
