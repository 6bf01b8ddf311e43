// Runs assets/banner.js against a minimal fake DOM built from pages the Go
// test renders (parsed with golang.org/x/net/html and passed as JSON), then
// plays a scenario and prints what happened as JSON. Only the DOM surface
// banner.js uses is implemented; an unsupported selector throws.
'use strict';
const fs = require('fs');
const vm = require('vm');

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const log = { fetches: [], gtag: [], uet: [], clarity: [], events: [], nativeSubmits: [], reloads: 0, navigations: [] };

// ---- fake DOM ----
class Node {
  constructor() { this.parentNode = null; this.childNodes = []; this.listeners = {}; }
  appendChild(c) { if (c.parentNode) c.parentNode.removeChild(c); c.parentNode = this; this.childNodes.push(c); return c; }
  removeChild(c) { const i = this.childNodes.indexOf(c); if (i < 0) throw new Error('not a child'); this.childNodes.splice(i, 1); c.parentNode = null; return c; }
  insertBefore(c, ref) { if (c.parentNode) c.parentNode.removeChild(c); const i = this.childNodes.indexOf(ref); if (i < 0) throw new Error('ref not a child'); c.parentNode = this; this.childNodes.splice(i, 0, c); return c; }
  replaceChild(n, old) { const i = this.childNodes.indexOf(old); if (i < 0) throw new Error('not a child'); if (n.parentNode) n.parentNode.removeChild(n); this.childNodes[i] = n; n.parentNode = this; old.parentNode = null; return old; }
  contains(n) { for (; n; n = n.parentNode) if (n === this) return true; return false; }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  dispatchEvent(e) {
    if (!e.target) e.target = this;
    for (let n = this; n; n = e.bubbles === false ? null : n.parentNode) {
      e.currentTarget = n;
      (n.listeners[e.type] || []).slice().forEach(fn => fn.call(n, e));
    }
    return !e.defaultPrevented;
  }
  get elements() { const out = []; walk(this, n => { if (n instanceof Element) out.push(n); }); return out.filter(n => n !== this); }
  querySelectorAll(sel) { const m = compile(sel); return this.elements.filter(m); }
  querySelector(sel) { return this.querySelectorAll(sel)[0] || null; }
  get textContent() { let s = ''; walk(this, n => { if (n instanceof Text) s += n.data; }); return s; }
}
class Text extends Node { constructor(d) { super(); this.data = d; } }
class Element extends Node {
  constructor(tag, ns) { super(); this.tagName = tag.toUpperCase(); this.namespaceURI = ns || XHTML; this.attrs = []; this.nonce = ''; this.checked = false; this.async = true; }
  get attributes() { return this.attrs.map(([name, value]) => ({ name, value })); }
  getAttribute(k) { const a = this.attrs.find(a => a[0] === k); return a ? a[1] : null; }
  hasAttribute(k) { return this.attrs.some(a => a[0] === k); }
  setAttribute(k, v) { const a = this.attrs.find(a => a[0] === k); if (a) a[1] = String(v); else this.attrs.push([k, String(v)]); if (k === 'nonce') this.nonce = String(v); }
  // The attribute keeps its qualified name; its namespace is recorded.
  setAttributeNS(ns, k, v) { this.setAttribute(k, v); this.attrs.find(a => a[0] === k)[2] = ns; }
  removeAttribute(k) { this.attrs = this.attrs.filter(a => a[0] !== k); }
  get id() { return this.getAttribute('id') || ''; }
  get hidden() { return this.hasAttribute('hidden'); }
  set hidden(v) { if (v) this.setAttribute('hidden', ''); else this.removeAttribute('hidden'); }
  get disabled() { return this.hasAttribute('disabled'); }
  get name() { return this.getAttribute('name') || ''; }
  set name(v) { this.setAttribute('name', v); }
  get value() { return this.getAttribute('value') || ''; }
  set value(v) { this.setAttribute('value', v); }
  get type() { return this.getAttribute('type') || ''; }
  set type(v) { this.setAttribute('type', v); }
  get href() { return this.getAttribute('href'); }
  // SVG elements have no .text (HTMLScriptElement only).
  get text() { return this.namespaceURI === XHTML ? this.textContent : undefined; }
  set text(v) { this.textContent = v; }
  get textContent() { return super.textContent; }
  set textContent(v) { this.childNodes = []; this.appendChild(new Text(v)); }
  get content() { return this._content; }
  set innerHTML(html) {
    // Only for <template>: the Go test supplies the parsed tree of every
    // fragment the fake fetch can return.
    const tree = input.fragments[html];
    if (!tree) throw new Error('innerHTML: unknown fragment');
    this._content = new Node();
    tree.forEach(t => this._content.appendChild(build(t)));
  }
  closest(sel) { const m = compile(sel); for (let n = this; n instanceof Element; n = n.parentNode) if (m(n)) return n; return null; }
  focus() { doc.activeElement = this; }
  remove() { if (this.parentNode) this.parentNode.removeChild(this); }
}
const XHTML = 'http://www.w3.org/1999/xhtml';
const NS = { svg: 'http://www.w3.org/2000/svg', math: 'http://www.w3.org/1998/Math/MathML', xlink: 'http://www.w3.org/1999/xlink' };
function walk(n, fn) { fn(n); n.childNodes.forEach(c => walk(c, fn)); }

