// The browser walk: the operating manual's flow through the reference host's
// pages in headless Chromium (Debian's chromium, driven by playwright-core).
//
//   unit:  首页 → 机关用户服务 → 申请初领 (需要现场办理) → 格式文本下载 (PDF)
//          → 申请变更 → 图片登录 (QR picture, 验证码) → 登录承诺 同意
//          → 申请信息录入: 住所, 暂存 (persisted) → 提交 without 住所证明 (refused
//          beside 附件材料) → 上传附件 → 提交 → 待受理
//   staff: shouli 受理 → fuhe 复核通过 → shouli 通知 with 回复信息
//   unit:  待打印, the reply under 最新信息, 下载表格 (PDF)
//
// Screenshots of each page go to $FUMA_SCREENSHOTS (default: the build
// directory's browser-screenshots). Console errors, page errors, CSP
// violations and failed page resources fail the walk.
//
//   FUMA_HOST=build/examples/host/fuma-host node tests/browser/walk.mjs
//
// Environment: FUMA_HOST (the fuma-host binary), FUMA_SCREENSHOTS,
// FUMA_WEB (the pages, default examples/host/web), FUMA_CHROMIUM (default
// /usr/lib/chromium/chromium), FUMA_WALK_TIMEOUT
// (seconds, default 120), FUMA_HEADFUL=1 to watch.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

const HOST = process.env.FUMA_HOST || path.join(root, 'build', 'examples', 'host', 'fuma-host');
// The host binary lives in <build>/examples/host/: screenshots default beside it.
const SHOTS = process.env.FUMA_SCREENSHOTS
  || path.join(path.resolve(path.dirname(HOST), '..', '..'), 'browser-screenshots');
const CHROMIUM = process.env.FUMA_CHROMIUM || '/usr/lib/chromium/chromium';
// The pages under test: the source tree's, never an installed copy the host
// might otherwise prefer.
const WEB = process.env.FUMA_WEB || path.join(root, 'examples', 'host', 'web');
const TIMEOUT_S = Number(process.env.FUMA_WALK_TIMEOUT || 120);
const ACTION_TIMEOUT_MS = 15000;

const REPLY = '复核通过，请下载表格签字盖章后面交或邮寄至赋码机关。';
const NEW_ADDRESS = '深圳市福田区演示路88号';
const REASON = '单位搬迁至新办公地址';
const ATTACHMENT = '住所证明.pdf';

// ---- bookkeeping -----------------------------------------------------------------

let currentStep = '(start)';
const reloading = new Set(); // pages the walk is reloading on purpose
let allowedApiErrors = []; // "STATUS /api/command" the current step expects
const problems = []; // console errors, page errors, CSP violations, failed loads
const apiErrors = []; // API error answers the pages showed (logged by Chromium)
let host = null;
let hostLog = '';
let browser = null;
let dataDir = null;
let shotCount = 0;
const t0 = Date.now();

function log(message) {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(5);
  process.stdout.write(`[${s}s] ${message}\n`);
}

