// SPDX-License-Identifier: Apache-2.0
// 服务指南: what one cell of the grid says (受理范围及条件, 办理流程, 申请材料,
// 表格下载, 联系电话及其他), all of it from guide.get: the locality's words,
// the checklist's materials, the workflow's forms and steps, the locality's
// contact details. This file only lays them out.
'use strict';

import { el, readUrl } from './api.js';

// The blank form of a business (form.blank), or a form by its key: a plain
// link, so that it downloads without logging in and without script.
export function blankFormUrl(args) {
  return readUrl('form.blank', args);
}

function materialText(m) {
  const label = m.items_label ? `${m.label}（变更${m.items_label}时）` : m.label;
  return label;
}

function materials(g) {
  const nodes = [];
  if (g.materials_note) nodes.push(el('p', { text: g.materials_note }));
  const list = g.materials || [];
  const onSite = list.filter((m) => m.when === 'on_site');
  const fixedTerm = list.filter((m) => m.when === 'fixed_term');
  const optional = list.filter((m) => m.when === 'optional');
  if (onSite.length) {
    nodes.push(el('ul', { class: 'guide-materials', dataset: { when: 'on_site' } },
      onSite.map((m) => el('li', { text: materialText(m) }))));
  }
  if (fixedTerm.length) {
    nodes.push(el('p', { class: 'guide-subhead', text: '证书有有效期的单位须上传：' }));
    nodes.push(el('ul', { class: 'guide-materials', dataset: { when: 'fixed_term' } },
      fixedTerm.map((m) => el('li', { text: materialText(m) }))));
  }
  if (optional.length) {
    nodes.push(el('p', { class: 'guide-subhead', text: '可选择上传：' }));
    nodes.push(el('ul', { class: 'guide-materials', dataset: { when: 'optional' } },
      optional.map((m) => el('li', { text: materialText(m) }))));
  }
  return nodes;
}

function forms(g) {
  const nodes = [];
  const title = g.form && g.form.title ? `《${g.form.title}》` : '申请表';
  nodes.push(el('p', {},
    el('a', {
      id: `guide-blank-${g.business}`,
      href: blankFormUrl({ business: g.business }),
      download: '',
    }, `${title}（空白表格）`)));
  nodes.push(el('p', {
    class: 'hint',
    text: g.online
      ? '空白表格供了解填写内容。申请经赋码机关复核通过后，在“申请信息录入”页面点击“下载表格”下载已填好的表格，签字盖章后面交或邮寄至赋码机关（或相应的政务服务窗口单位）；只有这份表格可用于办理。'
      : '下载空白表格填写，签字盖章后，连同申请材料带到登记管理机关（或相应的政务服务窗口单位）现场办理。',
  }));
  if (g.online) {
    nodes.push(el('p', {},
      el('a', {
        id: `guide-request-form-${g.business}`,
        href: blankFormUrl({ form: 'credential_request' }),
        download: '',
      }, '《登录二维码图片申领表》')));
    nodes.push(el('p', {
      class: 'hint',
      text: '尚未领取或遗失登录二维码图片的单位，填写申领表并加盖本单位公章后，面交或邮寄本级登记管理机关（或相应的政务服务窗口单位），领取后即可登录在线办理。',
    }));
  }
  return nodes;
}

function contact(g, locality) {
  const l = locality || {};
  const rows = [];
  const add = (label, value) => {
    if (value) rows.push(el('dt', { text: label }), el('dd', { text: value }));
  };
  add('办理机关', l.office);
  add('办理地点', l.window_address);
  add('办公时间', l.office_hours);
  add('咨询电话', (l.telephone || []).join('、'));
  if (l.postal_address) {
    const parts = [l.postal_address];
    if (l.postal_recipient) parts.push(`收件人：${l.postal_recipient}`);
    if (l.postal_code) parts.push(`邮政编码：${l.postal_code}`);
    add('邮寄地址', parts.join('，'));
  }
  add('其他', l.note);
  const nodes = [];
  // Without any detail, the engine's text says where to ask.
  if (rows.length) nodes.push(el('dl', { class: 'guide-contact' }, rows));
  else nodes.push(el('p', { text: g.contact || '请咨询本级登记管理机关。' }));
  if (g.notes) nodes.push(el('p', { text: g.notes }));
  return nodes;
}

// The content of one cell: `g` a guide.get entry, `locality` guide.get's
// locality.
export function guideContent(g, aspect, locality) {
  const { online } = g;
  const nodes = [];
  switch (aspect) {
    case 'scope':
      nodes.push(el('p', { text: g.scope || '暂无内容' }));
      if (!online) nodes.push(el('p', { class: 'hint', text: '需要现场办理' }));
      break;
    case 'process':
      if (online && g.process && g.process.length) {
        nodes.push(el('p', { text: '点击本页“用户登录”中的相应按钮，使用登录二维码图片登录并同意登录承诺后，录入申请信息、上传附件材料并提交。办理进度依次为：' }));
        nodes.push(el('ol', {}, g.process.map((s) => el('li', {
          text: s.time_limit_days ? `${s.label}（赋码机关办理时限${s.time_limit_days}个工作日）` : s.label,
        }))));
      } else {
        nodes.push(el('p', { text: '需要现场办理' }));
        if (g.notes) nodes.push(el('p', { text: g.notes }));
      }
      break;
    case 'materials':
      nodes.push(...materials(g));
      break;
    case 'form':
      nodes.push(...forms(g));
      break;
    case 'contact':
      nodes.push(...contact(g, locality));
      break;
    default:
      break;
  }
  return nodes;
}
