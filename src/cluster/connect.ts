// The engine a command works on, found as the docker CLI finds it (src/engine/connect.ts).
export { connectEngine } from '../engine/connect.js';
export type { Engine } from '../engine/engine.js';
