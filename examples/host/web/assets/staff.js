// SPDX-License-Identifier: Apache-2.0
// The authority's back office: 工作人员登录, 待办 queues, a case with the
// actions the engine offers this staff member, 现场办理 (申请初领, 证书延期,
// 打印证书), 登录二维码 (申领, 签发, 记录), 密钥 and 表格核验. Every call goes
// to /api/staff/{command}, run as the staff session of the cookie.
'use strict';

import {
  ApiError, banner, busy, call, callBinary, clearErrors, dataUrl, download, el, fieldError,
  formatSize, formatTime, read, saveResult, showError, site, today, upload,
} from './api.js';

const $ = (id) => document.getElementById(id);
const STAFF = { staff: true };

const ROLE_LABELS = { admin: '管理员', acceptor: '受理人员', reviewer: '复核人员' };
const ACTION_LABELS = {
  start: '创建申请', save: '暂存', submit: '提交', accept: '受理', reject: '不予通过',
  approve: '复核通过', return: '复核退回', forward: '重新提交复核', notify: '通知',
  complete: '办结', delete: '删除申报材料',
};
const KEY_STATUS = { active: '签发中', verifying: '仅用于验证', retired: '已停用' };
const CREDENTIAL_STATUS = { active: '有效', revoked: '已作废' };
// The default workflow's statuses, until guide.get tells the ones in use.
let statuses = [
  { status: 'draft', label: '未提交', time_limit_days: null },
  { status: 'submitted', label: '待受理', time_limit_days: 2 },
  { status: 'rejected', label: '未通过', time_limit_days: null },
  { status: 'accepted', label: '待复核', time_limit_days: 3 },
  { status: 'returned', label: '复核退回', time_limit_days: 2 },
  { status: 'approved', label: '待通知', time_limit_days: 1 },
  { status: 'notified', label: '待打印', time_limit_days: 5 },
  { status: 'completed', label: '已办结', time_limit_days: null },
];

const statusLabel = (key) => (statuses.find((s) => s.status === key) || {}).label || key;

// ---- login and session ------------------------------------------------------------

function showLogin(message = '', kind = 'info') {
  sessionStorage.removeItem('fuma.staff');
  $('workspace').hidden = true;
  $('staff-tools').hidden = true;
  $('login-section').hidden = false;
  banner($('page-banner'), message, kind);
  $('staff-username').focus();
}

function showWorkspace(staff) {
  $('login-section').hidden = true;
  $('workspace').hidden = false;
  $('staff-tools').hidden = false;
  const roles = (staff.roles || []).map((r) => ROLE_LABELS[r] || r).join('、');
  $('staff-who').textContent = `${staff.name || staff.username}${roles ? `（${roles}）` : ''}`;
}

// An error that means the staff session is gone: back to the login form.
function sessionLost(err) {
  if (!(err instanceof ApiError)) return false;
  if (err.code === 'SESSION_EXPIRED' || (err.code === 'FORBIDDEN' && err.message === '请先登录')) {
    showLogin(err.message === '请先登录' ? '请先登录' : '登录已失效，请重新登录', 'error');
    return true;
  }
  return false;
}

// Shows an error in a form (next to its fields) and a banner.
function fail(err, scope, bannerEl, options = {}) {
  if (sessionLost(err)) return;
  showError(err, { scope, bannerEl, summary: err.message, ...options });
}

async function login(event) {
  event.preventDefault();
  const form = $('staff-login-form');
  clearErrors(form);
  banner($('page-banner'), '');
  const username = $('staff-username').value.trim();
  const password = $('staff-password').value;
  let missing = false;
  if (!username) missing = fieldError(form, 'username', '请输入用户名');
  if (!password) missing = fieldError(form, 'password', '请输入密码') || missing;
  if (missing) return;
  await busy($('staff-login-submit'), async () => {
    try {
      const r = await call('staff.login', { username, password }, STAFF);
      sessionStorage.setItem('fuma.staff', JSON.stringify(r.staff));
      $('staff-password').value = '';
      showWorkspace(r.staff);
      selectTab('panel-queues');
      loadStatuses().then(loadQueues);
    } catch (err) {
      $('staff-password').value = '';
      showError(err, { scope: form, bannerEl: $('page-banner'), fieldForCode: { LOGIN_FAILED: 'password' } });
    }
  });
}

