// SPDX-License-Identifier: Apache-2.0
// The pages' one way to the host: engine commands over HTTP (see the host's
// API: POST /api/{command}, POST /api/staff/{command}, GET ?args= for reads),
// the CSRF double-submit token, downloads, and showing errors where they
// belong. No framework; every page imports what it needs from here.
'use strict';

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || '操作失败');
    this.status = status;
    this.code = error.code || 'UNKNOWN';
    this.detail = error.detail || '';
    this.problems = Array.isArray(error.problems) ? error.problems : [];
  }
}

// ---- CSRF ---------------------------------------------------------------------

let csrfToken = null;

function csrfCookie() {
  const m = /(?:^|;\s*)fuma_csrf=([^;]*)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]) : null;
}

async function freshCsrf() {
  const res = await send('/api/csrf', { method: 'GET', credentials: 'same-origin' });
  const body = await readJson(res);
  csrfToken = body.csrf;
  return csrfToken;
}

async function csrf() {
  return csrfCookie() || csrfToken || freshCsrf();
}

// A login answers with a new token; remember it in case the cookie is not
// readable from script.
export function rememberCsrf(result) {
  if (result && typeof result.csrf === 'string') csrfToken = result.csrf;
}

// ---- requests -----------------------------------------------------------------

function base(staff) {
  return staff ? '/api/staff/' : '/api/';
}

async function send(url, init) {
  try {
    return await fetch(url, init);
  } catch {
    throw new ApiError(0, { code: 'NETWORK', message: '无法连接服务器，请检查网络后重试' });
  }
}

function isJson(res) {
  return (res.headers.get('Content-Type') || '').includes('application/json');
}

async function readJson(res) {
  if (!isJson(res)) {
    throw new ApiError(res.status, {
      code: `HTTP_${res.status}`,
      message: `服务暂时不可用（HTTP ${res.status}），请稍后再试`,
    });
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(res.status, { code: 'BAD_RESPONSE', message: '服务器返回的数据无法识别' });
  }
  if (!res.ok || !body || body.ok === false) {
    throw new ApiError(res.status, (body && body.error) || {
      code: `HTTP_${res.status}`,
      message: `操作失败（HTTP ${res.status}）`,
    });
  }
  return body;
}

// A POST with the CSRF header; one retry with a fresh token if the host
// says the token was wrong (an expired or rotated cookie).
async function post(url, makeInit) {
  for (let attempt = 0; ; attempt += 1) {
    const init = makeInit();
    init.method = 'POST';
    init.credentials = 'same-origin';
    init.headers = Object.assign({}, init.headers, { 'X-CSRF-Token': await csrf() });
    const res = await send(url, init);
    if (res.status === 403 && attempt === 0 && isJson(res)) {
      const body = await res.clone().json().catch(() => null);
      if (body && body.error && body.error.code === 'CSRF_FAILED') {
        csrfToken = null;
        await freshCsrf();
        continue;
      }
    }
    return res;
  }
}

function jsonInit(args) {
  return () => ({
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(args || {}),
  });
}

// POST /api/{command} (or /api/staff/{command}) with JSON args.
export async function call(command, args = {}, { staff = false } = {}) {
  const res = await post(base(staff) + command, jsonInit(args));
  const body = await readJson(res);
  rememberCsrf(body);
  return body;
}

export function readUrl(command, args = {}, { staff = false } = {}) {
  return `${base(staff)}${command}?args=${encodeURIComponent(JSON.stringify(args))}`;
}

// GET /api/{command}?args= for read-only commands; if the host does not
// take this command by GET (405), the same command by POST.
export async function read(command, args = {}, { staff = false } = {}) {
  const res = await send(readUrl(command, args, { staff }), {
    method: 'GET',
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  });
  if (res.status === 405) return call(command, args, { staff });
  return readJson(res);
}

// A command that takes bytes: multipart with the parts `args` and `file`.
// `format` 'json' asks for a binary result as data_base64.
export async function upload(command, args, file, { staff = false, format = null } = {}) {
  const url = base(staff) + command + (format ? `?format=${format}` : '');
  const res = await post(url, () => {
    const form = new FormData();
    form.append('args', JSON.stringify(args || {}));
    if (file) form.append('file', file, file.name || 'file');
    return { body: form };
  });
  const body = await readJson(res);
  rememberCsrf(body);
  return body;
}

