// SPDX-License-Identifier: Apache-2.0
// The browser walk: the operating manual's flow through the reference host's
// pages in headless Chromium (Debian's chromium, driven by playwright-core).
//
//   unit:  首页 → 机关用户服务 → 申请初领 (系统提示: 需要现场办理) → 服务指南 →
//          格式文本下载 (the 申领表, PDF) → 申请变更 → 图片登录 with a file
//          that is no picture (refused beside the field) → 图片登录 (QR
//          picture, 验证码) → 登录承诺 同意 → 申请信息录入 (nothing created
//          yet): 住所, 暂存 (creates the case; persisted) → 提交
//          without 住所证明 (refused beside 附件材料) → 上传附件 → 提交 → 待受理
//   staff: shouli 受理 → fuhe 复核通过 → shouli 通知 with 回复信息
//   unit:  待打印, the reply under 最新信息, 历史信息, 下载表格 (PDF)
//   staff: shouli 办结
//   unit:  the outcome at once (a reload shows the same case, starts none);
//          then looks at 申请补领, goes back, chooses 申请换领: no case is in
//          the way, and 暂存 creates exactly one
//
// Each screen the unit's manual shows is saved as a named screenshot (see
// lib.mjs for where, and for the environment).
//
//   FUMA_HOST=build/examples/host/fuma-host node tests/browser/walk.mjs
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

import {
  assertPdf, dataPath, downloadVia, expectText, expectVisible, log, minimalPdf, newContext,
  openFromQueue, pdfShot, reload, run, shot, shotBetween, staffLogin, staffLogout, staffSignIn, step,
  takeAction, waitForCaptcha, watchedPage, DEMO_CAPTCHA,
} from './lib.mjs';

const REPLY = '复核通过。请下载表格，由负责人签字、加盖单位公章后，连同原证书面交或邮寄至本机关政务服务窗口，新证书在窗口领取。';
const NEW_ADDRESS = '深圳市福田区演示路88号';
const REASON = '单位搬迁至新办公地址';
const ATTACHMENT = '住所证明.pdf';

