// SPDX-License-Identifier: Apache-2.0
// The back office in the browser: the steps of the staff's manual on a
// fuma-host --demo of its own, in headless Chromium.
//
//   unit:  申请补领 (长期有效: no attachments) → 提交
//   staff: shouli 不予通过 without 回复信息 (refused beside it), then with it
//   unit:  未通过 with the reply → edit → 提交 again
//   staff: shouli 受理 → fuhe 复核退回 → shouli 重新提交复核 → fuhe 复核通过
//          → shouli 下载表格, and 表格核验 of its scan
//   unit:  申请撤销 (有有效期: its checklist) → 删除申报材料
//   staff: 现场办理: 申请初领 (the code allocated), 打印证书, 证书延期;
//          登录二维码: 登记申领 and 签发 (未曾领取), then 遗失 for a demo unit
//          (its earlier picture revoked), the records
//   unit:  the revoked picture does not log in
//   staff: guanli 密钥: 轮换密钥
//   public: 首页 查询 → the certificate's page /c/{serial}
//
// Each screen the staff's manual shows (and those of the unit's manual the
// walk does not reach) is saved as a named screenshot (see lib.mjs).
//
//   FUMA_HOST=build/examples/host/fuma-host node tests/browser/staff.mjs
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

import {
  acceptConfirm, assertPdf, caseId, dataPath, downloadVia, expectText, expectVisible, fillLogin, log,
  newContext, openFromQueue, pdfShot, pdfToPng, reload, run, shot, shotBetween, staffLogin, step,
  takeAction, unitLogin, watchedPage,
} from './lib.mjs';

const REASON = '原证书遗失';
const REASON_AMENDED = '原证书于2026年10月搬迁时遗失，已在本地报纸刊登遗失公告。';
const REJECT_REPLY = '请在申请理由中写明证书遗失的时间、经过及遗失公告的刊登情况后重新提交。';
const RETURN_REPLY = '请核实遗失公告的刊登报纸和日期后重新提交复核。';
const NEW_UNIT = {
  name: '深圳市演示妇女联合会',
  category: '群团',
  address: '深圳市福田区演示大道6号',
  person: '陈静',
  validUntil: '2031-12-31',
};
const EXTEND_TO = '2034-12-31';

// The demo units: name and code, from the demo's guide.
async function demoUnits() {
  const text = await readFile(dataPath('demo', 'README.txt'), 'utf8');
  const units = {};
  for (const key of ['long-term', 'fixed-term']) {
    const m = new RegExp(`unit-${key}\\.png\\s+(\\S+)\\s+([0-9A-Z]{18})`).exec(text);
    assert.ok(m, `the demo guide names no unit-${key}.png:\n${text}`);
    units[key] = { name: m[1], uscc: m[2], picture: dataPath('demo', `unit-${key}.png`) };
    assert.ok(existsSync(units[key].picture), `demo picture missing: ${units[key].picture}`);
  }
  return units;
}