async function logout() {
  try {
    await call('staff.logout', {}, STAFF);
  } catch {
    // Ended already.
  }
  showLogin('已退出');
}

// ---- tabs -----------------------------------------------------------------------------

function tabs() {
  return [...document.querySelectorAll('#staff-tabs [role="tab"]')];
}

function selectTab(panelId) {
  for (const t of tabs()) {
    const on = t.dataset.panel === panelId;
    t.setAttribute('aria-selected', String(on));
    $(t.dataset.panel).hidden = !on;
  }
  if (panelId === 'panel-keys') loadKeys();
}

// ---- 待办 ---------------------------------------------------------------------------------

function queueSection(s, container) {
  const tbody = el('tbody');
  const more = el('button', { type: 'button', class: 'secondary', hidden: true }, '加载更多');
  const count = el('span', { class: 'badge' }, '…');
  const empty = el('p', { class: 'empty', hidden: true }, '暂无办件');
  const table = el('table', { hidden: true },
    el('thead', {}, el('tr', {},
      ['申请编号', '单位名称', '统一社会信用代码', '业务', '进入本进度时间', '办理期限', '操作']
        .map((h) => el('th', { scope: 'col' }, h)))),
    tbody);
  const section = el('section', { class: 'queue', id: `queue-${s.status}` },
    el('h3', {}, `${s.label} `, count),
    el('div', { class: 'table-wrap' }, table), empty, more);
  container.append(section);

  let shown = 0;
  const load = async (after) => {
    const args = { status: s.status, limit: 20 };
    if ($('queue-overdue').checked) args.overdue_only = true;
    if (after) args.after = after;
    try {
      const r = await read('queue.list', args, STAFF);
      for (const item of r.items || []) {
        shown += 1;
        tbody.append(el('tr', { class: item.overdue ? 'overdue' : null },
          el('td', {}, String(item.id)),
          el('td', {}, item.unit || ''),
          el('td', { class: 'mono' }, item.uscc || ''),
          el('td', {}, item.business ? item.business.label : ''),
          el('td', {}, formatTime(item.status_since)),
          el('td', { title: item.due_warning || null }, item.due || '—',
            item.due_warning ? '＊' : null, item.overdue ? ' ' : null,
            item.overdue ? el('span', { class: 'badge badge-overdue' }, '超期') : null),
          el('td', {}, el('button', {
            type: 'button',
            id: `open-case-${item.id}`,
            'aria-label': `办理申请${item.id}`,
            on: { click: () => openCase(item.id) },
          }, '办理'))));
      }
      table.hidden = shown === 0;
      empty.hidden = shown > 0;
      count.textContent = `${shown}${r.next ? '+' : ''}件`;
      more.hidden = !r.next;
      if (r.next) more.dataset.after = r.next;
    } catch (err) {
      if (!sessionLost(err)) {
        empty.hidden = false;
        empty.textContent = `加载失败：${err.message}`;
      }
    }
  };
  more.addEventListener('click', () => busy(more, () => load(more.dataset.after)));
  return load();
}

async function loadQueues() {
  const main = $('queues');
  main.replaceChildren();
  // The authority's own queues: the statuses with a time limit.
  await Promise.all(statuses.filter((s) => s.time_limit_days).map((s) => queueSection(s, main)));
  if ($('other-queues').open) loadOtherQueues();
  else $('other-queue-list').replaceChildren();
}

function loadOtherQueues() {
  const list = $('other-queue-list');
  list.replaceChildren();
  return Promise.all(statuses.filter((s) => !s.time_limit_days).map((s) => queueSection(s, list)));
}

