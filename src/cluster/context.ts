// The docker context a run uses (netlab --context), set before any engine is looked for; loads no engine client.
export { selectContext } from '../engine/context-store.js';