// A command that answers with bytes, asked for as JSON with data_base64
// (captchas, issued credentials).
export async function callBinary(command, args = {}, { staff = false } = {}) {
  const res = await post(`${base(staff)}${command}?format=json`, jsonInit(args));
  return readJson(res);
}

// GET /api/content and GET /api/site and other plain JSON resources.
export async function getJson(path) {
  const res = await send(path, {
    method: 'GET',
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  });
  return readJson(res);
}

// ---- downloads ----------------------------------------------------------------

export function fileNameFrom(disposition, fallback) {
  const cd = disposition || '';
  let m = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(cd);
  if (m) {
    try {
      return decodeURIComponent(m[2].trim().replace(/^"|"$/g, ''));
    } catch {
      // fall through to the plain filename
    }
  }
  m = /filename\s*=\s*"([^"]*)"/i.exec(cd) || /filename\s*=\s*([^;]+)/i.exec(cd);
  return m ? m[1].trim() : fallback;
}

export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

export function base64Bytes(b64) {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export function dataUrl(result) {
  return `data:${result.content_type || result.media_type || 'image/png'};base64,${result.data_base64}`;
}

// Saves the bytes of a result asked for with ?format=json.
export function saveResult(result, fallbackName) {
  const type = result.content_type || result.media_type || 'application/octet-stream';
  saveBlob(new Blob([base64Bytes(result.data_base64)], { type }), result.file_name || fallbackName);
}

// Downloads what a read-only command answers (a PDF, a picture, an
// attachment) under the file name the host gives; an error comes back as
// an ApiError to show on the page instead of a page of JSON.
export async function download(command, args, { staff = false, fallbackName = '下载文件' } = {}) {
  const res = await send(readUrl(command, args, { staff }), {
    method: 'GET',
    credentials: 'same-origin',
  });
  if (res.status === 405) {
    const result = await callBinary(command, args, { staff });
    saveResult(result, fallbackName);
    return result.file_name || fallbackName;
  }
  if (!res.ok || isJson(res)) {
    // An error, or a host that answered JSON with the bytes inside.
    const body = await readJson(res);
    if (body.data_base64) {
      saveResult(body, fallbackName);
      return body.file_name || fallbackName;
    }
    throw new ApiError(res.status, { code: 'BAD_RESPONSE', message: '下载失败：没有收到文件' });
  }
  const name = fileNameFrom(res.headers.get('Content-Disposition'), fallbackName);
  saveBlob(await res.blob(), name);
  return name;
}

// ---- showing results and errors -------------------------------------------------

// Screen readers hear a change in a live region only if the region was
// there before it changed: one polite region (role=status) is made when the
// page loads, and one in each dialog, since a modal dialog leaves the rest
// of the page inert and unheard.
const LIVE_CLASS = 'live-status';

function makeLiveRegions() {
  for (const host of [document.body, ...document.querySelectorAll('dialog')]) {
    if ([...host.children].some((c) => c.classList.contains(LIVE_CLASS))) continue;
    const region = document.createElement('div');
    region.className = `${LIVE_CLASS} visually-hidden`;
    region.setAttribute('role', 'status');
    host.append(region);
  }
}

if (typeof document !== 'undefined' && document.body) makeLiveRegions();

// Says `message` politely through the live region of the open modal
// dialog, or of the page.
export function announce(message) {
  // Emptied first, so that the same message twice is heard twice; the
  // region chosen a moment later, once a dialog the message opens with is
  // open.
  for (const region of document.querySelectorAll(`.${LIVE_CLASS}`)) region.textContent = '';
  if (!message) return;
  setTimeout(() => {
    const host = document.querySelector('dialog:modal') || document.body;
    const region = [...host.children].find((c) => c.classList.contains(LIVE_CLASS));
    if (region) region.textContent = message;
  }, 50);
}

// A banner: an error is an alert (heard at once); other news is said
// through the live region (role=status).
export function banner(el, message, kind = 'info') {
  if (!el) return;
  el.textContent = message || '';
  el.className = `banner banner-${kind}`;
  if (kind === 'error') {
    el.setAttribute('role', 'alert');
  } else {
    el.removeAttribute('role');
    if (message) announce(message);
  }
  el.hidden = !message;
}

export function clearErrors(scope) {
  if (!scope) return;
  for (const p of scope.querySelectorAll('.field-error')) p.remove();
  for (const el of scope.querySelectorAll('[aria-invalid="true"]')) {
    el.removeAttribute('aria-invalid');
  }
}

// Puts `message` next to the element marked data-field="<field>" in
// `scope`; false when there is none.
export function fieldError(scope, field, message) {
  if (!scope || !field) return false;
  const target = scope.querySelector(`[data-field="${CSS.escape(field)}"]`);
  if (!target) return false;
  const wrap = target.closest('.field') || target.parentElement;
  let p = [...wrap.children].find((c) => c.classList.contains('field-error'));
  if (!p) {
    p = document.createElement('p');
    p.className = 'field-error';
    p.id = `err-${Math.random().toString(36).slice(2, 10)}`;
    // Announced as it appears; the field names it (aria-describedby).
    p.setAttribute('role', 'alert');
    wrap.append(p);
  }
  p.textContent = p.textContent ? `${p.textContent}；${message}` : message;
  const input = target.matches('input, select, textarea, button')
    ? target
    : target.querySelector('input, select, textarea');
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    const ids = new Set((input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean));
    ids.add(p.id);
    input.setAttribute('aria-describedby', [...ids].join(' '));
  }
  return true;
}

