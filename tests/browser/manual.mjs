// SPDX-License-Identifier: Apache-2.0
// The operating manuals' pictures against the browser scripts' screenshots:
// every picture a manual under docs/zh/ shows is a file in docs/zh/images/
// and one of the screenshots the scripts took in this run (their lists,
// SCRIPT.shots in $FUMA_SCREENSHOTS), and every file in docs/zh/images/ is
// shown by a manual. So a manual cannot show a screen no test takes any
// more, nor keep pictures no manual uses. (`make screenshots` writes the
// files themselves.)
//
//   node tests/browser/manual.mjs walk staff
//
// Arguments: the scripts whose lists to read. Environment: FUMA_SCREENSHOTS
// (as for the scripts), FUMA_DOCS (default docs/zh of the source tree).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { SHOTS } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DOCS = process.env.FUMA_DOCS || path.resolve(here, '..', '..', 'docs', 'zh');
const IMAGES = path.join(DOCS, 'images');

const faults = [];

async function markdownFiles(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...await markdownFiles(p));
    else if (e.name.endsWith('.md')) out.push(p);
  }
  return out;
}

// The screenshots taken: name -> the script that took it.
const taken = new Map();
const scripts = process.argv.slice(2);
if (!scripts.length) faults.push('no script named: give the scripts whose screenshot lists to read');
for (const script of scripts) {
  const list = path.join(SHOTS, `${script}.shots`);
  let text;
  try {
    text = await readFile(list, 'utf8');
  } catch {
    faults.push(`${list} is missing: browser.${script} did not pass in this run`);
    continue;
  }
  for (const name of text.split('\n').filter(Boolean)) {
    if (taken.has(name)) faults.push(`${name}.png is taken by both ${taken.get(name)} and ${script}`);
    taken.set(name, script);
  }
}

// The pictures the manuals show: file -> the manuals showing it.
const shown = new Map();
const manuals = await markdownFiles(DOCS).catch(() => []);
if (!manuals.length) faults.push(`no manual under ${DOCS}`);
for (const manual of manuals) {
  const text = await readFile(manual, 'utf8');
  const links = [
    ...[...text.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
    ...[...text.matchAll(/<img\b[^>]*\bsrc\s*=\s*"([^"]+)"/g)].map((m) => m[1]),
  ];
  const rel = path.relative(DOCS, manual);
  for (const link of links) {
    const file = path.resolve(path.dirname(manual), decodeURIComponent(link));
    if (path.dirname(file) !== IMAGES || !file.endsWith('.png')) {
      faults.push(`${rel} shows ${link}, which is not a PNG in ${path.relative(DOCS, IMAGES)}/`);
      continue;
    }
    const name = path.basename(file, '.png');
    if (!shown.has(name)) shown.set(name, []);
    shown.get(name).push(rel);
  }
}

const files = new Set((await readdir(IMAGES).catch(() => []))
  .filter((f) => !f.startsWith('.'))
  .map((f) => (f.endsWith('.png') ? path.basename(f, '.png') : f)));

for (const [name, where] of shown) {
  if (!taken.has(name)) faults.push(`${where.join(', ')} shows images/${name}.png, which no browser script takes`);
  if (!files.has(name)) faults.push(`${where.join(', ')} shows images/${name}.png, which is not in docs/zh/images/ (run make screenshots)`);
}
for (const name of files) {
  if (!shown.has(name)) faults.push(`docs/zh/images/${name}${name.includes('.') ? '' : '.png'} is shown by no manual`);
}

console.log(`manuals: ${manuals.length}, pictures shown: ${shown.size}, screenshots taken: ${taken.size}, files in images/: ${files.size}`);
const unused = [...taken.keys()].filter((n) => !shown.has(n));
if (unused.length) console.log(`taken but shown by no manual: ${unused.join(', ')}`);
if (faults.length) {
  for (const f of faults) console.error(`FAIL: ${f}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
console.log('1 passed, 0 failed');
