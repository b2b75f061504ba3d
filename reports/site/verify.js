// vft public registry: the certification page checks, in the browser, that report.json and
// certification.json are the exact bytes the program signed. It verifies the same bytes and the
// same Ed25519 signature as `vft report verify FILE --key program.pub`: the detached .sig's
// "signature" (base64url) over the file's exact bytes, with a key this site publishes (never the
// key the .sig carries). The bytes are embedded in data.js (base64), since a page opened from
// file:// may not fetch report.json.
'use strict';

(function () {
  var data = null, keys = [];
  window.vftCertification = function (d) { data = d; };
  window.vftKeys = function (k) { keys = k; };

  // The published keys whose RFC 7638 thumbprint, computed here, equals their kid.
  function trustedKeys() {
    return Promise.all(keys.map(function (k) {
      return VFT.thumbprint(k.jwk).then(function (fp) { return fp === k.kid ? k : null; });
    })).then(function (ks) { return ks.filter(Boolean); });
  }

  // {state: 'verified' | 'changed' | 'bad_sig' | 'unknown_key' | 'sig_unreadable' | 'unsupported', kid}
  function verifyBytes(bytes, sigText, trusted) {
    var sig;
    try { sig = JSON.parse(sigText); } catch (e) { return Promise.resolve({ state: 'sig_unreadable' }); }
    if (!sig || sig.format !== 'vft-signature/1' || sig.alg !== 'EdDSA' || typeof sig.signature !== 'string')
      return Promise.resolve({ state: 'sig_unreadable' });
    if (!window.crypto || !crypto.subtle) return Promise.resolve({ state: 'unsupported' });
    var key = trusted.filter(function (k) { return k.kid === sig.kid; })[0];
    if (!key) return Promise.resolve({ state: 'unknown_key', kid: String(sig.kid) });
    var raw;
    try { raw = VFT.b64url(sig.signature); } catch (e) { return Promise.resolve({ state: 'sig_unreadable' }); }
    return crypto.subtle.importKey('raw', VFT.b64url(key.jwk.x), { name: 'Ed25519' }, false, ['verify']).then(function (pub) {
      return Promise.all([
        crypto.subtle.verify({ name: 'Ed25519' }, pub, raw, bytes),
        crypto.subtle.digest('SHA-256', bytes)
      ]).then(function (res) {
        var digest = VFT.hex(res[1]);
        if (res[0]) return { state: 'verified', sha256: digest, kid: key.kid };
        return { state: digest !== sig.sha256 ? 'changed' : 'bad_sig', sha256: digest };
      });
    }, function () { return { state: 'unsupported' }; });
  }

  window.vftCertificationPage = function (main) {
    var t = VFT.t, el = VFT.el, root = main.getAttribute('data-root') || '';
    var result = document.getElementById('verify-result'), details = document.getElementById('verify-details');
    if (!data) { result.setAttribute('data-state', 'not-verified'); result.textContent = t('sig_unreadable'); return; }
    var r = data.record, outcome = null;

    function facts() {
      var dl = document.getElementById('facts');
      dl.textContent = '';
      [['f_vendor', r.vendor], ['f_product', r.product], ['f_version', r.product_version], ['f_role', VFT.role(r.role)],
        ['f_modules', r.modules.join(', ')], ['f_suite', r.suite + ' ' + r.suite_version], ['f_issued', r.issued],
        ['f_expires', r.expires], ['f_status', t(r.status) + (r.status_reason ? ' — ' + r.status_reason : '')],
        ['f_key', r.issuer_key_id], ['f_run', r.run_id], ['f_tool', r.tool_version], ['f_record', '#' + r.id]].forEach(function (f) {
        dl.appendChild(el('dt', null, t(f[0])));
        dl.appendChild(el('dd', { 'data-fact': f[0] }, f[1]));
      });
      var h = document.getElementById('cert-h');
      h.textContent = r.vendor + ' – ' + r.product + ' ' + r.product_version;
      document.title = h.textContent;
      var st = document.getElementById('cert-status');
      st.textContent = '';
      st.appendChild(VFT.statusCell(r));
      var files = document.getElementById('files');
      files.textContent = '';
      [['report_html', 'file_report_html', false], ['report_json', 'file_report_json', true], ['report_sig', 'file_report_sig', true],
        ['certification', 'file_cert', true], ['certification_sig', 'file_cert_sig', true]].forEach(function (f) {
        if (!r.files[f[0]]) return;
        var li = el('li');
        var a = el('a', { href: root + r.files[f[0]] }, t(f[1]));
        if (f[2]) a.setAttribute('download', '');
        li.appendChild(a);
        files.appendChild(li);
      });
      var li = el('li');
      var a = el('a', { href: root + 'keys/program.pub', download: '' }, t('file_key'));
      li.appendChild(a);
      files.appendChild(li);
    }

    function show() {
      details.textContent = '';
      if (!outcome) return;
      var rep = outcome.report, rec = outcome.record;
      var state;
      if (rec.state === 'unsupported' || (rep && rep.state === 'unsupported')) state = 'unsupported';
      else if (rec.state === 'verified' && (!rep || (rep.state === 'verified' && outcome.tie))) state = 'verified';
      else state = 'not-verified';
      result.setAttribute('data-state', state);
      var text;
      if (state === 'verified') text = t('verified');
      else if (state === 'unsupported') text = t('unsupported');
      else {
        var worst = rep && rep.state !== 'verified' ? rep : rec.state !== 'verified' ? rec : null;
        text = !worst ? t('not_verified') : worst.state === 'changed' ? t('not_verified') :
          worst.state === 'unknown_key' ? t('not_verified_key') : t('not_verified_other');
      }
      result.textContent = text;
      function line(s) {
        if (s.state === 'verified') return t('ok');
        if (s.state === 'unknown_key') return t('unknown_key', { k: s.kid });
        return t(s.state === 'unsupported' ? 'unsupported' : s.state);
      }
      if (state !== 'unsupported') {
        if (rep) details.appendChild(el('li', { 'data-file': 'report.json' }, t('d_report', { s: line(rep) })));
        details.appendChild(el('li', { 'data-file': 'certification.json' }, t('d_record', { s: line(rec) })));
        if (rep && rep.sha256) details.appendChild(el('li', null, outcome.tie ? t('d_tie', { h: rep.sha256 }) : t('d_tie_bad', { h: r.report_sha256 })));
        if (!rep) details.appendChild(el('li', null, t('no_report')));
      }
      document.getElementById('offline').setAttribute('data-emphasis', state === 'verified' ? 'no' : 'yes');
    }

    facts();
    var fp = document.getElementById('fingerprint');
    var signer = keys.filter(function (k) { return k.kid === r.issuer_key_id; })[0] || keys[0];
    if (signer) {
      fp.textContent = signer.kid;
      VFT.thumbprint(signer.jwk).then(function (x) {
        fp.textContent = x === null ? signer.kid + ' ' + t('fingerprint_as_published') : x;
      });
    }
    trustedKeys().then(function (trusted) {
      var reportBytes = data.report_b64 ? VFT.b64(data.report_b64) : null;
      return Promise.all([
        verifyBytes(VFT.b64(data.certification_b64), data.certification_sig, trusted),
        reportBytes ? verifyBytes(reportBytes, data.report_sig, trusted) : Promise.resolve(null)
      ]).then(function (res) {
        outcome = { record: res[0], report: res[1], tie: !!(res[1] && res[1].sha256 === r.report_sha256) };
        show();
      });
    }).catch(function () {
      outcome = { record: { state: 'unsupported' }, report: null, tie: false };
      show();
    });

    // A report.json the visitor has (e-mailed, downloaded): the same check against this .sig.
    var input = document.getElementById('file'), fileResult = document.getElementById('file-result');
    input.addEventListener('change', function () {
      var f = input.files && input.files[0];
      if (!f || !data.report_sig) return;
      var reader = new FileReader();
      reader.onload = function () {
        trustedKeys().then(function (trusted) {
          return verifyBytes(new Uint8Array(reader.result), data.report_sig, trusted);
        }).then(function (res) {
          var ok = res.state === 'verified' && res.sha256 === r.report_sha256;
          fileResult.setAttribute('data-state', res.state === 'unsupported' ? 'unsupported' : ok ? 'verified' : 'not-verified');
          fileResult.textContent = res.state === 'unsupported' ? t('unsupported') : ok ? t('file_verified') : t('file_not');
        });
      };
      reader.readAsArrayBuffer(f);
    });
    VFT.onLanguage(function () { facts(); show(); });
  };
})();
