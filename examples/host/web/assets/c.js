// SPDX-License-Identifier: Apache-2.0
// /c/{serial}: what a certificate's QR code leads to — whether the
// certificate stands, and for whom (certificate.status).
'use strict';

import { banner, read, site } from './api.js';

const $ = (id) => document.getElementById(id);

// The serial from /c/{serial}, or from ?serial= when the page is opened as
// c.html directly.
function serialFromLocation() {
  const m = /^\/c\/([^/]+)\/?$/.exec(location.pathname);
  if (m) {
    try {
      return decodeURIComponent(m[1]);
    } catch {
      return '';
    }
  }
  return new URLSearchParams(location.search).get('serial') || '';
}

async function start() {
  site();
  const serial = serialFromLocation();
  $('status-serial').textContent = serial;
  try {
    if (!serial) throw new Error('链接中没有证书编号');
    const r = await read('certificate.status', { serial });
    const label = $('status-label');
    label.textContent = r.status_label || r.status;
    label.classList.add(r.status === 'active' ? 'active' : 'inactive');
    $('status-name').textContent = r.name || '';
    $('status-uscc').textContent = r.uscc || '';
    $('status-serial').textContent = r.serial || serial;
    $('status-valid-until').textContent = r.valid_until || '长期有效';
    $('status-content').hidden = false;
  } catch (err) {
    banner($('status-banner'), err.message || '查询失败', 'error');
  } finally {
    $('status-loading').hidden = true;
  }
}

start();
