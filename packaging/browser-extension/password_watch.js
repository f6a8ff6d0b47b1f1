// Vigil: tells the extension's background when keyboard focus enters or leaves a password field
// in this frame, so the session helper drops the keys typed there. Reads no field's value and
// nothing of the page's text: only whether the focused element is a password field.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  let reported = false;

  // The element that really has focus, looking through open shadow roots.
  function deepActiveElement() {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el;
  }

  function isPasswordField(el) {
    if (!el || el.tagName !== 'INPUT') return false;
    const type = (el.getAttribute('type') || '').toLowerCase();
    const autocomplete = (el.getAttribute('autocomplete') || '').toLowerCase().split(/\s+/);
    // A "show password" toggle turns type=password into text while focus stays: the autocomplete
    // tokens still say what the field is.
    return type === 'password' || autocomplete.includes('current-password') || autocomplete.includes('new-password');
  }

  function report(focused) {
    if (focused === reported) return;
    reported = focused;
    try {
      const sent = api.runtime.sendMessage({ type: 'password', focused });
      if (sent && typeof sent.catch === 'function') sent.catch(() => {});
    } catch (e) {
      // The extension was reloaded or updated: this frame's script is orphaned and can do nothing.
    }
  }

  function check() { report(isPasswordField(deepActiveElement())); }

  document.addEventListener('focusin', check, true);
  // On focusout activeElement is still the old element; look once the move has happened.
  document.addEventListener('focusout', () => queueMicrotask(check), true);
  document.addEventListener('DOMContentLoaded', check);
  // A field whose type changes while focused (script-driven forms).
  document.addEventListener('input', check, true);
  window.addEventListener('pagehide', () => report(false));
  check();
})();
