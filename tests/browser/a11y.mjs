// SPDX-License-Identifier: Apache-2.0
// Accessibility and phones: every page of the unit's side and of the back
// office, in every state a unit or a clerk reaches, held to WCAG 2.1 AA
// (GB/T 37668's web part follows it) on a fuma-host --demo of its own.
//
//   keyboard: 申请变更 → 图片登录 → 登录承诺 同意 → 暂存 → 提交 refused → 上传附件
//             → 提交, with Tab, Shift+Tab, Enter and Space alone (and typing
//             into the fields); every control reached shows where focus is
//   dialogs:  each is a native modal <dialog> with a name; focus goes into
//             it, Tab never leaves it for the page behind, and focus goes
//             back to the control that opened it when it closes
//   errors:   a field in error is aria-invalid, names its message with
//             aria-describedby, and the message is announced (role=alert)
//   each state of each page, at 1366 × 768, at 375 × 812 (a phone) and at
//   683 × 384 (1366 × 768 enlarged to 200%):
//             axe-core at wcag2a, wcag2aa, wcag21a and wcag21aa finds nothing
//             serious or critical (at 683 too: what scrolls there must be
//             reachable by keyboard); nothing scrolls sideways (the page,
//             an open dialog) and no content is cut off by a box too small
//             for it (a data table may scroll inside its own frame: WCAG
//             1.4.10's exception)
//   pictures: every file picker accepts pictures (a photo, a saved
//             picture) and none forces the camera (no `capture`)
//
// What it finds is collected over the whole run and reported at its end,
// so that one run lists every page's problems.
//
//   FUMA_HOST=build/examples/host/fuma-host node tests/browser/a11y.mjs
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

import axe from 'axe-core';

import {
  assertPdf, dataPath, downloadVia, expectText, expectVisible, log, minimalPdf, newContext, pdfToPng,
  run, staffSignIn, step, waitForCaptcha, watchedPage, DEMO_CAPTCHA,
} from './lib.mjs';

const WINDOWS = [
  { label: '1366 × 768', size: { width: 1366, height: 768 } },
  { label: '375 × 812 (phone)', size: { width: 375, height: 812 } },
  { label: '683 × 384 (200%)', size: { width: 683, height: 384 } },
];
const DESKTOP = WINDOWS[0].size;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const GRAVE = new Set(['serious', 'critical']);

const NEW_ADDRESS = '深圳市福田区演示路99号';
const ATTACHMENT = '住所证明.pdf';
const DEMO_UNIT = '深圳市演示工会';

const findings = []; // every problem found, "state @ window: problem"
let statesChecked = 0;

// ---- checks of one state ----------------------------------------------------------

// axe-core's violations at the WCAG 2.1 A and AA rules, serious or critical.
async function axeProblems(page) {
  // Evaluated over the DevTools protocol, which the pages' CSP does not
  // govern (a <script> element would be refused, rightly).
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axe.source);
  const violations = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.map((n) => ({ impact: n.impact, target: n.target.join(' '), summary: n.failureSummary })),
    }));
  }, AXE_TAGS);
  const problems = [];
  for (const v of violations) {
    for (const n of v.nodes.filter((x) => GRAVE.has(x.impact))) {
      problems.push(`axe ${v.id} (${n.impact}): ${v.help} at ${n.target}: ${(n.summary || '').replace(/\s+/g, ' ')}`);
    }
  }
  return problems;
}

