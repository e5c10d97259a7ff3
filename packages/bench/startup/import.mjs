// Import cost in a fresh process: imports the modules named on the command line, in order, and prints the time the
// imports took (ms) as JSON. `effect` and `@effect/platform/HttpClient` first make the baseline an Effect app pays
// anyway; what a package adds on top is the difference with that baseline.
const modules = process.argv.slice(2)
const t0 = performance.now()
for (const name of modules) await import(name)
console.log(JSON.stringify({ importMs: performance.now() - t0 }))
