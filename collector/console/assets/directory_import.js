// Sends the chosen MIS export to /directory/import as text/csv with the page's CSRF token, and
// shows the counts and each rejected row (as text, never as HTML).
(function () {
  'use strict';
  const form = document.getElementById('directory-import');
  if (!form) return;
  const out = document.getElementById('directory-result');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = document.getElementById('directory-file').files[0];
    if (!file) return;
    out.textContent = 'Importing…';
    try {
      const r = await fetch(`${form.dataset.target}?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'text/csv', 'X-CSRF-Token': form.querySelector('input[name=csrf]').value, Accept: 'application/json' },
        body: await file.text(),
      });
      const body = await r.json();
      out.replaceChildren();
      const summary = document.createElement('p');
      summary.id = 'directory-summary';
      summary.textContent = r.ok
        ? `Added ${body.added}, updated ${body.updated}, unchanged ${body.unchanged}, rejected ${body.rejected}.`
        : `Not imported: ${body.error}`;
      out.append(summary);
      if (r.ok && body.errors.length) {
        const list = document.createElement('ul');
        for (const line of body.errors) {
          const li = document.createElement('li');
          li.textContent = line;
          list.append(li);
        }
        out.append(list);
      }
    } catch (err) {
      out.textContent = `Not imported: ${err.message}`;
    }
  });
})();
