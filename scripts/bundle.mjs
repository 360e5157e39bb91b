// Bundles the CLI into dist/bundle: one ESM entry plus lazily loaded chunks. Node 20 has no
// compile cache, and resolving and reading some 600 small module files cost about a third of
// `netlab up`'s start-up; the bundle loads in a fraction of that.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const stub = fileURLToPath(new URL('./ssh2-stub.cjs', import.meta.url));
const buildkitStub = fileURLToPath(new URL('./buildkit-stub.cjs', import.meta.url));
rmSync('dist/bundle', { recursive: true, force: true });
await build({
  entryPoints: ['dist/cli/main.js'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  minify: true,
  keepNames: true,
  logLevel: 'warning',
  // docker-modem loads ssh2 eagerly for ssh:// engines, which netlab does not support.
  // dockerode loads gRPC and protobufjs eagerly for BuildKit sessions, which netlab does not use.
  alias: { ssh2: stub, '@grpc/grpc-js': buildkitStub, '@grpc/proto-loader': buildkitStub, protobufjs: buildkitStub },
  // Only loaded by Ink under DEV=true.
  external: ['react-devtools-core'],
  banner: { js: "import { createRequire as __netlabRequire } from 'node:module'; const require = __netlabRequire(import.meta.url);" },
});
