// SPDX-License-Identifier: Apache-2.0
// What the browser scripts share: a fuma-host --demo of their own, headless
// Chromium (Debian's chromium, driven by playwright-core) with pages that
// fail the step on any console error, page error, CSP violation or failed
// page resource, the steps, and the named screenshots.
//
// Screenshots go to $FUMA_SCREENSHOTS as NAME.png; at the end of a run that
// passed, the script writes SCRIPT.shots there, the names of the shots it
// took, one a line (manual.mjs compares them with the manuals' pictures).
//
// Environment: FUMA_HOST (the fuma-host binary), FUMA_SCREENSHOTS,
// FUMA_WEB (the pages, default examples/host/web), FUMA_CHROMIUM (default
// /usr/lib/chromium/chromium), FUMA_PDFTOPPM (default /usr/bin/pdftoppm),
// FUMA_WALK_TIMEOUT (seconds, default 240), FUMA_HEADFUL=1 to watch.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

export const HOST = process.env.FUMA_HOST || path.join(root, 'build', 'examples', 'host', 'fuma-host');
// The host binary lives in <build>/examples/host/: screenshots default beside it.
export const SHOTS = process.env.FUMA_SCREENSHOTS
  || path.join(path.resolve(path.dirname(HOST), '..', '..'), 'browser-screenshots');
const CHROMIUM = process.env.FUMA_CHROMIUM || '/usr/lib/chromium/chromium';
const PDFTOPPM = process.env.FUMA_PDFTOPPM || '/usr/bin/pdftoppm';
// The pages under test: the source tree's, never an installed copy the host
// might otherwise prefer.
const WEB = process.env.FUMA_WEB || path.join(root, 'examples', 'host', 'web');
const TIMEOUT_S = Number(process.env.FUMA_WALK_TIMEOUT || 240);
export const ACTION_TIMEOUT_MS = 15000;
// Every screenshot is of this window (or of an element in it).
export const VIEWPORT = { width: 1280, height: 800 };

export const DEMO_CAPTCHA = 'FUMA7';
export const STAFF = {
  shouli: 'shouli-demo-2026', // 受理员（演示）, acceptor
  fuhe: 'fuhe-demo-2026', // 复核员（演示）, reviewer
  guanli: 'guanli-demo-2026', // 管理员（演示）, admin
};

// ---- bookkeeping -----------------------------------------------------------------

let scriptName = 'walk';
let currentStep = '(start)';
const reloading = new Set(); // pages the script is reloading on purpose
let allowedApiErrors = []; // "STATUS /api/command" the current step expects
const problems = []; // console errors, page errors, CSP violations, failed loads
const apiErrors = []; // API error answers the pages showed (logged by Chromium)
const dialogsExpected = new Map(); // page -> [{pattern, accept}]
const shots = []; // the names of this run's screenshots
let host = null;
let hostLog = '';
let browser = null;
let dataDir = null;
const t0 = Date.now();

export function log(message) {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(5);
  process.stdout.write(`[${s}s] ${message}\n`);
}

export function dataPath(...parts) {
  return path.join(dataDir, ...parts);
}

// Runs one step. `expect` lists the API error answers the step provokes on
// purpose ("401 /api/session.get"): Chromium logs each as a console error;
// any other one fails the step.
export async function step(name, work, { expect = [] } = {}) {
  currentStep = name;
  allowedApiErrors = expect;
  log(`step: ${name}`);
  let result;
  let error = null;
  try {
    result = await work();
  } catch (err) {
    error = err;
  }
  // A console error or CSP violation fails the step it happened in.
  if (problems.length) {
    const list = problems.map((p) => `  - [${p.page}] ${p.text}`).join('\n');
    problems.length = 0;
    const cause = error ? `\n(and: ${error.message})` : '';
    throw new Error(`step "${name}": the browser reported errors:\n${list}${cause}`);
  }
  if (error) {
    error.message = `step "${name}" failed: ${error.message}`;
    throw error;
  }
  return result;
}