async function loadStatuses() {
  try {
    const r = await read('guide.get', {}, STAFF);
    const online = (r.guide || []).find((g) => g.online && g.process && g.process.length);
    if (online) statuses = online.process;
  } catch {
    // The default workflow's list stays.
  }
}

// ---- 办件 -----------------------------------------------------------------------------------

let currentCase = null;

function fact(dl, term, ...value) {
  dl.append(el('dt', {}, term), el('dd', {}, ...value));
}

function renderCase(app) {
  currentCase = app;
  $('case-view').hidden = false;
  $('case-id').value = String(app.id);
  $('case-heading').textContent = `${app.business.label}（申请编号${app.id}）`;

  const facts = $('case-facts');
  facts.replaceChildren();
  fact(facts, '办理进度', app.status.label, app.overdue ? ' ' : '',
    app.overdue ? el('span', { class: 'badge badge-overdue' }, '超期') : '');
  if (app.due) {
    fact(facts, '办理期限', app.due,
      app.due_warning ? el('span', { class: 'hint' }, `（${app.due_warning}）`) : '');
  }
  fact(facts, '进入本进度时间', formatTime(app.status_since));
  const u = app.unit || {};
  fact(facts, '单位名称', u.name || '');
  fact(facts, '统一社会信用代码', el('span', { class: 'mono' }, u.uscc || ''));
  fact(facts, '单位类别', u.category || '');
  fact(facts, '住所', u.address || '');
  fact(facts, '负责人', u.responsible_person || '');
  const c = app.certificate;
  fact(facts, '证书编号', c ? c.serial : '无');
  fact(facts, '证书有效期', c ? (c.long_term ? '长期有效' : c.valid_until) : '无');

  const fields = app.fields || {};
  const box = $('case-fields');
  box.replaceChildren();
  if (Array.isArray(fields.items)) {
    box.append(el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, ['变更事项', '变更前', '变更后'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, fields.items.map((i) => el('tr', {},
        el('th', { scope: 'row' }, i.label || i.item), el('td', {}, i.old || ''), el('td', {}, i.new || '')))))));
    if (!fields.items.length) box.append(el('p', { class: 'empty' }, '未填写变更事项'));
  }
  box.append(el('p', {}, el('strong', {}, '申请理由：'), fields.reason || '（未填写）'));

  $('case-latest').textContent = app.latest_reply || '暂无回复信息';

  const files = app.attachments || [];
  $('case-attachments').tBodies[0].replaceChildren(...files.map((f) => el('tr', {},
    el('td', {}, f.label || f.kind),
    el('td', {}, f.file_name),
    el('td', {}, formatSize(f.size)),
    el('td', {}, formatTime(f.uploaded_at)),
    el('td', { class: 'mono', title: `${f.digest_algorithm} ${f.digest}` },
      (f.digest || '').slice(0, 16)),
    el('td', {}, el('button', {
      type: 'button',
      class: 'secondary',
      id: `download-attachment-${f.id}`,
      'aria-label': `下载附件 ${f.file_name}`,
      on: { click: (e) => downloadAttachment(e.currentTarget, f) },
    }, '下载')))));
  $('case-attachments').hidden = files.length === 0;
  $('case-no-attachments').hidden = files.length > 0;

  const steps = (app.actions || []).filter((a) => (a.command || '').startsWith('application.'));
  $('case-actions').replaceChildren(...steps.map((a) => el('button', {
    type: 'button',
    id: `action-${a.action}`,
    class: ['reject', 'return'].includes(a.action) ? 'danger' : null,
    dataset: { reply: a.reply || 'none' },
    on: { click: (e) => takeAction(e.currentTarget, a) },
  }, ACTION_LABELS[a.action] || (a.to && a.to.label) || a.action)));
  $('case-no-actions').hidden = steps.length > 0;
  const needing = steps.filter((a) => a.reply === 'required').map((a) => ACTION_LABELS[a.action] || a.action);
  $('case-reply-hint').textContent = `${needing.length ? `${needing.join('、')}时须填写回复信息。` : ''}回复信息显示在申请单位的“最新信息”中。`;
  $('case-reply').disabled = steps.length === 0;
}

