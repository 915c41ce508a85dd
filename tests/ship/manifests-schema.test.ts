import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { ownSchemaScope, validateObjects } from './manifest-schemas.ts'
import { appObjects, fluxObjects, type K8sObject, policyObjects, rendered, repoRoot } from './rendered-manifests.ts'

const shipped = [...rendered, ...fluxObjects]
const clusterScopedCore = new Set(['Namespace'])

// A copy of the object with the key at `path` renamed, as a typo would.
function misspell(object: K8sObject, path: (string | number)[], wrong: string): K8sObject {
  const copy = structuredClone(object)
  const parent = path.slice(0, -1).reduce((node: any, key) => node[key], copy)
  const key = path.at(-1)!
  if (!(key in parent)) throw new Error(`${object.kind} has no ${path.join('.')} to misspell`)
  parent[wrong] = parent[key]
  delete parent[key]
  return copy
}

function find(kind: string, name?: string): K8sObject {
  return shipped.find((object) => object.kind === kind && (!name || object.metadata.name === name))!
}

// One misspelling per custom resource we ship, deep and shallow, and a few in built-in kinds.
const typos: [string, K8sObject][] = [
  [
    'Cluster plugins[0].isWALArchiver',
    misspell(find('Cluster'), ['spec', 'plugins', 0, 'isWALArchiver'], 'isWalArchiver'),
  ],
  [
    'Cluster affinity.enablePodAntiAffinity',
    misspell(find('Cluster'), ['spec', 'affinity', 'enablePodAntiAffinity'], 'enablePodAntiAfinity'),
  ],
  ['Cluster spec.imageName', misspell(find('Cluster'), ['spec', 'imageName'], 'image')],
  [
    'ScheduledBackup spec.backupOwnerReference',
    misspell(find('ScheduledBackup'), ['spec', 'backupOwnerReference'], 'backupOwnerRef'),
  ],
  [
    'ObjectStore s3Credentials.accessKeyId',
    misspell(find('ObjectStore'), ['spec', 'configuration', 's3Credentials', 'accessKeyId'], 'accessKeyID'),
  ],
  ['ObjectStore spec.retentionPolicy', misspell(find('ObjectStore'), ['spec', 'retentionPolicy'], 'retention')],
  [
    'ClusterImagePolicy authorities[0].key.secretRef',
    misspell(
      find('ClusterImagePolicy', 'view-counter-signed'),
      ['spec', 'authorities', 0, 'key', 'secretRef'],
      'secretReference',
    ),
  ],
  ['ClusterImagePolicy images[0].glob', misspell(find('ClusterImagePolicy'), ['spec', 'images', 0, 'glob'], 'pattern')],
  [
    'ExternalSecret target.creationPolicy',
    misspell(find('ExternalSecret'), ['spec', 'target', 'creationPolicy'], 'creationpolicy'),
  ],
  [
    'PodMonitor podMetricsEndpoints[0].port',
    misspell(find('PodMonitor'), ['spec', 'podMetricsEndpoints', 0, 'port'], 'prot'),
  ],
  [
    'Flux Kustomization spec.dependsOn',
    misspell(fluxObjects.find((o) => o.spec.dependsOn)!, ['spec', 'dependsOn'], 'dependOn'),
  ],
  ['Flux Kustomization spec.wait', misspell(fluxObjects[0]!, ['spec', 'wait'], 'waitFor')],
  [
    'Deployment container securityContext.readOnlyRootFilesystem',
    misspell(
      find('Deployment'),
      ['spec', 'template', 'spec', 'containers', 0, 'securityContext', 'readOnlyRootFilesystem'],
      'readOnlyRootFileSystem',
    ),
  ],
  [
    'Deployment spec.revisionHistoryLimit',
    misspell(find('Deployment'), ['spec', 'revisionHistoryLimit'], 'revisionHistory'),
  ],
  ['Service spec.ports[0].targetPort', misspell(find('Service'), ['spec', 'ports', 0, 'targetPort'], 'target')],
  ['NetworkPolicy spec.policyTypes', misspell(find('NetworkPolicy'), ['spec', 'policyTypes'], 'policyType')],
  ['ConfigMap data', misspell(find('ConfigMap'), ['data'], 'date')],
]