// Saves NAME.png: the element `target` if given, else the window (or the
// whole page with fullPage).
export async function shot(page, name, target = null, { fullPage = false } = {}) {
  assert.match(name, /^[a-z0-9]+(?:-[a-z0-9]+)*$/, `screenshot name "${name}"`);
  assert.ok(!shots.includes(name), `screenshot "${name}" taken twice`);
  shots.push(name);
  const file = path.join(SHOTS, `${name}.png`);
  // Let fonts and pictures settle so the screenshot shows the page as seen.
  await page.evaluate(() => document.fonts.ready);
  await page.evaluate(() => Promise.all([...document.images]
    .filter((i) => i.src && !i.complete)
    .map((i) => new Promise((r) => { i.onload = r; i.onerror = r; }))));
  if (target) await target.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  else await page.screenshot({ path: file, fullPage, animations: 'disabled', caret: 'hide' });
  log(`screenshot ${name}.png`);
}

// Saves NAME.png: the part of the window from the top of `first` to the
// bottom of `last`, as wide as `frame` (their panel), `first` scrolled to
// the top of the window.
export async function shotBetween(page, name, first, last, frame) {
  await first.evaluate((e) => e.scrollIntoView({ block: 'start' }));
  const a = await first.boundingBox();
  const b = await last.boundingBox();
  const f = await frame.boundingBox();
  assert.ok(a && b && f, `screenshot "${name}": a part to show is not on the page`);
  const pad = 8;
  const top = Math.max(0, a.y - pad);
  const bottom = Math.min(VIEWPORT.height, b.y + b.height + pad);
  assert.ok(bottom > top, `screenshot "${name}": the part to show is empty`);
  assert.ok(b.y + b.height <= VIEWPORT.height, `screenshot "${name}": the part to show is taller than the window`);
  await shotClip(page, name, { x: f.x, y: top, width: f.width, height: bottom - top });
}

async function shotClip(page, name, clip) {
  assert.match(name, /^[a-z0-9]+(?:-[a-z0-9]+)*$/, `screenshot name "${name}"`);
  assert.ok(!shots.includes(name), `screenshot "${name}" taken twice`);
  shots.push(name);
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), clip, animations: 'disabled', caret: 'hide' });
  log(`screenshot ${name}.png`);
}

// Saves NAME.png: the first page of a PDF the host made, as a picture
// (a form, a certificate), at `dpi`.
export async function pdfShot(bytes, name, dpi = 72) {
  assert.match(name, /^[a-z0-9]+(?:-[a-z0-9]+)*$/, `screenshot name "${name}"`);
  assert.ok(!shots.includes(name), `screenshot "${name}" taken twice`);
  shots.push(name);
  await pdfToPng(bytes, path.join(SHOTS, `${name}.png`), dpi);
  log(`screenshot ${name}.png (from a PDF)`);
}

// Renders a PDF's first page to a PNG file (poppler's pdftoppm).
export async function pdfToPng(bytes, file, dpi) {
  const pdf = dataPath(`render-${Date.now()}-${Math.random().toString(36).slice(2)}.pdf`);
  await writeFile(pdf, bytes);
  const prefix = file.replace(/\.png$/, '');
  await new Promise((resolve, reject) => {
    execFile(PDFTOPPM, ['-png', '-r', String(dpi), '-f', '1', '-l', '1', '-singlefile', pdf, prefix],
      (err, stdout, stderr) => (err ? reject(new Error(`pdftoppm: ${err.message} ${stderr}`)) : resolve()));
  });
  await rm(pdf, { force: true });
  assert.ok(existsSync(file), `pdftoppm wrote no ${file}`);
}

// ---- the host ---------------------------------------------------------------------