// Sideways scrolling and content cut off, as the page stands in this window.
async function reflowProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const describe = (e) => {
      let s = e.tagName.toLowerCase();
      if (e.id) s += `#${e.id}`;
      else if (e.classList.length) s += `.${[...e.classList].join('.')}`;
      const text = (e.textContent || '').trim().replace(/\s+/g, ' ');
      return text ? `${s} "${text.slice(0, 30)}"` : s;
    };
    const root = document.scrollingElement;
    if (root.scrollWidth > root.clientWidth) {
      problems.push(`the page scrolls sideways: ${root.scrollWidth} px of content in a ${root.clientWidth} px window`);
    }
    for (const e of [document.documentElement, document.body]) {
      const o = getComputedStyle(e).overflowX;
      if (o === 'hidden' || o === 'clip') problems.push(`${e.tagName.toLowerCase()} hides what overflows it (overflow-x: ${o})`);
    }
    const width = document.documentElement.clientWidth;
    for (const d of document.querySelectorAll('dialog[open]')) {
      const r = d.getBoundingClientRect();
      if (r.left < 0 || r.right > width) problems.push(`${describe(d)} is wider than the window (${Math.round(r.left)}..${Math.round(r.right)} of ${width} px)`);
    }
    const hiddenByDesign = (e) => e.closest('.visually-hidden');
    // A data table may scroll inside its frame (WCAG 1.4.10's exception
    // for content that needs two dimensions); nothing else may.
    const tableFrame = (e) => !!e.querySelector(':scope > table, :scope > * > table');
    for (const e of document.querySelectorAll('body *')) {
      if (!e.getClientRects().length || hiddenByDesign(e)) continue;
      // A text field scrolls its own text, as the caret moves.
      if (e.matches('input, textarea, select')) continue;
      const style = getComputedStyle(e);
      if (style.visibility === 'hidden') continue;
      const cutX = ['hidden', 'clip'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1;
      const cutY = ['hidden', 'clip'].includes(style.overflowY) && e.scrollHeight > e.clientHeight + 1;
      if (cutX || cutY) problems.push(`${describe(e)} cuts off its content (${e.scrollWidth}×${e.scrollHeight} px in ${e.clientWidth}×${e.clientHeight})`);
      const scrollsX = ['auto', 'scroll'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1;
      if (scrollsX && !tableFrame(e)) problems.push(`${describe(e)} scrolls sideways (${e.scrollWidth} px of content in ${e.clientWidth} px)`);
      // Outside the window's right edge without a frame that scrolls it:
      // unreachable.
      const r = e.getBoundingClientRect();
      if (r.width > 1 && r.right > width + 1) {
        let framed = false;
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
          if (getComputedStyle(a).overflowX !== 'visible') { framed = true; break; }
        }
        if (!framed) problems.push(`${describe(e)} reaches past the window's right edge (${Math.round(r.right)} of ${width} px)`);
      }
    }
    return problems;
  });
}

// Every file picker takes pictures and leaves the choice of camera or
// gallery to the person.
async function pickerProblems(page) {
  return page.evaluate(() => [...document.querySelectorAll('input[type="file"]')].flatMap((input) => {
    const out = [];
    const accept = (input.getAttribute('accept') || '').split(',').map((s) => s.trim().toLowerCase());
    if (!accept.some((a) => a === 'image/*' || a.startsWith('image/'))) {
      out.push(`the file picker #${input.id} does not accept pictures (accept="${input.getAttribute('accept') || ''}")`);
    }
    // A login picture may be in any format fuma reads, WebP (as chat apps
    // save pictures) included.
    if (['login-file', 'verify-file'].includes(input.id)) {
      for (const type of ['image/png', 'image/jpeg', 'image/bmp', 'image/gif', 'image/webp']) {
        if (!accept.includes(type)) out.push(`the login picture picker #${input.id} does not offer ${type}`);
      }
    }
    if (input.hasAttribute('capture')) out.push(`the file picker #${input.id} forces the camera (capture="${input.getAttribute('capture')}")`);
    return out;
  }));
}

