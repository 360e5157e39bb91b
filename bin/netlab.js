#!/usr/bin/env node
// The bundled CLI when built (fast start-up), else the plain compiled modules.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

// `netlab --version` answers without loading the CLI at all.
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const bundle = new URL('../dist/bundle/', import.meta.url);
  const { main } = existsSync(new URL('cli.cjs', bundle)) ? loadBundled(bundle) : await import('../dist/cli/main.js');
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err?.stack ?? String(err));
      process.exitCode = 70;
    },
  );
}

/**
 * Compiles dist/bundle/cli.cjs with V8's code cache (Node 20 has none for ES modules) and runs
 * it as a CommonJS module. The cache is this user's, per build and Node version; a missing or
 * stale one is written when the command ends, with what the command compiled.
 */
function loadBundled(bundle) {
  const file = fileURLToPath(new URL('cli.cjs', bundle));
  const source = readFileSync(file, 'utf8');
  const id = readFileSync(new URL('cli.id', bundle), 'utf8').trim();
  const cacheFile = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'netlab', `cli-${id}-${process.version}-${process.arch}.v8`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __netlabImport, __netlabImportMetaUrl) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  if (!cachedData || script.cachedDataRejected) process.once('exit', () => saveCache(script, cacheFile));
  const module = { exports: {} };
  const importUi = (specifier) => import(new URL(specifier, bundle).href);
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file), importUi, pathToFileURL(file).href);
  return module.exports;
}

/** Best effort: a cache that cannot be written only means the next start compiles again. */
function saveCache(script, cacheFile) {
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile);
  } catch {
    // read-only home, full disk: start-up stays as fast as without a cache
  }
}