// Shows an error: each problem next to its field (mapField translates the
// engine's field name, e.g. "items[0].new", to a data-field of the page;
// fieldForCode names the field an error code belongs to), the rest in the
// banner. When everything found its field, the banner shows `summary` (or
// is cleared). Returns true if anything went next to a field.
export function showError(err, { scope = document, bannerEl = null, mapField = (f) => f,
  fieldForCode = {}, summary = '' } = {}) {
  clearErrors(scope);
  const message = (err && err.message) || '操作失败';
  const problems = err instanceof ApiError ? err.problems : [];
  let placed = false;
  const rest = [];
  for (const p of problems) {
    if (fieldError(scope, mapField(p.field, p), p.message)) placed = true;
    else rest.push(p.message);
  }
  if (!problems.length) {
    const field = err instanceof ApiError ? fieldForCode[err.code] : null;
    if (field && fieldError(scope, field, message)) placed = true;
    else rest.push(message);
  }
  if (bannerEl) {
    if (rest.length) banner(bannerEl, rest.join('；'), 'error');
    else banner(bannerEl, summary, 'error');
  }
  return placed;
}

// ---- scrolling frames -----------------------------------------------------------------

// A box that scrolls its content (a table wider than its frame on a phone,
// a dialog's text or 历史信息 longer than their box, text enlarged) takes
// focus, so that the keyboard can scroll it too (WCAG 2.1.1), and says what
// it is; one that fits does not, and adds no stop to Tab. Checked as pages
// change and windows resize.
const SCROLL_FRAMES = '.table-wrap, dialog .dialog-body, .history';
const FRAME_NOTE = '（可滚动）';

// What the frame holds: its dialog's title, or the heading (or legend)
// just before it or before a box it is in.
function frameName(frame) {
  const dialog = frame.matches('.dialog-body') && frame.closest('dialog');
  if (dialog) {
    const title = dialog.querySelector('h2');
    return title ? title.textContent.trim() : '';
  }
  const what = frame.querySelector('table') ? '表格' : '';
  for (let n = frame; n && n !== document.body; n = n.parentElement) {
    for (let s = n.previousElementSibling; s; s = s.previousElementSibling) {
      if (/^(H[1-6]|LEGEND)$/.test(s.tagName)) return `${s.textContent.trim()}${what}`;
    }
  }
  return what;
}

