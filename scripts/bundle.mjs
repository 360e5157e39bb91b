// Bundles the CLI into dist/bundle. Node 20 has no compile cache for ES modules, and compiling
// the CLI's ~1.3 MB of JavaScript was the largest part of every command's start-up (~80-100 ms
// of `netlab check`'s CPU). So the CLI is one CommonJS script, `cli.cjs`, which bin/netlab.js
// compiles with V8's code cache (node:vm cachedData) and runs.
// Ink and React are ES modules (yoga-layout uses top-level await) and only a terminal needs
// them: the modules that use them are bundled as ES modules of their own (`ui-*.js`), which
// the CLI loads on demand through `__netlabImport` (bin/netlab.js gives it).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const stub = fileURLToPath(new URL('./ssh2-stub.cjs', import.meta.url));
const buildkitStub = fileURLToPath(new URL('./buildkit-stub.cjs', import.meta.url));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  keepNames: true,
  logLevel: 'warning',
  // docker-modem loads ssh2 eagerly for ssh:// engines, which netlab reaches through the user's own ssh.
  // dockerode loads gRPC and protobufjs eagerly for BuildKit sessions, which netlab does not use.
  alias: { ssh2: stub, '@grpc/grpc-js': buildkitStub, '@grpc/proto-loader': buildkitStub, protobufjs: buildkitStub },
  // Only loaded by Ink under DEV=true.
  external: ['react-devtools-core'],
};

/** The modules that render with Ink, by the name of their ES bundle; the CLI imports them only dynamically. */
const UI = {
  'ui-ink-renderer': 'dist/ui/ink-renderer.js',
  'ui-class-watch': 'dist/ui/class/show.js',
  'ui-dashboard': 'dist/ui/dashboard/show.js',
};
const uiByPath = new Map(Object.entries(UI).map(([name, path]) => [fileURLToPath(new URL(`../${path}`, import.meta.url)), name]));

rmSync('dist/bundle', { recursive: true, force: true });

/** A hash of the compiled code: what keeps a kept lab load (src/labfile/cache) to the build that made it. */
const buildId = (() => {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.js')) hash.update(path).update(readFileSync(path));
    }
  };
  walk('dist');
  return hash.digest('hex').slice(0, 16);
})();

await build({
  ...common,
  entryPoints: UI,
  outdir: 'dist/bundle',
  splitting: true,
  format: 'esm',
  sourcemap: 'linked',
  banner: { js: "import { createRequire as __netlabRequire } from 'node:module'; const require = __netlabRequire(import.meta.url);" },
});

/** The CLI's side: a UI module becomes an external `./ui-*.js`; Ink or React anywhere else is a mistake. */
const uiApart = {
  name: 'ui-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const path = fileURLToPath(new URL(args.path, `file://${args.resolveDir}/`));
      const name = uiByPath.get(path);
      return name ? { path: `./${name}.js`, external: true } : undefined;
    });
    b.onResolve({ filter: /^(ink|react)(\/.*)?$/ }, (args) => ({
      errors: [
        { text: `${args.importer} imports ${args.path}: only the UI modules (${Object.values(UI).join(', ')}) may, and the CLI loads those with import()` },
      ],
    }));
  },
};

await build({
  ...common,
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/bundle/cli.cjs',
  format: 'cjs',
  sourcemap: 'linked',
  define: { 'import.meta.url': '__netlabImportMetaUrl', __NETLAB_BUILD__: JSON.stringify(buildId) },
  plugins: [uiApart],
});

// A dynamic import() in a script compiled by node:vm needs an experimental flag: bin/netlab.js
// passes its own import function instead. Every import() left must be one of the UI modules.
const file = 'dist/bundle/cli.cjs';
let text = readFileSync(file, 'utf8');
const replaced = new Set();
text = text.replace(/\bimport\((["'])\.\/(ui-[a-z-]+)\.js\1\)/g, (_, q, name) => {
  replaced.add(name);
  return `__netlabImport(${q}./${name}.js${q})`;
});
const left = text.match(/\bimport\(/g)?.length ?? 0;
if (left || replaced.size !== Object.keys(UI).length) {
  throw new Error(`dist/bundle/cli.cjs: UI imports replaced: ${[...replaced].join(', ')} (expected ${Object.keys(UI).join(', ')}); ${left} import() left`);
}
writeFileSync(file, text);
// Names the build in the code cache's file name: a cache of another build is never tried.
writeFileSync('dist/bundle/cli.id', createHash('sha256').update(text).digest('hex').slice(0, 16));
