// SPDX-License-Identifier: Apache-2.0
// 申请信息录入: 最新信息 and 办理进度, the entry form (change items with old
// and new values, or 申请理由), 历史信息, and the buttons 暂存, 提交, 上传附件,
// 下载表格, 删除申报材料. Every rule is the engine's: the page enables what
// the application view says this unit may do now.
//
// Looking creates nothing: a business chosen on 机关用户服务 is shown from
// application.preview (its form and checklist) until the unit first saves,
// submits or uploads; only then application.start creates the case. The
// address then names the case (?id=), so a reload shows that case, its
// outcome once 已办结, and never starts another.
'use strict';

import {
  ApiError, banner, call, clearErrors, download, el, fieldError, flash, formatSize, formatTime,
  keepFocus, openDialog, read, showError, site, upload,
} from './api.js';

const $ = (id) => document.getElementById(id);

const BUSINESS_LABELS = {
  change: '申请变更', reissue: '申请补领', replace: '申请换领', revoke: '申请撤销',
};
const ITEMS = ['name', 'address', 'responsible_person', 'category'];
const ACTION_LABELS = {
  start: '创建申请', save: '暂存', submit: '提交', accept: '受理', reject: '不予通过',
  approve: '复核通过', return: '复核退回', forward: '重新提交复核', notify: '通知',
  complete: '办结', delete: '删除申报材料',
};
const BUTTONS = ['btn-save', 'btn-submit', 'btn-upload', 'btn-form', 'btn-delete'];

const params = new URLSearchParams(location.search);
const state = {
  business: params.get('business') || sessionStorage.getItem('fuma.business') || '',
  app: null, // the application view
  preview: null, // application.preview, while the business is only looked at
  actions: new Set(),
  itemsOrder: [], // the change items in the order the engine holds them
  dirty: false,
  busy: false,
};

// ---- session ----------------------------------------------------------------------

function toLogin(message) {
  flash(message);
  const known = BUSINESS_LABELS[state.business] ? `?business=${encodeURIComponent(state.business)}` : '';
  location.href = `/unit.html${known}`;
}

// Errors that mean the unit must log in (again) or accept 登录承诺 first.
function sessionLost(err) {
  if (!(err instanceof ApiError)) return false;
  if (['SESSION_EXPIRED', 'COMMITMENT_REQUIRED', 'CREDENTIAL_REVOKED', 'UNIT_REVOKED'].includes(err.code)
    || (err.code === 'FORBIDDEN' && err.message === '请先登录')) {
    toLogin(err.message);
    return true;
  }
  return false;
}

// ---- showing the application --------------------------------------------------------

function validityText(cert) {
  if (!cert) return '';
  return cert.long_term ? '长期有效' : cert.valid_until || '';
}

function currentValue(item, app) {
  const u = app.unit || {};
  return u[item] || '';
}

function newValue(item) {
  return $(`new-${item}`).value.trim();
}


function renderProgress(app) {
  $('progress-status').textContent = app.status.label || app.status.key;
  $('progress-steps').replaceChildren(...(app.progress || []).map((p) => el('li', {
    'aria-current': p.current ? 'step' : null,
    text: p.label,
  })));
  const latest = app.latest;
  $('latest-reply').textContent = (latest && latest.reply) || app.latest_reply || '暂无回复信息';
  $('latest-meta').hidden = !latest;
  if (latest) {
    const step = ACTION_LABELS[latest.action] || (latest.status && latest.status.label) || '';
    $('latest-meta').textContent = `${formatTime(latest.at)}${step ? ` · ${step}` : ''}`;
  }
  renderOutcome(app.outcome);
}

// 已办结: what was done, when, the new certificate, what to do next.
function renderOutcome(outcome) {
  $('outcome').hidden = !outcome;
  if (!outcome) return;
  $('outcome-summary').textContent = `${outcome.status}。${outcome.summary || ''}`;
  $('outcome-time').textContent = formatTime(outcome.completed_at);
  const serial = outcome.certificate ? outcome.certificate.serial : '';
  $('outcome-serial-label').hidden = !serial;
  $('outcome-serial').hidden = !serial;
  $('outcome-serial').textContent = serial;
  $('outcome-next').textContent = outcome.next_steps || '';
}