// Compound selectors only: tag, #id, [attr], [attr="v"], :checked, :not(:disabled).
function compile(sel) {
  const re = /^([a-z]+)?((?:#[\w-]+|\[[\w-]+(?:="[^"]*")?\]|:checked|:not\(:disabled\))*)$/;
  const m = re.exec(sel);
  if (!m) throw new Error('unsupported selector ' + sel);
  const tag = m[1] ? m[1].toUpperCase() : null;
  const parts = m[2].match(/#[\w-]+|\[[\w-]+(?:="[^"]*")?\]|:checked|:not\(:disabled\)/g) || [];
  return el => {
    if (tag && el.tagName !== tag) return false;
    return parts.every(p => {
      if (p[0] === '#') return el.getAttribute('id') === p.slice(1);
      if (p === ':checked') return el.checked;
      if (p === ':not(:disabled)') return !el.disabled;
      const a = /^\[([\w-]+)(?:="([^"]*)")?\]$/.exec(p);
      return a[2] === undefined ? el.hasAttribute(a[1]) : el.getAttribute(a[1]) === a[2];
    });
  };
}

function build(t) {
  if (t.text !== undefined) return new Text(t.text);
  const el = new Element(t.tag, NS[t.ns]);
  (t.attrs || []).forEach(([k, v, ns]) => ns ? el.setAttributeNS(NS[ns], ns + ':' + k, v) : el.setAttribute(k, v));
  if (el.tagName === 'INPUT' && el.hasAttribute('checked')) el.checked = true;
  (t.children || []).forEach(c => el.appendChild(build(c)));
  return el;
}

class Document extends Node {
  constructor() { super(); this.readyState = 'interactive'; this.body = new Element('body'); this.appendChild(this.body); this.activeElement = this.body; }
  getElementById(id) { return this.querySelector('#' + id); }
  createElement(tag) { return this.createElementNS(XHTML, tag); }
  createElementNS(ns, tag) { const e = new Element(tag, ns); e.created = true; return e; }
}
const doc = new Document();
input.body.forEach(t => doc.body.appendChild(build(t)));

class FakeFormData {
  constructor(form) {
    this.pairs = [];
    form.querySelectorAll('input').forEach(i => {
      if (!i.name || i.disabled) return;
      if (i.type === 'checkbox' && !i.checked) return;
      this.pairs.push([i.name, i.value]);
    });
  }
  [Symbol.iterator]() { return this.pairs[Symbol.iterator](); }
}
class HTMLFormElement {
  submit() { log.nativeSubmits.push(new FakeFormData(this).pairs); }
}
class Event {
  constructor(type, init) { this.type = type; this.bubbles = !!(init && init.bubbles); this.defaultPrevented = false; Object.assign(this, init); }
  preventDefault() { this.defaultPrevented = true; }
}

// ---- fetch ----
let responses = [];
function fetchFake(url, opts) {
  opts = opts || {};
  log.fetches.push({ url, method: opts.method || 'GET', headers: opts.headers || {}, credentials: opts.credentials, body: opts.body ? String(opts.body) : '' });
  const r = responses.shift();
  if (!r) return Promise.reject(new Error('no response queued'));
  if (r.networkError) return Promise.reject(new TypeError('Failed to fetch'));
  return Promise.resolve({ ok: r.status >= 200 && r.status < 300, status: r.status, json: async () => JSON.parse(r.body), text: async () => r.body });
}

const win = {
  document: doc, fetch: fetchFake, URLSearchParams, FormData: FakeFormData, HTMLFormElement, Set, Array, Object, JSON, String, Error, TypeError, Promise,
  CustomEvent: class extends Event { constructor(type, init) { super(type, init); this.detail = init && init.detail; } },
  location: { reload() { log.reloads++; }, set href(v) { log.navigations.push(v); }, get href() { return '/'; } },
};
win.window = win;
if (input.gtag) win.gtag = (...args) => log.gtag.push(args);
// Microsoft UET's queue and Clarity's stub, as the gateway's defaults in
// <head> leave them.
if (input.uet) win.uetq = { push: (...args) => log.uet.push(args) };
if (input.clarity) win.clarity = (...args) => log.clarity.push(args);
doc.addEventListener('consent:change', e => log.events.push(e.detail));
const ctx = vm.createContext(win);
vm.runInContext(fs.readFileSync(input.script, 'utf8'), ctx);
vm.runInContext(fs.readFileSync(input.script, 'utf8'), ctx); // a second copy must do nothing

// ---- scenario ----
const tick = () => new Promise(r => setImmediate(r));
function snapshot(label) {
  const el = id => doc.getElementById(id);
  log[label] = {
    banner: !!el('cg-consent'),
    controlHidden: el('cg-consent-settings') ? el('cg-consent-settings').hidden : null,
    active: doc.activeElement === doc.body ? 'body' : (doc.activeElement.id || doc.activeElement.tagName),
    closeVisible: !!(el('cg-consent') && el('cg-consent').querySelector('[data-cg-close]') && !el('cg-consent').querySelector('[data-cg-close]').hidden),
    scripts: doc.querySelectorAll('script').filter(s => s.hasAttribute('data-consent-category')).map(s => ({
      id: s.id, type: s.getAttribute('type'), text: s.text, src: s.getAttribute('src'), async: s.async, nonce: s.nonce,
      attrs: s.attributes.map(a => a.name).sort(),
    })),
    frames: doc.querySelectorAll('[data-consent-category]').filter(e => e.tagName !== 'SCRIPT').map(e => ({ id: e.id, src: e.getAttribute('src'), pending: e.getAttribute('data-consent-src') })),
    // Every element with an id outside the banner: its attributes as
    // [name, value, namespace] (namespace "" when none).
    elements: Object.fromEntries(doc.body.elements.filter(e => e.id && !(el('cg-consent') && el('cg-consent').contains(e))).map(e => [e.id, {
      ns: e.namespaceURI, text: e.textContent, created: !!e.created, attrs: e.attrs.map(([k, v, ns]) => [k, v, ns || '']),
    }])),
    order: doc.body.childNodes.filter(n => n instanceof Element).map(n => n.id || n.tagName),
  };
}

(async () => {
  for (const step of input.steps) {
    if (step.respond) responses.push(step.respond);
    if (step.check) step.check.forEach(v => { doc.querySelector('input[name="category"][value="' + v + '"]').checked = true; });
    if (step.uncheck) step.uncheck.forEach(v => { doc.querySelector('input[name="category"][value="' + v + '"]').checked = false; });
    if (step.submit !== undefined) {
      const form = doc.getElementById('cg-consent').querySelector('form');
      const btn = form.querySelector('button[name="choice"][value="' + step.submit + '"]');
      let submitter = btn;
      if (step.noSubmitter) { btn.dispatchEvent(new Event('click', { bubbles: true })); submitter = undefined; }
      form.dispatchEvent(new Event('submit', { submitter, bubbles: true }));
    }
    if (step.clickControl) doc.getElementById('cg-consent-settings').dispatchEvent(new Event('click', { button: 0, bubbles: true }));
    if (step.key) doc.dispatchEvent(new Event('keydown', { key: step.key }));
    for (let i = 0; i < 5; i++) await tick();
    if (step.snapshot) snapshot(step.snapshot);
  }
  process.stdout.write(JSON.stringify(log));
})().catch(e => { console.error(e && e.stack || e); process.exit(1); });
