import { describe, expect, test } from 'bun:test'
import { envNames } from '../src/env.ts'
import { docs } from './support/docs.ts'

// docs/configuration.md is where a reader looks a setting up: it must name every variable the
// service reads (src/env.ts) and none that it does not.
const page = docs.find((doc) => doc.path === 'docs/configuration.md')!.text
const variablesSection = page.split(/^## /m).find((section) => section.startsWith('Variables\n'))
const documented = (variablesSection ?? '')
  .split('\n')
  .filter((line) => line.startsWith('| `'))
  .flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1]!))

describe('docs/configuration.md', () => {
  test('has a table of variables', () => {
    expect(documented.length).toBeGreaterThan(10)
  })

  test('documents every variable the service reads', () => {
    expect(envNames.filter((name) => !documented.includes(name))).toEqual([])
  })

  test('documents no variable the service does not read, and each once', () => {
    expect(documented.filter((name) => !envNames.includes(name))).toEqual([])
    expect(documented.filter((name, i) => documented.indexOf(name) !== i)).toEqual([])
  })
})