async function backOffice(base) {
  const demo = await demoUnits();
  const longTerm = demo['long-term'];
  const fixedTerm = demo['fixed-term'];

  // 1. The long-term unit applies for 补领: no attachments to upload.
  const unitContext = await newContext();
  const unit = await watchedPage(unitContext, 'unit');
  let appId = 0;
  await step('申请补领 by a unit whose certificate is 长期有效', async () => {
    await unitLogin(unit, base, '申请补领', longTerm.picture);
    await expectText(unit.locator('#unit-name'), longTerm.name, 'the unit name');
    await expectText(unit.locator('#attachment-note'), '本单位证书长期有效', 'the attachment note');
    await unit.getByLabel('申请理由').fill(REASON);
    await unit.getByRole('button', { name: '暂存' }).click();
    await expectText(unit.locator('#page-banner'), '申请信息已暂存', 'the 暂存 message');
    appId = await caseId(unit, '申请补领');
    await shot(unit, 'apply-reissue', unit.locator('#entry'));
    await unit.getByRole('button', { name: '提交' }).click();
    await expectText(unit.locator('#progress-status'), '待受理', '办理进度 after 提交');
  }, { expect: ['401 /api/session.get'] });

  // 2. 不予通过: a reply is required.
  const acceptorContext = await newContext();
  let acceptor;
  await step('shouli 不予通过', async () => {
    acceptor = await staffLogin(acceptorContext, base, 'shouli');
    await openFromQueue(acceptor, 'submitted', appId);
    await acceptor.locator('#case-actions').getByRole('button', { name: '不予通过', exact: true }).click();
    await expectText(acceptor.locator('#case-action-form .field-error'), '不予通过须填写回复信息',
      'the error beside 回复信息');
    await shot(acceptor, 'staff-reject', acceptor.locator('#case-action-form'));
    await takeAction(acceptor, '不予通过', '未通过', REJECT_REPLY);
  }, { expect: ['401 /api/staff/staff.get'] });

  // 3. The unit reads the reply, amends and submits again.
  await step('the unit sees 未通过 and submits again', async () => {
    await reload(unit);
    await expectText(unit.locator('#progress-status'), '未通过', '办理进度');
    await expectText(unit.locator('#latest-reply'), REJECT_REPLY, '最新信息');
    assert.equal(await unit.getByRole('button', { name: '删除申报材料' }).isDisabled(), false,
      '删除申报材料 must be on in 未通过');
    await shot(unit, 'apply-rejected', unit.locator('.layout-apply'));
    await unit.getByLabel('申请理由').fill(REASON_AMENDED);
    await unit.getByRole('button', { name: '提交' }).click();
    await expectText(unit.locator('#progress-status'), '待受理', '办理进度 after the new 提交');
  });

  // 4. 受理 → 复核退回 → 重新提交复核 → 复核通过.
  const reviewerContext = await newContext();
  let reviewer;
  await step('shouli 受理; fuhe 复核退回', async () => {
    await openFromQueue(acceptor, 'submitted', appId);
    await takeAction(acceptor, '受理', '待复核');
    reviewer = await staffLogin(reviewerContext, base, 'fuhe');
    await openFromQueue(reviewer, 'accepted', appId);
    await takeAction(reviewer, '复核退回', '复核退回', RETURN_REPLY);
    await expectText(reviewer.locator('#case-history'), RETURN_REPLY, 'the reply in the case history');
    await shotBetween(reviewer, 'staff-returned', reviewer.locator('#case-view h3', { hasText: '历史信息' }),
      reviewer.locator('#case-history'), reviewer.locator('#panel-case'));
  }, { expect: ['401 /api/staff/staff.get'] });
  await step('shouli 重新提交复核; fuhe 复核通过', async () => {
    await openFromQueue(acceptor, 'returned', appId);
    await expectVisible(acceptor.locator('#case-actions').getByRole('button', { name: '不予通过', exact: true }),
      '不予通过 after 复核退回');
    await expectText(acceptor.locator('#case-latest'), RETURN_REPLY, '最新信息 after 复核退回');
    await shot(acceptor, 'staff-forward', acceptor.locator('#case-action-form'));
    await takeAction(acceptor, '重新提交复核', '待复核');
    await openFromQueue(reviewer, 'accepted', appId);
    await takeAction(reviewer, '复核通过', '待通知');
  });

  // 5. The form for signing, printed and scanned, checked by its code.
  await step('表格核验 of a scanned form', async () => {
    await openFromQueue(acceptor, 'approved', appId);
    const file = await downloadVia(acceptor, () => acceptor.locator('#case-form').click());
    assertPdf(file, '下载表格 (staff)');
    const scan = dataPath('scan.png');
    await pdfToPng(file.bytes, scan, 150);
    await acceptor.getByRole('tab', { name: '表格核验' }).click();
    await acceptor.getByLabel('或上传扫描件').setInputFiles(scan);
    await acceptor.getByRole('button', { name: '核验', exact: true }).click();
    const result = acceptor.locator('#verify-result');
    await expectText(result, '一致', 'the verdict');
    await expectText(result, String(appId), 'the application of the form');
    await expectText(acceptor.locator('#verify-banner'), '表格内容与当前申请记录一致', 'the banner');
    await shot(acceptor, 'staff-verify', acceptor.locator('#panel-verify'));
  });

  // 6. The fixed-term unit: 申请撤销 shows its checklist; 删除申报材料.
  const unit2Context = await newContext();
  const unit2 = await watchedPage(unit2Context, 'unit2');
  await step('申请撤销 by a unit whose certificate has an expiry date', async () => {
    await unitLogin(unit2, base, '申请撤销', fixedTerm.picture);
    await expectText(unit2.locator('#attachment-note'), '提交前须上传以下附件材料', 'the attachment note');
    await expectText(unit2.locator('#required-kinds'), '撤销机构的文件（尚未上传）', 'the checklist');
    await unit2.getByLabel('申请理由').fill('本单位已撤销');
    await unit2.getByRole('button', { name: '暂存' }).click();
    await expectText(unit2.locator('#page-banner'), '申请信息已暂存', 'the 暂存 message');
    await caseId(unit2, '申请撤销');
    await shot(unit2, 'apply-revoke', unit2.locator('#entry'));
  }, { expect: ['401 /api/session.get'] });
  await step('删除申报材料', async () => {
    acceptConfirm(unit2, /确定删除申报材料/);
    await unit2.getByRole('button', { name: '删除申报材料' }).click();
    await expectText(unit2.locator('#page-banner'), '本次申报材料已删除', 'the banner after deleting');
    await expectVisible(unit2.locator('#no-application'), 'no application after deleting');
    await expectText(unit2.locator('#history-list'), '已删除', '历史信息 after deleting');
    await unit2.evaluate(() => window.scrollTo(0, 0));
    await shot(unit2, 'apply-deleted');
  });

  // 7. 现场办理: 申请初领, 打印证书, 证书延期.
  let registered = null;
  await step('申请初领 on site', async () => {
    await acceptor.getByRole('tab', { name: '现场办理' }).click();
    await acceptor.getByLabel('单位名称').fill(NEW_UNIT.name);
    await acceptor.getByLabel('单位类别').selectOption(NEW_UNIT.category);
    await acceptor.locator('#register-address').fill(NEW_UNIT.address);
    await acceptor.getByLabel('负责人').fill(NEW_UNIT.person);
    await acceptor.locator('#register-fixed').check();
    await acceptor.getByLabel('有效期至日期').fill(NEW_UNIT.validUntil);
    await acceptor.getByRole('button', { name: '登记赋码' }).click();
    const uscc = await expectText(acceptor.locator('#register-uscc'), /^[0-9A-HJ-NPQRTUWXY]{18}$/, 'the code allocated');
    const facts = acceptor.locator('#register-facts');
    await expectText(facts, NEW_UNIT.name, 'the unit registered');
    const serial = (await facts.locator('dt:has-text("证书编号") + dd').textContent()).trim();
    registered = { uscc, serial };
    log(`registered ${NEW_UNIT.name} ${uscc}, certificate ${serial}`);
    await shotBetween(acceptor, 'staff-register', acceptor.locator('#register-title'),
      acceptor.locator('#register-result'), acceptor.locator('#panel-onsite'));
  });
  await step('打印证书', async () => {
    const file = await downloadVia(acceptor, () => acceptor.getByRole('button', { name: '打印该单位证书' }).click());
    assertPdf(file, '打印证书');
    await expectText(acceptor.locator('#onsite-banner'), `已下载证书：${file.name}`, 'the banner');
    await pdfShot(file.bytes, 'certificate');
  });
  await step('证书延期 on site', async () => {
    await acceptor.locator('#extend-uscc').fill(fixedTerm.uscc);
    await acceptor.getByLabel('延期至日期').fill(EXTEND_TO);
    await acceptor.getByRole('button', { name: '办理延期' }).click();
    await expectText(acceptor.locator('#extend-result'), `有效期${EXTEND_TO}`, 'the result of 证书延期');
    await shotBetween(acceptor, 'staff-extend', acceptor.locator('#extend-title'),
      acceptor.locator('#extend-result'), acceptor.locator('#panel-onsite'));
  });

  // 8. 登录二维码: the new unit's first picture, then a lost one.
  await step('登记申领 (未曾领取) for the new unit', async () => {
    await acceptor.getByRole('tab', { name: '现场办理' }).click();
    await acceptor.getByRole('button', { name: '为该单位登记二维码申领' }).click();
    await expectVisible(acceptor.locator('#panel-credentials'), 'the 登录二维码 tab');
    assert.equal(await acceptor.locator('#cred-uscc').inputValue(), registered.uscc, 'the code carried over');
    await acceptor.getByLabel('领取人').fill('刘洋');
    await acceptor.getByLabel('手机号').fill('13900139000');
    await acceptor.getByRole('button', { name: '登记申领' }).click();
    await expectText(acceptor.locator('#cred-banner'), /已登记申领，申领编号\d+（未曾领取/, 'the banner');
    await shotBetween(acceptor, 'staff-cred-request', acceptor.locator('#cred-banner'),
      acceptor.locator('#cred-request-submit'), acceptor.locator('#panel-credentials'));
  });
  await step('签发 the first picture', async () => {
    const file = await downloadVia(acceptor, () => acceptor.getByRole('button', { name: '签发并下载' }).click());
    assert.match(file.name, /\.png$/i, `the picture's file name "${file.name}"`);
    assert.equal(file.bytes.subarray(1, 4).toString('latin1'), 'PNG', 'the picture is no PNG');
    await expectText(acceptor.locator('#issue-message'), '已签发第1代登录二维码图片', 'the message');
    await acceptor.waitForFunction(() => {
      const i = document.getElementById('issue-image');
      return i && i.complete && i.naturalWidth > 0;
    });
    await shotBetween(acceptor, 'staff-cred-issue', acceptor.locator('#cred-issue-title'),
      acceptor.locator('#issue-result'), acceptor.locator('#panel-credentials'));
  });
  await step('遗失: a new picture for a demo unit revokes its earlier one', async () => {
    await acceptor.locator('#cred-uscc').fill(longTerm.uscc);
    await acceptor.getByLabel('登录二维码图片遗失').check();
    await acceptor.getByLabel('领取人').fill('王芳');
    await acceptor.getByLabel('手机号').fill('13800138000');
    await acceptor.getByRole('button', { name: '登记申领' }).click();
    await expectText(acceptor.locator('#cred-banner'), /申领编号\d+（登录二维码图片遗失/, 'the banner');
    await downloadVia(acceptor, () => acceptor.getByRole('button', { name: '签发并下载' }).click());
    await expectText(acceptor.locator('#issue-message'), '该单位此前的1个登录二维码图片已作废', 'the message');
    const records = acceptor.locator('#cred-credentials');
    await expectText(records, '已作废', 'the revoked picture in the records');
    await expectText(records, '第2代', 'the new picture in the records');
    await shot(acceptor, 'staff-cred-lost', acceptor.locator('#issue-result'));
    await shot(acceptor, 'staff-cred-list', acceptor.locator('#cred-list'));
  });

  // 9. The revoked picture no longer logs in.
  const strangerContext = await newContext();
  await step('the revoked picture is refused', async () => {
    const page = await watchedPage(strangerContext, 'unit3');
    await page.goto(`${base}/unit.html`);
    const dialog = await fillLogin(page, '申请变更', longTerm.picture);
    await dialog.getByRole('button', { name: '登录', exact: true }).click();
    await expectText(dialog.locator('[data-field="file"] .field-error'), '登录二维码图片已失效，请重新申领',
      'the error beside 登录二维码图片');
    await shot(page, 'unit-login-revoked', dialog);
  }, { expect: ['401 /api/session.get', '403 /api/session.login'] });

  // 10. 密钥: guanli rotates the authority's signing key.
  const adminContext = await newContext();
  await step('guanli 轮换密钥', async () => {
    const admin = await staffLogin(adminContext, base, 'guanli');
    await admin.getByRole('tab', { name: '密钥' }).click();
    const rows = admin.locator('#keys-table tbody tr');
    await expectVisible(rows.first(), 'the key in use');
    const before = await rows.count();
    acceptConfirm(admin, /确定轮换签名密钥/);
    await admin.getByRole('button', { name: '轮换密钥' }).click();
    await expectText(admin.locator('#keys-banner'), '已生成新的签名密钥', 'the banner');
    await admin.waitForFunction((n) => document.querySelectorAll('#keys-table tbody tr').length === n + 1, before);
    await expectText(admin.locator('#keys-table'), '签发中', 'the new key');
    await shot(admin, 'staff-keys', admin.locator('#panel-keys'));
  }, { expect: ['401 /api/staff/staff.get'] });

  // 11. Anyone: 首页's 查询, and the certificate's page.
  const publicContext = await newContext();
  await step('首页 查询 and the certificate page', async () => {
    const page = await watchedPage(publicContext, 'public');
    await page.goto(`${base}/`);
    await page.getByLabel('统一社会信用代码或单位名称').fill(NEW_UNIT.name);
    await page.getByRole('button', { name: '查询' }).click();
    await expectText(page.locator('#lookup-table'), registered.uscc, 'the unit found');
    await shot(page, 'home-lookup', page.locator('#lookup-results'));
    await Promise.all([
      page.waitForURL(new RegExp(`/c/${registered.serial}$`)),
      page.getByRole('link', { name: '查看证书状态' }).click(),
    ]);
    await expectText(page.locator('#status-label'), '有效', 'the certificate status');
    await expectText(page.locator('#status-name'), NEW_UNIT.name, 'the unit of the certificate');
    await shot(page, 'certificate-status', page.locator('.status-card'));
  });

  for (const c of [unitContext, unit2Context, acceptorContext, reviewerContext, strangerContext,
    adminContext, publicContext]) {
    await c.close();
  }
}

await run('staff', backOffice);
