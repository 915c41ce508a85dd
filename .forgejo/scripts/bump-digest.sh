#!/usr/bin/env bash
# Points the GitOps repository at a new image digest, and never at an older one.
# Forgejo honours `concurrency:` only in recent releases, so two pipelines can reach this step
# together: the one deploying a commit that is no longer the head of the app's main branch steps
# aside (the newer commit's pipeline deploys), and a push rejected because the GitOps repository
# moved is redone on its new tip, a bounded number of times.
#
# Environment:
#   IMAGE            registry/name of the image, as written in DEPLOY_FILE
#   DIGEST           sha256:<64 hex> of the pushed (and signed) image index
#   DEPLOY_FILE      path of the Deployment inside the GitOps repository
#   GITOPS_REPO      clone URL of the GitOps repository (push access)
#   GITOPS_BRANCH    branch Flux follows (default: main)
#   APP_REPO         remote name or URL of this app's repository, for `git ls-remote`
#   APP_BRANCH       the branch that is deployed (default: main)
#   DEPLOY_SHA       the app commit this pipeline built
#   PUSH_ATTEMPTS    how often a rejected push is retried (default: 5)
set -euo pipefail

: "${IMAGE:?}" "${DIGEST:?}" "${DEPLOY_FILE:?}" "${GITOPS_REPO:?}" "${APP_REPO:?}" "${DEPLOY_SHA:?}"
GITOPS_BRANCH=${GITOPS_BRANCH:-main}
APP_BRANCH=${APP_BRANCH:-main}
PUSH_ATTEMPTS=${PUSH_ATTEMPTS:-5}

# Checked before anything is cloned or edited: an empty or malformed digest would write an image
# reference the admission policy denies, and the rollout would stall on it.
if [[ ! "$DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "refusing to deploy: DIGEST '${DIGEST}' is not sha256:<64 lowercase hex>" >&2
  exit 1
fi

still_head() {
  local head
  head=$(git ls-remote "$APP_REPO" "refs/heads/${APP_BRANCH}" | cut -f1)
  if [ "$head" != "$DEPLOY_SHA" ]; then
    echo "skipping: ${APP_BRANCH} is now at ${head:-nothing}, not ${DEPLOY_SHA}; the newer commit's pipeline deploys"
    return 1
  fi
}

# Rewrites the image line whatever digest it holds, the all-zero placeholder of a first deploy included.
point_at_digest() {
  sed -i -E "s|(image: ${IMAGE})@sha256:[0-9a-f]{64}|\1@${DIGEST}|" "$DEPLOY_FILE"
  if ! grep -q "image: ${IMAGE}@${DIGEST}" "$DEPLOY_FILE"; then
    echo "no 'image: ${IMAGE}@sha256:...' line in ${DEPLOY_FILE}" >&2
    exit 1
  fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone --quiet --depth 1 --branch "$GITOPS_BRANCH" "$GITOPS_REPO" "$work/gitops"
cd "$work/gitops"

for attempt in $(seq 1 "$PUSH_ATTEMPTS"); do
  still_head || exit 0
  point_at_digest
  if git diff --quiet; then
    echo "already at ${DIGEST}; nothing to commit"
    exit 0
  fi
  git -c user.name=forgejo-ci -c user.email=forgejo-ci@uclab.dev commit --quiet -am "view-counter: deploy ${DIGEST} (${DEPLOY_SHA})"
  if git push --quiet origin "HEAD:${GITOPS_BRANCH}"; then
    echo "deployed ${DIGEST}"
    exit 0
  fi
  # Someone pushed in between: take their tip and redo the one-line edit on it. Redoing the edit is
  # a rebase that cannot conflict, even when the other push changed the same line.
  echo "push rejected (attempt ${attempt}/${PUSH_ATTEMPTS}); rebasing on the new ${GITOPS_BRANCH}"
  git fetch --quiet --depth 1 origin "$GITOPS_BRANCH"
  git reset --quiet --hard FETCH_HEAD
done
echo "gave up after ${PUSH_ATTEMPTS} rejected pushes" >&2
exit 1