const results = await validateObjects([...shipped, ...typos.map(([, object]) => object)])

describe('shipped objects', () => {
  test('render to the expected kinds', () => {
    const kinds = (objects: K8sObject[]) => [...new Set(objects.map((object) => object.kind))].sort()
    expect(kinds(appObjects)).toEqual([
      'Cluster',
      'ConfigMap',
      'Deployment',
      'ExternalSecret',
      'Namespace',
      'NetworkPolicy',
      'ObjectStore',
      'PodDisruptionBudget',
      'PodMonitor',
      'ScheduledBackup',
      'Service',
    ])
    expect(kinds(policyObjects)).toEqual(['ClusterImagePolicy', 'ExternalSecret'])
    expect(kinds(fluxObjects)).toEqual(['Kustomization'])
  })

  shipped.forEach((object, i) => {
    test(`${object.kind} ${object.metadata.name} validates against its schema, with no unknown field`, () => {
      expect(results[i]!.covered).toBe(true)
      expect(results[i]!.errors).toEqual([])
    })
  })

  test('cluster-scoped objects carry no namespace, namespaced ones name theirs', () => {
    for (const object of rendered) {
      const clusterScoped = clusterScopedCore.has(object.kind) || ownSchemaScope(object) === 'Cluster'
      const where = `${object.kind}/${object.metadata.name}`
      if (clusterScoped)
        expect({ where, namespace: object.metadata.namespace }).toEqual({ where, namespace: undefined })
      else
        expect({ where, namespace: object.metadata.namespace ?? 'missing' }).not.toEqual({
          where,
          namespace: 'missing',
        })
    }
  })

  test('everything but the Cosign key secret lives in view-counter', () => {
    const elsewhere = rendered.filter(
      (object) => object.metadata.namespace && object.metadata.namespace !== 'view-counter',
    )
    expect(elsewhere.map((object) => `${object.metadata.namespace}/${object.kind}/${object.metadata.name}`)).toEqual([
      'cosign-system/ExternalSecret/view-counter-cosign-pub',
    ])
  })
})

describe('a misspelt field fails the check', () => {
  typos.forEach(([where], i) => {
    test(where, () => {
      const result = results[shipped.length + i]!
      expect(result.covered).toBe(true)
      expect(result.errors.length).toBeGreaterThan(0)
    })
  })
})

describe('manifest files', () => {
  const directories = ['manifests', 'manifests/policy', 'manifests/prometheus']
  for (const directory of directories) {
    const path = join(repoRoot, directory)
    const entries = readdirSync(path).filter((entry) => entry !== 'kustomization.yaml')
    const files = entries.filter((entry) => entry.endsWith('.yaml'))
    const folders = entries.filter((entry) => statSync(join(path, entry)).isDirectory())

    test(`${directory}: hold one kind each, named after it`, () => {
      for (const file of files) {
        const kinds = new Set(
          parseAllDocuments(readFileSync(join(path, file), 'utf8')).map((d) => d.toJS().kind as string),
        )
        expect({ file, kinds: [...kinds].map((kind) => `${kind.toLowerCase()}.yaml`) }).toEqual({ file, kinds: [file] })
      }
    })

    test(`${directory}: every file is listed in kustomization.yaml, and policy/ is left to its own Kustomization`, () => {
      const { resources } = parseAllDocuments(readFileSync(join(path, 'kustomization.yaml'), 'utf8'))[0]!.toJS()
      const expected = [...files, ...folders.filter((folder) => folder !== 'policy')]
      expect([...resources].sort()).toEqual(expected.sort())
    })
  }
})
