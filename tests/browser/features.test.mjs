// Console features in a real browser against a real collector fed by real agents: the pupil
// upload, urgent alerts to a webhook and a mail server started here (exactly one per item, no
// content, within 10 s), exports (CSV formula injection neutralised, printable record escaped),
// the legal hold, and the governors' report (suppressed counts, chart, 403 on content).
// Run by ctest as console_features_browser_test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { ConsoleSuite, event, until } from './support/vigil.mjs';

// A webhook receiver: records every POST body.
function startWebhook() {
  const posts = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      posts.push({ at: Date.now(), path: req.url, type: req.headers['content-type'], body });
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, posts, url: `http://127.0.0.1:${server.address().port}/hook` })));
}

// A mail server that speaks just enough SMTP for libcurl and records each message.
function startSmtp() {
  const messages = [];
  const server = net.createServer((socket) => {
    let buffer = '';
    let inData = false;
    let msg = { to: [] };
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          msg.data = buffer.slice(0, end);
          msg.at = Date.now();
          messages.push(msg);
          buffer = buffer.slice(end + 5);
          inData = false;
          socket.write('250 OK\r\n');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250-test\r\n250 8BITMIME\r\n');
        else if (verb === 'MAIL') { msg = { from: line, to: [] }; socket.write('250 OK\r\n'); }
        else if (verb === 'RCPT') { msg.to.push(line); socket.write('250 OK\r\n'); }
        else if (verb === 'DATA') { inData = true; socket.write('354 go\r\n'); }
        else if (verb === 'QUIT') { socket.end('221 bye\r\n'); return; }
        else socket.write('250 OK\r\n');
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, messages, url: `smtp://127.0.0.1:${server.address().port}` })));
}

