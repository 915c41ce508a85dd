import { describe, expect, test } from 'bun:test'
import { quantity, readPodSpec } from '../../bench/pod-limits.ts'

describe('the pod bench reads its limits from the Deployment', () => {
  test('Kubernetes quantities become cores and bytes', () => {
    expect(quantity('200m')).toBeCloseTo(0.2)
    expect(quantity('1')).toBe(1)
    expect(quantity('128Mi')).toBe(128 * 2 ** 20)
    expect(quantity('1G')).toBe(1e9)
    expect(() => quantity('12 MB')).toThrow('not a Kubernetes quantity')
  })

  test("the app container's cpu and memory limits become a CFS quota and a byte limit", async () => {
    const { limits, config } = await readPodSpec()
    // Each side stated independently: the manifest's numbers, and the kernel's units for them.
    expect({ cpu: limits.cpu, memory: limits.memory }).toEqual({ cpu: '200m', memory: '128Mi' })
    expect({ quotaUs: limits.quotaUs, periodUs: limits.periodUs, memoryBytes: limits.memoryBytes }).toEqual({
      quotaUs: 20_000,
      periodUs: 100_000,
      memoryBytes: 134_217_728,
    })
    expect(config.LOG_LEVEL).toBe('info')
  })
})
