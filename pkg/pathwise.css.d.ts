// `import "pathwise/pathwise.css"`: the stylesheet, for a bundler to include; it exports nothing.
// This declaration lets TypeScript check that import (e.g. with `noUncheckedSideEffectImports`).
export {};