async function loadCaseHistory(app) {
  const list = $('case-history');
  list.replaceChildren();
  try {
    const r = await read('unit.history', { uscc: app.unit.uscc }, STAFF);
    const mine = (r.applications || []).find((a) => a.id === app.id);
    for (const e of (mine && mine.events) || []) {
      list.append(el('li', {},
        el('span', { class: 'time' }, formatTime(e.at)), ' ',
        ACTION_LABELS[e.action] || e.action,
        e.to ? ` → ${e.to.label}` : '',
        e.actor_name ? `（${e.actor_name}）` : '',
        e.reply ? el('div', { class: 'reply' }, `回复信息：${e.reply}`) : null));
    }
    const others = (r.applications || []).filter((a) => a.id !== app.id);
    if (others.length) {
      list.append(el('li', { class: 'hint' }, `该单位另有${others.length}件申请记录：`,
        others.map((a) => `${a.business ? a.business.label : '申请'}（${a.id}，${a.deleted ? '已删除' : a.status ? a.status.label : ''}）`).join('；')));
    }
  } catch (err) {
    if (!sessionLost(err)) list.append(el('li', { class: 'field-error' }, err.message));
  }
}

async function openCase(id) {
  selectTab('panel-case');
  clearErrors($('case-action-form'));
  banner($('case-banner'), '');
  $('case-reply').value = '';
  try {
    const r = await read('application.view', { id: Number(id) }, STAFF);
    renderCase(r.application);
    loadCaseHistory(r.application);
  } catch (err) {
    $('case-view').hidden = true;
    fail(err, $('case-open-form'), $('case-banner'));
  }
}

async function takeAction(button, a) {
  const form = $('case-action-form');
  clearErrors(form);
  banner($('case-banner'), '');
  const reply = $('case-reply').value.trim();
  const label = ACTION_LABELS[a.action] || a.action;
  if (a.reply === 'required' && !reply) {
    fieldError(form, 'reply', `${label}须填写回复信息`);
    $('case-reply').focus();
    return;
  }
  const args = { id: currentCase.id, version: currentCase.version };
  if (a.reply !== 'none' && reply) args.reply = reply;
  await busy(button, async () => {
    try {
      const r = await call(a.command, args, STAFF);
      $('case-reply').value = '';
      renderCase(r.application);
      loadCaseHistory(r.application);
      banner($('case-banner'), `已${label}，办理进度：${r.application.status.label}`, 'success');
      loadQueues();
    } catch (err) {
      fail(err, form, $('case-banner'));
      if (err.code === 'CONFLICT') {
        const keep = $('case-reply').value;
        await openCase(currentCase.id);
        $('case-reply').value = keep;
        banner($('case-banner'), err.message, 'error');
      }
    }
  });
}

async function downloadAttachment(button, f) {
  await busy(button, async () => {
    try {
      await download('attachment.get', { id: currentCase.id, attachment: f.id },
        { staff: true, fallbackName: f.file_name });
    } catch (err) {
      fail(err, null, $('case-banner'));
    }
  });
}

async function downloadForm() {
  if (!currentCase) return;
  await busy($('case-form'), async () => {
    try {
      const name = await download('application.form', { id: currentCase.id },
        { staff: true, fallbackName: '申请表.pdf' });
      banner($('case-banner'), `已下载表格：${name}`, 'success');
    } catch (err) {
      fail(err, null, $('case-banner'));
    }
  });
}

// ---- 现场办理 ---------------------------------------------------------------------------

let registered = null;

