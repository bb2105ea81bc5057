// SPDX-License-Identifier: Apache-2.0
// 首页: the four columns (通知公告, 政策法规, 技术服务, 年度报告), 机关群团赋码信息查询
// (unit.lookup: the 机关 and 群团 units this platform registers) and the links to
// 事业单位法人信息查询 (the locality's registry of 事业单位, from guide.get's
// locality), 机关用户服务 and 事业单位用户服务.
'use strict';

import {
  banner, clearErrors, el, fieldError, getJson, keepFocus, openDialog, read, showError, site,
} from './api.js';

const $ = (id) => document.getElementById(id);

let columns = []; // [{key, label, items: [{id, title, date}]}]
let current = 'notices';

// ---- columns ----------------------------------------------------------------------

function tabs() {
  return [...document.querySelectorAll('#column-tabs [role="tab"]')];
}

function showColumn(key) {
  current = key;
  for (const t of tabs()) t.setAttribute('aria-selected', String(t.dataset.column === key));
  const tab = tabs().find((t) => t.dataset.column === key);
  $('column-title').textContent = tab ? tab.textContent : '';
  $('column-panel').setAttribute('aria-labelledby', tab ? tab.id : 'column-title');
  const column = columns.find((c) => c.key === key);
  const list = $('column-items');
  list.replaceChildren();
  const items = column ? column.items || [] : [];
  for (const item of items) {
    list.append(el('li', {},
      el('button', {
        type: 'button',
        class: 'item-title',
        on: { click: () => openItem(key, item) },
      }, item.title),
      el('span', { class: 'date' }, item.date || '')));
  }
  $('column-empty').hidden = items.length > 0 || !column;
}

async function loadColumns() {
  try {
    const body = await getJson('/api/content');
    columns = body.columns || [];
    // The host names the columns; keep the tabs in step with it.
    for (const c of columns) {
      const tab = tabs().find((t) => t.dataset.column === c.key);
      if (tab && c.label) tab.textContent = c.label;
    }
    banner($('content-banner'), '');
  } catch (err) {
    banner($('content-banner'), `栏目内容暂时无法加载：${err.message}`, 'error');
  }
  showColumn(current);
}

async function openItem(column, item) {
  const dialog = $('article-dialog');
  $('article-title').textContent = item.title;
  $('article-date').textContent = item.date || '';
  const body = $('article-body');
  body.replaceChildren(el('p', { class: 'empty', text: '正在加载……' }));
  openDialog(dialog);
  try {
    const res = await getJson(
      `/api/content/${encodeURIComponent(column)}/${encodeURIComponent(item.id)}`);
    const a = res.item || {};
    $('article-title').textContent = a.title || item.title;
    $('article-date').textContent = a.date || item.date || '';
    // The body is text: paragraphs by line, never HTML.
    const parts = String(a.body || '').split(/\n+/).filter((p) => p.trim());
    body.replaceChildren(...parts.map((p) => el('p', { text: p.trim() })));
    if (!parts.length) body.replaceChildren(el('p', { class: 'empty', text: '暂无正文' }));
  } catch (err) {
    body.replaceChildren(el('p', { class: 'field-error', text: err.message }));
  }
}

// ---- 机关群团赋码信息查询 ---------------------------------------------------------------

function validity(cert) {
  if (!cert) return '';
  if (cert.long_term) return '长期有效';
  return cert.valid_until ? `至${cert.valid_until}` : '';
}

function resultRow(u) {
  const cert = u.certificate;
  const certCell = el('td', {}, validity(cert));
  if (cert && cert.serial) {
    certCell.append(el('br'), el('a', {
      href: `/c/${encodeURIComponent(cert.serial)}`,
      text: '查看证书状态',
    }));
  }
  return el('tr', {},
    el('td', { class: 'mono' }, u.uscc),
    el('td', {}, u.name),
    el('td', {}, u.category || ''),
    el('td', {}, u.address || ''),
    el('td', {}, u.responsible_person || ''),
    el('td', {}, u.status_label || u.status || ''),
    certCell,
    el('td', {}, u.authority ? u.authority.name : ''));
}

async function lookup(event) {
  event.preventDefault();
  const form = $('lookup-form');
  clearErrors(form);
  const query = $('lookup-query').value.trim();
  const panel = $('lookup-results');
  const table = $('lookup-table');
  const bannerEl = $('lookup-banner');
  if (!query) {
    fieldError(form, 'query', '请输入统一社会信用代码或单位名称');
    $('lookup-query').focus();
    return;
  }
  const button = $('lookup-submit');
  button.disabled = true;
  try {
    const res = await read('unit.lookup', { query });
    const units = res.units || [];
    table.tBodies[0].replaceChildren(...units.map(resultRow));
    table.hidden = units.length === 0;
    $('lookup-truncated').hidden = !res.truncated;
    banner(bannerEl, units.length ? `共找到${units.length}个单位` : '未查询到相关单位，请核对后重新输入',
      units.length ? 'info' : 'warning');
  } catch (err) {
    table.hidden = true;
    $('lookup-truncated').hidden = true;
    if (!showError(err, { scope: form })) banner(bannerEl, err.message, 'error');
    else banner(bannerEl, '');
  } finally {
    button.disabled = false;
    keepFocus(button);
    panel.hidden = false;
  }
}

// ---- 事业单位法人信息查询 ---------------------------------------------------------------

// A link to the locality's registry of 事业单位 where its data names one;
// otherwise the entry stays shown as not available here.
async function institutionRegistry() {
  let url = null;
  try {
    const r = await read('guide.get');
    url = r.locality && r.locality.institution_registry_url;
  } catch {
    // Not known: the entry stays unavailable.
  }
  if (!url || !/^https?:\/\//.test(url)) return;
  const link = $('institution-registry-link');
  link.href = url;
  link.hidden = false;
  $('institution-registry-off').hidden = true;
  $('institution-registry-note').hidden = true;
}

// ---- start ------------------------------------------------------------------------

async function start() {
  for (const t of tabs()) t.addEventListener('click', () => showColumn(t.dataset.column));
  $('column-tabs').addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const list = tabs();
    const i = list.findIndex((t) => t.dataset.column === current);
    const next = list[(i + (e.key === 'ArrowRight' ? 1 : list.length - 1)) % list.length];
    showColumn(next.dataset.column);
    next.focus();
  });
  $('article-close').addEventListener('click', () => $('article-dialog').close());
  $('lookup-form').addEventListener('submit', lookup);

  institutionRegistry();
  const s = await site();
  const url = s.institution_service_url;
  if (url) {
    const link = $('institution-service-link');
    link.href = url;
    link.hidden = false;
    $('institution-service-off').hidden = true;
    $('institution-service-note').hidden = true;
  }
}

start();
loadColumns();