function renderFields(app) {
  const change = app.business.key === 'change';
  const fields = app.fields || {};
  $('change-fields').hidden = !change;
  $('reason-label').textContent = change ? '申请理由（选填）' : '申请理由';
  $('reason').value = fields.reason || '';
  if (change) {
    const items = Array.isArray(fields.items) ? fields.items : [];
    state.itemsOrder = items.map((i) => i.item);
    for (const item of ITEMS) {
      const held = items.find((i) => i.item === item);
      $(`old-${item}`).textContent = held && held.old !== undefined ? held.old : currentValue(item, app);
      $(`new-${item}`).value = held && typeof held.new === 'string' ? held.new : '';
    }
  }
  const editable = state.actions.has('save');
  for (const input of $('entry-form').querySelectorAll('input, select, textarea')) {
    input.disabled = !editable;
  }
  $('readonly-note').hidden = editable;
  $('preview-note').hidden = !state.preview;
  state.dirty = false;
}

function renderAttachments(app) {
  const files = app.attachments || [];
  const removable = state.actions.has('upload');
  const body = $('attachment-table').tBodies[0];
  body.replaceChildren(...files.map((f) => el('tr', {},
    el('td', {}, f.label || f.kind),
    el('td', {}, el('button', {
      type: 'button',
      class: 'link',
      title: '下载此附件',
      on: { click: () => downloadAttachment(f) },
    }, f.file_name)),
    el('td', {}, formatSize(f.size)),
    el('td', {}, formatTime(f.uploaded_at)),
    el('td', {}, el('button', {
      type: 'button',
      class: 'secondary',
      id: `remove-attachment-${f.id}`,
      'aria-label': `移除附件 ${f.file_name}`,
      disabled: !removable,
      on: { click: () => removeAttachment(f) },
    }, '移除')))));
  $('attachment-table').hidden = files.length === 0;
  $('attachments-empty').hidden = files.length > 0;
}

// The checklist that applies (attachment.rules), with what is uploaded.
function renderRules(app, rules) {
  const list = $('required-kinds');
  const items = [];
  let note;
  if (rules.validity === 'long_term') {
    note = '本单位证书长期有效，只需录入信息、提交申请，无需上传附件（如有其他材料可选择上传）。';
  } else if (rules.required && rules.required.length) {
    note = '本单位证书有有效期，提交前须上传以下附件材料：';
    for (const k of rules.required) {
      const n = k.count || 0;
      items.push(el('li', { text: `${k.label}${n ? `（已上传${n}份）` : '（尚未上传）'}` }));
    }
  } else {
    note = app.business.key === 'change'
      ? '本单位证书有有效期：填写变更事项并暂存后，这里列出须上传的附件材料。'
      : '本申请无需上传附件材料。';
  }
  $('attachment-note').textContent = note;
  list.replaceChildren(...items);
}

function updateButtons() {
  const has = (a) => state.actions.has(a);
  const on = {
    'btn-save': has('save'),
    'btn-submit': has('submit'),
    'btn-upload': has('upload'),
    'btn-form': !!state.app && !state.preview,
    'btn-delete': has('delete'),
  };
  for (const id of BUTTONS) $(id).disabled = state.busy || !on[id];
}

// The address names the case shown, so that a reload shows it again.
function remember(app) {
  const want = app ? `?id=${app.id}` : '';
  if (location.search !== want) history.replaceState(null, '', `${location.pathname}${want}`);
  if (app) sessionStorage.removeItem('fuma.business');
}

async function render(app) {
  state.app = app;
  state.preview = null;
  state.actions = new Set(app ? (app.actions || []).map((a) => a.action) : []);
  $('no-application').hidden = !!app;
  $('entry-content').hidden = !app;
  $('preview-note').hidden = true;
  if (!app) {
    $('progress-status').textContent = '—';
    $('progress-steps').replaceChildren();
    $('latest-reply').textContent = '暂无回复信息';
    $('latest-meta').hidden = true;
    renderOutcome(null);
    updateButtons();
    return;
  }
  remember(app);
  state.business = app.business.key;
  $('entry-business').textContent = `${app.business.label || BUSINESS_LABELS[app.business.key] || ''}（申请编号${app.id}）`;
  $('unit-name').textContent = app.unit ? app.unit.name : '';
  $('unit-uscc').textContent = app.unit ? app.unit.uscc : '';
  $('cert-serial').textContent = app.certificate ? app.certificate.serial : '无';
  $('cert-validity').textContent = validityText(app.certificate) || '无';
  renderProgress(app);
  renderFields(app);
  renderAttachments(app);
  updateButtons();
  try {
    renderRules(app, await read('attachment.rules', { id: app.id }));
  } catch (err) {
    if (!sessionLost(err)) $('attachment-note').textContent = `附件清单暂时无法加载：${err.message}`;
  }
}