// Runs one step of the walk. `expect` lists the API error answers the step
// provokes on purpose ("401 /api/session.get"): Chromium logs each as a
// console error; any other one fails the step.
async function step(name, work, { expect = [] } = {}) {
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

async function shot(page, name, target = null) {
  shotCount += 1;
  const file = path.join(SHOTS, `${String(shotCount).padStart(2, '0')}-${name}.png`);
  // Let fonts and pictures settle so the screenshot shows the page as seen.
  await page.evaluate(() => document.fonts.ready);
  if (target) await target.screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
  log(`screenshot ${path.relative(process.cwd(), file)}`);
}

// ---- the host ---------------------------------------------------------------------

async function startHost() {
  assert.ok(existsSync(HOST), `fuma-host not found at ${HOST} (set FUMA_HOST)`);
  dataDir = await mkdtemp(path.join(tmpdir(), 'fuma-walk-'));
  host = spawn(HOST, ['--listen', '127.0.0.1:0', '--data', dataDir, '--web', WEB, '--demo'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  host.stderr.setEncoding('utf8');
  host.stderr.on('data', (d) => { hostLog += d; });
  host.stdout.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`fuma-host did not start in 20 s:\n${out}\n${hostLog}`)), 20000);
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

// A page that records what the console, the page and CSP report.
async function watchedPage(context, who) {
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
    // So is a request the page dropped because the walk reloaded it.
    if (failure === 'net::ERR_ABORTED' && reloading.has(page)) return;
    problems.push({ page: who, text: `request failed: ${req.method()} ${req.url()} ${failure}` });
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && !new URL(res.url()).pathname.startsWith('/api/')) {
      problems.push({ page: who, text: `HTTP ${res.status()} for ${res.url()}` });
    }
  });
  page.on('dialog', (dialog) => {
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

// A minimal, well-formed PDF (header, objects, an xref whose offsets are
// right, startxref, %%EOF): what the engine's content check wants.
function minimalPdf() {
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
async function downloadVia(page, trigger) {
  const [download] = await Promise.all([page.waitForEvent('download'), trigger()]);
  const failure = await download.failure();
  assert.equal(failure, null, `download failed: ${failure}`);
  const bytes = await readFile(await download.path());
  return { name: download.suggestedFilename(), bytes };
}

function assertPdf(file, what) {
  assert.match(file.name, /\.pdf$/i, `${what}: the file name "${file.name}" does not end .pdf`);
  assert.equal(file.bytes.subarray(0, 5).toString('latin1'), '%PDF-',
    `${what}: "${file.name}" does not start with %PDF- (${file.bytes.length} bytes)`);
}

async function expectVisible(locator, what) {
  try {
    await locator.waitFor({ state: 'visible' });
  } catch (err) {
    throw new Error(`${what} did not show: ${err.message.split('\n')[0]}`);
  }
}

async function expectText(locator, pattern, what) {
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

// ---- staff ------------------------------------------------------------------------

async function staffLogin(context, base, username, password) {
  const page = await watchedPage(context, `staff:${username}`);
  await page.goto(`${base}/staff.html`);
  await expectVisible(page.getByRole('heading', { name: '工作人员登录' }), 'the staff login form');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expectVisible(page.getByRole('tab', { name: '待办' }), `the workspace of ${username}`);
  return page;
}

async function openFromQueue(page, queue, id) {
  const section = page.locator(`#queue-${queue}`);
  const open = section.getByRole('button', { name: `办理申请${id}`, exact: true });
  await expectVisible(open, `application ${id} in the ${queue} queue`);
  await open.click();
  await expectText(page.locator('#case-heading'), `申请编号${id}`, 'the case view');
}

async function takeAction(page, label, statusAfter) {
  await page.locator('#case-actions').getByRole('button', { name: label, exact: true }).click();
  await expectText(page.locator('#case-banner'), `已${label}，办理进度：${statusAfter}`,
    `the banner after ${label}`);
}

async function staffLogout(page) {
  await page.getByRole('button', { name: '退出', exact: true }).click();
  await expectText(page.locator('#page-banner'), '已退出', 'the banner after 退出');
  await expectVisible(page.getByRole('heading', { name: '工作人员登录' }), 'the login form after 退出');
}

// ---- the walk ---------------------------------------------------------------------

async function walk() {
  await mkdir(SHOTS, { recursive: true });
  // Only this run's screenshots: drop the numbered ones of an earlier run.
  for (const f of await readdir(SHOTS)) {
    if (/^\d\d-[^/]+\.png$/.test(f)) await rm(path.join(SHOTS, f));
  }
  const base = await step('start fuma-host --demo', startHost);
  log(`host at ${base}, data ${dataDir}`);
  const demo = path.join(dataDir, 'demo');
  const fixedTermPng = path.join(demo, 'unit-fixed-term.png');
  assert.ok(existsSync(fixedTermPng), `demo picture missing: ${fixedTermPng}`);
  const attachmentFile = path.join(dataDir, ATTACHMENT);
  await writeFile(attachmentFile, minimalPdf());

  browser = await step('launch chromium', () => chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--lang=zh-CN'],
    headless: process.env.FUMA_HEADFUL !== '1',
  }));
  const viewport = { width: 1280, height: 900 };
  const unitContext = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const unit = await watchedPage(unitContext, 'unit');

  // 1. 首页 and 机关用户服务.
  await step('首页', async () => {
    await unit.goto(`${base}/`);
    await expectVisible(unit.getByRole('tab', { name: '通知公告' }), 'the 通知公告 column');
    await expectVisible(unit.getByRole('heading', { name: '事业单位法人信息查询' }), '事业单位法人信息查询');
    await unit.waitForLoadState('networkidle');
    await shot(unit, 'home');
  });
  await step('机关用户服务', async () => {
    await unit.getByRole('link', { name: '机关用户服务' }).click();
    await unit.waitForURL(/\/unit\.html$/);
    await expectVisible(unit.getByRole('heading', { name: '用户登录' }), '用户登录');
    await expectVisible(unit.locator('#guide-change-materials'), 'the 服务指南 grid');
    await unit.waitForLoadState('networkidle');
    await shot(unit, 'unit');
  });
  await step('申请初领 needs 现场办理', async () => {
    await unit.getByRole('button', { name: '申请初领', exact: true }).click();
    await expectText(unit.getByRole('alert'), '需要现场办理', 'the answer to 申请初领');
    assert.equal(await unit.locator('#login-dialog').isVisible(), false, '申请初领 must not open the login dialog');
  });
  await step('服务指南 申请变更·申请材料', async () => {
    await unit.locator('#guide-change-materials').click();
    const dialog = unit.getByRole('dialog', { name: /申请变更/ });
    await expectVisible(dialog, 'the 服务指南 dialog');
    await expectText(dialog, '住所证明', 'the 申请材料 of 申请变更');
    await dialog.getByRole('button', { name: '关闭' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });
  await step('格式文本下载', async () => {
    const file = await downloadVia(unit, () => unit.getByRole('link', { name: /登录二维码图片申领表/ }).click());
    assertPdf(file, '格式文本下载');
    assert.match(file.name, /[\u4e00-\u9fff]/, `the 申领表's file name "${file.name}" is not Chinese`);
    log(`downloaded ${file.name} (${file.bytes.length} bytes)`);
  });

  // 2. 申请变更 → 图片登录.
  await step('申请变更 opens 用户登录', async () => {
    await unit.getByRole('button', { name: '申请变更', exact: true }).click();
    const dialog = unit.locator('#login-dialog');
    await expectVisible(dialog, 'the login dialog');
    await expectText(dialog.locator('#login-business'), '申请变更', 'the business in the login dialog');
    await dialog.getByRole('tab', { name: '图片登录' }).click();
    const [chooser] = await Promise.all([
      unit.waitForEvent('filechooser'),
      dialog.getByRole('button', { name: '浏览' }).click(),
    ]);
    await chooser.setFiles(fixedTermPng);
    await expectText(dialog.locator('#login-file-name'), 'unit-fixed-term.png', 'the chosen file name');
    // The captcha: a picture that loaded, and the demo's note.
    const img = dialog.getByRole('img', { name: '验证码图片' });
    await expectVisible(img, 'the captcha picture');
    await unit.waitForFunction(() => {
      const i = document.getElementById('captcha-image');
      return i && i.src.startsWith('data:image/') && i.complete && i.naturalWidth > 0;
    });
    await expectText(dialog.locator('#demo-captcha-note'), 'FUMA7', 'the demo captcha note');
    await dialog.getByLabel('验证码', { exact: true }).fill('FUMA7');
    await shot(unit, 'login-dialog', dialog);
    await dialog.getByRole('button', { name: '登录', exact: true }).click();
  }, { expect: ['401 /api/session.get'] });

  // 3. 登录承诺 → 同意 → 申请信息录入.
  await step('登录承诺', async () => {
    const dialog = unit.getByRole('dialog', { name: '登录承诺' });
    await expectVisible(dialog, 'the 登录承诺 dialog');
    await expectVisible(dialog.locator('#commitment-text p').first(), 'the commitment text');
    await shot(unit, 'commitment');
    await Promise.all([
      unit.waitForURL(/\/apply\.html/),
      dialog.getByRole('button', { name: '同意' }).click(),
    ]);
  });
  let appId = 0;
  await step('申请信息录入', async () => {
    await expectVisible(unit.locator('#entry-content'), 'the entry form');
    const heading = await expectText(unit.locator('#entry-business'), /申请变更（申请编号(\d+)）/, 'the application heading');
    appId = Number(/申请编号(\d+)/.exec(heading)[1]);
    await expectText(unit.locator('#unit-name'), '深圳市演示工会', 'the unit name');
    await expectText(unit.locator('#who'), '深圳市演示工会', 'the header');
    await expectText(unit.locator('#progress-status'), '未提交', '办理进度');
    await expectVisible(unit.getByRole('group', { name: '变更事项' }), '变更事项');
    await unit.waitForLoadState('networkidle');
    await shot(unit, 'apply');
  });

  // 4. Fill a change, 暂存, reload: still there.
  await step('暂存', async () => {
    await unit.getByLabel('住所', { exact: true }).fill(NEW_ADDRESS);
    await unit.getByLabel(/申请理由/).fill(REASON);
    await unit.getByRole('button', { name: '暂存' }).click();
    await expectText(unit.locator('#page-banner'), '申请信息已暂存', 'the 暂存 message');
    // The checklist now asks for 住所证明.
    await expectText(unit.locator('#required-kinds'), /住所证明（尚未上传）/, 'the attachment checklist');
  });
  await step('暂存 persisted across a reload', async () => {
    await unit.reload();
    await expectVisible(unit.locator('#entry-content'), 'the entry form after reload');
    await expectText(unit.locator('#entry-business'), `申请编号${appId}`, 'the same application after reload');
    await unit.waitForFunction((v) => document.getElementById('new-address').value === v, NEW_ADDRESS)
      .catch(async () => {
        throw new Error(`住所 after reload is "${await unit.getByLabel('住所', { exact: true }).inputValue()}"`);
      });
    assert.equal(await unit.getByLabel(/申请理由/).inputValue(), REASON, '申请理由 after reload');
    await expectText(unit.locator('#old-address'), /\S/, 'the old 住所');
  });

  // 5. 提交 without 住所证明 is refused beside 附件材料; then 上传附件.
  await step('提交 without the required attachment', async () => {
    await unit.getByRole('button', { name: '提交' }).click();
    const error = unit.locator('#attachments .field-error');
    await expectVisible(error, 'the missing-attachment error beside 附件材料');
    await expectText(error, '住所证明', 'the missing-attachment error');
    await expectText(unit.locator('#progress-status'), '未提交', '办理进度 after the refused 提交');
    await shot(unit, 'submit-refused', unit.locator('#entry'));
  }, { expect: ['422 /api/application.submit'] });
  await step('上传附件', async () => {
    await unit.getByRole('button', { name: '上传附件' }).click();
    const dialog = unit.getByRole('dialog', { name: '上传附件' });
    await expectVisible(dialog, 'the upload dialog');
    const kind = dialog.getByLabel('材料类型');
    await kind.selectOption({ label: '住所证明（必传）' });
    await dialog.getByLabel('选择文件').setInputFiles(attachmentFile);
    await dialog.getByRole('button', { name: '确定' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expectText(unit.locator('#page-banner'), `附件已上传：${ATTACHMENT}`, 'the upload message');
    await expectVisible(unit.getByRole('button', { name: `移除附件 ${ATTACHMENT}` }), 'the uploaded attachment');
    await expectText(unit.locator('#attachment-table'), '住所证明', 'the attachment kind');
    await expectText(unit.locator('#required-kinds'), /住所证明（已上传1份）/, 'the checklist after upload');
    assert.equal(await unit.locator('#attachments .field-error').count(), 0,
      'the missing-attachment error is still shown after the upload');
    await shot(unit, 'attachment');
  });

  // 6. 提交 → 待受理.
  await step('提交', async () => {
    await unit.getByRole('button', { name: '提交' }).click();
    await expectText(unit.locator('#page-banner'), '申请已提交', 'the 提交 message');
    await expectText(unit.locator('#progress-status'), '待受理', '办理进度 after 提交');
    assert.equal(await unit.getByRole('button', { name: '暂存' }).isDisabled(), true, '暂存 must be off once submitted');
    assert.equal(await unit.getByLabel('住所', { exact: true }).isDisabled(), true, 'the form must be read-only once submitted');
    await expectText(unit.locator('#history-list'), '提交', '历史信息');
    await shot(unit, 'submitted');
  });

  // 7. Staff: 受理 (shouli), 复核通过 (fuhe), 通知 (shouli).
  const acceptorContext = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  let acceptor;
  await step('shouli logs in', async () => {
    acceptor = await staffLogin(acceptorContext, base, 'shouli', 'shouli-demo-2026');
    await expectText(acceptor.locator('#staff-who'), '受理人员', 'the staff member shown');
    await expectVisible(acceptor.locator('#queue-submitted').getByRole('button', { name: `办理申请${appId}`, exact: true }),
      `application ${appId} in 待受理`);
    await acceptor.waitForLoadState('networkidle');
    await shot(acceptor, 'staff-queue');
  }, { expect: ['401 /api/staff/staff.get'] });
  await step('shouli opens the case', async () => {
    await openFromQueue(acceptor, 'submitted', appId);
    const facts = acceptor.locator('#case-facts');
    await expectText(facts, '待受理', 'the case status');
    await expectText(facts, '深圳市演示工会', 'the case unit');
    await expectText(acceptor.locator('#case-fields'), NEW_ADDRESS, 'the change in the case');
    await expectText(acceptor.locator('#case-fields'), REASON, 'the reason in the case');
    const get = acceptor.getByRole('button', { name: `下载附件 ${ATTACHMENT}` });
    await expectVisible(get, 'the attachment in the case');
    const file = await downloadVia(acceptor, () => get.click());
    assert.equal(file.name, ATTACHMENT, 'the attachment download name');
    assert.deepEqual(file.bytes, await readFile(attachmentFile), 'the attachment downloaded differs from the one uploaded');
    await expectVisible(acceptor.locator('#case-history li').first(), 'the case history');
    await shot(acceptor, 'staff-case');
  });
  await step('shouli 受理', async () => {
    await takeAction(acceptor, '受理', '待复核');
    // A reload keeps the back office: the host tells the page who is in.
    // (Requests the reload cuts short are not the page's fault.)
    await acceptor.waitForLoadState('networkidle');
    reloading.add(acceptor);
    await acceptor.reload();
    reloading.delete(acceptor);
    await expectText(acceptor.locator('#staff-who'), '受理人员', 'the staff member after a reload');
    await acceptor.waitForLoadState('networkidle');
    await staffLogout(acceptor);
  });

  const reviewerContext = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  await step('fuhe 复核通过', async () => {
    const reviewer = await staffLogin(reviewerContext, base, 'fuhe', 'fuhe-demo-2026');
    await openFromQueue(reviewer, 'accepted', appId);
    await expectText(reviewer.locator('#case-facts'), '待复核', 'the case status for fuhe');
    // The four-eyes rule: the reviewer is offered 复核通过 and 复核退回 only.
    await expectVisible(reviewer.getByRole('button', { name: '复核退回', exact: true }), '复核退回');
    await takeAction(reviewer, '复核通过', '待通知');
    await expectText(reviewer.locator('#case-history'), '复核通过', 'the case history after 复核通过');
    await shot(reviewer, 'staff-approved');
    await staffLogout(reviewer);
  }, { expect: ['401 /api/staff/staff.get'] });

  await step('shouli 通知 with 回复信息', async () => {
    await acceptor.getByLabel('用户名').fill('shouli');
    await acceptor.getByLabel('密码').fill('shouli-demo-2026');
    await acceptor.getByRole('button', { name: '登录', exact: true }).click();
    await expectVisible(acceptor.getByRole('tab', { name: '待办' }), 'the workspace of shouli again');
    await openFromQueue(acceptor, 'approved', appId);
    await acceptor.getByLabel('回复信息').fill(REPLY);
    await takeAction(acceptor, '通知', '待打印');
    await expectText(acceptor.locator('#case-latest'), REPLY, '最新信息 in the case');
    await shot(acceptor, 'staff-notified');
  });

  // 8. The unit: 待打印, the reply, 下载表格.
  await step('the unit sees 待打印', async () => {
    await unit.reload();
    await expectVisible(unit.locator('#entry-content'), 'the application after the staff steps');
    await expectText(unit.locator('#progress-status'), '待打印', '办理进度');
    await expectText(unit.locator('#latest-reply'), REPLY, '最新信息');
    await expectText(unit.locator('#history-list'), '通知', '历史信息');
  });
  await step('下载表格', async () => {
    const file = await downloadVia(unit, () => unit.getByRole('button', { name: '下载表格' }).click());
    assertPdf(file, '下载表格');
    assert.match(file.name, /[\u4e00-\u9fff]/, `the form's file name "${file.name}" is not Chinese`);
    await expectText(unit.locator('#page-banner'), `已下载表格：${file.name}`, 'the 下载表格 message');
    log(`downloaded ${file.name} (${file.bytes.length} bytes)`);
    await shot(unit, 'to-print');
  });

  // Whatever the pages report late still fails the walk.
  await step('no late browser errors', () => new Promise((r) => setTimeout(r, 300)));

  await unitContext.close();
  await acceptorContext.close();
  await reviewerContext.close();
}

// ---- main -------------------------------------------------------------------------

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  await stopHost().catch(() => {});
  if (dataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => {});
  dataDir = null;
}

let timedOut = false;
const overall = setTimeout(async () => {
  timedOut = true;
  process.stderr.write(`browser walk: timed out after ${TIMEOUT_S} s in step "${currentStep}"\n`);
  if (host) host.kill('SIGKILL');
  await cleanup().catch(() => {});
  process.exit(1);
}, TIMEOUT_S * 1000);

let failed = false;
try {
  await walk();
} catch (err) {
  failed = true;
  if (timedOut) await new Promise(() => {}); // the timeout says why, and exits
  process.stderr.write(`browser walk FAILED in step "${currentStep}":\n${err.stack || err}\n`);
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
  process.stdout.write(`browser walk: ${seconds} s; screenshots in ${SHOTS}\n0 passed, 1 failed\n`);
  process.exit(1);
}
process.stdout.write(`browser walk: ${seconds} s, ${shotCount} screenshots in ${SHOTS}\n1 passed, 0 failed\n`);
