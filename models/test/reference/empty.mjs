// Stands in for tfjs-backend-webgl / tfjs-backend-wasm, which face-api's no-bundle build imports
// as namespaces but the reference run does not use.
export {};