// A business looked at before any case: its form, empty, with the unit's
// values as 变更前, and its checklist. The buttons that would create the
// case are on; the page says that looking creates nothing.
async function renderPreview(p) {
  const app = {
    business: p.business,
    status: p.initial_status,
    unit: p.unit,
    certificate: p.certificate,
    fields: {},
    attachments: [],
    actions: [{ action: 'save' }, { action: 'submit' }, { action: 'upload' }],
    progress: p.progress || [],
  };
  await render(null);
  state.preview = p;
  state.actions = new Set(['save', 'submit', 'upload']);
  state.business = p.business.key;
  $('no-application').hidden = true;
  $('entry-content').hidden = false;
  $('entry-business').textContent = `${p.business.label}（尚未创建申请）`;
  $('unit-name').textContent = p.unit.name;
  $('unit-uscc').textContent = p.unit.uscc;
  $('cert-serial').textContent = p.certificate ? p.certificate.serial : '无';
  $('cert-validity').textContent = validityText(p.certificate) || '无';
  renderProgress(app);
  $('progress-status').textContent = `${p.initial_status.label}（尚未暂存）`;
  renderFields(app);
  renderAttachments(app);
  updateButtons();
  try {
    renderRules(app, await read('attachment.rules', { business: p.business.key }));
  } catch (err) {
    if (!sessionLost(err)) $('attachment-note').textContent = `附件清单暂时无法加载：${err.message}`;
  }
}

function renderHistory(applications) {
  const list = $('history-list');
  list.replaceChildren(...applications.map((a) => {
    const name = a.business ? a.business.label : '申请';
    const status = a.deleted ? '已删除' : a.status ? a.status.label : '';
    return el('li', {},
      el('div', { class: 'app-head' }, `${name}（申请编号${a.id}）`, status ? ` · ${status}` : ''),
      el('ol', {}, (a.events || []).map((e) => el('li', {},
        el('span', { class: 'time' }, formatTime(e.at)), ' ',
        ACTION_LABELS[e.action] || e.action,
        e.to ? ` → ${e.to.label}` : '',
        e.reply ? el('div', { class: 'reply' }, `回复信息：${e.reply}`) : null))));
  }));
  $('history-empty').hidden = applications.length > 0;
}

async function loadHistory() {
  const r = await read('unit.history');
  const applications = r.applications || [];
  renderHistory(applications);
  return applications;
}

async function refreshHistory() {
  try {
    await loadHistory();
  } catch (err) {
    sessionLost(err);
  }
}

// ---- the buttons ------------------------------------------------------------------

function collectFields() {
  const reason = $('reason').value.trim();
  if (state.business !== 'change') return { reason };
  const items = [];
  const order = [];
  for (const item of ITEMS) {
    const value = newValue(item);
    if (value === '') continue;
    items.push({ item, new: value });
    order.push(item);
  }
  state.itemsOrder = order;
  const fields = { items };
  if (reason) fields.reason = reason;
  return fields;
}

function mapField(field) {
  const m = /^items\[(\d+)\](?:\.(?:new|item))?$/.exec(field || '');
  if (m) {
    const item = state.itemsOrder[Number(m[1])];
    return item ? `item-${item}` : 'items';
  }
  return field;
}

function fail(err) {
  if (sessionLost(err)) return;
  showError(err, {
    scope: $('entry'),
    bannerEl: $('page-banner'),
    mapField,
    summary: err.message,
  });
  if (err instanceof ApiError && err.code === 'CONFLICT') reloadKeepingInput();
}

// After a CONFLICT (the case moved on elsewhere): show the application as it
// stands, keeping what was typed if it may still be edited.
async function reloadKeepingInput() {
  if (!state.app || state.preview) return;
  const inputs = [...$('entry-form').querySelectorAll('input, select, textarea')];
  const typed = inputs.map((i) => [i, i.type === 'checkbox' ? i.checked : i.value]);
  const wasDirty = state.dirty;
  await reload();
  if (!state.actions.has('save') || !wasDirty) return;
  for (const [input, value] of typed) {
    if (input.type === 'checkbox') input.checked = value;
    else input.value = value;
  }
  state.dirty = true;
}

