// The owner's module path: where this repository lives on its Forgejo, plus /hugo. A fork replaces it
// with its own; sites import this path (see the README's Hugo section).
module forgejo.uclab.dev/affragak/view-counter/hugo

go 1.19