function validityOf(cert) {
  if (!cert) return '';
  return cert.long_term ? '长期有效' : cert.valid_until;
}

async function register(event) {
  event.preventDefault();
  const form = $('register-form');
  clearErrors(form);
  banner($('onsite-banner'), '');
  $('register-result').hidden = true;
  const args = {
    name: $('register-name').value.trim(),
    category: $('register-category').value,
    address: $('register-address').value.trim(),
    responsible_person: $('register-responsible').value.trim(),
  };
  const missing = [];
  if (!args.name) missing.push(['name', '请填写单位名称']);
  if (!args.category) missing.push(['category', '请选择单位类别']);
  if (!args.address) missing.push(['address', '请填写住所']);
  if (!args.responsible_person) missing.push(['responsible_person', '请填写负责人']);
  if ($('register-fixed').checked) {
    args.valid_until = $('register-valid-until').value;
    if (!args.valid_until) missing.push(['valid_until', '请选择证书有效期']);
  }
  for (const [f, m] of missing) fieldError(form, f, m);
  if (missing.length) return;
  await busy($('register-submit'), async () => {
    try {
      const r = await call('unit.register', args, STAFF);
      registered = r;
      $('register-uscc').textContent = r.uscc;
      const facts = $('register-facts');
      facts.replaceChildren();
      fact(facts, '单位名称', r.unit.name);
      fact(facts, '单位类别', r.unit.category);
      fact(facts, '证书编号', r.certificate.serial);
      fact(facts, '证书有效期', validityOf(r.certificate));
      fact(facts, '发证日期', r.certificate.issued_on);
      $('register-result').hidden = false;
      form.reset();
      $('register-valid-until').disabled = true;
      $('register-uscc').focus();
    } catch (err) {
      fail(err, form, $('onsite-banner'));
    }
  });
}

async function extend(event) {
  event.preventDefault();
  const form = $('extend-form');
  clearErrors(form);
  banner($('onsite-banner'), '');
  $('extend-result').hidden = true;
  const args = { uscc: $('extend-uscc').value.trim().toUpperCase() };
  const missing = [];
  if (!args.uscc) missing.push(['uscc', '请填写统一社会信用代码']);
  if ($('extend-long').checked) {
    args.long_term = true;
  } else {
    args.valid_until = $('extend-valid-until').value;
    if (!args.valid_until) missing.push(['valid_until', '请选择延期后的有效期']);
  }
  for (const [f, m] of missing) fieldError(form, f, m);
  if (missing.length) return;
  await busy($('extend-submit'), async () => {
    try {
      const r = await call('certificate.extend', args, STAFF);
      banner($('extend-result'), `已办理证书延期：${r.unit.name}（${r.unit.uscc}），证书编号${r.certificate.serial}，有效期${validityOf(r.certificate)}。`, 'success');
    } catch (err) {
      fail(err, form, $('onsite-banner'));
    }
  });
}

async function printCertificate(uscc, button) {
  await busy(button, async () => {
    try {
      const name = await download('certificate.print', { uscc }, { staff: true, fallbackName: '证书.pdf' });
      banner($('onsite-banner'), `已下载证书：${name}`, 'success');
    } catch (err) {
      fail(err, $('print-form'), $('onsite-banner'));
    }
  });
}

// ---- 登录二维码 -------------------------------------------------------------------------

