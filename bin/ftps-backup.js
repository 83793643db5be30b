#!/usr/bin/env -S node --max-old-space-size=48 --max-semi-space-size=1
// Entry point: the CLI is bundled into dist/ (by `npm run build`, which `npm ci` runs via `prepare`).
// The heap caps keep memory bounded on long transfers: every chunk of a multi-GB stream is a short-lived
// buffer, and V8 collects them far sooner with a small old space (measured: peak RSS of a 300 MB `put`
// 136 MB without it, 89 MB with it) and a small young generation (a 362 MB encrypted backup: 154 → 134
// MB, and 32 → 8 full collections). Our heap itself stays near 10 MB; see README "Memory".
//
// The runtime guard: on a Node older than package.json's "engines" the CLI would fail later and
// obscurely (e.g. zlib.createZstdCompress missing at the first backup), so this file checks the version
// BEFORE loading anything and prints one line: what it found, where, what it needs, how to get it;
// exit 2. That is why this file must parse on old Node, as a module or as a script: no syntax newer
// than Node 12 (no ?. or ??, no static import, no top-level await, no import.meta) — a unit test
// (test/unit/cli/launcher.test.ts) checks it.
'use strict';

/** "20.20.2" → [20, 20, 2]. */
function parts(version) {
  return String(version)
    .replace(/^v/, '')
    .split('.')
    .map(function (p) {
      return parseInt(p, 10) || 0;
    });
}

/** True when `version` satisfies a ">=X.Y.Z" range (the only form our "engines" uses). */
function satisfies(version, range) {
  var m = /^\s*>=\s*v?(\d+(?:\.\d+){0,2})\s*$/.exec(range);
  if (m === null) return true; // a range this guard does not understand: let Node try
  var have = parts(version);
  var need = parts(m[1]);
  for (var i = 0; i < 3; i++) {
    var a = have[i] || 0;
    var b = need[i] || 0;
    if (a !== b) return a > b;
  }
  return true;
}

function packageEngine(fs, path) {
  // argv[1] may be a symlink (/usr/bin/ftps-backup): package.json is beside the real file's folder.
  var here = path.dirname(fs.realpathSync(process.argv[1]));
  var pkg = JSON.parse(fs.readFileSync(path.join(here, '..', 'package.json'), 'utf8'));
  return pkg.engines && pkg.engines.node ? String(pkg.engines.node) : '';
}

function guard(fs, path) {
  var needed = packageEngine(fs, path);
  if (needed === '' || satisfies(process.versions.node, needed)) return true;
  process.stderr.write(
    'ftps-backup: Node.js ' +
      process.versions.node +
      ' at ' +
      process.execPath +
      ' is too old: ftps-backup needs node ' +
      needed +
      '; install a newer Node.js (https://nodejs.org/en/download, or your distribution' +
      "'s nodejs from NodeSource) and put it first on PATH, or use the release package, which brings its own runtime\n",
  );
  process.exitCode = 2;
  return false;
}

// As a CommonJS script (Node 12 before 12.17 ignores "type": "module") require exists; as a module it
// does not and the built-ins come through import().
var builtins =
  typeof require === 'function'
    ? Promise.resolve([require('fs'), require('path')])
    : Promise.all([import('fs'), import('path')]);

builtins
  .then(function (mods) {
    if (!guard(mods[0], mods[1])) return undefined;
    return import('../dist/main.js').then(function (cli) {
      return cli.main(process.argv).then(function (code) {
        process.exitCode = code;
      });
    });
  })
  .catch(function (err) {
    process.stderr.write('ftps-backup: ' + (err && err.stack ? err.stack : String(err)) + '\n');
    process.exitCode = 1;
  });
