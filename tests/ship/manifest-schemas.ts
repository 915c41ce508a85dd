// Checks each shipped object two ways, because the API server silently prunes a field it does not
// know (worse than an error): against its JSON schema (types, enums, required fields) and for
// unknown fields anywhere in it.
// - Kinds the kubernetes-models packages cover (built-ins, CNPG, External Secrets,
//   prometheus-operator, Flux): the package's compiled validator checks the schema; those schemas
//   are open, so the package's TypeScript interface checks the fields: every object is written out
//   as a literal typed with it, and tsc's excess-property check rejects any name the interface
//   lacks, at any depth.
// - ClusterImagePolicy and ObjectStore, which no package models: the closed JSON schemas in
//   tests/ship/schemas/, written from the upstream Go types (cited in each file), compiled with ajv.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv from 'ajv'
import { type K8sObject, repoRoot } from './rendered-manifests.ts'

const modelPackages: Record<string, string> = {
  '': 'kubernetes-models',
  apps: 'kubernetes-models',
  policy: 'kubernetes-models',
  'networking.k8s.io': 'kubernetes-models',
  'postgresql.cnpg.io': '@kubernetes-models/cloudnative-pg',
  'external-secrets.io': '@kubernetes-models/external-secrets',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'kustomize.toolkit.fluxcd.io': '@kubernetes-models/flux-cd',
}

// Kinds with a schema of our own; the scope is the CRD's (cluster-scoped objects carry no namespace).
const ownSchemas: Record<string, { file: string; scope: 'Cluster' | 'Namespaced' }> = {
  'policy.sigstore.dev/v1beta1/ClusterImagePolicy': { file: 'clusterimagepolicy.json', scope: 'Cluster' },
  'barmancloud.cnpg.io/v1/ObjectStore': { file: 'objectstore.json', scope: 'Namespaced' },
}

// strict: false for the schemas' Kubernetes extension keywords (x-kubernetes-*). Ajv then only warns
// about a format it does not know and skips checking it, which would pass wrong values with a line of
// noise: a warning fails instead, and the integer formats Kubernetes' OpenAPI schemas use are declared
// as the OpenAPI specification defines them (https://spec.openapis.org/oas/v3.0.3#data-types).
const ajv = new Ajv({
  strict: false,
  allErrors: true,
  logger: {
    log: console.log,
    warn: (message: string) => {
      throw new Error(`ajv: ${message}`)
    },
    error: console.error,
  },
  formats: {
    int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
    int64: { type: 'number', validate: (n: number) => Number.isSafeInteger(n) },
  },
})
const ownValidators = new Map(
  Object.entries(ownSchemas).map(([key, { file }]) => [
    key,
    ajv.compile(JSON.parse(readFileSync(join(import.meta.dir, 'schemas', file), 'utf8'))),
  ]),
)

function groupVersion(object: K8sObject): [string, string] {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion]
  return [group!, version!]
}

function modelPath(object: K8sObject): string | undefined {
  const [group, version] = groupVersion(object)
  const pkg = modelPackages[group]
  if (!pkg) return undefined
  return group ? `${pkg}/${group}/${version}/${object.kind}` : `${pkg}/${version}/${object.kind}`
}

export function ownSchemaScope(object: K8sObject): string | undefined {
  return ownSchemas[`${object.apiVersion}/${object.kind}`]?.scope
}

async function schemaErrors(object: K8sObject): Promise<string[] | undefined> {
  const own = ownValidators.get(`${object.apiVersion}/${object.kind}`)
  if (own) {
    own(object)
    return (own.errors ?? []).map((error) => `${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`)
  }
  const path = modelPath(object)
  if (!path) return undefined
  const module = await import(path)
  const Model = module[object.kind] ?? module.default
  try {
    new Model(object).validate()
    return []
  } catch (error) {
    return [(error as Error).message]
  }
}

// One tsc run for a batch: line i + imports holds object i, so each error maps back to its object.
function unknownFieldErrors(objects: K8sObject[]): string[][] {
  const directory = join(repoRoot, 'node_modules/.cache/view-counter-manifest-types')
  mkdirSync(directory, { recursive: true })
  const typed = objects.map((object) => modelPath(object))
  const imports = typed.map((path, i) => (path ? `import type { I${objects[i]!.kind} as T${i} } from '${path}'` : ''))
  const literals = objects.map((object, i) => (typed[i] ? `export const o${i}: T${i} = ${JSON.stringify(object)}` : ''))
  writeFileSync(join(directory, 'objects.ts'), `${[...imports, ...literals].join('\n')}\n`)
  writeFileSync(
    join(directory, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        module: 'preserve',
        moduleResolution: 'bundler',
        types: [],
      },
      files: ['objects.ts'],
    }),
  )
  const result = Bun.spawnSync([join(repoRoot, 'node_modules/.bin/tsc'), '-p', directory, '--pretty', 'false'])
  const errors: string[][] = objects.map(() => [])
  for (const line of result.stdout.toString().split('\n')) {
    const match = line.match(/objects\.ts\((\d+),\d+\): error (TS\d+: .*)$/)
    if (!match) continue
    const index = Number(match[1]) - 1 - objects.length
    if (index < 0) throw new Error(`tsc could not load a model type: ${line}`)
    errors[index]!.push(match[2]!)
  }
  if (result.exitCode !== 0 && errors.every((list) => list.length === 0)) {
    throw new Error(`tsc failed without object errors:\n${result.stdout}${result.stderr}`)
  }
  return errors
}

export type Validation = { covered: boolean; errors: string[] }

export async function validateObjects(objects: K8sObject[]): Promise<Validation[]> {
  const fields = unknownFieldErrors(objects)
  return Promise.all(
    objects.map(async (object, i) => {
      const schema = await schemaErrors(object)
      return schema ? { covered: true, errors: [...schema, ...fields[i]!] } : { covered: false, errors: [] }
    }),
  )
}
