// Vigil console: live alerts for DSLs over server-sent events. No inline script (the CSP forbids
// it); pupil-derived text is only ever set with textContent, never parsed as HTML.
'use strict';

(function () {
  const region = document.getElementById('live-alerts');
  if (!region || !window.EventSource) return;
  const seen = new Set();  // one notice per item, however many captures join it
  const source = new EventSource(region.dataset.events);
  source.addEventListener('alert', (event) => {
    let alert;
    try {
      alert = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (seen.has(alert.item)) return;
    seen.add(alert.item);
    const notice = document.createElement('p');
    notice.className = 'live-alert sev-' + Number(alert.severity);
    notice.dataset.item = String(alert.item);
    const who = alert.pupil ? alert.pupil + ' (' + alert.user + ')' : alert.user;
    notice.append(document.createTextNode('New severity ' + Number(alert.severity) + ' ' + alert.category + ' concern: ' + who + '. '));
    const link = document.createElement('a');
    link.href = '/items/' + encodeURIComponent(String(alert.item));
    link.textContent = 'Open item ' + alert.item;
    notice.append(link);
    region.prepend(notice);
  });
})();