async function settle(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// Checks the state `page` shows in each window, and leaves it at 1366 × 768.
async function checkState(page, name) {
  statesChecked += 1;
  await page.evaluate(() => document.fonts.ready);
  const scroll = await page.evaluate(() => [window.scrollX, window.scrollY]);
  for (const w of WINDOWS) {
    await page.setViewportSize(w.size);
    await settle(page);
    const problems = [
      ...await reflowProblems(page), ...await pickerProblems(page), ...await axeProblems(page),
    ];
    for (const p of new Set(problems)) {
      findings.push(`${name} @ ${w.label}: ${p}`);
      log(`PROBLEM ${name} @ ${w.label}: ${p}`);
    }
  }
  await page.setViewportSize(DESKTOP);
  await page.evaluate(([x, y]) => window.scrollTo(x, y), scroll);
  await settle(page);
}

// ---- keyboard ---------------------------------------------------------------------

async function focusDescription(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return 'nothing (the page itself)';
    const name = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent)
      || e.textContent || '';
    return `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''} "${name.trim().slice(0, 30)}"`;
  });
}

// Presses `key` (Tab or Shift+Tab) until `target` has focus, then checks
// that the focus shows. Fails if it is not reached within `max` presses.
async function tabTo(page, target, what, { key = 'Tab', max = 60 } = {}) {
  const handle = await target.elementHandle();
  assert.ok(handle, `${what} is not on the page`);
  for (let i = 0; i <= max; i += 1) {
    if (await handle.evaluate((e) => e === document.activeElement)) {
      const shows = await handle.evaluate((e) => {
        const s = getComputedStyle(e);
        const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
        return e.matches(':focus-visible') && (outline || s.boxShadow !== 'none');
      });
      assert.ok(shows, `${what} has focus but does not show it (no focus outline)`);
      return;
    }
    if (i < max) await page.keyboard.press(key);
  }
  throw new Error(`${what} is not reached by ${key} in ${max} presses; focus is on ${await focusDescription(page)}`);
}

async function isFocused(locator) {
  return locator.evaluate((e) => e === document.activeElement);
}

// The first Tab of a freshly loaded page reaches 跳到主要内容, which then
// shows; Enter on it takes the next Tab into <main>.
async function checkSkipLink(page, what) {
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: '跳到主要内容' });
  assert.ok(await isFocused(skip), `${what}: the first Tab reaches ${await focusDescription(page)}, not 跳到主要内容`);
  const box = await skip.boundingBox();
  assert.ok(box && box.y >= 0 && box.y + box.height <= DESKTOP.height, `${what}: 跳到主要内容 has focus but is not in sight`);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  const inMain = await page.evaluate(() => !!document.activeElement && !!document.activeElement.closest('main'));
  assert.ok(inMain, `${what}: after 跳到主要内容, Tab reaches ${await focusDescription(page)}, outside <main>`);
}

// `dialog` (a locator of role dialog) is open as a modal <dialog> with a
// name, focus is inside it, and Tab cycles inside it: it may leave the
// page for the browser's own controls, never for the page behind.
async function checkModal(page, dialog, name) {
  await expectVisible(dialog, `the dialog ${name}`);
  const how = await dialog.evaluate((d) => ({
    tag: d.tagName.toLowerCase(),
    modal: d.matches(':modal'),
    focusInside: d.contains(document.activeElement),
  }));
  assert.equal(how.tag, 'dialog', `${name} is a <${how.tag}>, not a native <dialog>`);
  assert.ok(how.modal, `${name} is not modal (showModal())`);
  assert.ok(how.focusInside, `${name} opened, but focus stayed on ${await focusDescription(page)}`);
  const stops = await dialog.evaluate((d) => d.querySelectorAll('a[href], button, input, select, textarea, [tabindex]').length);
  // Round the dialog forwards, then backwards: back where it started.
  for (let i = 0; i < 2 * (stops + 2); i += 1) {
    await page.keyboard.press(i < stops + 2 ? 'Tab' : 'Shift+Tab');
    const where = await dialog.evaluate((d) => {
      const e = document.activeElement;
      if (!e || e === document.body) return 'outside the page';
      return d.contains(e) ? 'inside' : 'behind';
    });
    assert.notEqual(where, 'behind', `Tab left the dialog ${name} for ${await focusDescription(page)}`);
  }
}

