import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { crdScope, validateObject } from './manifest-schemas.ts'
import { rendered, repoRoot } from './rendered-manifests.ts'

const clusterScopedCore = new Set(['Namespace'])

describe('rendered manifests', () => {
  test('render to the expected kinds', () => {
    expect([...new Set(rendered.map((object) => object.kind))].sort()).toEqual([
      'Cluster', 'ClusterImagePolicy', 'ConfigMap', 'Deployment', 'ExternalSecret', 'Namespace', 'NetworkPolicy',
      'ObjectStore', 'PodDisruptionBudget', 'PodMonitor', 'ScheduledBackup', 'Service',
    ])
  })

  for (const object of rendered) {
    test(`${object.kind} ${object.metadata.name} validates against its schema`, async () => {
      const result = await validateObject(object)
      expect(result.covered).toBe(true)
      if (result.covered) expect(result.errors).toEqual([])
    })
  }

  test('cluster-scoped objects carry no namespace, namespaced ones name theirs', () => {
    for (const object of rendered) {
      const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : ''
      const clusterScoped = clusterScopedCore.has(object.kind) || crdScope(group) === 'Cluster'
      const where = `${object.kind}/${object.metadata.name}`
      if (clusterScoped) expect({ where, namespace: object.metadata.namespace }).toEqual({ where, namespace: undefined })
      else expect({ where, namespace: object.metadata.namespace ?? 'missing' }).not.toEqual({ where, namespace: 'missing' })
    }
  })

  test('everything but the Cosign key secret lives in view-counter', () => {
    const elsewhere = rendered.filter((object) => object.metadata.namespace && object.metadata.namespace !== 'view-counter')
    expect(elsewhere.map((object) => `${object.metadata.namespace}/${object.kind}/${object.metadata.name}`)).toEqual([
      'cosign-system/ExternalSecret/view-counter-cosign-pub',
    ])
  })
})

describe('manifest files', () => {
  const directory = join(repoRoot, 'manifests')
  const files = readdirSync(directory).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')

  test('hold one kind each, named after it', () => {
    for (const file of files) {
      const kinds = new Set(parseAllDocuments(readFileSync(join(directory, file), 'utf8')).map((d) => d.toJS().kind as string))
      expect({ file, kinds: [...kinds].map((kind) => `${kind.toLowerCase()}.yaml`) }).toEqual({ file, kinds: [file] })
    }
  })

  test('are all listed in kustomization.yaml', () => {
    const { resources } = parseAllDocuments(readFileSync(join(directory, 'kustomization.yaml'), 'utf8'))[0]!.toJS()
    expect([...resources].sort()).toEqual([...files].sort())
  })
})