// Runs one button's work with every button off meanwhile.
async function run(work) {
  if (state.busy) return;
  // The buttons go off meanwhile, and a disabled button loses focus.
  const focused = document.activeElement;
  state.busy = true;
  banner($('page-banner'), '');
  updateButtons();
  try {
    await work();
  } catch (err) {
    fail(err);
  } finally {
    state.busy = false;
    updateButtons();
    keepFocus(focused);
  }
}

async function reload() {
  if (!state.app || state.preview) return;
  try {
    const r = await read('application.view', { id: state.app.id });
    await render(r.application);
  } catch (err) {
    if (!sessionLost(err)) banner($('page-banner'), err.message, 'error');
  }
}

// The case itself, made from what is on the screen when the unit first
// saves, submits or uploads: one application.start, with the fields.
async function ensureCase() {
  if (!state.preview) return false;
  const r = await call('application.start', {
    business: state.preview.business.key,
    fields: collectFields(),
  });
  await render(r.application);
  await refreshHistory();
  return true;
}

async function saveDraft() {
  if (await ensureCase()) return;
  const r = await call('application.save', {
    id: state.app.id,
    fields: collectFields(),
    version: state.app.version,
  });
  await render(r.application);
}

function onSave() {
  return run(async () => {
    clearErrors($('entry'));
    await saveDraft();
    banner($('page-banner'), '申请信息已暂存', 'success');
  });
}

function onSubmit() {
  return run(async () => {
    clearErrors($('entry'));
    // 提交 sends what is on the screen: 暂存 first, then submit that.
    if (state.actions.has('save')) await saveDraft();
    const r = await call('application.submit', { id: state.app.id, version: state.app.version });
    await render(r.application);
    banner($('page-banner'), '申请已提交，请留意“最新信息”和“办理进度”', 'success');
    await refreshHistory();
  });
}

function onDownloadForm() {
  return run(async () => {
    const name = await download('application.form', { id: state.app.id },
      { fallbackName: '申请表.pdf' });
    banner($('page-banner'), `已下载表格：${name}`, 'success');
  });
}

function onDelete() {
  if (!state.app) return undefined;
  const ok = window.confirm('删除后，本次申报的信息和附件材料将全部被删除，不能恢复。确定删除申报材料吗？');
  if (!ok) return undefined;
  return run(async () => {
    await call('application.delete', { id: state.app.id, version: state.app.version });
    await render(null);
    remember(null);
    banner($('page-banner'), '本次申报材料已删除', 'success');
    await refreshHistory();
  });
}

async function downloadAttachment(f) {
  try {
    await download('attachment.get', { id: state.app.id, attachment: f.id },
      { fallbackName: f.file_name });
  } catch (err) {
    fail(err);
  }
}

function removeAttachment(f) {
  return run(async () => {
    const r = await call('attachment.remove', {
      id: state.app.id, attachment: f.id, version: state.app.version,
    });
    await render(r.application);
    banner($('page-banner'), `已移除附件：${f.file_name}`, 'success');
  });
}

// ---- 上传附件 ----------------------------------------------------------------------------

let uploadRules = null;

function typesText(types) {
  const names = { pdf: 'PDF', jpeg: 'JPG', png: 'PNG' };
  return (types || []).map((t) => names[t] || t.toUpperCase()).join('、');
}

function showKindHint() {
  const kind = uploadRules && uploadRules.allowed.find((k) => k.key === $('upload-kind').value);
  $('upload-kind-hint').textContent = kind
    ? `可上传${typesText(kind.types)}格式，最多${kind.max_count}份，已上传${kind.count || 0}份。`
    : '';
}

function onUpload() {
  return run(async () => {
    clearErrors($('entry'));
    // The checklist follows the items held: hold what is on the screen first
    // (the first upload creates the case).
    if (state.preview || (state.dirty && state.actions.has('save'))) await saveDraft();
    uploadRules = await read('attachment.rules', { id: state.app.id });
    const select = $('upload-kind');
    select.replaceChildren(...uploadRules.allowed.map((k) => el('option', {
      value: k.key,
      disabled: (k.count || 0) >= k.max_count,
    }, `${k.label}${k.required ? '（必传）' : ''}`)));
    const next = uploadRules.allowed.find((k) => k.required && !(k.count > 0))
      || uploadRules.allowed.find((k) => (k.count || 0) < k.max_count);
    if (next) select.value = next.key;
    showKindHint();
    const limits = uploadRules.limits || {};
    $('upload-limits').textContent = limits.max_file_bytes
      ? `支持PDF、JPG、PNG格式，单个文件不超过${formatSize(limits.max_file_bytes)}，全部附件合计不超过${formatSize(limits.max_application_bytes)}。`
      : '支持PDF、JPG、PNG格式的文件。';
    $('upload-file').value = '';
    clearErrors($('upload-form'));
    banner($('upload-banner'), '');
    openDialog($('upload-dialog'), $('btn-upload'));
  });
}

