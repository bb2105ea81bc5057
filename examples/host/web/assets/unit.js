// SPDX-License-Identifier: Apache-2.0
// 机关用户服务: the six business buttons, 图片登录 with its captcha, 登录承诺,
// 格式文本下载 and the 服务指南 grid.
'use strict';

import {
  banner, call, callBinary, clearErrors, dataUrl, download, el, fieldError, flash, keepFocus,
  openDialog, read, showError, site, upload,
} from './api.js';
import { guideContent } from './guide.js';

const $ = (id) => document.getElementById(id);

// Which businesses are done online, and what they are called, is the
// engine's to say (its workflow, through guide.get's `online` and
// `label`), never this page's: a locality's workflow decides them.
let guide = null; // {business key: guide entry}
let locality = null; // guide.get's locality: 联系电话及其他
let guideLoaded = null; // loadGuide()'s promise

function businessLabel(key) {
  const g = guide && guide[key];
  if (g && g.label) return g.label;
  const button = document.querySelector(`#business-buttons button[data-business="${key}"]`);
  return button ? button.textContent.trim() : key;
}

// true or false as the engine says; null for a key it does not have, and
// undefined when the guide could not be read (application.start then
// answers for itself, 需要现场办理 included).
async function onlineOf(key) {
  await guideLoaded;
  if (!guide) return undefined;
  return guide[key] ? guide[key].online : null;
}

// Errors of session.login that belong to the picture or to the captcha.
const LOGIN_FIELDS = {
  NOT_AN_IMAGE: 'file',
  UNSUPPORTED_IMAGE_FORMAT: 'file',
  IMAGE_TOO_LARGE: 'file',
  PAYLOAD_TOO_LARGE: 'file',
  NO_QR_FOUND: 'file',
  MULTIPLE_QR: 'file',
  NOT_A_CREDENTIAL: 'file',
  CREDENTIAL_MALFORMED: 'file',
  UNSUPPORTED_VERSION: 'file',
  UNKNOWN_KEY: 'file',
  BAD_SIGNATURE: 'file',
  CREDENTIAL_EXPIRED: 'file',
  CREDENTIAL_REVOKED: 'file',
  UNIT_REVOKED: 'file',
  CAPTCHA_WRONG: 'captcha_answer',
  CAPTCHA_EXPIRED: 'captcha_answer',
};

let pending = null; // the business clicked, carried through login
let captchaId = null;

function goApply() {
  location.href = `/apply.html?business=${encodeURIComponent(pending)}`;
}

async function currentSession() {
  try {
    return (await read('session.get')).session || null;
  } catch {
    return null;
  }
}

// ---- the six buttons ------------------------------------------------------------

// `notice` is a message carried from another page (e.g. 登录已失效).
async function onBusiness(key, notice = '') {
  const online = await onlineOf(key);
  if (online === null) return;
  banner($('page-banner'), '');
  if (online === false) {
    showOnSite(key);
    return;
  }
  pending = key;
  sessionStorage.setItem('fuma.business', key);
  const session = await currentSession();
  if (session) {
    banner($('page-banner'), notice, 'info');
    await afterLogin(session);
  } else {
    openLogin(notice);
  }
}

// The manual's 系统提示 for 申请初领 and 证书延期: 需要现场办理, in a dialog
// that gives the focus back to the button that opened it.
function showOnSite(key) {
  $('onsite-hint').textContent = `${businessLabel(key)}请携带申请材料到本级登记管理机关（或相应的政务服务窗口单位）现场办理，详见本页“服务指南”。`;
  openDialog($('onsite-dialog'));
  $('onsite-ok').focus();
}

// ---- 图片登录 --------------------------------------------------------------------------

async function loadCaptcha() {
  const img = $('captcha-image');
  captchaId = null;
  img.removeAttribute('src');
  try {
    const r = await callBinary('session.captcha');
    captchaId = r.captcha_id;
    img.src = dataUrl(r);
  } catch (err) {
    fieldError($('login-form'), 'captcha_answer', `验证码加载失败：${err.message}`);
  }
}

function openLogin(notice = '') {
  const form = $('login-form');
  clearErrors(form);
  banner($('login-banner'), notice, 'info');
  $('login-business').textContent = `办理业务：${businessLabel(pending)}`;
  $('login-captcha').value = '';
  openDialog($('login-dialog'));
  loadCaptcha();
}

async function login(event) {
  event.preventDefault();
  const form = $('login-form');
  clearErrors(form);
  banner($('login-banner'), '');
  const file = $('login-file').files[0];
  const answer = $('login-captcha').value.trim();
  const missing = [];
  if (!file) missing.push(['file', '请点击“浏览”选择登录二维码图片']);
  if (!answer) missing.push(['captcha_answer', '请输入验证码']);
  else if (!captchaId) missing.push(['captcha_answer', '验证码未加载，请点击图片刷新']);
  for (const [field, message] of missing) fieldError(form, field, message);
  if (missing.length) return;
  const button = $('login-submit');
  button.disabled = true;
  try {
    const r = await upload('session.login', { captcha_id: captchaId, captcha_answer: answer }, file);
    $('login-dialog').close();
    await afterLogin(r.session);
  } catch (err) {
    showError(err, {
      scope: form,
      bannerEl: $('login-banner'),
      mapField: (f) => (f === 'captcha_id' ? 'captcha_answer' : f),
      fieldForCode: LOGIN_FIELDS,
    });
    // One captcha, one attempt: a new one whatever went wrong.
    $('login-captcha').value = '';
    loadCaptcha();
  } finally {
    button.disabled = false;
    keepFocus(button);
  }
}