// Closes the dialog with `close` and checks that focus went back to `opener`.
async function closeReturnsFocus(page, dialog, opener, name, close) {
  await close();
  await dialog.waitFor({ state: 'hidden' });
  const deadline = Date.now() + 5000;
  while (!(await isFocused(opener)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(await isFocused(opener),
    `when the dialog ${name} closed, focus went to ${await focusDescription(page)}, not back to the control that opened it`);
}

// The field is marked invalid, names its message, and the message is
// announced.
async function checkFieldError(field, pattern, what) {
  // The page may be waiting for the host's answer.
  await field.evaluate((e) => new Promise((resolve) => {
    const deadline = Date.now() + 10000;
    const look = () => {
      if (e.getAttribute('aria-invalid') === 'true' || Date.now() > deadline) resolve();
      else setTimeout(look, 50);
    };
    look();
  }));
  const info = await field.evaluate((e) => {
    const ids = (e.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    const messages = ids.map((id) => document.getElementById(id)).filter(Boolean);
    return {
      invalid: e.getAttribute('aria-invalid'),
      text: messages.map((m) => m.textContent).join(' '),
      announced: messages.some((m) => m.closest('[role="alert"], [aria-live="assertive"], [aria-live="polite"]')),
    };
  });
  assert.equal(info.invalid, 'true', `${what}: the field is not aria-invalid`);
  assert.match(info.text, pattern, `${what}: the field's aria-describedby does not name the message`);
  assert.ok(info.announced, `${what}: the message is not announced (no role=alert or aria-live)`);
}

// A message said politely: a live region that was on the page before
// (role=status, or aria-live) holds it, where it can be heard (in the open
// modal dialog if there is one).
async function checkAnnounced(page, text, what) {
  try {
    await page.waitForFunction((t) => {
      const scope = document.querySelector('dialog:modal') || document;
      return [...scope.querySelectorAll('[role="status"], [aria-live="polite"], [aria-live="assertive"]')]
        .some((r) => r.getClientRects().length && r.textContent.includes(t));
    }, text, { timeout: 10000 });
  } catch {
    throw new Error(`${what}: "${text}" is shown but not announced (in no live region)`);
  }
}

// ---- the unit's side, by keyboard alone ----------------------------------------------

async function keyboardWalk(base) {
  const picture = dataPath('demo', 'unit-fixed-term.png');
  assert.ok(existsSync(picture), `demo picture missing: ${picture}`);
  const attachment = dataPath(ATTACHMENT);
  await writeFile(attachment, minimalPdf());

  const context = await newContext({ viewport: DESKTOP });
  const page = await watchedPage(context, 'unit');
  // Playwright takes the file choosers over once a page has a listener; a
  // key press is quicker than that takes, so the listener is there first.
  page.on('filechooser', () => {});
  const loginDialog = page.getByRole('dialog', { name: '用户登录' });
  const change = page.getByRole('button', { name: '申请变更', exact: true });

  await step('keyboard: 申请变更 opens 用户登录', async () => {
    await page.goto(`${base}/unit.html`);
    await page.waitForLoadState('networkidle');
    await checkSkipLink(page, 'unit.html');
    await tabTo(page, change, '申请变更');
    await page.keyboard.press('Enter');
    await checkModal(page, loginDialog, '用户登录');
    await waitForCaptcha(page);
  }, { expect: ['401 /api/session.get'] });

  await step('keyboard: 登录 without picture or captcha shows the errors', async () => {
    await tabTo(page, loginDialog.getByRole('button', { name: '登录', exact: true }), '登录');
    await page.keyboard.press('Enter');
    await checkFieldError(page.locator('#login-file'), /请点击“浏览”选择登录二维码图片/, '登录二维码图片 missing');
    await checkFieldError(page.locator('#login-captcha'), /请输入验证码/, '验证码 missing');
    await checkState(page, 'unit.html 用户登录 with errors');
  });

  await step('keyboard: 图片登录', async () => {
    await tabTo(page, loginDialog.getByRole('button', { name: '浏览' }), '浏览', { key: 'Shift+Tab' });
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
    await chooser.setFiles(picture);
    await expectText(page.locator('#login-file-name'), 'unit-fixed-term.png', 'the chosen file name');
    await tabTo(page, loginDialog.getByLabel('验证码', { exact: true }), '验证码');
    await page.keyboard.type(DEMO_CAPTCHA);
    await tabTo(page, loginDialog.getByRole('button', { name: '登录', exact: true }), '登录');
    await page.keyboard.press('Enter');
  });

  const commitment = page.getByRole('dialog', { name: '登录承诺' });
  await step('keyboard: 登录承诺', async () => {
    await checkModal(page, commitment, '登录承诺');
    await expectVisible(commitment.locator('#commitment-text p').first(), 'the commitment text');
    await checkState(page, 'unit.html 登录承诺');
    // It is answered, never dismissed.
    await page.keyboard.press('Escape');
    assert.ok(await commitment.isVisible(), 'Esc dismissed 登录承诺');
    await tabTo(page, commitment.getByRole('button', { name: '同意' }), '同意');
    await Promise.all([page.waitForURL(/\/apply\.html/), page.keyboard.press('Space')]);
    await expectVisible(page.locator('#entry-content'), 'the entry form');
    // Looking creates nothing: the case exists from the first 暂存.
    await expectText(page.locator('#entry-business'), '申请变更（尚未创建申请）', 'the application heading');
    await page.waitForLoadState('networkidle');
    await checkState(page, 'apply.html 申请信息录入');
  });

  await step('keyboard: 暂存', async () => {
    await tabTo(page, page.getByLabel('住所', { exact: true }), '住所');
    await page.keyboard.type(NEW_ADDRESS);
    const save = page.getByRole('button', { name: '暂存' });
    await tabTo(page, save, '暂存');
    await page.keyboard.press('Space');
    await expectText(page.locator('#page-banner'), '申请信息已暂存', 'the 暂存 message');
    await expectText(page.locator('#entry-business'), /申请变更（申请编号\d+）/, 'the application heading');
    await checkAnnounced(page, '申请信息已暂存', 'the 暂存 message');
    await expectText(page.locator('#required-kinds'), /住所证明（尚未上传）/, 'the attachment checklist');
    assert.ok(await isFocused(save), `after 暂存, focus is on ${await focusDescription(page)}, not on 暂存`);
  });

  await step('keyboard: 提交 without 住所证明 is refused', async () => {
    const submit = page.getByRole('button', { name: '提交' });
    await tabTo(page, submit, '提交');
    await page.keyboard.press('Enter');
    await expectText(page.locator('#attachments .field-error'), '住所证明', 'the missing-attachment error');
    assert.ok(await page.locator('#attachments .field-error').evaluate((e) => !!e.closest('[role="alert"]')),
      'the missing-attachment error is not announced (no role=alert)');
    await checkState(page, 'apply.html 提交 refused');
  }, { expect: ['422 /api/application.submit'] });

  const uploadDialog = page.getByRole('dialog', { name: '上传附件' });
  const uploadButton = page.getByRole('button', { name: '上传附件' });
  await step('keyboard: 上传附件', async () => {
    await tabTo(page, uploadButton, '上传附件');
    await page.keyboard.press('Enter');
    await checkModal(page, uploadDialog, '上传附件');
    await expectText(uploadDialog.locator('#upload-kind-hint'), '已上传0份', 'the hint of the kind chosen');
    await tabTo(page, uploadDialog.getByRole('button', { name: '确定' }), '确定');
    await page.keyboard.press('Enter');
    await checkFieldError(page.locator('#upload-file'), /请选择要上传的文件/, '选择文件 missing');
    await checkState(page, 'apply.html 上传附件 with an error');
    // Its own file chooser is reached and opened from the keyboard.
    await tabTo(page, uploadDialog.getByLabel('选择文件'), '选择文件', { key: 'Shift+Tab' });
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
    await chooser.setFiles(attachment);
    await tabTo(page, uploadDialog.getByRole('button', { name: '确定' }), '确定');
    await closeReturnsFocus(page, uploadDialog, uploadButton, '上传附件', () => page.keyboard.press('Enter'));
    await expectText(page.locator('#page-banner'), `附件已上传：${ATTACHMENT}`, 'the upload message');
    await checkAnnounced(page, `附件已上传：${ATTACHMENT}`, 'the upload message');
    await expectText(page.locator('#required-kinds'), /住所证明（已上传1份）/, 'the checklist after upload');
  });

  await step('keyboard: 上传附件 closed with Esc', async () => {
    await page.keyboard.press('Enter');
    await checkModal(page, uploadDialog, '上传附件');
    await closeReturnsFocus(page, uploadDialog, uploadButton, '上传附件 (Esc)', () => page.keyboard.press('Escape'));
  });

  await step('keyboard: 提交', async () => {
    await tabTo(page, page.getByRole('button', { name: '提交' }), '提交', { key: 'Shift+Tab' });
    await page.keyboard.press('Enter');
    await expectText(page.locator('#progress-status'), '待受理', '办理进度 after 提交');
    await expectText(page.locator('#page-banner'), '申请已提交', 'the 提交 message');
    await checkAnnounced(page, '申请已提交', 'the 提交 message');
    await checkState(page, 'apply.html 待受理');
  });

  await context.close();
}

// ---- the rest of the unit's side --------------------------------------------------------

async function publicPages(base) {
  const context = await newContext({ viewport: DESKTOP });
  const page = await watchedPage(context, 'public');

  await step('首页', async () => {
    await page.goto(`${base}/`);
    await expectVisible(page.locator('#column-items li').first(), 'the notices');
    await page.waitForLoadState('networkidle');
    await checkSkipLink(page, 'index.html');
    await checkState(page, 'index.html 首页');
  });
  await step('首页: an article', async () => {
    const item = page.locator('#column-items li button').first();
    await tabTo(page, item, 'the first notice');
    await page.keyboard.press('Enter');
    const dialog = page.locator('#article-dialog');
    const title = (await item.textContent()).trim();
    await checkModal(page, page.getByRole('dialog', { name: title }), `the article "${title}"`);
    await expectVisible(dialog.locator('#article-body p').first(), 'the article text');
    await checkState(page, 'index.html 正文');
    await closeReturnsFocus(page, dialog, item, '正文', () => page.keyboard.press('Escape'));
  });
  let statusLink;
  await step('首页: 事业单位法人信息查询 with no query, then a unit found', async () => {
    await tabTo(page, page.getByRole('button', { name: '查询', exact: true }), '查询');
    await page.keyboard.press('Enter');
    await checkFieldError(page.getByLabel('统一社会信用代码或单位名称'), /请输入/, '查询 with no query');
    await checkState(page, 'index.html 查询 with an error');
    await page.keyboard.type(DEMO_UNIT);
    await page.keyboard.press('Enter');
    await expectText(page.locator('#lookup-table'), DEMO_UNIT, 'the unit found');
    await checkState(page, 'index.html 查询结果');
    statusLink = await page.getByRole('link', { name: '查看证书状态' }).first().getAttribute('href');
  });
  await step('the certificate page', async () => {
    await page.goto(new URL(statusLink, base).href);
    await expectVisible(page.locator('#status-content'), 'the certificate status');
    await checkSkipLink(page, 'c.html');
    await checkState(page, 'c.html 证书状态');
  });

  await step('机关用户服务', async () => {
    await page.goto(`${base}/unit.html`);
    await page.waitForLoadState('networkidle');
    await checkState(page, 'unit.html 机关用户服务');
  });
  await step('机关用户服务: 申请初领 needs 现场办理', async () => {
    const initial = page.getByRole('button', { name: '申请初领', exact: true });
    await tabTo(page, initial, '申请初领');
    await page.keyboard.press('Enter');
    // The manual's 系统提示, a dialog.
    const dialog = page.getByRole('dialog', { name: '系统提示' });
    await checkModal(page, dialog, '系统提示');
    await expectVisible(page.locator('#onsite-message'), '需要现场办理');
    await checkState(page, 'unit.html 需要现场办理');
    await closeReturnsFocus(page, dialog, initial, '系统提示', () => page.keyboard.press('Escape'));
  });
  await step('机关用户服务: 服务指南', async () => {
    const cell = page.locator('#guide-change-materials');
    await tabTo(page, cell, '服务指南 申请变更·申请材料');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: /申请变更/ });
    await checkModal(page, dialog, '服务指南');
    await checkState(page, 'unit.html 服务指南');
    await tabTo(page, dialog.getByRole('button', { name: '关闭' }), '关闭');
    await closeReturnsFocus(page, dialog, cell, '服务指南', () => page.keyboard.press('Enter'));
  });
  await step('机关用户服务: 用户登录 closed', async () => {
    const change = page.getByRole('button', { name: '申请变更', exact: true });
    await tabTo(page, change, '申请变更', { key: 'Shift+Tab' });
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: '用户登录' });
    await checkModal(page, dialog, '用户登录');
    await waitForCaptcha(page);
    await checkState(page, 'unit.html 用户登录');
    await closeReturnsFocus(page, dialog, change, '用户登录', () => page.keyboard.press('Escape'));
  }, { expect: ['401 /api/session.get'] });

  await context.close();
}