async function confirmUpload(event) {
  event.preventDefault();
  const form = $('upload-form');
  clearErrors(form);
  banner($('upload-banner'), '');
  const kind = $('upload-kind').value;
  const file = $('upload-file').files[0];
  let missing = false;
  if (!kind) missing = fieldError(form, 'kind', '请选择材料类型');
  if (!file) missing = fieldError(form, 'file', '请选择要上传的文件') || missing;
  if (missing) return;
  const button = $('upload-submit');
  button.disabled = true;
  try {
    const r = await upload('attachment.upload', {
      id: state.app.id, kind, file_name: file.name, version: state.app.version,
    }, file);
    $('upload-dialog').close();
    await render(r.application);
    banner($('page-banner'), `附件已上传：${file.name}`, 'success');
  } catch (err) {
    if (sessionLost(err)) return;
    showError(err, {
      scope: form,
      bannerEl: $('upload-banner'),
      // The file's content, size or count: say so next to the file.
      fieldForCode: { INVALID_ARGUMENT: 'file', PAYLOAD_TOO_LARGE: 'file', UNSUPPORTED_MEDIA_TYPE: 'file' },
    });
    if (err.code === 'CONFLICT') reloadKeepingInput();
  } finally {
    button.disabled = false;
    keepFocus(button);
  }
}

// ---- start --------------------------------------------------------------------------

// The case the address names, else the unit's open application (at most
// one); null when there is neither (the business clicked is then only
// looked at: nothing is created).
async function findCase(applications) {
  const named = Number(params.get('id'));
  if (named > 0 && applications.some((a) => a.id === named && !a.deleted)) {
    return (await read('application.view', { id: named })).application;
  }
  const open = applications.find((a) => a.open && !a.deleted);
  if (open) {
    if (state.business && open.business && open.business.key !== state.business
      && BUSINESS_LABELS[state.business]) {
      banner($('page-banner'),
        `本单位已有未办结的${open.business.label}，以下为该申请。如需${BUSINESS_LABELS[state.business]}，请待该申请办结或删除申报材料后再申请。`,
        'warning');
    }
    return (await read('application.view', { id: open.id })).application;
  }
  return null;
}

async function start() {
  $('btn-save').addEventListener('click', onSave);
  $('btn-submit').addEventListener('click', onSubmit);
  $('btn-upload').addEventListener('click', onUpload);
  $('btn-form').addEventListener('click', onDownloadForm);
  $('btn-delete').addEventListener('click', onDelete);
  $('entry-form').addEventListener('input', () => { state.dirty = true; });
  $('entry-form').addEventListener('submit', (e) => e.preventDefault());
  $('upload-form').addEventListener('submit', confirmUpload);
  $('upload-kind').addEventListener('change', showKindHint);
  $('upload-cancel').addEventListener('click', () => $('upload-dialog').close());
  $('upload-close').addEventListener('click', () => $('upload-dialog').close());
  $('logout').addEventListener('click', async () => {
    try {
      await call('session.logout');
    } catch {
      // Ended already.
    }
    sessionStorage.removeItem('fuma.business');
    flash('已退出登录');
    location.href = '/unit.html';
  });
  updateButtons();
  site();

  let session;
  try {
    session = (await read('session.get')).session;
  } catch (err) {
    toLogin(err.message === '请先登录' || err.code === 'SESSION_EXPIRED' ? err.message : '请先登录');
    return;
  }
  if (!session.committed) {
    toLogin('请先阅读并同意登录承诺');
    return;
  }
  $('who').textContent = session.unit ? `当前单位：${session.unit.name}` : '';

  const message = flash();
  if (message) banner($('page-banner'), message, 'info');
  try {
    const app = await findCase(await loadHistory());
    if (app) await render(app);
    else if (state.business && !params.get('id')) await renderPreview(await read('application.preview', { business: state.business }));
    else await render(null);
  } catch (err) {
    await render(null);
    fail(err);
  }
}

start();
