/* Consent banner: progressive enhancement. Every form and link works without
   this file; with it, choices are saved without a page reload and tags of
   newly granted categories are activated in place. ES2017, no dependencies. */
(function () {
  'use strict';
  if (window.cgConsentLoaded) return;
  window.cgConsentLoaded = true;

  var d = document;
  var ROOT = 'cg-consent';
  var CONTROL = 'cg-consent-settings';
  var reopened = null; // banner root reopened from the settings control

  function control() { return d.getElementById(CONTROL); }

  function words(s) { return String(s || '').split(/\s+/).filter(Boolean); }

  // An element listing several categories needs all of them.
  function allowed(list, granted) {
    var cats = words(list);
    return cats.length > 0 && cats.every(function (c) { return granted.has(c); });
  }

  function grantedOf(state) {
    var set = new Set();
    state.categories.forEach(function (c) {
      if (c && c.granted) set.add(String(c.name));
    });
    return set;
  }

  function consentMode(root) {
    var raw = root.getAttribute('data-consent-mode');
    if (!raw) return null;
    try {
      var m = JSON.parse(raw);
      return m && typeof m === 'object' ? m : null;
    } catch (e) {
      return null;
    }
  }

  function updateGtag(mode, granted) {
    if (!mode) return;
    var update = {};
    Object.keys(mode).forEach(function (signal) {
      var cats = Array.isArray(mode[signal]) ? mode[signal].join(' ') : mode[signal];
      update[signal] = allowed(cats, granted) ? 'granted' : 'denied';
    });
    if (typeof window.gtag === 'function') window.gtag('consent', 'update', update);
    // Microsoft UET consent mode and Clarity's consent API follow the
    // same signals (the gateway declared their defaults in <head>).
    if (update.ad_storage && window.uetq && typeof window.uetq.push === 'function') {
      window.uetq.push('consent', 'update', { ad_storage: update.ad_storage });
    }
    if (typeof window.clarity === 'function' && (update.ad_storage || update.analytics_storage)) {
      window.clarity('consentv2', { ad_Storage: update.ad_storage || 'denied', analytics_Storage: update.analytics_storage || 'denied' });
    }
  }

  // Attributes the gateway renamed (data-consent-src for src…): srcset
  // before src so that an image picks its candidate once.
  var RENAMED = ['srcset', 'imagesrcset', 'src', 'href', 'xlink:href', 'data', 'poster', 'ping', 'srcdoc'];

  function restore(el) {
    if (el.hasAttribute('data-consent-placeholder')) {
      el.removeAttribute('srcdoc'); // srcdoc would win over src
      el.removeAttribute('data-consent-placeholder');
    }
    RENAMED.forEach(function (a) {
      var k = 'data-consent-' + a, v = el.getAttribute(k);
      if (v === null) return;
      el.removeAttribute(k);
      if (a === 'xlink:href') el.setAttributeNS('http://www.w3.org/1999/xlink', a, v);
      else el.setAttribute(a, v);
    });
  }

  // A tag too long for the gateway to read is never re-activated.
  function pending(sel, granted) {
    return Array.from(d.querySelectorAll(sel)).filter(function (el) {
      return !el.hasAttribute('data-consent-oversized') && allowed(el.getAttribute('data-consent-category'), granted);
    });
  }

  // Re-activate tags the gateway neutralised for categories now granted.
  function activate(granted) {
    pending('script[type="text/plain"][data-consent-category]', granted).forEach(function (old) {
      // Same namespace: an SVG script loads its href.
      var s = d.createElementNS(old.namespaceURI, 'script');
      for (var i = 0; i < old.attributes.length; i++) {
        var a = old.attributes[i];
        if (a.name !== 'type' && a.name !== 'data-consent-type') s.setAttribute(a.name, a.value);
      }
      var type = old.getAttribute('data-consent-type');
      if (type) s.setAttribute('type', type);
      if (old.nonce) s.nonce = old.nonce;
      if (!old.hasAttribute('async')) s.async = false; // keep document order
      s.textContent = old.textContent;
      restore(s);
      old.parentNode.replaceChild(s, old);
    });
    pending('[data-consent-category]', granted).forEach(restore);
  }

  function apply(root, state, before) {
    var granted = grantedOf(state);
    var mode = consentMode(root);
    if (root === reopened) reopened = null;
    if (root.parentNode) root.parentNode.removeChild(root);
    var ctrl = control();
    if (ctrl) {
      ctrl.hidden = false;
      ctrl.setAttribute('aria-expanded', 'false');
      ctrl.focus({ preventScroll: true });
    }
    updateGtag(mode, granted);
    var revoked = Array.from(before).some(function (c) { return !granted.has(c); });
    if (!revoked) activate(granted);
    d.dispatchEvent(new CustomEvent('consent:change', {
      detail: { granted: Array.from(granted), state: state }
    }));
    // Scripts already running cannot be stopped: reload so that the
    // gateway serves the page without them.
    if (revoked) window.location.reload();
  }

  // Normal form submission, used when the fetch fails.
  function fallback(form, button) {
    if (button && button.name) {
      var h = d.createElement('input');
      h.type = 'hidden';
      h.name = button.name;
      h.value = button.value;
      form.appendChild(h);
    }
    HTMLFormElement.prototype.submit.call(form);
  }

  async function send(root, form, button, before) {
    var body = new URLSearchParams(new FormData(form));
    if (button && button.name) body.append(button.name, button.value);
    var state;
    try {
      var res = await fetch(form.getAttribute('action'), {
        method: 'POST',
        body: body,
        headers: { 'Accept': 'application/json' },
        credentials: 'same-origin'
      });
      if (!res.ok) throw new Error('status ' + res.status);
      state = await res.json();
      if (!state || !Array.isArray(state.categories)) throw new Error('unexpected answer');
    } catch (e) {
      fallback(form, button);
      return;
    }
    apply(root, state, before);
  }

  function bind(root) {
    var form = root.querySelector('form');
    if (!form || form.cgBound) return;
    form.cgBound = true;
    // Categories granted when the banner was shown (a reopened banner
    // reflects the visitor's current choice).
    var before = new Set();
    root.querySelectorAll('input[name="category"]:checked:not(:disabled)').forEach(function (i) {
      before.add(i.value);
    });
    var last = null; // for browsers without SubmitEvent.submitter
    form.addEventListener('click', function (e) {
      var b = e.target.closest && e.target.closest('button[name]');
      if (b) last = b;
    });
    form.addEventListener('submit', function (e) {
      if (!window.fetch || !window.URLSearchParams) return;
      e.preventDefault();
      send(root, form, e.submitter || last, before);
    });
    var close = root.querySelector('[data-cg-close]');
    if (close && root === reopened) {
      close.hidden = false;
      close.addEventListener('click', closeReopened);
    }
  }

  function focusTitle(root) {
    var t = root.querySelector('#cg-consent-title') || root;
    t.focus();
  }

  function closeReopened() {
    var root = reopened;
    if (!root) return;
    reopened = null;
    if (root.parentNode) root.parentNode.removeChild(root);
    var ctrl = control();
    if (ctrl) {
      ctrl.setAttribute('aria-expanded', 'false');
      ctrl.focus();
    }
  }

  async function reopen(ctrl, url) {
    try {
      var res = await fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } });
      if (!res.ok) throw new Error('status ' + res.status);
      var tpl = d.createElement('template');
      tpl.innerHTML = await res.text();
      var root = tpl.content.querySelector('#' + ROOT);
      if (!root) throw new Error('no banner');
      ctrl.parentNode.insertBefore(root, ctrl);
      reopened = root;
      bind(root);
      ctrl.setAttribute('aria-expanded', 'true');
      focusTitle(root);
    } catch (e) {
      window.location.href = ctrl.href;
    }
  }

  function onControl(e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    var ctrl = e.currentTarget;
    var url = ctrl.getAttribute('data-banner-url');
    if (!url || !window.fetch) return;
    e.preventDefault();
    var open = d.getElementById(ROOT);
    if (open) {
      focusTitle(open);
      return;
    }
    reopen(ctrl, url);
  }

  function onKey(e) {
    if (!reopened || (e.key !== 'Escape' && e.key !== 'Esc')) return;
    var a = d.activeElement;
    if (a && a !== d.body && a !== control() && !reopened.contains(a)) return;
    e.preventDefault();
    closeReopened();
  }

  function init() {
    var root = d.getElementById(ROOT);
    if (root) bind(root);
    var ctrl = control();
    if (ctrl) ctrl.addEventListener('click', onControl);
    d.addEventListener('keydown', onKey);
  }

  if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', init);
  else init();
})();