function frameScrolls() {
  for (const frame of document.querySelectorAll(SCROLL_FRAMES)) {
    const scrolls = frame.scrollWidth > frame.clientWidth + 1 || frame.scrollHeight > frame.clientHeight + 1;
    const ours = (frame.getAttribute('aria-label') || '').endsWith(FRAME_NOTE);
    if (scrolls && (ours || !frame.hasAttribute('tabindex'))) {
      frame.setAttribute('tabindex', '0');
      frame.setAttribute('role', 'region');
      frame.setAttribute('aria-label', `${frameName(frame)}${FRAME_NOTE}`);
    } else if (!scrolls && ours) {
      frame.removeAttribute('tabindex');
      frame.removeAttribute('role');
      frame.removeAttribute('aria-label');
    }
  }
}

let framePending = false;
function frameScrollsSoon() {
  if (framePending) return;
  framePending = true;
  requestAnimationFrame(() => {
    framePending = false;
    frameScrolls();
  });
}

if (typeof window !== 'undefined' && typeof MutationObserver !== 'undefined') {
  window.addEventListener('resize', frameScrollsSoon);
  new MutationObserver(frameScrollsSoon).observe(document.documentElement, {
    childList: true,
    subtree: true,
    characterData: true,
    attributes: true,
    attributeFilter: ['hidden', 'class', 'open'],
  });
  frameScrollsSoon();
}

// ---- small helpers ------------------------------------------------------------------

// el('td', {class: 'x', text: '...'}, child, ...)
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// Text with blank-line paragraphs, never HTML.
export function paragraphs(text) {
  return String(text || '')
    .split(/\n\s*\n/)
    .filter((p) => p.trim())
    .map((p) => el('p', { text: p.trim() }));
}

export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString('zh-CN', {
    timeZone: 'Asia/Shanghai', hour12: false, year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit',
  });
}

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function today() {
  // The date in China, as the engine counts it.
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  }).format(new Date());
  return parts;
}

// A message for the next page (sessionStorage, one read).
export function flash(message) {
  if (message === undefined) {
    const m = sessionStorage.getItem('fuma.flash');
    sessionStorage.removeItem('fuma.flash');
    return m;
  }
  sessionStorage.setItem('fuma.flash', message);
  return message;
}

// GET /api/site once per page; fills every [data-site-title].
let sitePromise = null;
export function site() {
  if (!sitePromise) {
    sitePromise = getJson('/api/site').catch(() => ({}));
    sitePromise.then((s) => {
      if (!s.title) return;
      for (const node of document.querySelectorAll('[data-site-title]')) node.textContent = s.title;
      const page = document.body.dataset.page;
      document.title = page ? `${page} - ${s.title}` : s.title;
    });
  }
  return sitePromise;
}

// Disables a button while `work` runs, so a double click does one thing;
// for buttons whose enabled state nothing else decides (it ends enabled).
// The browser drops the focus of a button it disables: a keyboard user's
// focus comes back to it.
export async function busy(button, work) {
  const focused = button && document.activeElement === button;
  if (button) button.disabled = true;
  try {
    return await work();
  } finally {
    if (button) button.disabled = false;
    if (focused) keepFocus(button);
  }
}

// Focus back on `control` if the page lost it (it went to the body while
// `control` was disabled); never taken from where it has gone since.
export function keepFocus(control) {
  const lost = !document.activeElement || document.activeElement === document.body;
  if (lost && control && control.isConnected && !control.disabled) control.focus();
}

// Opens `dialog` as a modal (focus inside, the page behind inert, Esc
// closes it) and, when it closes, gives focus back to `opener`, by default
// the control that has focus now. The browser restores focus only to a
// control that still had it when the dialog opened: a button disabled while
// the dialog's content loaded had lost it.
export function openDialog(dialog, opener = document.activeElement) {
  if (dialog.open) return;
  dialog.showModal();
  const back = opener && opener !== document.body ? opener : null;
  dialog.addEventListener('close', () => {
    // A dialog opened from this one's answer keeps its focus.
    if (document.querySelector('dialog:modal')) return;
    if (back && back.isConnected && !back.disabled) back.focus();
  }, { once: true });
}