async function startHost() {
  assert.ok(existsSync(HOST), `fuma-host not found at ${HOST} (set FUMA_HOST)`);
  dataDir = await mkdtemp(path.join(tmpdir(), `fuma-${scriptName}-`));
  host = spawn(HOST, ['--listen', '127.0.0.1:0', '--data', dataDir, '--web', WEB, '--demo'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  host.stderr.setEncoding('utf8');
  host.stderr.on('data', (d) => { hostLog += d; });
  host.stdout.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`fuma-host did not start in 30 s:\n${out}\n${hostLog}`)), 30000);
    host.stdout.on('data', (d) => {
      out += d;
      const m = /^fuma-host listening on (http:\/\/\S+)\r?\n/.exec(out);
      // The demo's guide follows the listening line once the demo data
      // (accounts, units, their pictures) exists: wait for its last account.
      if (m && /guanli.*\n/.test(out)) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    host.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`fuma-host exited (${code ?? signal}) before listening:\n${out}\n${hostLog}`));
    });
  });
}

async function stopHost() {
  if (!host || host.exitCode !== null || host.signalCode !== null) return;
  const exited = new Promise((resolve) => host.once('exit', resolve));
  host.kill('SIGTERM');
  const timer = setTimeout(() => host.kill('SIGKILL'), 7000);
  await exited;
  clearTimeout(timer);
}

// ---- pages ------------------------------------------------------------------------

// `options` add to or override Playwright's context options (a window of
// another size, a phone).
export async function newContext(options = {}) {
  return browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...options });
}

// A page that records what the console, the page and CSP report.
export async function watchedPage(context, who) {
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const url = (msg.location() && msg.location().url) || '';
    // An API error the step provokes (no session yet, a refused 提交) is
    // shown by the page; Chromium still logs its status. Anything else is a
    // fault.
    const m = /^Failed to load resource: the server responded with a status of (\d+)/.exec(text);
    if (m && url) {
      const what = `${m[1]} ${new URL(url).pathname}`;
      if (allowedApiErrors.includes(what)) {
        apiErrors.push(`${currentStep}: ${what}`);
        return;
      }
    }
    problems.push({ page: who, text: `console error: ${text}${url ? ` (${url})` : ''}` });
  });
  page.on('pageerror', (err) => problems.push({ page: who, text: `page error: ${err.message}` }));
  page.on('requestfailed', (req) => {
    // A download navigation is reported as aborted: not a fault.
    const failure = req.failure() ? req.failure().errorText : '';
    if (failure === 'net::ERR_ABORTED' && req.url().startsWith('blob:')) return;
    // So is a request the page dropped because the script reloaded it.
    if (failure === 'net::ERR_ABORTED' && reloading.has(page)) return;
    problems.push({ page: who, text: `request failed: ${req.method()} ${req.url()} ${failure}` });
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && !new URL(res.url()).pathname.startsWith('/api/')) {
      problems.push({ page: who, text: `HTTP ${res.status()} for ${res.url()}` });
    }
  });
  page.on('dialog', (dialog) => {
    const queue = dialogsExpected.get(page) || [];
    const next = queue.shift();
    if (next && dialog.type() === 'confirm' && next.pattern.test(dialog.message())) {
      dialog.accept().catch(() => {});
      return;
    }
    problems.push({ page: who, text: `unexpected ${dialog.type()}(): ${dialog.message()}` });
    dialog.dismiss().catch(() => {});
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
    });
  });
  return page;
}

// The next confirm() on `page` whose text matches `pattern` is answered 确定.
export function acceptConfirm(page, pattern) {
  if (!dialogsExpected.has(page)) dialogsExpected.set(page, []);
  dialogsExpected.get(page).push({ pattern });
}

// Reloads `page`; requests the reload cuts short are not the page's fault.
export async function reload(page) {
  await page.waitForLoadState('networkidle');
  reloading.add(page);
  try {
    await page.reload();
  } finally {
    reloading.delete(page);
  }
}