// ---- 登录承诺 --------------------------------------------------------------------------

function showCommitment(c) {
  $('commitment-title').textContent = c.title || '登录承诺';
  $('commitment-accept').textContent = c.accept_label || '同意';
  $('commitment-accept').dataset.version = c.text_version;
  $('commitment-text').replaceChildren(...(c.paragraphs || []).map((p) => el('p', { text: p })));
  banner($('commitment-banner'), '');
  openDialog($('commitment-dialog'));
}

async function afterLogin(session) {
  if (session.committed) {
    goApply();
    return;
  }
  showCommitment(session.commitment);
}

async function acceptCommitment() {
  const button = $('commitment-accept');
  button.disabled = true;
  try {
    const r = await call('session.commit', { text_version: button.dataset.version });
    if (r.session && r.session.committed) {
      $('commitment-dialog').close();
      goApply();
    }
  } catch (err) {
    // The text may have changed meanwhile, or the session ended: look again.
    const session = await currentSession();
    if (!session) {
      $('commitment-dialog').close();
      banner($('page-banner'), `${err.message}，请重新登录`, 'error');
    } else if (session.committed) {
      $('commitment-dialog').close();
      goApply();
    } else {
      showCommitment(session.commitment);
      banner($('commitment-banner'), err.message, 'error');
    }
  } finally {
    button.disabled = false;
    keepFocus(button);
  }
}

async function declineCommitment() {
  try {
    await call('session.logout');
  } catch {
    // Ended already: nothing more to do.
  }
  $('commitment-dialog').close();
  banner($('page-banner'), '未同意登录承诺，已退出登录', 'info');
}

// ---- 服务指南 --------------------------------------------------------------------------

const ASPECTS = [
  ['scope', '受理范围及条件'],
  ['process', '办理流程'],
  ['materials', '申请材料'],
  ['form', '表格下载'],
  ['contact', '联系电话及其他'],
];

function showGuide(business, aspect, label) {
  const g = guide && guide[business];
  const name = businessLabel(business);
  $('guide-title').textContent = `${name} · ${label}`;
  $('guide-body').replaceChildren(...(g ? guideContent(g, aspect, locality)
    : [el('p', { class: 'field-error', text: '服务指南暂时无法加载，请稍后再试' })]));
  openDialog($('guide-dialog'));
}

function buildGuideTable() {
  for (const row of document.querySelectorAll('#guide-table tbody tr')) {
    const business = row.dataset.business;
    const name = row.querySelector('th').textContent;
    for (const [aspect, label] of ASPECTS) {
      row.append(el('td', {}, el('button', {
        type: 'button',
        class: 'guide-cell',
        id: `guide-${business}-${aspect}`,
        // The name stays 查看 (the table headers give row and column), so
        // that a business's name names only its own button above.
        title: `${name}：${label}`,
        on: { click: () => showGuide(business, aspect, label) },
      }, '查看')));
    }
  }
}

async function loadGuide() {
  try {
    const r = await read('guide.get');
    guide = {};
    for (const g of r.guide || []) guide[g.business] = g;
    locality = r.locality || null;
  } catch (err) {
    banner($('guide-banner'), `服务指南暂时无法加载：${err.message}`, 'error');
  }
}

// ---- start ---------------------------------------------------------------------------

async function start() {
  guideLoaded = loadGuide();
  for (const button of document.querySelectorAll('#business-buttons button')) {
    button.addEventListener('click', () => onBusiness(button.dataset.business));
  }
  $('login-browse').addEventListener('click', () => $('login-file').click());
  $('login-file').addEventListener('change', () => {
    const f = $('login-file').files[0];
    $('login-file-name').textContent = f ? f.name : '未选择文件';
  });
  $('captcha-refresh').addEventListener('click', () => {
    $('login-captcha').value = '';
    loadCaptcha();
  });
  $('login-form').addEventListener('submit', login);
  $('login-close').addEventListener('click', () => $('login-dialog').close());
  $('commitment-accept').addEventListener('click', acceptCommitment);
  $('commitment-decline').addEventListener('click', declineCommitment);
  // 登录承诺 must be answered, not dismissed with Esc.
  $('commitment-dialog').addEventListener('cancel', (e) => e.preventDefault());
  $('guide-close').addEventListener('click', () => $('guide-dialog').close());
  $('onsite-ok').addEventListener('click', () => $('onsite-dialog').close());
  $('onsite-close').addEventListener('click', () => $('onsite-dialog').close());
  $('request-form-link').addEventListener('click', async (e) => {
    e.preventDefault();
    banner($('forms-banner'), '');
    try {
      await download('credential.request_form', {}, { fallbackName: '登录二维码图片申领表.pdf' });
    } catch (err) {
      banner($('forms-banner'), err.message, 'error');
    }
  });
  buildGuideTable();

  const message = flash() || '';

  site().then((s) => {
    if (!s.demo) return;
    const note = $('demo-captcha-note');
    note.textContent = s.demo_captcha
      ? `演示环境：验证码固定为 ${s.demo_captcha} (仅供演示)`
      : '演示环境 (仅供演示)';
    note.hidden = false;
  });

  // Sent back here to log in (apply.html without a session) or by a link
  // naming the business: carry on with it.
  const business = new URLSearchParams(location.search).get('business');
  if (business && (await onlineOf(business))) onBusiness(business, message);
  else if (message) banner($('page-banner'), message, 'info');
}

start();
