"""The browser side of the fake SerienStream gate: the gate's page script and the ALTCHA widget stand-in.

Kept apart from the server logic in `redirect_gate`; only a real browser runs these (see the Chromium tests).
"""

from __future__ import annotations

ALTCHA_JS_PATH = "/build/assets/altcha-Fk9a2b7c.js"


# The gate's page script. `#autosubmit` in the page URL is a fake-only test hook standing in for the user's
# click on "Weiter" once the widgets are done; everything else follows the live flow.
GATE_JS = f"""(function () {{
  var root = document.getElementById('episode-redirect-gate-root');
  if (!root || root.hasAttribute('data-episode-redirect-gate-init')) {{ return; }}
  root.setAttribute('data-episode-redirect-gate-init', '1');
  var tier = root.getAttribute('data-redirect-gate-tier');
  var form = document.getElementById('player-prepare-form');
  var modal = document.getElementById('playerPrepareModal');
  var iframe = document.getElementById('player-iframe');
  var tokenInput = document.getElementById('player-prepare-token');
  var errorBox = document.getElementById('player-prepare-error');
  var useAltcha = tier === 'turnstile_altcha' && window.isSecureContext;
  var submitted = false, rendered = false;
  var auto = window.location.hash === '#autosubmit';
  function value(name) {{
    var input = form.querySelector('input[name="' + name + '"]');
    return input ? input.value : '';
  }}
  function ready() {{ return !!value('cf-turnstile-response') && (!useAltcha || !!value('altcha')); }}
  function maybeSubmit() {{
    if (auto && !submitted && ready()) {{ submitted = true; form.submit(); }}
  }}
  form.addEventListener('submit', function () {{ submitted = true; }});
  function render() {{
    if (rendered) {{ return; }}
    rendered = true;
    window.turnstile.render('#player-prepare-turnstile', {{
      sitekey: root.getAttribute('data-turnstile-sitekey'), theme: 'dark', callback: maybeSubmit
    }});
    if (useAltcha) {{
      import('{ALTCHA_JS_PATH}').then(function (m) {{
        m.mount(document.getElementById('player-prepare-altcha'), root.getAttribute('data-altcha-challenge-url'), maybeSubmit);
      }});
    }}
  }}
  window.addEventListener('message', function (ev) {{
    var d = ev.data;
    if (!d || d.type !== 'frameBridge') {{ return; }}
    if (d.err) {{ errorBox.textContent = d.err; document.body.setAttribute('data-gate-error', d.err); return; }}
    if (!submitted) {{
      tokenInput.value = d.t;
      modal.classList.add('show');
      modal.style.display = 'block';
      render();
      return;
    }}
    modal.classList.remove('show');
    modal.style.display = 'none';
    document.body.setAttribute('data-hoster-url', d.t);
    iframe.src = d.t;
  }});
  document.querySelectorAll('button.link-box[data-play-url]').forEach(function (button) {{
    button.addEventListener('click', function () {{ submitted = false; iframe.src = button.getAttribute('data-play-url'); }});
  }});
  // The player iframe may have posted its bridge message before this listener existed: load it again.
  if (iframe && (iframe.getAttribute('src') || '').indexOf('/r?t=') >= 0) {{ iframe.src = iframe.getAttribute('src'); }}
}})();
"""

# The ALTCHA widget stand-in (ES module): fetch the challenge, find n with WebCrypto, fill `input[name=altcha]`,
# mirror the state on `.altcha[data-state]` like the real widget.
ALTCHA_JS = """export function mount(container, url, done) {
  var form = container.closest('form');
  var input = form.querySelector('input[name="altcha"]');
  var box = document.createElement('div');
  box.className = 'altcha';
  box.setAttribute('data-state', 'verifying');
  container.appendChild(box);
  var started = Date.now();
  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  fetch(url, {credentials: 'include', headers: {'X-Requested-With': 'XMLHttpRequest'}})
    .then(function (r) { return r.json(); })
    .then(async function (c) {
      var max = c.maxnumber !== undefined ? c.maxnumber : (c.maxNumber !== undefined ? c.maxNumber : 1000000);
      var enc = new TextEncoder();
      for (var n = 0; n <= max; n++) {
        var digest = hex(await crypto.subtle.digest(c.algorithm, enc.encode(c.salt + n)));
        if (digest === c.challenge) {
          input.value = btoa(JSON.stringify({algorithm: c.algorithm, challenge: c.challenge, number: n,
                                             salt: c.salt, signature: c.signature, took: Date.now() - started}));
          box.setAttribute('data-state', 'verified');
          done();
          return;
        }
      }
      box.setAttribute('data-state', 'error');
    })
    .catch(function () { box.setAttribute('data-state', 'error'); });
}
"""