async function requestCredential(event) {
  event.preventDefault();
  const form = $('cred-request-form');
  clearErrors(form);
  banner($('cred-banner'), '');
  const args = {
    uscc: $('cred-uscc').value.trim().toUpperCase(),
    reason: $('cred-reason-lost').checked ? 'lost' : 'first',
    recipient: $('cred-recipient').value.trim(),
    phone: $('cred-phone').value.trim(),
    requested_on: $('cred-requested-on').value,
  };
  const missing = [];
  if (!args.uscc) missing.push(['uscc', '请填写统一社会信用代码']);
  if (!args.recipient) missing.push(['recipient', '请填写领取人']);
  if (!args.phone) missing.push(['phone', '请填写手机号']);
  if (!args.requested_on) missing.push(['requested_on', '请选择申领日期']);
  for (const [f, m] of missing) fieldError(form, f, m);
  if (missing.length) return;
  await busy($('cred-request-submit'), async () => {
    try {
      const r = await call('credential.request', args, STAFF);
      $('issue-request').value = String(r.request.id);
      banner($('cred-banner'), `已登记申领，申领编号${r.request.id}（${r.request.reason_label}）。请在下方签发登录二维码图片。`, 'success');
      $('cred-list-uscc').value = args.uscc;
      listCredentials();
      $('issue-delivery').focus();
    } catch (err) {
      fail(err, form, $('cred-banner'));
    }
  });
}

function issueArgs(form) {
  const request = Number($('issue-request').value.trim());
  if (!Number.isInteger(request) || request <= 0) {
    fieldError(form, 'request', '请填写申领编号');
    return null;
  }
  const args = { request, delivery: $('issue-delivery').value };
  const note = $('issue-note').value.trim();
  if (note) args.delivery_note = note;
  if (args.delivery === 'other' && !note) {
    fieldError(form, 'delivery_note', '发放方式为“其他方式”时请填写发放说明');
    return null;
  }
  if ($('issue-expires').value) args.expires_on = $('issue-expires').value;
  return args;
}

async function issueCredential(event) {
  event.preventDefault();
  const form = $('cred-issue-form');
  clearErrors(form);
  banner($('cred-banner'), '');
  const args = issueArgs(form);
  if (!args) return;
  await busy($('issue-submit'), async () => {
    try {
      const r = await callBinary('credential.issue', args, STAFF);
      const c = r.credential || {};
      saveResult(r, r.file_name || '登录二维码图片.png');
      $('issue-image').src = dataUrl(r);
      const revoked = (r.revoked || []).length;
      $('issue-message').textContent = `已签发第${c.generation}代登录二维码图片（编号${c.id}，发放方式：${c.delivery_label || args.delivery}），图片已下载：${r.file_name || ''}。`
        + (revoked ? `该单位此前的${revoked}个登录二维码图片已作废` : '')
        + (r.sessions_ended ? `，已结束${r.sessions_ended}个登录会话。` : (revoked ? '。' : ''));
      $('issue-result').hidden = false;
      if ($('cred-list-uscc').value.trim()) listCredentials();
    } catch (err) {
      fail(err, form, $('cred-banner'));
    }
  });
}

async function downloadRequestForm() {
  const form = $('cred-issue-form');
  clearErrors(form);
  const request = Number($('issue-request').value.trim());
  if (!Number.isInteger(request) || request <= 0) {
    fieldError(form, 'request', '请填写申领编号');
    return;
  }
  await busy($('issue-request-form'), async () => {
    try {
      await download('credential.request_form', { request }, { staff: true, fallbackName: '登录二维码图片申领表.pdf' });
    } catch (err) {
      fail(err, form, $('cred-banner'));
    }
  });
}