// RFC 4180 parser (quoted fields, doubled quotes, CRLF) for checking exports as a spreadsheet reads them.
function parseCsv(text) {
  if (text.startsWith('\ufeff')) text = text.slice(1);
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

const PAYLOAD = "=cmd|' /C calc'!A0 i want to kill myself";
let webhook;
let smtp;
const suite = new ConsoleSuite();
const passwords = suite.passwords;
let collector;
let browser;
let ingestedAt = 0;
const signIn = (user) => suite.signIn(user);

async function itemOf(page, user) {
  const inbox = await page.evaluate(async () => (await fetch('/api/inbox?status=all')).json());
  return inbox.items.find((i) => i.user === user);
}

before(async () => {
  webhook = await startWebhook();
  smtp = await startSmtp();
  await suite.start({
    users: { dsl1: 'dsl', nm: 'network_manager', gov: 'governor' },
    collectorArgs: ['--alert-webhook', webhook.url, '--alert-smtp', smtp.url, '--alert-email-to', 'dsl@school.example',
      '--alert-email-from', 'vigil@school.example', '--alert-min-severity', '5'],
  });
  ({ collector, browser } = suite);
});

after(async () => {
  webhook?.server.close();
  smtp?.server.close();
  await suite.stop();
});

test('a DSL uploads the MIS pupil list (rows named when refused); a network manager may not', async () => {
  const { context, page } = await signIn('dsl1');
  await page.goto(`${collector.url}/directory/import`);
  const csv = '\ufeff"Legal Surname","Legal Forename","Preferred Forename","Year","Reg Group","Network Username"\r\n' +
    '"O\'Brien","Mallory","<b>Mal</b>","Year 9","9R","mallory"\r\n"Bloggs","Joanne","Jo","Y10","10F","jo"\r\n"Bad","Row","","Year 99","","bad"\r\n';
  await page.setInputFiles('#directory-file', { name: 'sims.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Import' }).click();
  const summary = page.locator('#directory-summary');
  await summary.waitFor();
  assert.equal(await summary.textContent(), 'Added 2, updated 0, unchanged 0, rejected 1.');
  assert.equal(await page.locator('#directory-result li').textContent(), 'sims.csv:4: year group "Year 99" is above Year 14');
  await context.close();

  const nm = await signIn('nm');
  const r = await nm.context.request.get(`${collector.url}/directory/import`, { maxRedirects: 0 });
  assert.equal(r.status(), 403);
  const token = await nm.page.locator('input[name=csrf]').first().inputValue();
  const post = await nm.context.request.post(`${collector.url}/directory/import`, { headers: { 'Content-Type': 'text/csv', 'X-CSRF-Token': token }, data: csv });
  assert.equal(post.status(), 403);
  await nm.context.close();
});

test('urgent alerts: one webhook and one email per item within 10 s of ingest, with no content', async () => {
  collector.ingest([
    event('mallory', PAYLOAD, { title: '<script>window.__xss=1</script>', url: 'javascript:alert(1)' }),
    event('mallory', 'honestly i want to kill myself'),
    event('mallory', 'kms kms'),
    event('sam', 'everyone hates you'),  // severity 3: below the threshold, no alert
  ]);
  ingestedAt = Date.now();  // the agent has exited: every capture is stored
  await until(() => webhook.posts.length >= 1 && smtp.messages.length >= 1, 10000, 'the first alerts');
  const latency = Math.max(webhook.posts[0].at, smtp.messages[0].at) - ingestedAt;
  console.log(`[features] ingest -> webhook and email: ${latency} ms`);
  assert.ok(latency <= 10000);

  // A second pupil's alert arrives after any duplicate of the first would have.
  collector.ingest([event('jo', 'i want to hang myself')]);
  await until(() => webhook.posts.length >= 2 && smtp.messages.length >= 2, 10000, "the second pupil's alerts");
  assert.equal(webhook.posts.length, 2, 'three severity-5 hits on one item, one more item: two webhooks');
  assert.equal(smtp.messages.length, 2);

  const { context, page } = await signIn('dsl1');
  const mallory = await itemOf(page, 'mallory');
  await context.close();
  const body = JSON.parse(webhook.posts[0].body);
  assert.match(webhook.posts[0].type, /^application\/json/);
  assert.equal(body.vigil.severity, 5);
  assert.equal(body.vigil.category, 'suicide');
  assert.equal(body.vigil.year_group, 'Year 9');
  assert.equal(body.vigil.link, `${collector.url}/items/${mallory.id}`);
  const mail = smtp.messages[0].data;
  assert.match(mail, /^Subject: Vigil urgent alert: severity 5, suicide \(Year 9\)\r$/m);
  assert.ok(mail.includes(`${collector.url}/items/${mallory.id}`));
  for (const sent of [...webhook.posts.map((p) => p.body), ...smtp.messages.map((m) => m.data)]) {
    for (const secret of ['kill myself', 'hang myself', 'cmd', 'script', 'mallory', 'Mallory', 'Mal', 'Bloggs', 'javascript']) {
      assert.ok(!sent.includes(secret), `alert carries "${secret}"`);
    }
  }
});

test('exports: item CSV neutralises formulas, the printable record escapes pupil text, both audited', async () => {
  const { context, page } = await signIn('dsl1');
  const mallory = await itemOf(page, 'mallory');
  await page.goto(`${collector.url}/items/${mallory.id}`);
  // The item page's link, fetched with the page's session (as the browser's download would be).
  const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  const exported = await context.request.get(`${collector.url}${href}`);
  assert.equal(exported.status(), 200);
  assert.match(exported.headers()['content-type'], /^text\/csv/);
  assert.match(exported.headers()['content-disposition'], /^attachment; filename="vigil-item-\d+\.csv"$/);
  const csvText = await exported.text();
  const rows = parseCsv(csvText);
  const header = rows[0];
  assert.deepEqual(header.slice(0, 5), ['item_id', 'status', 'category', 'severity', 'username']);
  const text = header.indexOf('text');
  const texts = rows.slice(1).map((r) => r[text]);
  assert.equal(rows.length, 4, 'one row per capture');
  assert.ok(texts.includes(`'${PAYLOAD}`), `the formula is prefixed: ${texts}`);
  assert.ok(csvText.includes(`"'=cmd|' /C calc'!A0`), 'and the cell is quoted');
  for (const r of rows) for (const cell of r) assert.ok(!/^[=+\-@\t\r]/.test(cell), `cell starts a formula: ${cell}`);
  assert.equal(rows[1][header.indexOf('pupil_name')], '<b>Mal</b> O\'Brien');

  // Filtered export through the inbox's filters.
  const filtered = await context.request.get(`${collector.url}/export.csv?status=all&pupil=mallory`);
  assert.equal(filtered.status(), 200);
  assert.equal(parseCsv(await filtered.text()).length, 4);

  const record = await context.newPage();
  const response = await record.goto(`${collector.url}/items/${mallory.id}/record`);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /script-src|unsafe-inline/);
  assert.equal(await record.evaluate(() => window.__xss), undefined);
  assert.equal(await record.locator('script').count(), 0);
  assert.ok((await record.locator('body').textContent()).includes('<script>window.__xss=1</script>'), 'the title is shown as text');
  assert.ok((await record.locator('h1').first().textContent()).includes('<b>Mal</b> O\'Brien'), 'the name is shown as text');
  assert.equal(await record.locator('h1 b').count(), 0);
  assert.equal(await record.locator('a[href^="javascript"]').count(), 0);
  assert.ok((await record.locator('mark').first().textContent()).includes('kill myself'));
  // The record's own style block applies (allowed by its hash): print layout is there.
  assert.equal(await record.evaluate(() => getComputedStyle(document.querySelector('mark')).fontWeight), '700');

  await page.goto(`${collector.url}/audit`);
  const audit = await page.locator('main').textContent();
  assert.match(audit, new RegExp(`export_csv\\s*items:${mallory.id}`));
  assert.match(audit, new RegExp(`export_record\\s*items:${mallory.id}`));
  await context.close();
});