// ---- the back office ----------------------------------------------------------------------

async function selectTab(page, name) {
  const tab = page.getByRole('tab', { name });
  await tabTo(page, tab, `the tab ${name}`);
  await page.keyboard.press('Enter');
  await expectVisible(page.locator(`#${await tab.getAttribute('aria-controls')}`), `the panel ${name}`);
}

async function backOffice(base) {
  const context = await newContext({ viewport: DESKTOP });
  const page = await watchedPage(context, 'staff');

  await step('工作人员登录', async () => {
    await page.goto(`${base}/staff.html`);
    await expectVisible(page.getByRole('heading', { name: '工作人员登录' }), 'the staff login form');
    await page.waitForLoadState('networkidle');
    await checkState(page, 'staff.html 工作人员登录');
  }, { expect: ['401 /api/staff/staff.get'] });
  await step('工作人员登录 with a wrong password', async () => {
    await tabTo(page, page.getByLabel('用户名'), '用户名');
    await page.keyboard.type('shouli');
    await tabTo(page, page.getByLabel('密码'), '密码');
    await page.keyboard.type('not-the-password');
    await page.keyboard.press('Enter');
    await checkFieldError(page.getByLabel('密码'), /./, '密码 wrong');
    await checkState(page, 'staff.html 登录 refused');
  }, { expect: ['401 /api/staff/staff.login'] });

  await step('待办', async () => {
    await staffSignIn(page, 'shouli');
    await expectVisible(page.locator('#queue-submitted tbody tr').first(), 'the application in 待受理');
    await page.locator('#other-queues summary').press('Enter');
    await expectVisible(page.locator('#other-queue-list .queue').first(), '其他办理进度');
    await page.waitForLoadState('networkidle');
    await checkState(page, 'staff.html 待办');
  });
  await step('办件', async () => {
    const open = page.locator('#queue-submitted').getByRole('button', { name: /^办理申请\d+$/ }).first();
    await tabTo(page, open, '办理', { key: 'Shift+Tab', max: 120 });
    await page.keyboard.press('Enter');
    await expectText(page.locator('#case-heading'), '申请编号', 'the case view');
    await expectVisible(page.locator('#case-history li').first(), 'the case history');
    await checkState(page, 'staff.html 办件');
    const reject = page.locator('#case-actions').getByRole('button', { name: '不予通过', exact: true });
    await tabTo(page, reject, '不予通过');
    await page.keyboard.press('Enter');
    await checkFieldError(page.getByLabel('回复信息'), /须填写回复信息/, '不予通过 without 回复信息');
    await checkState(page, 'staff.html 办件 with an error');
    // Its form, printed and scanned, for 表格核验 below.
    const form = await downloadVia(page, () => page.getByRole('button', { name: '下载表格' }).click());
    assertPdf(form, '下载表格');
    await pdfToPng(form.bytes, dataPath('scan.png'), 150);
  });
  await step('现场办理', async () => {
    await selectTab(page, '现场办理');
    await checkState(page, 'staff.html 现场办理');
    await tabTo(page, page.getByRole('button', { name: '登记赋码' }), '登记赋码');
    await page.keyboard.press('Enter');
    await checkFieldError(page.getByLabel('单位名称'), /请填写单位名称/, '单位名称 missing');
    await checkState(page, 'staff.html 现场办理 with errors');
    await page.getByLabel('单位名称').fill('深圳市演示残疾人联合会');
    await page.getByLabel('单位类别').selectOption('群团');
    await page.locator('#register-address').fill('深圳市福田区演示大道8号');
    await page.getByLabel('负责人').fill('李明');
    await page.getByRole('button', { name: '登记赋码' }).click();
    await expectText(page.locator('#register-uscc'), /^[0-9A-HJ-NPQRTUWXY]{18}$/, 'the code allocated');
    await checkState(page, 'staff.html 现场办理 赋码');
  });
  await step('登录二维码', async () => {
    await page.getByRole('button', { name: '为该单位登记二维码申领' }).click();
    await expectVisible(page.locator('#panel-credentials'), 'the 登录二维码 tab');
    await checkState(page, 'staff.html 登录二维码');
    await page.getByLabel('领取人').fill('刘洋');
    await page.getByLabel('手机号').fill('13900139000');
    await page.getByRole('button', { name: '登记申领' }).click();
    await expectText(page.locator('#cred-banner'), /已登记申领/, 'the banner');
    await expectVisible(page.locator('#cred-list'), 'the records');
    await checkState(page, 'staff.html 登录二维码 申领');
    await downloadVia(page, () => page.getByRole('button', { name: '签发并下载' }).click());
    await expectText(page.locator('#issue-message'), '已签发第1代登录二维码图片', 'the message');
    await expectText(page.locator('#cred-credentials'), '第1代', 'the picture in the records');
    await page.waitForFunction(() => {
      const i = document.getElementById('issue-image');
      return i && i.complete && i.naturalWidth > 0;
    });
    await checkState(page, 'staff.html 登录二维码 签发');
  });
  await step('表格核验', async () => {
    await selectTab(page, '表格核验');
    await checkState(page, 'staff.html 表格核验');
    await tabTo(page, page.getByRole('button', { name: '核验', exact: true }), '核验');
    await page.keyboard.press('Enter');
    await checkFieldError(page.getByLabel('核验码'), /请填写核验码/, '核验 with nothing');
    await checkState(page, 'staff.html 表格核验 with an error');
    await page.getByLabel('或上传扫描件').setInputFiles(dataPath('scan.png'));
    await page.getByRole('button', { name: '核验', exact: true }).click();
    await expectText(page.locator('#verify-result'), '一致', 'the verdict');
    await checkState(page, 'staff.html 表格核验 一致');
  });
  await step('密钥', async () => {
    await page.getByRole('button', { name: '退出', exact: true }).click();
    await expectText(page.locator('#page-banner'), '已退出', 'the banner after 退出');
    await staffSignIn(page, 'guanli');
    await selectTab(page, '密钥');
    await expectVisible(page.locator('#keys-table tbody tr').first(), 'the keys');
    await page.locator('#keys-table summary').first().press('Enter');
    await expectVisible(page.locator('#keys-table pre').first(), 'a public key');
    await checkState(page, 'staff.html 密钥');
  });

  await context.close();
}

async function a11y(base) {
  await keyboardWalk(base);
  await publicPages(base);
  await backOffice(base);
  await step('what the checks found', async () => {
    log(`${statesChecked} states checked in ${WINDOWS.length} windows each`);
    assert.equal(findings.length, 0,
      `${findings.length} accessibility problem(s):\n${findings.map((f) => `  - ${f}`).join('\n')}`);
  });
}

await run('a11y', a11y);
