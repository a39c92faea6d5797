// Starts the wasm app. Kept in its own file so the page has no inline script and works under
// `Content-Security-Policy: script-src 'self' 'wasm-unsafe-eval'`. Trunk writes the hashed file
// names into <meta name="ori-js"> and <meta name="ori-wasm"> (see pattern_script in Trunk.toml).
const meta = (name) => document.querySelector(`meta[name="${name}"]`).content;
const { default: init } = await import(meta("ori-js"));
await init({ module_or_path: meta("ori-wasm") });