// A minimal, well-formed PDF (header, objects, an xref whose offsets are
// right, startxref, %%EOF): what the engine's content check wants.
export function minimalPdf() {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>',
    null, // the content stream
  ];
  const content = '0.5 w 72 72 m 523 770 l S';
  objects[3] = `<< /Length ${content.length} >>\nstream\n${content}\nendstream`;
  let pdf = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(pdf, 'latin1'));
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) pdf += `${String(off).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

// Clicks `trigger` and returns the download: its suggested name and bytes.
export async function downloadVia(page, trigger) {
  const [download] = await Promise.all([page.waitForEvent('download'), trigger()]);
  const failure = await download.failure();
  assert.equal(failure, null, `download failed: ${failure}`);
  const bytes = await readFile(await download.path());
  return { name: download.suggestedFilename(), bytes };
}

export function assertPdf(file, what) {
  assert.match(file.name, /\.pdf$/i, `${what}: the file name "${file.name}" does not end .pdf`);
  assert.equal(file.bytes.subarray(0, 5).toString('latin1'), '%PDF-',
    `${what}: "${file.name}" does not start with %PDF- (${file.bytes.length} bytes)`);
}

export async function expectVisible(locator, what) {
  try {
    await locator.waitFor({ state: 'visible' });
  } catch (err) {
    throw new Error(`${what} did not show: ${err.message.split('\n')[0]}`);
  }
}

export async function expectText(locator, pattern, what) {
  const deadline = Date.now() + ACTION_TIMEOUT_MS;
  let text = '';
  for (;;) {
    text = (await locator.textContent().catch(() => '')) || '';
    if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return text;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: expected ${pattern} but the page shows "${text.trim()}"`);
}

// ---- the unit's side -----------------------------------------------------------------

// Opens the login dialog of `business` on 机关用户服务 (the page is there)
// and fills it: the picture and the demo's captcha.
export async function fillLogin(page, business, picture) {
  await page.getByRole('button', { name: business, exact: true }).click();
  const dialog = page.locator('#login-dialog');
  await expectVisible(dialog, 'the login dialog');
  await expectText(dialog.locator('#login-business'), business, 'the business in the login dialog');
  await dialog.getByRole('tab', { name: '图片登录' }).click();
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    dialog.getByRole('button', { name: '浏览' }).click(),
  ]);
  await chooser.setFiles(picture);
  await expectText(dialog.locator('#login-file-name'), path.basename(picture), 'the chosen file name');
  await waitForCaptcha(page);
  await dialog.getByLabel('验证码', { exact: true }).fill(DEMO_CAPTCHA);
  return dialog;
}

// A captcha picture that loaded.
export async function waitForCaptcha(page) {
  await page.waitForFunction(() => {
    const i = document.getElementById('captcha-image');
    return i && i.src.startsWith('data:image/') && i.complete && i.naturalWidth > 0;
  });
}

// The id of the case 申请信息录入 shows (once the first 暂存 created it).
export async function caseId(page, business) {
  const heading = await expectText(page.locator('#entry-business'), new RegExp(`${business}（申请编号(\\d+)）`),
    'the application heading');
  return Number(/申请编号(\d+)/.exec(heading)[1]);
}

// Logs in from 机关用户服务 for `business` with `picture`, accepts 登录承诺
// and waits for 申请信息录入: the business's form, no case yet (the first
// 暂存 creates it; caseId then gives its id).
export async function unitLogin(page, base, business, picture) {
  await page.goto(`${base}/unit.html`);
  const dialog = await fillLogin(page, business, picture);
  await dialog.getByRole('button', { name: '登录', exact: true }).click();
  const commitment = page.getByRole('dialog', { name: '登录承诺' });
  await expectVisible(commitment, 'the 登录承诺 dialog');
  await Promise.all([
    page.waitForURL(/\/apply\.html/),
    commitment.getByRole('button', { name: '同意' }).click(),
  ]);
  await expectVisible(page.locator('#entry-content'), 'the entry form');
  await expectText(page.locator('#entry-business'), `${business}（尚未创建申请）`, 'the application heading');
}

// ---- staff ------------------------------------------------------------------------

export async function staffLogin(context, base, username) {
  const page = await watchedPage(context, `staff:${username}`);
  await page.goto(`${base}/staff.html`);
  await staffSignIn(page, username);
  return page;
}

// Fills the login form of staff.html (the page shows it) and signs in.
export async function staffSignIn(page, username) {
  await expectVisible(page.getByRole('heading', { name: '工作人员登录' }), 'the staff login form');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(STAFF[username]);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expectVisible(page.getByRole('tab', { name: '待办' }), `the workspace of ${username}`);
}

