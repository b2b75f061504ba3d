// vft public registry: language, the index (search, filters, sorting, pages) and product pages.
// Every string from the data goes into the page with textContent, never as markup.
'use strict';

var VFT = (function () {
  var T = {
    nb: {
      skip: 'Hopp til innholdet', index_h1: 'Sertifiserte produkter',
      index_intro: 'Produkter som har bestått det nasjonale programmets konformitetstester for grensesnittene mellom velferdsteknologi og EPJ. Hver sertifisering gjelder én produktversjon, én rolle og én versjon av testsuiten.',
      noscript: 'Listen og kontrollen av signaturer trenger JavaScript. registry.json inneholder de samme dataene.',
      filters_h: 'Søk og filtrer', search_label: 'Søk i leverandør, produkt, versjon, suite',
      all: 'Alle', reset: 'Nullstill', list_h: 'Sertifiseringer',
      col_vendor: 'Leverandør', col_product: 'Produkt', col_version: 'Versjon', col_role: 'Rolle',
      col_modules: 'Moduler', col_suite: 'Testsuite', col_issued: 'Dato', col_status: 'Status',
      col_details: 'Rapport', col_expires: 'Gyldig til',
      prev: 'Forrige', next: 'Neste', pages: 'Sider',
      page_info: 'Side {p} av {n}', count: '{n} av {t} sertifiseringer', none: 'Ingen sertifiseringer passer søket.',
      key_h: 'Programmets nøkkel',
      key_intro: 'Rapportene og registeret er signert med denne nøkkelen. Sammenlign fingeravtrykket med det programmet kunngjør andre steder.',
      downloads: 'Last ned:', footer: 'Statisk side laget av vft registry publish. Siden henter ingenting fra andre steder.',
      generated: 'Laget {g}; status per {a}.',
      valid: 'Gyldig', superseded: 'Erstattet av nyere suiteversjon', revoked: 'Tilbakekalt', expired: 'Utløpt',
      receiver: 'mottaker', sender: 'avsender', details: 'Detaljer og kontroll',
      back: '← Alle sertifiserte produkter', all_versions: 'Alle versjoner av produktet',
      product_versions: 'Versjoner', version_h: 'Versjon {v}',
      verify_h: 'Er rapporten ekte?', verify_pending: 'Kontrollerer …',
      verified: 'VERIFISERT — rapporten er uendret og signert av programmets nøkkel',
      not_verified: 'IKKE VERIFISERT — filen er endret',
      not_verified_key: 'IKKE VERIFISERT — signert med en nøkkel siden ikke publiserer',
      not_verified_other: 'IKKE VERIFISERT — signaturen stemmer ikke',
      unsupported: 'Denne nettleseren kan ikke kontrollere Ed25519-signaturer. Kontroller rapporten uten nettleser med kommandoen nedenfor.',
      no_report: 'Den fullstendige rapporten er ikke publisert for denne sertifiseringen; bare sertifiseringsposten er kontrollert.',
      d_report: 'report.json: {s}', d_record: 'certification.json: {s}', d_tie: 'Posten nevner akkurat denne rapporten (SHA-256 {h}).',
      d_tie_bad: 'Posten nevner en annen rapport (SHA-256 {h}).',
      ok: 'signaturen stemmer', changed: 'filen er endret etter signering', bad_sig: 'signaturen stemmer ikke',
      unknown_key: 'signert med nøkkel {k}, som siden ikke publiserer', sig_unreadable: 'signaturfilen kan ikke leses',
      fingerprint_label: 'Nøkkelens fingeravtrykk (RFC 7638, som `vft keys fingerprint` skriver det):',
      fingerprint_note: '(regnet ut i nettleseren fra nøkkelen)', fingerprint_as_published: '(som publisert; nettleseren kunne ikke regne det ut)',
      offline_h: 'Kontroller uten nettleser', offline_intro: 'Last ned report.json, report.json.sig og program.pub, og kjør:',
      file_h: 'Kontroller en fil du har fått', file_label: 'Velg en report.json',
      file_verified: 'VERIFISERT — filen er rapporten programmet signerte', file_not: 'IKKE VERIFISERT — filen er ikke rapporten programmet signerte',
      facts_h: 'Sertifiseringen', files_h: 'Filer',
      f_vendor: 'Leverandør', f_product: 'Produkt', f_version: 'Produktversjon', f_role: 'Rolle',
      f_modules: 'Moduler', f_suite: 'Testsuite', f_issued: 'Utstedt', f_expires: 'Gyldig til',
      f_status: 'Status', f_key: 'Signert med nøkkel', f_run: 'Kjøring', f_tool: 'vft-versjon', f_record: 'Post',
      file_report_html: 'Rapporten (report.html)', file_report_json: 'report.json (signert)',
      file_report_sig: 'report.json.sig (signatur)', file_cert: 'certification.json (sertifiseringspost)',
      file_cert_sig: 'certification.json.sig', file_key: 'program.pub (programmets offentlige nøkkel)',
      lang_switch: 'English', unknown_product: 'Produktet finnes ikke i registeret.'
    },
    en: {
      skip: 'Skip to content', index_h1: 'Certified products',
      index_intro: 'Products that passed the national program\'s conformance tests for the interfaces between welfare technology and EHR systems. Each certification covers one product version, one role and one version of the test suite.',
      noscript: 'The list and the signature check need JavaScript. registry.json holds the same data.',
      filters_h: 'Search and filter', search_label: 'Search vendor, product, version, suite',
      all: 'All', reset: 'Reset', list_h: 'Certifications',
      col_vendor: 'Vendor', col_product: 'Product', col_version: 'Version', col_role: 'Role',
      col_modules: 'Modules', col_suite: 'Test suite', col_issued: 'Date', col_status: 'Status',
      col_details: 'Report', col_expires: 'Valid until',
      prev: 'Previous', next: 'Next', pages: 'Pages',
      page_info: 'Page {p} of {n}', count: '{n} of {t} certifications', none: 'No certification matches the search.',
      key_h: 'The program\'s key',
      key_intro: 'The reports and the registry are signed with this key. Compare its fingerprint with the one the program announces elsewhere.',
      downloads: 'Download:', footer: 'Static site made by vft registry publish. The site fetches nothing from anywhere else.',
      generated: 'Made {g}; status as of {a}.',
      valid: 'Valid', superseded: 'Superseded by a newer suite version', revoked: 'Revoked', expired: 'Expired',
      receiver: 'receiver', sender: 'sender', details: 'Details and check',
      back: '← All certified products', all_versions: 'All versions of the product',
      product_versions: 'Versions', version_h: 'Version {v}',
      verify_h: 'Is the report genuine?', verify_pending: 'Checking …',
      verified: 'verified — the report is unchanged and signed by the program\'s key',
      not_verified: 'NOT verified — the file was changed',
      not_verified_key: 'NOT verified — signed by a key this site does not publish',
      not_verified_other: 'NOT verified — the signature does not match',
      unsupported: 'This browser cannot check Ed25519 signatures. Check the report offline with the command below.',
      no_report: 'The full report is not published for this certification; only the certification record was checked.',
      d_report: 'report.json: {s}', d_record: 'certification.json: {s}', d_tie: 'The record names exactly this report (SHA-256 {h}).',
      d_tie_bad: 'The record names another report (SHA-256 {h}).',
      ok: 'the signature verifies', changed: 'the file was changed after it was signed', bad_sig: 'the signature does not verify',
      unknown_key: 'signed by key {k}, which this site does not publish', sig_unreadable: 'the signature file cannot be read',
      fingerprint_label: 'The key\'s fingerprint (RFC 7638, as `vft keys fingerprint` prints it):',
      fingerprint_note: '(computed in the browser from the key)', fingerprint_as_published: '(as published; the browser could not compute it)',
      offline_h: 'Check without a browser', offline_intro: 'Download report.json, report.json.sig and program.pub, and run:',
      file_h: 'Check a file you were given', file_label: 'Choose a report.json',
      file_verified: 'verified — the file is the report the program signed', file_not: 'NOT verified — the file is not the report the program signed',
      facts_h: 'The certification', files_h: 'Files',
      f_vendor: 'Vendor', f_product: 'Product', f_version: 'Product version', f_role: 'Role',
      f_modules: 'Modules', f_suite: 'Test suite', f_issued: 'Issued', f_expires: 'Valid until',
      f_status: 'Status', f_key: 'Signed with key', f_run: 'Run', f_tool: 'vft version', f_record: 'Record',
      file_report_html: 'The report (report.html)', file_report_json: 'report.json (signed)',
      file_report_sig: 'report.json.sig (signature)', file_cert: 'certification.json (certification record)',
      file_cert_sig: 'certification.json.sig', file_key: 'program.pub (the program\'s public key)',
      lang_switch: 'Norsk (bokmål)', unknown_product: 'The product is not in the registry.'
    }
  };

  function params() {
    var out = {};
    var h = location.hash.replace(/^#/, '');
    if (!h) return out;
    h.split('&').forEach(function (kv) {
      var i = kv.indexOf('=');
      if (i < 0) return;
      try { out[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1).replace(/\+/g, ' ')); } catch (e) { /* ignore */ }
    });
    return out;
  }

  var lang = 'nb';
  (function () {
    var p = params();
    if (p.lang === 'en' || p.lang === 'nb') lang = p.lang;
    else { try { var s = localStorage.getItem('vft-lang'); if (s === 'en' || s === 'nb') lang = s; } catch (e) { /* file:// may refuse */ } }
  })();

  function t(key, vars) {
    var s = (T[lang] && T[lang][key]) || T.nb[key] || key;
    if (vars) Object.keys(vars).forEach(function (k) { s = s.split('{' + k + '}').join(String(vars[k])); });
    return s;
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function applyLabels() {
    document.documentElement.lang = lang === 'en' ? 'en' : 'nb';
    document.querySelectorAll('[data-i18n]').forEach(function (e) { e.textContent = t(e.getAttribute('data-i18n')); });
    document.querySelectorAll('[data-i18n-aria]').forEach(function (e) { e.setAttribute('aria-label', t(e.getAttribute('data-i18n-aria'))); });
    var b = document.getElementById('lang');
    if (b) { b.textContent = t('lang_switch'); b.setAttribute('lang', lang === 'en' ? 'nb' : 'en'); }
  }

  var listeners = [];
  function onLanguage(f) { listeners.push(f); }
  function setLanguage(l) {
    lang = l;
    try { localStorage.setItem('vft-lang', l); } catch (e) { /* ignore */ }
    applyLabels();
    listeners.forEach(function (f) { f(); });
  }

  function date(s) { return s ? String(s).slice(0, 10) : ''; }
  function role(r) { return t(r) || r; }

  function statusCell(r) {
    var span = el('span', { 'class': 'badge ' + r.status, 'data-status': r.status }, t(r.status));
    var frag = document.createDocumentFragment();
    frag.appendChild(span);
    if (r.status !== 'valid' && r.status_reason) frag.appendChild(el('span', { 'class': 'reason' }, r.status_reason));
    return frag;
  }

  // base64url (no padding) → bytes; base64 → bytes.
  function b64(s) {
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function b64url(s) {
    s = String(s).replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    return b64(s);
  }
  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join('');
  }
  function toB64url(buf) {
    var s = '';
    new Uint8Array(buf).forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  // RFC 7638 thumbprint of an Ed25519 JWK: base64url(SHA-256('{"crv":"Ed25519","kty":"OKP","x":"…"}')),
  // exactly what `vft keys fingerprint` prints. Null when the browser has no WebCrypto.
  function thumbprint(jwk) {
    if (!window.crypto || !crypto.subtle) return Promise.resolve(null);
    var canonical = '{"crv":"Ed25519","kty":"OKP","x":"' + jwk.x + '"}';
    return crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical)).then(toB64url, function () { return null; });
  }

  function showKeys(keys, list) {
    keys.forEach(function (k, i) {
      var li = el('li');
      var code = el('code', { 'class': 'fingerprint', 'data-kid': k.kid }, k.kid);
      li.appendChild(code);
      li.appendChild(document.createTextNode(' '));
      var note = el('span', { 'class': 'reason' });
      li.appendChild(note);
      if (k.file) { li.appendChild(document.createTextNode(' ')); li.appendChild(el('a', { href: (list.getAttribute('data-root') || '') + k.file, download: '' }, k.file)); }
      list.appendChild(li);
      thumbprint(k.jwk).then(function (fp) {
        if (fp === null) { note.textContent = t('fingerprint_as_published'); return; }
        code.textContent = fp;
        note.textContent = fp === k.kid ? t('fingerprint_note') : '≠ ' + k.kid;
      });
      if (i === 0) list.setAttribute('data-first', k.kid);
    });
  }

  // ---------------------------------------------------------------- index page
  var registry = null;
  window.vftRegistry = function (data) { registry = data; };

  var PAGE = 50;
  function indexPage() {
    var records = registry.records;
    records.forEach(function (r) {
      r._text = [r.vendor, r.product, r.product_version, r.suite, r.suite + ' ' + r.suite_version, r.role, r.modules.join(' ')].join('\n').toLowerCase();
      r._suite = r.suite + ' ' + r.suite_version;
    });
    var q = document.getElementById('q'), vendor = document.getElementById('vendor'),
      module = document.getElementById('module'), status = document.getElementById('status');
    var state = { q: '', vendor: '', module: '', status: '', sort: 'vendor', dir: 'asc', page: 1 };
    var p = params();
    Object.keys(state).forEach(function (k) { if (p[k] !== undefined) state[k] = k === 'page' ? Math.max(1, parseInt(p[k], 10) || 1) : p[k]; });

    function fillSelect(sel, values, label) {
      while (sel.options.length > 1) sel.remove(1);
      values.forEach(function (v) { var o = el('option', { value: v }, label ? label(v) : v); sel.appendChild(o); });
    }
    var vendors = Array.from(new Set(records.map(function (r) { return r.vendor; }))).sort(function (a, b) { return a.localeCompare(b, 'nb'); });
    var modules = Array.from(new Set([].concat.apply([], records.map(function (r) { return r.modules; })))).sort();
    function fillAll() {
      fillSelect(vendor, vendors);
      fillSelect(module, modules);
      fillSelect(status, ['valid', 'superseded', 'revoked', 'expired'], t);
      vendor.value = state.vendor; module.value = state.module; status.value = state.status;
    }
    fillAll();
    q.value = state.q;

    var keyOf = {
      vendor: function (r) { return r.vendor.toLowerCase() + '\u0000' + r.product.toLowerCase(); },
      product: function (r) { return r.product.toLowerCase(); },
      product_version: function (r) { return r.product_version; },
      role: function (r) { return r.role; },
      suite: function (r) { return r._suite; },
      issued: function (r) { return r.issued; },
      status: function (r) { return r.status; }
    };

    function save() {
      var parts = [];
      Object.keys(state).forEach(function (k) {
        var v = state[k];
        if ((k === 'page' && v === 1) || (k === 'sort' && v === 'vendor') || (k === 'dir' && v === 'asc') || v === '') return;
        parts.push(k + '=' + encodeURIComponent(v));
      });
      if (lang === 'en') parts.push('lang=en');
      try { history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname); } catch (e) { /* ignore */ }
    }

    var rows = document.getElementById('rows'), count = document.getElementById('count'),
      info = document.getElementById('page-info'), prev = document.getElementById('prev'), next = document.getElementById('next');
    function render() {
      var t0 = performance.now();
      var needle = state.q.trim().toLowerCase();
      var words = needle ? needle.split(/\s+/) : [];
      var shown = records.filter(function (r) {
        if (state.vendor && r.vendor !== state.vendor) return false;
        if (state.module && r.modules.indexOf(state.module) < 0) return false;
        if (state.status && r.status !== state.status) return false;
        for (var i = 0; i < words.length; i++) if (r._text.indexOf(words[i]) < 0) return false;
        return true;
      });
      var key = keyOf[state.sort] || keyOf.vendor, sign = state.dir === 'desc' ? -1 : 1;
      shown.sort(function (a, b) { var x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : a.id - b.id) * sign; });
      var pages = Math.max(1, Math.ceil(shown.length / PAGE));
      if (state.page > pages) state.page = pages;
      var slice = shown.slice((state.page - 1) * PAGE, state.page * PAGE);
      var frag = document.createDocumentFragment();
      var labels = { vendor: t('col_vendor'), product: t('col_product'), version: t('col_version'), role: t('col_role'), modules: t('col_modules'), suite: t('col_suite'), issued: t('col_issued'), status: t('col_status'), details: t('col_details') };
      slice.forEach(function (r) {
        var tr = el('tr', { 'data-record': String(r.id), 'data-status': r.status });
        tr.appendChild(el('td', { 'data-label': labels.vendor, 'class': 'vendor' }, r.vendor));
        var tdp = el('td', { 'data-label': labels.product });
        tdp.appendChild(el('a', { href: r.product_page }, r.product));
        tr.appendChild(tdp);
        tr.appendChild(el('td', { 'data-label': labels.version }, r.product_version));
        tr.appendChild(el('td', { 'data-label': labels.role }, role(r.role)));
        tr.appendChild(el('td', { 'data-label': labels.modules, 'class': 'modules' }, r.modules.join(', ')));
        tr.appendChild(el('td', { 'data-label': labels.suite }, r._suite));
        tr.appendChild(el('td', { 'data-label': labels.issued }, date(r.issued)));
        var tds = el('td', { 'data-label': labels.status });
        tds.appendChild(statusCell(r));
        tr.appendChild(tds);
        var tdd = el('td', { 'data-label': labels.details });
        tdd.appendChild(el('a', { href: r.page }, t('details')));
        tr.appendChild(tdd);
        frag.appendChild(tr);
      });
      rows.textContent = '';
      rows.appendChild(frag);
      count.textContent = shown.length ? t('count', { n: shown.length, t: records.length }) : t('none');
      count.setAttribute('data-count', String(shown.length));
      info.textContent = t('page_info', { p: state.page, n: pages });
      prev.disabled = state.page <= 1;
      next.disabled = state.page >= pages;
      document.querySelectorAll('th[data-col]').forEach(function (th) {
        var c = th.getAttribute('data-col');
        if (th.querySelector('button')) th.setAttribute('aria-sort', c === state.sort ? (state.dir === 'desc' ? 'descending' : 'ascending') : 'none');
      });
      save();
      // For bench/ and curious readers: how long this rendering took (ms).
      document.body.setAttribute('data-render-ms', String(Math.round(performance.now() - t0)));
    }
    function set(k, v) { state[k] = v; if (k !== 'page') state.page = 1; render(); }
    q.addEventListener('input', function () { set('q', q.value); });
    vendor.addEventListener('change', function () { set('vendor', vendor.value); });
    module.addEventListener('change', function () { set('module', module.value); });
    status.addEventListener('change', function () { set('status', status.value); });
    document.getElementById('filters').addEventListener('submit', function (e) { e.preventDefault(); });
    document.getElementById('filters').addEventListener('reset', function () {
      setTimeout(function () { state.q = state.vendor = state.module = state.status = ''; state.page = 1; render(); }, 0);
    });
    document.querySelectorAll('button[data-sort]').forEach(function (b) {
      b.addEventListener('click', function () {
        var c = b.getAttribute('data-sort');
        if (state.sort === c) state.dir = state.dir === 'asc' ? 'desc' : 'asc'; else { state.sort = c; state.dir = 'asc'; }
        render();
      });
    });
    prev.addEventListener('click', function () { if (state.page > 1) { state.page--; render(); } });
    next.addEventListener('click', function () { state.page++; render(); });
    onLanguage(function () { fillAll(); render(); showGenerated(); });
    var keys = document.getElementById('keys');
    keys.setAttribute('data-root', '');
    showKeys(registry.keys, keys);
    function showGenerated() {
      document.getElementById('generated').textContent = t('generated', { g: date(registry.generated), a: date(registry.status_at) });
    }
    showGenerated();
    render();
    // Navigation start → the list rendered and every control wired up (bench/: interactive time).
    document.body.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  }

  // ---------------------------------------------------------------- product page
  function productPage(main) {
    var slug = main.getAttribute('data-slug'), root = main.getAttribute('data-root') || '';
    var mine = registry.records.filter(function (r) { return r.product_page === 'p/' + slug + '.html'; });
    var h = document.getElementById('product-h'), v = document.getElementById('product-vendor'), box = document.getElementById('versions');
    function render() {
      box.textContent = '';
      if (!mine.length) { h.textContent = t('unknown_product'); return; }
      h.textContent = mine[0].product;
      v.textContent = t('f_vendor') + ': ' + mine[0].vendor;
      document.title = mine[0].vendor + ' – ' + mine[0].product;
      var byVersion = {};
      mine.forEach(function (r) { (byVersion[r.product_version] = byVersion[r.product_version] || []).push(r); });
      var versions = Object.keys(byVersion).sort(function (a, b) { return b.localeCompare(a, undefined, { numeric: true }); });
      box.appendChild(el('h2', null, t('product_versions')));
      versions.forEach(function (ver) {
        var sec = el('section', { 'class': 'version-block', 'data-version': ver });
        sec.appendChild(el('h3', null, t('version_h', { v: ver })));
        var table = el('table', { 'class': 'records' });
        var head = el('tr');
        ['col_suite', 'col_role', 'col_modules', 'col_issued', 'col_expires', 'col_status', 'col_details'].forEach(function (c) { head.appendChild(el('th', { scope: 'col' }, t(c))); });
        var thead = el('thead'); thead.appendChild(head); table.appendChild(thead);
        var tb = el('tbody');
        byVersion[ver].sort(function (a, b) { return b.issued < a.issued ? -1 : 1; }).forEach(function (r) {
          var tr = el('tr', { 'data-record': String(r.id), 'data-status': r.status });
          tr.appendChild(el('td', { 'data-label': t('col_suite') }, r.suite + ' ' + r.suite_version));
          tr.appendChild(el('td', { 'data-label': t('col_role') }, role(r.role)));
          tr.appendChild(el('td', { 'data-label': t('col_modules') }, r.modules.join(', ')));
          tr.appendChild(el('td', { 'data-label': t('col_issued') }, date(r.issued)));
          tr.appendChild(el('td', { 'data-label': t('col_expires') }, date(r.expires)));
          var tds = el('td', { 'data-label': t('col_status') }); tds.appendChild(statusCell(r)); tr.appendChild(tds);
          var tdd = el('td', { 'data-label': t('col_details') });
          tdd.appendChild(el('a', { href: root + r.page }, t('details')));
          [['report_html', 'report.html'], ['report_json', 'report.json'], ['report_sig', 'report.json.sig']].forEach(function (f) {
            if (!r.files[f[0]]) return;
            tdd.appendChild(document.createTextNode(' · '));
            var a = el('a', { href: root + r.files[f[0]] }, f[1]);
            if (f[0] !== 'report_html') a.setAttribute('download', '');
            tdd.appendChild(a);
          });
          tr.appendChild(tdd);
          tb.appendChild(tr);
        });
        table.appendChild(tb);
        var wrap = el('div', { 'class': 'table-wrap' }); wrap.appendChild(table);
        sec.appendChild(wrap);
        box.appendChild(sec);
      });
    }
    onLanguage(render);
    render();
  }

  document.addEventListener('DOMContentLoaded', function () {
    applyLabels();
    var b = document.getElementById('lang');
    if (b) b.addEventListener('click', function () { setLanguage(lang === 'en' ? 'nb' : 'en'); });
    var main = document.getElementById('main');
    var kind = main && main.getAttribute('data-page');
    if (kind === 'index' && registry) indexPage();
    else if (kind === 'product' && registry) productPage(main);
    else if (kind === 'certification' && window.vftCertificationPage) window.vftCertificationPage(main);
  });

  return { t: t, el: el, b64: b64, b64url: b64url, hex: hex, thumbprint: thumbprint, statusCell: statusCell,
    onLanguage: onLanguage, date: date, role: role, showKeys: showKeys, lang: function () { return lang; } };
})();
