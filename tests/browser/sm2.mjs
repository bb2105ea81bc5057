// SPDX-License-Identifier: Apache-2.0
// fuma's SM2 credentials against npm's sm-crypto, an SM2/SM3 implementation
// in JavaScript written apart from OpenSSL: it verifies signatures fuma
// made (SM2 with SM3 under the key's distinguishing id, r || s), recomputes
// an SM2 key's kid (SM3 of the 65-byte point) and fuma's SM3 digests, and
// signs a credential that fuma must accept. fuma's side is tests/credential/sm2_tool.cpp
// (FUMA_SM2_TOOL).
import { spawnSync } from 'node:child_process';
import smCrypto from 'sm-crypto';

const { sm2, sm3 } = smCrypto;
const tool = process.env.FUMA_SM2_TOOL;
let passed = 0;
let failed = 0;

function check(ok, what) {
  if (ok) {
    passed += 1;
  } else {
    failed += 1;
    console.log(`FAILED: ${what}`);
  }
}

function run(...args) {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  if (r.status === 2 || r.error) throw new Error(`sm2_tool ${args.join(' ')}: ${r.stderr}`);
  return r;
}

const bytes = (hex) => Array.from(Buffer.from(hex, 'hex'));

// What fuma signed, checked here.
for (const id of ['1234567812345678', 'fuma-440300']) {
  const made = JSON.parse(run('sign', id).stdout);
  check(made.text.startsWith('FM1:11440300MB2C92805B'), `${id}: the text is a credential`);
  check(made.distinguishing_id === id, `${id}: the key keeps its distinguishing id`);
  check(sm3(bytes(made.public_key)).slice(0, 16) === made.kid, `${id}: kid is SM3 of the point`);
  const opts = { der: false, hash: true, userId: id };
  check(sm2.doVerifySignature(bytes(made.message), made.signature, made.public_key, opts),
    `${id}: sm-crypto verifies fuma's signature`);
  check(!sm2.doVerifySignature(bytes(made.message), made.signature, made.public_key,
    { ...opts, userId: `${id}x` }), `${id}: not under another distinguishing id`);
  const changed = bytes(made.message);
  changed[changed.length - 1] ^= 1;
  check(!sm2.doVerifySignature(changed, made.signature, made.public_key, opts),
    `${id}: not over a changed message`);
}

// fuma's SM3 (the sm crypto suite's digest of the audit chain, forms,
// attachments and tokens) against sm-crypto's, on the standard's two
// examples and on lengths around the 64-byte block.
for (const length of [0, 1, 55, 56, 63, 64, 65, 1000]) {
  const input = Buffer.alloc(length, 0).map((_, i) => (i * 131 + length) & 0xff).toString('hex');
  check(run('sm3', input).stdout.trim() === sm3(bytes(input)),
    `SM3 of ${length} bytes agrees with sm-crypto`);
}
check(run('sm3', Buffer.from('abc').toString('hex')).stdout.trim() ===
  '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0', 'SM3("abc") is GB/T 32905\'s');

// What sm-crypto signs, checked by fuma.
const pair = sm2.generateKeyPairHex();
const message = run('message', pair.publicKey).stdout.trim();
const signature = sm2.doSignature(bytes(message), pair.privateKey,
  { der: false, hash: true, publicKey: pair.publicKey, userId: 'sz-2026' });
check(run('verify', pair.publicKey, 'sz-2026', signature).status === 0,
  'fuma verifies a credential sm-crypto signed');
check(run('verify', pair.publicKey, '1234567812345678', signature).status === 1,
  'fuma refuses it under another distinguishing id');

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
