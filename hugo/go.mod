// The owner's module path: where this repository lives on its Forgejo, plus /hugo. A fork replaces it
// with its own; sites import this path (see docs/hugo.md).
module forgejo.uclab.dev/affragak/view-counter/hugo

go 1.19
