// SPDX-License-Identifier: Apache-2.0
// GET /api/openapi.json of a real fuma-host is a valid OpenAPI 3.1 document:
// checked against the OpenAPI Initiative's schema by
// @seriousme/openapi-schema-validator, and every schema in it compiled as
// JSON Schema 2020-12 by Ajv (the validator's own engine), so that each
// reference resolves. Then a few real answers are checked against the
// schemas the document gives for them. No browser: this folder is where the
// npm test tooling lives.
//
// Environment: FUMA_HOST (the fuma-host binary).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = path.dirname(fileURLToPath(import.meta.url));
const HOST = process.env.FUMA_HOST
  || path.join(here, '..', '..', 'build', 'examples', 'host', 'fuma-host');

function start(dataDir) {
  const host = spawn(HOST, ['--listen', '127.0.0.1:0', '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  host.stdout.setEncoding('utf8');
  const url = new Promise((resolve, reject) => {
    let out = '';
    host.stdout.on('data', (d) => {
      out += d;
      const m = /^fuma-host listening on (http:\/\/\S+)\r?\n/.exec(out);
      if (m) resolve(m[1]);
    });
    host.on('exit', (code) => reject(new Error(`fuma-host exited (${code}) before listening`)));
  });
  return { host, url };
}

const pointer = (...parts) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

const dataDir = await mkdtemp(path.join(tmpdir(), 'fuma-openapi-'));
const { host, url } = start(dataDir);
try {
  const base = await url;
  const res = await fetch(`${base}/api/openapi.json`);
  assert.equal(res.status, 200);
  const doc = await res.json();

  // The document, against the OpenAPI 3.1 schema.
  const validator = new Validator();
  const verdict = await validator.validate(structuredClone(doc));
  assert.ok(verdict.valid, `not valid OpenAPI: ${JSON.stringify(verdict.errors, null, 1)}`);
  assert.equal(validator.version, '3.1');

  // Every schema in it, as JSON Schema 2020-12, its references resolved.
  const ID = 'https://fuma.invalid/openapi.json';
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: ID });
  const schemaAt = (...parts) => ajv.getSchema(`${ID}#/${pointer(...parts)}`)
    || ajv.compile({ $ref: `${ID}#/${pointer(...parts)}` });
  let compiled = 0;
  for (const name of Object.keys(doc.components.schemas)) {
    schemaAt('components', 'schemas', name);
    compiled += 1;
  }
  for (const [route, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        if (media.schema) schemaAt('paths', route, method, 'requestBody', 'content', type, 'schema');
        compiled += 1;
      }
      for (const [status, response] of Object.entries(op.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (media.schema) schemaAt('paths', route, method, 'responses', status, 'content', type, 'schema');
          compiled += 1;
        }
      }
    }
  }
  assert.ok(compiled > 200, `only ${compiled} schemas`);

  // Real answers match what the document says of them.
  const answers = [
    ['/api/fuma.version', '200', {}],
    ['/api/guide.get', '200', { business: 'change' }],
    ['/api/staff/fuma.commands', '200', {}],
    ['/api/uscc.check', '200', { code: '91350100M000100Y43' }],
    ['/api/session.get', '401', {}],
    ['/api/unit.lookup', '400', { nonsense: 1 }],
  ];
  for (const [route, status, args] of answers) {
    const reply = await fetch(`${base}${route}?args=${encodeURIComponent(JSON.stringify(args))}`);
    assert.equal(String(reply.status), status, route);
    const check = schemaAt('paths', route, 'get', 'responses', status, 'content', 'application/json', 'schema');
    const body = await reply.json();
    assert.ok(check(body), `${route} ${status}: ${JSON.stringify(check.errors)}\n${JSON.stringify(body)}`);
  }
  console.log(`openapi: valid OpenAPI ${validator.version}, ${Object.keys(doc.paths).length} paths, ${compiled} schemas compiled`);
} finally {
  host.kill('SIGTERM');
  await new Promise((resolve) => (host.exitCode !== null ? resolve() : host.once('exit', resolve)));
  await rm(dataDir, { recursive: true, force: true });
}