async function listCredentials(event) {
  if (event) event.preventDefault();
  const form = $('cred-list-form');
  clearErrors(form);
  const uscc = $('cred-list-uscc').value.trim().toUpperCase();
  if (!uscc) {
    fieldError(form, 'uscc', '请填写统一社会信用代码');
    return;
  }
  try {
    const r = await read('credential.list', { uscc }, STAFF);
    $('cred-requests').tBodies[0].replaceChildren(...(r.requests || []).map((q) => el('tr', {},
      el('td', {}, String(q.id)),
      el('td', {}, q.reason_label || q.reason),
      el('td', {}, q.recipient),
      el('td', {}, q.phone),
      el('td', {}, q.requested_on),
      el('td', {}, q.credential ? `已签发（图片编号${q.credential}）` : el('button', {
        type: 'button',
        class: 'secondary',
        'aria-label': `选用申领${q.id}`,
        on: {
          click: () => {
            $('issue-request').value = String(q.id);
            $('issue-delivery').focus();
          },
        },
      }, '选用')))));
    $('cred-credentials').tBodies[0].replaceChildren(...(r.credentials || []).map((c) => el('tr', {},
      el('td', {}, String(c.id)),
      el('td', {}, `第${c.generation}代`),
      el('td', {}, formatTime(c.issued_at)),
      el('td', {}, c.expires_at ? formatTime(c.expires_at) : '长期'),
      el('td', {}, c.delivery_label || c.delivery, c.delivery_note ? `（${c.delivery_note}）` : ''),
      el('td', {}, el('span', { class: `badge ${c.status === 'active' ? 'badge-ok' : 'badge-bad'}` },
        CREDENTIAL_STATUS[c.status] || c.status)),
      el('td', {}, c.status === 'active' ? el('button', {
        type: 'button',
        class: 'secondary',
        'aria-label': `重新下载登录二维码图片${c.id}`,
        on: { click: (e) => redownload(e.currentTarget, c) },
      }, '重新下载') : ''))));
    $('cred-list').hidden = false;
  } catch (err) {
    $('cred-list').hidden = true;
    fail(err, form, $('cred-banner'));
  }
}

async function redownload(button, c) {
  await busy(button, async () => {
    try {
      await download('credential.image', { credential: c.id }, { staff: true, fallbackName: '登录二维码图片.png' });
    } catch (err) {
      fail(err, null, $('cred-banner'));
    }
  });
}

// ---- 密钥 -------------------------------------------------------------------------------------

async function loadKeys() {
  try {
    const r = await read('keys.list', {}, STAFF);
    const keys = r.keys || [];
    $('keys-table').tBodies[0].replaceChildren(...keys.map((k) => el('tr', {},
      el('td', { class: 'mono' }, k.kid),
      el('td', {}, k.algorithm || ''),
      el('td', {}, KEY_STATUS[k.status] || k.status),
      el('td', {}, formatTime(k.created_at)),
      el('td', {}, k.retired_at ? formatTime(k.retired_at) : ''),
      el('td', {}, el('details', {}, el('summary', {}, '查看'),
        el('pre', { class: 'mono' }, k.public_key_pem || k.public_key || ''))))));
    $('keys-table').hidden = keys.length === 0;
    $('keys-empty').hidden = keys.length > 0;
  } catch (err) {
    fail(err, null, $('keys-banner'));
  }
}

async function rotateKeys() {
  if (!window.confirm('轮换后，新签发的登录二维码图片使用新密钥；原密钥签发的图片仍可登录。确定轮换签名密钥吗？')) return;
  await busy($('keys-rotate'), async () => {
    try {
      const r = await call('keys.rotate', {}, STAFF);
      banner($('keys-banner'), `已生成新的签名密钥 ${r.key.kid}`, 'success');
      await loadKeys();
    } catch (err) {
      fail(err, null, $('keys-banner'));
    }
  });
}

// ---- 表格核验 ------------------------------------------------------------------------------

