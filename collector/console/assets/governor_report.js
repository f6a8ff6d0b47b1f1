// Draws the governors' report charts. The page's CSP forbids inline script, so the data comes from
// the report's JSON endpoint, named in the canvas's data-src attribute. Suppressed cells arrive as
// null and are drawn as gaps, never as numbers.
(function () {
  'use strict';
  const canvas = document.getElementById('report-chart');
  if (!canvas || typeof Chart === 'undefined') return;
  fetch(canvas.dataset.src, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status))))
    .then((report) => {
      const labels = report.current.rows.map((row) => row.category);
      const now = report.current.rows.map((row) => row.total.value);
      const before = report.previous.rows.map((row) => row.total.value);
      canvas.dataset.points = JSON.stringify(now);  // lets tests see what was drawn
      new Chart(canvas, {
        type: 'bar',
        data: {
          labels: labels,
          datasets: [
            { label: report.previous.month, data: before, backgroundColor: '#9bb7d4' },
            { label: report.current.month, data: now, backgroundColor: '#1f5f99' },
          ],
        },
        options: {
          animation: false,
          responsive: true,
          plugins: { title: { display: true, text: 'Concerns by category (numbers below 5 not shown)' } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      });
      canvas.dataset.drawn = 'true';
    })
    .catch((e) => {
      canvas.dataset.error = String(e.message);
    });
})();