test('legal hold: set and lifted from the item page, recorded in the history and the audit log', async () => {
  const { context, page } = await signIn('dsl1');
  const mallory = await itemOf(page, 'mallory');
  await page.goto(`${collector.url}/items/${mallory.id}`);
  assert.match(await page.locator('#legal-hold').textContent(), /Legal hold: off/);
  await page.getByRole('button', { name: 'Set legal hold' }).click();
  await page.waitForURL(`${collector.url}/items/${mallory.id}`);
  assert.match(await page.locator('#legal-hold').textContent(), /Legal hold: on/);
  assert.match(await page.locator('.history').textContent(), /legal hold set/);
  await page.getByRole('button', { name: 'Lift legal hold' }).click();
  await page.waitForURL(`${collector.url}/items/${mallory.id}`);
  assert.match(await page.locator('#legal-hold').textContent(), /Legal hold: off/);
  await page.goto(`${collector.url}/audit`);
  assert.match(await page.locator('main').textContent(), new RegExp(`legal_hold:on\\s*item:${mallory.id}`));
  await context.close();
});

test('governors see only the suppressed report (chart drawn, CSV), and 403 on every capture URL', async () => {
  const { context, page } = await signIn('gov');
  assert.equal(new URL(page.url()).pathname, '/report', 'a governor lands on the report');
  const table = await page.locator('#report-table').textContent();
  assert.ok(table.includes('suicide') && table.includes('bullying'));
  assert.ok(table.includes('<5'), 'small numbers are shown as <5');
  for (const secret of ['mallory', 'Mallory', 'jo', 'sam', 'kill', 'Mal']) assert.ok(!table.includes(secret), `report shows "${secret}"`);
  await until(() => page.locator('#report-chart').getAttribute('data-drawn'), 10000, 'the chart to be drawn');
  const points = JSON.parse(await page.locator('#report-chart').getAttribute('data-points'));
  assert.ok(points.every((p) => p === null), `suppressed counts are not drawn: ${points}`);
  const json = await (await context.request.get(`${collector.url}/report.json`)).json();
  assert.equal(json.current.total.value, null);
  assert.equal(json.current.total.display, '<5');
  const csv = await context.request.get(`${collector.url}/report.csv`);
  assert.equal(csv.status(), 200);
  const rows = parseCsv(await csv.text());
  assert.deepEqual(rows[0].slice(0, 2), ['month', 'category']);
  assert.ok(rows.slice(1).every((r) => r.slice(2, -3).every((c) => ['0', '<5', '*'].includes(c))), JSON.stringify(rows));

  const dsl = await signIn('dsl1');
  const mallory = await itemOf(dsl.page, 'mallory');
  await dsl.context.close();
  for (const path of [`/items/${mallory.id}`, `/items/${mallory.id}/export.csv`, `/items/${mallory.id}/record`, '/export.csv?status=all',
    '/export/record?status=all', '/api/inbox', '/inbox', '/pupils/mallory', '/directory/import', '/overview', '/audit']) {
    const r = await context.request.get(`${collector.url}${path}`, { maxRedirects: 0 });
    assert.equal(r.status(), 403, path);
  }
  const token = await page.locator('input[name=csrf]').first().inputValue();
  const hold = await context.request.post(`${collector.url}/items/${mallory.id}/legal-hold`, { form: { hold: 'on', csrf: token }, maxRedirects: 0 });
  assert.equal(hold.status(), 403);
  await context.close();
});