async function verifyForm(event) {
  event.preventDefault();
  const form = $('verify-form');
  clearErrors(form);
  banner($('verify-banner'), '');
  $('verify-result').hidden = true;
  const code = $('verify-code').value.trim();
  const file = $('verify-file').files[0];
  if (!code && !file) {
    fieldError(form, 'code', '请填写核验码或上传表格扫描件');
    return;
  }
  await busy($('verify-submit'), async () => {
    try {
      const r = code
        ? await call('form.verify', { code }, STAFF)
        : await upload('form.verify', {}, file, STAFF);
      const dl = $('verify-result');
      dl.replaceChildren();
      fact(dl, '核验结果', el('span', { class: `badge ${r.matches ? 'badge-ok' : 'badge-bad'}` },
        r.matches ? '一致' : '不一致'));
      fact(dl, '说明', r.message || '');
      fact(dl, '申请编号', String(r.application), ' ', el('button', {
        type: 'button', class: 'link', on: { click: () => openCase(r.application) },
      }, '打开办件'));
      fact(dl, '统一社会信用代码', el('span', { class: 'mono' }, r.uscc || ''));
      fact(dl, '办理进度', statusLabel(r.status));
      dl.hidden = false;
      banner($('verify-banner'), r.message, r.matches ? 'success' : 'error');
    } catch (err) {
      fail(err, form, $('verify-banner'), {
        fieldForCode: {
          NO_QR_FOUND: 'file', NOT_AN_IMAGE: 'file', UNSUPPORTED_IMAGE_FORMAT: 'file',
          IMAGE_TOO_LARGE: 'file', PAYLOAD_TOO_LARGE: 'file',
        },
      });
    }
  });
}

// ---- start -------------------------------------------------------------------------------

function start() {
  site();
  $('staff-login-form').addEventListener('submit', login);
  $('staff-logout').addEventListener('click', logout);
  for (const t of tabs()) t.addEventListener('click', () => selectTab(t.dataset.panel));
  $('queue-refresh').addEventListener('click', () => busy($('queue-refresh'), loadQueues));
  $('queue-overdue').addEventListener('change', loadQueues);
  $('other-queues').addEventListener('toggle', () => {
    if ($('other-queues').open) loadOtherQueues();
  });
  $('case-open-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = Number($('case-id').value.trim());
    clearErrors($('case-open-form'));
    if (!Number.isInteger(id) || id <= 0) {
      fieldError($('case-open-form'), 'id', '请填写申请编号');
      return;
    }
    openCase(id);
  });
  $('case-action-form').addEventListener('submit', (e) => e.preventDefault());
  $('case-form').addEventListener('click', downloadForm);
  $('register-form').addEventListener('submit', register);
  for (const id of ['register-long', 'register-fixed']) {
    $(id).addEventListener('change', () => {
      $('register-valid-until').disabled = !$('register-fixed').checked;
    });
  }
  for (const id of ['extend-long', 'extend-fixed']) {
    $(id).addEventListener('change', () => {
      $('extend-valid-until').disabled = $('extend-long').checked;
    });
  }
  $('register-print').addEventListener('click', (e) => {
    if (registered) printCertificate(registered.uscc, e.currentTarget);
  });
  $('register-credential').addEventListener('click', () => {
    if (!registered) return;
    $('cred-uscc').value = registered.uscc;
    $('cred-reason-first').checked = true;
    selectTab('panel-credentials');
    $('cred-recipient').focus();
  });
  $('extend-form').addEventListener('submit', extend);
  $('print-form').addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors($('print-form'));
    const uscc = $('print-uscc').value.trim().toUpperCase();
    if (!uscc) {
      fieldError($('print-form'), 'uscc', '请填写统一社会信用代码');
      return;
    }
    printCertificate(uscc, $('print-submit'));
  });
  $('cred-requested-on').value = today();
  $('cred-request-form').addEventListener('submit', requestCredential);
  $('cred-issue-form').addEventListener('submit', issueCredential);
  $('issue-request-form').addEventListener('click', downloadRequestForm);
  $('cred-list-form').addEventListener('submit', listCredentials);
  $('keys-refresh').addEventListener('click', () => busy($('keys-refresh'), loadKeys));
  $('keys-rotate').addEventListener('click', rotateKeys);
  $('verify-form').addEventListener('submit', verifyForm);

  // The session cookie is HttpOnly: ask the host who it belongs to (a new
  // tab, a reload), and fall back to the login form.
  read('staff.get', {}, STAFF).then(
    (r) => {
      sessionStorage.setItem('fuma.staff', JSON.stringify(r.staff));
      showWorkspace(r.staff);
      loadStatuses().then(loadQueues);
    },
    () => showLogin(),
  );
}

start();
