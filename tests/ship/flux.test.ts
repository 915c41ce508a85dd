// The Flux side: two Kustomizations, policies first, and the app held back until it has a
// digest policy-controller can admit.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { appObjects, fluxObjects, only, policyObjects, repoRoot } from './rendered-manifests.ts'

const app = only('Kustomization', 'view-counter', fluxObjects)
const policy = only('Kustomization', 'view-counter-policy', fluxObjects)
const placeholderDigest = `sha256:${'0'.repeat(64)}`

describe('Flux Kustomizations', () => {
  // Flux dry-runs a whole stage before applying any of it (fluxcd/pkg ssa/manager_apply.go
  // ApplyAll); with the policies beside a Deployment that no policy admits yet, nothing is applied.
  test('the image policies and their key are applied apart from the app, and only there', () => {
    expect(policyObjects.map((object) => object.kind).sort()).toEqual([
      'ClusterImagePolicy',
      'ClusterImagePolicy',
      'ClusterImagePolicy',
      'ExternalSecret',
    ])
    expect(
      appObjects.filter(
        (object) => object.kind === 'ClusterImagePolicy' || object.metadata.namespace === 'cosign-system',
      ),
    ).toEqual([])
  })

  test('point at the copied folders: manifests/ as the app path, manifests/policy/ under it', () => {
    expect(policy.spec.path).toBe(`${app.spec.path}/policy`)
    expect(policy.spec.sourceRef).toEqual(app.spec.sourceRef)
  })

  test('the policies become Ready only once applied and healthy, and the app waits for them', () => {
    expect(policy.spec.wait).toBe(true)
    expect(policy.spec.suspend).toBeUndefined()
    expect(app.spec.dependsOn).toEqual([{ name: policy.metadata.name }])
    expect(app.spec.prune && policy.spec.prune).toBe(true)
  })

  test('the all-zero placeholder digest is never applied: the app Kustomization ships suspended while it is there', () => {
    const image: string = only('Deployment', undefined, appObjects).spec.template.spec.containers[0].image
    if (image.endsWith(`@${placeholderDigest}`)) expect(app.spec.suspend).toBe(true)
    else expect(app.spec.suspend).toBeUndefined()
  })

  test("the pipeline's deploy job edits the Deployment inside the app Kustomization's path", () => {
    const workflow = readFileSync(join(repoRoot, '.forgejo/workflows/ship.yml'), 'utf8')
    const deployFile = workflow.match(/DEPLOY_FILE: (\S+)/)?.[1]
    expect(`./${deployFile}`).toBe(`${app.spec.path}/deployment.yaml`)
  })
})