async function walk(base) {
  const fixedTermPng = dataPath('demo', 'unit-fixed-term.png');
  assert.ok(existsSync(fixedTermPng), `demo picture missing: ${fixedTermPng}`);
  const attachmentFile = dataPath(ATTACHMENT);
  await writeFile(attachmentFile, minimalPdf());

  const unitContext = await newContext();
  const unit = await watchedPage(unitContext, 'unit');

  // 1. 首页 and 机关用户服务.
  await step('首页', async () => {
    await unit.goto(`${base}/`);
    await expectVisible(unit.getByRole('tab', { name: '通知公告' }), 'the 通知公告 column');
    await expectVisible(unit.getByRole('heading', { name: '机关群团赋码信息查询' }), '机关群团赋码信息查询');
    await expectVisible(unit.locator('#column-items li').first(), 'the notices');
    await unit.waitForLoadState('networkidle');
    await shotBetween(unit, 'home', unit.locator('header.site-header'), unit.locator('footer.site-footer'),
      unit.locator('body'));
  });
  await step('机关用户服务', async () => {
    await unit.getByRole('link', { name: '机关用户服务' }).click();
    await unit.waitForURL(/\/unit\.html$/);
    await expectVisible(unit.getByRole('heading', { name: '用户登录' }), '用户登录');
    await expectVisible(unit.locator('#guide-change-materials'), 'the 服务指南 grid');
    await unit.waitForLoadState('networkidle');
    await shot(unit, 'unit-service', null, { fullPage: true });
  });
  await step('申请初领 needs 现场办理', async () => {
    const button = unit.getByRole('button', { name: '申请初领', exact: true });
    await button.click();
    // The manual's 系统提示, a dialog.
    const dialog = unit.getByRole('dialog', { name: '系统提示' });
    await expectVisible(dialog, 'the 系统提示 dialog');
    await expectText(dialog, '需要现场办理', 'the answer to 申请初领');
    assert.equal(await unit.locator('#login-dialog').isVisible(), false, '申请初领 must not open the login dialog');
    await shot(unit, 'unit-onsite', dialog);
    await dialog.getByRole('button', { name: '确定' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await button.evaluate((b) => b === document.activeElement), true,
      'the focus goes back to 申请初领 when 系统提示 closes');
  });
  await step('证书延期 needs 现场办理 too', async () => {
    await unit.getByRole('button', { name: '证书延期', exact: true }).click();
    const dialog = unit.getByRole('dialog', { name: '系统提示' });
    await expectText(dialog, '需要现场办理', 'the answer to 证书延期');
    await dialog.getByRole('button', { name: '关闭' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });
  await step('服务指南 申请变更·申请材料', async () => {
    await unit.locator('#guide-change-materials').click();
    const dialog = unit.getByRole('dialog', { name: /申请变更/ });
    await expectVisible(dialog, 'the 服务指南 dialog');
    await expectText(dialog, '住所证明', 'the 申请材料 of 申请变更');
    await shot(unit, 'unit-guide', dialog);
    await dialog.getByRole('button', { name: '关闭' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });
  await step('格式文本下载', async () => {
    const file = await downloadVia(unit, () => unit.getByRole('link', { name: /登录二维码图片申领表/ }).click());
    assertPdf(file, '格式文本下载');
    assert.match(file.name, /[\u4e00-\u9fff]/, `the 申领表's file name "${file.name}" is not Chinese`);
    log(`downloaded ${file.name} (${file.bytes.length} bytes)`);
    await pdfShot(file.bytes, 'form-credential-request');
  });

  // 2. 申请变更 → 图片登录: first a file that is no picture, then the picture.
  await step('申请变更 opens 用户登录; a file that is no picture', async () => {
    await unit.getByRole('button', { name: '申请变更', exact: true }).click();
    const dialog = unit.locator('#login-dialog');
    await expectVisible(dialog, 'the login dialog');
    await expectText(dialog.locator('#login-business'), '申请变更', 'the business in the login dialog');
    await dialog.getByRole('tab', { name: '图片登录' }).click();
    const [chooser] = await Promise.all([
      unit.waitForEvent('filechooser'),
      dialog.getByRole('button', { name: '浏览' }).click(),
    ]);
    await chooser.setFiles(attachmentFile);
    await waitForCaptcha(unit);
    await dialog.getByLabel('验证码', { exact: true }).fill(DEMO_CAPTCHA);
    await dialog.getByRole('button', { name: '登录', exact: true }).click();
    const error = dialog.locator('[data-field="file"] .field-error');
    await expectText(error, '上传的文件是PDF格式，系统不能读取', 'the error beside 登录二维码图片');
    await waitForCaptcha(unit);
    await shot(unit, 'unit-login-error', dialog);
  }, { expect: ['401 /api/session.get', '422 /api/session.login'] });
  await step('图片登录', async () => {
    const dialog = unit.locator('#login-dialog');
    const [chooser] = await Promise.all([
      unit.waitForEvent('filechooser'),
      dialog.getByRole('button', { name: '浏览' }).click(),
    ]);
    await chooser.setFiles(fixedTermPng);
    await expectText(dialog.locator('#login-file-name'), 'unit-fixed-term.png', 'the chosen file name');
    // The captcha: a picture that loaded, and the demo's note.
    await expectVisible(dialog.getByRole('img', { name: '验证码图片' }), 'the captcha picture');
    await waitForCaptcha(unit);
    await expectText(dialog.locator('#demo-captcha-note'), DEMO_CAPTCHA, 'the demo captcha note');
    await dialog.getByLabel('验证码', { exact: true }).fill(DEMO_CAPTCHA);
    await shot(unit, 'unit-login', dialog);
    await dialog.getByRole('button', { name: '登录', exact: true }).click();
  });

  // 3. 登录承诺 → 同意 → 申请信息录入.
  await step('登录承诺', async () => {
    const dialog = unit.getByRole('dialog', { name: '登录承诺' });
    await expectVisible(dialog, 'the 登录承诺 dialog');
    await expectVisible(dialog.locator('#commitment-text p').first(), 'the commitment text');
    await shot(unit, 'unit-commitment', dialog);
    await Promise.all([
      unit.waitForURL(/\/apply\.html/),
      dialog.getByRole('button', { name: '同意' }).click(),
    ]);
  });
  let appId = 0;
  await step('申请信息录入: looking creates nothing', async () => {
    await expectVisible(unit.locator('#entry-content'), 'the entry form');
    await expectText(unit.locator('#entry-business'), '申请变更（尚未创建申请）', 'the heading before 暂存');
    await expectText(unit.locator('#unit-name'), '深圳市演示工会', 'the unit name');
    await expectText(unit.locator('#who'), '深圳市演示工会', 'the header');
    await expectText(unit.locator('#progress-status'), '未提交', '办理进度');
    await expectText(unit.locator('#old-address'), /\S/, 'the old 住所 before any case');
    await expectVisible(unit.getByRole('group', { name: '变更事项' }), '变更事项');
    assert.equal(await unit.getByLabel('证书有效期').count(), 0, '证书有效期 is no online change item');
    await expectText(unit.locator('#preview-note'), '尚未创建申请', 'the note that looking creates nothing');
    await unit.waitForLoadState('networkidle');
    const r = await unit.evaluate(async () => (await fetch('/api/unit.history')).json());
    assert.equal(r.applications.length, 0, 'looking at 申请变更 created a case');
    await shot(unit, 'apply-change', null, { fullPage: true });
  });

  // 4. Fill a change, 暂存, reload: still there.
  await step('暂存', async () => {
    await unit.getByLabel('住所', { exact: true }).fill(NEW_ADDRESS);
    await unit.getByLabel(/申请理由/).fill(REASON);
    await unit.getByRole('button', { name: '暂存' }).click();
    await expectText(unit.locator('#page-banner'), '申请信息已暂存', 'the 暂存 message');
    // The first 暂存 created the case.
    const heading = await expectText(unit.locator('#entry-business'), /申请变更（申请编号(\d+)）/, 'the application heading');
    appId = Number(/申请编号(\d+)/.exec(heading)[1]);
    await expectText(unit.locator('#history-list'), '创建申请', '历史信息');
    // The checklist now asks for 住所证明.
    await expectText(unit.locator('#required-kinds'), /住所证明（尚未上传）/, 'the attachment checklist');
    await shot(unit, 'apply-change-saved', unit.locator('#entry'));
  });
  await step('暂存 persisted across a reload', async () => {
    await reload(unit);
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
    await expectText(unit.locator('#page-banner'), '请上传所需的附件材料', 'the banner of the refused 提交');
    await expectText(unit.locator('#progress-status'), '未提交', '办理进度 after the refused 提交');
    await shot(unit, 'apply-submit-refused', unit.locator('#attachments'));
  }, { expect: ['422 /api/application.submit'] });
  await step('上传附件', async () => {
    await unit.getByRole('button', { name: '上传附件' }).click();
    const dialog = unit.getByRole('dialog', { name: '上传附件' });
    await expectVisible(dialog, 'the upload dialog');
    const kind = dialog.getByLabel('材料类型');
    await kind.selectOption({ label: '住所证明（必传）' });
    await dialog.getByLabel('选择文件').setInputFiles(attachmentFile);
    await expectText(dialog.locator('#upload-kind-hint'), '已上传0份', 'the hint of the kind chosen');
    await shot(unit, 'apply-upload', dialog);
    await dialog.getByRole('button', { name: '确定' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expectText(unit.locator('#page-banner'), `附件已上传：${ATTACHMENT}`, 'the upload message');
    await expectVisible(unit.getByRole('button', { name: `移除附件 ${ATTACHMENT}` }), 'the uploaded attachment');
    await expectText(unit.locator('#attachment-table'), '住所证明', 'the attachment kind');
    await expectText(unit.locator('#required-kinds'), /住所证明（已上传1份）/, 'the checklist after upload');
    assert.equal(await unit.locator('#attachments .field-error').count(), 0,
      'the missing-attachment error is still shown after the upload');
    await shot(unit, 'apply-attachment', unit.locator('#attachments'));
  });

  // 6. 提交 → 待受理.
  await step('提交', async () => {
    await unit.getByRole('button', { name: '提交' }).click();
    await expectText(unit.locator('#page-banner'), '申请已提交', 'the 提交 message');
    await expectText(unit.locator('#progress-status'), '待受理', '办理进度 after 提交');
    assert.equal(await unit.getByRole('button', { name: '暂存' }).isDisabled(), true, '暂存 must be off once submitted');
    assert.equal(await unit.getByLabel('住所', { exact: true }).isDisabled(), true, 'the form must be read-only once submitted');
    await expectText(unit.locator('#history-list'), '提交', '历史信息');
    await unit.evaluate(() => window.scrollTo(0, 0));
    await shot(unit, 'apply-submitted');
  });

  // 7. Staff: 受理 (shouli), 复核通过 (fuhe), 通知 (shouli).
  const acceptorContext = await newContext();
  let acceptor;
  await step('shouli logs in', async () => {
    acceptor = await watchedPage(acceptorContext, 'staff:shouli');
    await acceptor.goto(`${base}/staff.html`);
    await expectVisible(acceptor.getByRole('heading', { name: '工作人员登录' }), 'the staff login form');
    await acceptor.getByLabel('用户名').fill('shouli');
    await shotBetween(acceptor, 'staff-login', acceptor.locator('header.site-header'),
      acceptor.locator('#login-section'), acceptor.locator('body'));
    await staffSignIn(acceptor, 'shouli');
    await expectText(acceptor.locator('#staff-who'), '受理人员', 'the staff member shown');
    await expectVisible(acceptor.locator('#queue-submitted').getByRole('button', { name: `办理申请${appId}`, exact: true }),
      `application ${appId} in 待受理`);
    await acceptor.waitForLoadState('networkidle');
    await shotBetween(acceptor, 'staff-queues', acceptor.locator('header.site-header'),
      acceptor.locator('#panel-queues'), acceptor.locator('body'));
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
    await expectVisible(acceptor.getByRole('button', { name: '不予通过', exact: true }), '不予通过');
    await shot(acceptor, 'staff-case', null, { fullPage: true });
  });
  await step('shouli 受理', async () => {
    await takeAction(acceptor, '受理', '待复核');
    await shotBetween(acceptor, 'staff-accepted', acceptor.locator('#case-banner'),
      acceptor.locator('#case-facts'), acceptor.locator('#panel-case'));
    // A reload keeps the back office: the host tells the page who is in.
    await reload(acceptor);
    await expectText(acceptor.locator('#staff-who'), '受理人员', 'the staff member after a reload');
    await acceptor.waitForLoadState('networkidle');
    await staffLogout(acceptor);
  });

  const reviewerContext = await newContext();
  await step('fuhe 复核通过', async () => {
    const reviewer = await staffLogin(reviewerContext, base, 'fuhe');
    await openFromQueue(reviewer, 'accepted', appId);
    await expectText(reviewer.locator('#case-facts'), '待复核', 'the case status for fuhe');
    // The four-eyes rule: the reviewer is offered 复核通过 and 复核退回 only.
    await expectVisible(reviewer.getByRole('button', { name: '复核退回', exact: true }), '复核退回');
    await shot(reviewer, 'staff-review', reviewer.locator('#case-action-form'));
    await takeAction(reviewer, '复核通过', '待通知');
    await expectText(reviewer.locator('#case-history'), '复核通过', 'the case history after 复核通过');
    await staffLogout(reviewer);
  }, { expect: ['401 /api/staff/staff.get'] });

  await step('shouli 通知 with 回复信息', async () => {
    await staffSignIn(acceptor, 'shouli');
    await openFromQueue(acceptor, 'approved', appId);
    await acceptor.getByLabel('回复信息').fill(REPLY);
    await expectText(acceptor.locator('#case-reply-hint'), '通知时须填写回复信息', 'the hint under 回复信息');
    await shot(acceptor, 'staff-notify', acceptor.locator('#case-action-form'));
    await takeAction(acceptor, '通知', '待打印');
    await expectText(acceptor.locator('#case-latest'), REPLY, '最新信息 in the case');
  });

  // 8. The unit: 待打印, the reply, 历史信息, 下载表格.
  await step('the unit sees 待打印', async () => {
    await reload(unit);
    await expectVisible(unit.locator('#entry-content'), 'the application after the staff steps');
    await expectText(unit.locator('#progress-status'), '待打印', '办理进度');
    await expectText(unit.locator('#latest-reply'), REPLY, '最新信息');
    await expectText(unit.locator('#history-list'), '通知', '历史信息');
    await shot(unit, 'apply-to-print', unit.locator('.layout-apply'));
  });
  await step('下载表格', async () => {
    const file = await downloadVia(unit, () => unit.getByRole('button', { name: '下载表格' }).click());
    assertPdf(file, '下载表格');
    assert.match(file.name, /[\u4e00-\u9fff]/, `the form's file name "${file.name}" is not Chinese`);
    await expectText(unit.locator('#page-banner'), `已下载表格：${file.name}`, 'the 下载表格 message');
    log(`downloaded ${file.name} (${file.bytes.length} bytes)`);
    await pdfShot(file.bytes, 'form-change');
  });

  // 9. The signed form arrives: shouli 办结; the unit sees 已办结 and its
  // new 住所.
  await step('shouli 办结', async () => {
    await openFromQueue(acceptor, 'notified', appId);
    await takeAction(acceptor, '办结', '已办结');
    await expectText(acceptor.locator('#case-facts'), NEW_ADDRESS, 'the new 住所 after 办结');
    await shotBetween(acceptor, 'staff-completed', acceptor.locator('#case-banner'),
      acceptor.locator('#case-facts'), acceptor.locator('#panel-case'));
  });
  // A reload shows the finished case with what was done, and starts none.
  await step('the unit sees the outcome at 已办结', async () => {
    await reload(unit);
    await expectText(unit.locator('#entry-business'), `申请编号${appId}`, 'the same case after 办结');
    await expectText(unit.locator('#progress-status'), '已办结', '办理进度 after 办结');
    await expectVisible(unit.locator('#outcome'), 'the outcome');
    await expectText(unit.locator('#outcome-summary'), '已按变更事项更新单位信息', 'what was done');
    await expectText(unit.locator('#outcome-next'), '领取', 'what to do next');
    await expectText(unit.locator('#outcome-time'), /\d/, 'when');
    // 办结 gave no reply: 最新信息 is still the notice.
    await expectText(unit.locator('#latest-reply'), REPLY, '最新信息 after 办结');
    await expectText(unit.locator('#history-list'), '已办结', '历史信息 after 办结');
    await expectText(unit.locator('#unit-facts'), '深圳市演示工会', 'the unit');
    const r = await unit.evaluate(async () => (await fetch('/api/unit.history')).json());
    assert.equal(r.applications.length, 1, 'reloading after 办结 started another case');
    await shot(unit, 'apply-history', unit.locator('.layout-apply'));
  });

  // Looking at 申请补领, going back and choosing 申请换领: nothing stands in
  // the way, and 暂存 creates exactly one case.
  await step('look at 申请补领, go back', async () => {
    await unit.goto(`${base}/unit.html`);
    await Promise.all([
      unit.waitForURL(/\/apply\.html\?business=reissue/),
      unit.getByRole('button', { name: '申请补领', exact: true }).click(),
    ]);
    await expectText(unit.locator('#entry-business'), '申请补领（尚未创建申请）', 'the 补领 form');
    await expectVisible(unit.getByLabel('申请理由'), '申请理由');
    await unit.waitForLoadState('networkidle');
    await unit.goBack();
    await unit.waitForURL(/\/unit\.html/);
  });
  await step('choose 申请换领 and 暂存: one case', async () => {
    await Promise.all([
      unit.waitForURL(/\/apply\.html\?business=replace/),
      unit.getByRole('button', { name: '申请换领', exact: true }).click(),
    ]);
    await expectText(unit.locator('#entry-business'), '申请换领（尚未创建申请）', 'the 换领 form');
    await unit.waitForLoadState('networkidle');
    assert.doesNotMatch(await unit.locator('#page-banner').innerText(), /已有未办结/,
      'looking at 申请补领 left a case in the way');
    await unit.getByLabel('申请理由').fill('证书污损');
    await unit.getByRole('button', { name: '暂存' }).click();
    await expectText(unit.locator('#page-banner'), '申请信息已暂存', 'the 暂存 message');
    await expectText(unit.locator('#entry-business'), /申请换领（申请编号\d+）/, 'the new case');
    const r = await unit.evaluate(async () => (await fetch('/api/unit.history')).json());
    const open = r.applications.filter((a) => a.open);
    assert.equal(open.length, 1, 'exactly one open case');
    assert.equal(open[0].business.key, 'replace', 'the open case is the 换领');
    assert.equal(r.applications.length, 2, 'the finished 变更 and the 换领, nothing else');
  });

  await unitContext.close();
  await acceptorContext.close();
  await reviewerContext.close();
}

await run('walk', walk);
