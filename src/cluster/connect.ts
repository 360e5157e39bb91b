// The engine a command works on, found as the docker CLI finds it (src/engine/connect.ts).
export { connectEngine, candidateEndpoints, type EngineEndpoint } from '../engine/connect.js';
export type { Engine } from '../engine/engine.js';
