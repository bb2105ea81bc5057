// SPDX-License-Identifier: Apache-2.0
// 服务指南 and 首页 as a unit who has never seen the system reads them, in
// headless Chromium over a fuma-host --demo:
//
//   首页: the platform's own search is named for what it searches; 事业单位法人信息查询
//         is shown unavailable without a registry, and is a link to the
//         registry once guide.get names one
//   服务指南: 申请材料 of the on-site businesses says what to bring (no
//         condition on a certificate a new unit does not have), of the online
//         ones what to upload; 表格下载 downloads the blank form (a PDF with
//         the business on it), without logging in; 联系电话及其他 shows the
//         locality's details (the demo's, marked 演示数据)
//
//   FUMA_HOST=build/examples/host/fuma-host node tests/browser/guide.mjs
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';

import {
  assertPdf, dataPath, downloadVia, expectText, expectVisible, newContext, run, step, watchedPage,
} from './lib.mjs';

const REGISTRY = 'https://sydj.example.gov.cn/query';

function pdfText(bytes) {
  return new Promise((resolve, reject) => {
    const file = dataPath('blank.pdf');
    writeFile(file, bytes).then(() => {
      execFile('pdftotext', [file, '-'], (err, stdout, stderr) => (
        err ? reject(new Error(`pdftotext: ${err.message} ${stderr}`)) : resolve(stdout.replace(/\s+/g, ''))));
    }, reject);
  });
}

async function openCell(page, business, aspect) {
  await page.locator(`#guide-${business}-${aspect}`).click();
  const dialog = page.locator('#guide-dialog');
  await expectVisible(dialog, `the 服务指南 dialog of ${business} ${aspect}`);
  return dialog;
}

async function closeCell(page) {
  const dialog = page.locator('#guide-dialog');
  await dialog.getByRole('button', { name: '关闭' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

async function guide(base) {
  const context = await newContext();
  const page = await watchedPage(context, 'unit');

  await step('首页 names its own search, and 事业单位法人信息查询 is unavailable without a registry', async () => {
    await page.goto(`${base}/`);
    await expectVisible(page.getByRole('heading', { name: '机关群团赋码信息查询' }), 'the platform search');
    assert.equal(await page.getByRole('heading', { name: '事业单位法人信息查询' }).count(), 0,
      'the platform search must not call itself 事业单位法人信息查询');
    await page.waitForLoadState('networkidle');
    await expectVisible(page.locator('#institution-registry-off'), 'the unavailable 事业单位法人信息查询');
    await expectText(page.locator('#institution-registry-note'), '暂未接入', 'why it is unavailable');
    assert.equal(await page.locator('#institution-registry-link').isVisible(), false,
      'no link without a registry');
  });

  await step('事业单位法人信息查询 links to the registry guide.get names', async () => {
    const registryPage = await watchedPage(context, 'home-with-registry');
    await registryPage.route('**/api/guide.get*', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      body.locality.institution_registry_url = REGISTRY;
      await route.fulfill({ response, json: body });
    });
    await registryPage.goto(`${base}/`);
    const link = registryPage.getByRole('link', { name: '事业单位法人信息查询' });
    await expectVisible(link, 'the 事业单位法人信息查询 link');
    assert.equal(await link.getAttribute('href'), REGISTRY);
    assert.equal(await registryPage.locator('#institution-registry-off').isVisible(), false);
    await registryPage.close();
  });

  await page.goto(`${base}/unit.html`);
  await expectVisible(page.locator('#guide-initial-materials'), 'the 服务指南 grid');
  await page.waitForLoadState('networkidle');

  await step('申请初领 · 申请材料 says what to bring', async () => {
    const dialog = await openCell(page, 'initial', 'materials');
    await expectText(dialog, '请携带以下材料', 'what to bring');
    for (const words of ['设立文件', '任职文件', '负责人身份证复印件', '住所证明', '《机关、群团等统一社会信用代码申请表》']) {
      await expectText(dialog, words, `申请初领's ${words}`);
    }
    const text = await dialog.textContent();
    assert.ok(!text.includes('有效期'), `申请初领's materials speak of a certificate's validity: ${text}`);
    assert.ok(!text.includes('无需上传附件材料'), text);
    await closeCell(page);
  });

  await step('证书延期 · 申请材料 lists materials and never says none are needed', async () => {
    const dialog = await openCell(page, 'extension', 'materials');
    await expectText(dialog, '原统一社会信用代码证书', 'the certificate to bring');
    const text = await dialog.textContent();
    assert.ok(!text.includes('无需'), `证书延期 says nothing is needed: ${text}`);
    await closeCell(page);
  });

  await step('申请变更 · 申请材料 says which change needs which material', async () => {
    const dialog = await openCell(page, 'change', 'materials');
    await expectText(dialog, '证书有有效期的单位须上传', 'who uploads');
    await expectText(dialog, '批准变更的文件（变更名称、单位类别时）', 'the items of 批准变更的文件');
    await closeCell(page);
  });

  await step('证书延期 · 表格下载 downloads the blank 申请表 with 证书延期 on it', async () => {
    const dialog = await openCell(page, 'extension', 'form');
    const file = await downloadVia(page, () => dialog.getByRole('link', { name: /机关、群团等统一社会信用代码申请表/ }).click());
    assertPdf(file, '证书延期的空白申请表');
    assert.match(file.name, /证书延期/, `file name ${file.name}`);
    const text = await pdfText(file.bytes);
    for (const words of ['机关、群团等统一社会信用代码申请表', '证书延期', '单位类别', '申请理由']) {
      assert.ok(text.includes(words), `the blank form lacks ${words}`);
    }
    await closeCell(page);
  });

  await step('申请变更 · 表格下载 offers the blank 变更申请表 and the 申领表', async () => {
    const dialog = await openCell(page, 'change', 'form');
    const file = await downloadVia(page, () => dialog.getByRole('link', { name: /证书信息变更申请表/ }).click());
    assertPdf(file, '空白变更申请表');
    assert.ok((await pdfText(file.bytes)).includes('变更事项'));
    const request = await downloadVia(page, () => dialog.getByRole('link', { name: /登录二维码图片申领表/ }).click());
    assertPdf(request, '申领表');
    await closeCell(page);
  });

  await step('联系电话及其他 shows the locality\'s details', async () => {
    const dialog = await openCell(page, 'reissue', 'contact');
    for (const words of ['咨询电话', '0755-00000000（演示数据）', '办理地点', '办公时间', '邮寄地址', '邮政编码']) {
      await expectText(dialog, words, `联系电话及其他's ${words}`);
    }
    await closeCell(page);
  });

  await context.close();
}

run('guide', guide);