export async function openFromQueue(page, queue, id) {
  await page.getByRole('tab', { name: '待办' }).click();
  // The queues as they stand now, not as they stood when last shown.
  const refresh = page.getByRole('button', { name: '刷新', exact: true });
  await refresh.click();
  await page.waitForFunction(() => !document.getElementById('queue-refresh').disabled);
  const section = page.locator(`#queue-${queue}`);
  const open = section.getByRole('button', { name: `办理申请${id}`, exact: true });
  await expectVisible(open, `application ${id} in the ${queue} queue`);
  await open.click();
  await expectText(page.locator('#case-heading'), `申请编号${id}`, 'the case view');
}

export async function takeAction(page, label, statusAfter, reply = '') {
  if (reply) await page.getByLabel('回复信息').fill(reply);
  await page.locator('#case-actions').getByRole('button', { name: label, exact: true }).click();
  await expectText(page.locator('#case-banner'), `已${label}，办理进度：${statusAfter}`,
    `the banner after ${label}`);
}

export async function staffLogout(page) {
  await page.getByRole('button', { name: '退出', exact: true }).click();
  await expectText(page.locator('#page-banner'), '已退出', 'the banner after 退出');
  await expectVisible(page.getByRole('heading', { name: '工作人员登录' }), 'the login form after 退出');
}

// ---- running a script ------------------------------------------------------------

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  await stopHost().catch(() => {});
  if (dataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => {});
  dataDir = null;
}

// The shots an earlier run of this script listed, and its list.
async function dropEarlierShots() {
  const list = path.join(SHOTS, `${scriptName}.shots`);
  const earlier = await readFile(list, 'utf8').catch(() => '');
  for (const name of earlier.split('\n').filter(Boolean)) {
    await rm(path.join(SHOTS, `${name}.png`), { force: true });
  }
  await rm(list, { force: true });
}

// Runs `work(base)` against a fresh demo host in a fresh Chromium, with an
// overall deadline; exits 0 when it passed, 1 when not.
export async function run(name, work) {
  scriptName = name;
  let timedOut = false;
  const overall = setTimeout(async () => {
    timedOut = true;
    process.stderr.write(`browser ${scriptName}: timed out after ${TIMEOUT_S} s in step "${currentStep}"\n`);
    if (host) host.kill('SIGKILL');
    await cleanup().catch(() => {});
    process.exit(1);
  }, TIMEOUT_S * 1000);

  let failed = false;
  try {
    await mkdir(SHOTS, { recursive: true });
    await dropEarlierShots();
    const base = await step('start fuma-host --demo', startHost);
    log(`host at ${base}, data ${dataDir}`);
    browser = await step('launch chromium', () => chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--lang=zh-CN'],
      headless: process.env.FUMA_HEADFUL !== '1',
    }));
    await work(base);
    // Whatever the pages report late still fails the run.
    await step('no late browser errors', () => new Promise((r) => setTimeout(r, 300)));
    await writeFile(path.join(SHOTS, `${scriptName}.shots`), shots.map((s) => `${s}\n`).join(''));
  } catch (err) {
    failed = true;
    if (timedOut) await new Promise(() => {}); // the timeout says why, and exits
    process.stderr.write(`browser ${scriptName} FAILED in step "${currentStep}":\n${err.stack || err}\n`);
    if (hostLog) {
      const tail = hostLog.trim().split('\n').slice(-20).join('\n');
      process.stderr.write(`--- fuma-host stderr (last lines) ---\n${tail}\n`);
    }
  } finally {
    await cleanup();
    clearTimeout(overall);
  }
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  // The API errors the pages handled (expected: no session before login, the
  // refused 提交), for whoever reads the log.
  for (const e of apiErrors) log(`api error shown by the page (expected): ${e}`);
  if (failed) {
    process.stdout.write(`browser ${scriptName}: ${seconds} s; screenshots in ${SHOTS}\n0 passed, 1 failed\n`);
    process.exit(1);
  }
  process.stdout.write(`browser ${scriptName}: ${seconds} s, ${shots.length} screenshots in ${SHOTS}\n1 passed, 0 failed\n`);
}
