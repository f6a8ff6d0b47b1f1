// The DSL console in a real browser: Debian's chromium driven by playwright-core against a real
// collector (HTTPS console) fed by real agents over mutual TLS. Run by ctest as console_browser_test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { ConsoleSuite, event, until } from './support/vigil.mjs';

const suite = new ConsoleSuite();
const passwords = suite.passwords;
let collector;
let browser;
const signIn = (user) => suite.signIn(user);

// The inbox as JSON, through the signed-in page (cookies, same origin).
async function inboxJson(page, query = 'status=all') {
  return page.evaluate(async (q) => (await fetch(`/api/inbox?${q}`)).json(), query);
}

// Listens on the console's event stream from inside the page, keeping the raw alert frames in
// window.__frames (so de-duplication is checked server-side); resolves once the stream is open.
async function openAlertStream(page) {
  await page.evaluate(() => {
    window.__frames = [];
    const es = new EventSource('/events');
    es.addEventListener('alert', (e) => window.__frames.push(JSON.parse(e.data)));
    window.__es = es;
  });
  await until(() => page.evaluate(() => window.__es.readyState === 1), 10000, 'the event stream to open');
}

async function itemFor(page, user, category) {
  const inbox = await inboxJson(page);
  return inbox.items.find((i) => i.user === user && i.category === category);
}

before(async () => {
  await suite.start({ users: { dsl1: 'dsl', dsl2: 'deputy_dsl', nm: 'network_manager', gov: 'governor' } });
  ({ collector, browser } = suite);
  collector.ingest([
    // Three hits from one pupil within minutes: one inbox item, not three alerts.
    event('sam', 'everyone hates you loser'),
    event('sam', 'honestly everyone hates you'),
    event('sam', 'everyone hates u and always will', { app: 'discord', title: 'Discord' }),
    // Pupil-typed attacks on the console itself.
    event('mallory', '<script>alert(1);window.__xss=1</script> i want to kill myself', {
      title: '<img src=x onerror="alert(2);window.__xss=1">', url: 'javascript:alert(3)' }),
    event('mallory', '"><img src=x onerror=alert(4)> honestly kms', { source: 'keyboard', app: 'notepad', title: 'x', url: '' }),
    event('jo', 'where can i buy weed for the play', { app: 'winword', title: 'Drama script - Word', url: '' }),
  ]);
});

after(() => suite.stop());

test('sign-in: a wrong password is refused, the right one opens the inbox', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(`${collector.url}/inbox`);
  assert.equal(new URL(page.url()).pathname, '/login', 'anonymous inbox goes to sign-in');
  await page.getByLabel('User name').fill('dsl1');
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'wrong' }).waitFor();
  await page.getByLabel('User name').fill('dsl1');
  await page.getByLabel('Password', { exact: true }).fill(passwords.dsl1);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${collector.url}/inbox`);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'vigil_session');
  assert.ok(session, 'session cookie set');
  assert.equal(session.httpOnly, true);
  assert.equal(session.secure, true);
  assert.equal(session.sameSite, 'Strict');
  await context.close();
});

test('every response carries the security headers; anonymous requests are refused', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  for (const path of ['/login', '/assets/console.js', '/inbox', '/api/inbox', '/items/1', '/events', '/nope']) {
    const r = await context.request.get(`${collector.url}${path}`, { maxRedirects: 0 });
    const h = r.headers();
    assert.match(h['content-security-policy'], /script-src 'self'/, path);
    assert.match(h['content-security-policy'], /frame-ancestors 'none'/, path);
    assert.doesNotMatch(h['content-security-policy'], /unsafe-inline/, path);
    assert.equal(h['x-content-type-options'], 'nosniff', path);
    if (path === '/inbox' || path === '/items/1') {
      assert.equal(r.status(), 303, path);
      assert.equal(h.location, '/login', path);
    } else if (path === '/api/inbox' || path === '/events') {
      assert.equal(r.status(), 401, path);
    }
  }
  const post = await context.request.post(`${collector.url}/items/1/status`, { form: { status: 'resolved' }, maxRedirects: 0 });
  assert.equal(post.status(), 401);
  await context.close();
});

test('the console certificate is issued by the collector CA', async () => {
  const port = Number(new URL(collector.url).port);
  const ca = readFileSync(join(collector.data, 'pki', 'ca.crt'));
  const verified = await new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(s.authorized);
      s.end();
    });
    s.on('error', reject);
  });
  assert.equal(verified, true);
});

test('repeated hits from one pupil are grouped into one item', async () => {
  const { context, page } = await signIn('dsl1');
  const sam = await until(() => itemFor(page, 'sam', 'bullying'), 15000, "sam's item");
  const items = (await inboxJson(page)).items.filter((i) => i.user === 'sam');
  assert.equal(items.length, 1);
  assert.equal(sam.captures, 3);
  const detail = await page.evaluate(async (id) => (await fetch(`/api/items/${id}`)).json(), sam.id);
  assert.equal(detail.captures_shown.length, 3);
  await page.goto(`${collector.url}/inbox`);
  const card = page.locator('.items li', { hasText: 'sam' });
  await card.getByText('3 captures grouped').waitFor();
  // Most severe first: the severity-5 item comes before sam's severity-3 one.
  const order = (await inboxJson(page)).items.map((i) => i.severity);
  assert.deepEqual(order, [...order].sort((a, b) => b - a));
  // Matched words are highlighted in their context.
  assert.match(await card.locator('mark').first().innerText(), /everyone hates/i);
  await context.close();
});

test('pupil-typed script, onerror and javascript: payloads render inert', async () => {
  const { context, page } = await signIn('dsl1');
  const dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  const item = await until(() => itemFor(page, 'mallory', 'suicide'), 15000, "mallory's item");
  for (const path of ['/inbox?status=all', `/items/${item.id}`, '/pupils/mallory', '/inbox?q=script']) {
    await page.goto(`${collector.url}${path}`);
    await page.waitForLoadState('load');
    assert.equal(await page.evaluate(() => window.__xss), undefined, `script ran on ${path}`);
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0, path);
    assert.equal(await page.locator('img').count(), 0, path);
  }
  await page.goto(`${collector.url}/items/${item.id}`);
  const text = await page.locator('main').innerText();
  assert.ok(text.includes('<script>alert(1);window.__xss=1</script>'), 'the payload is shown as text');
  assert.ok(text.includes('javascript:alert(3)'), 'the URL is shown as text');
  assert.deepEqual(dialogs, []);
  await context.close();
});

test('CSRF: a state change without or with a wrong token is refused', async () => {
  const { context, page } = await signIn('dsl1');
  const sam = await until(() => itemFor(page, 'sam', 'bullying'), 15000, "sam's item");
  await page.goto(`${collector.url}/items/${sam.id}`);
  const post = (body) => page.evaluate(async ({ id, b }) => {
    const r = await fetch(`/items/${id}/status`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body: b });
    return r.status;
  }, { id: sam.id, b: body });
  assert.equal(await post('status=in_review'), 403);
  assert.equal(await post('status=in_review&csrf=0123456789abcdef'), 403);
  assert.equal((await itemFor(page, 'sam', 'bullying')).status, 'new', 'nothing changed');
  const token = await page.locator('input[name=csrf]').first().inputValue();
  assert.equal(await post(`status=in_review&csrf=${token}`), 200, 'the right token is accepted');
  assert.equal((await itemFor(page, 'sam', 'bullying')).status, 'in_review');
  await context.close();
});

test('full triage flow: review, assign, note, false positive, exception approved by the network manager', async () => {
  const { context, page } = await signIn('dsl1');
  const jo = await until(() => itemFor(page, 'jo', 'drugs'), 15000, "jo's item");
  await page.goto(`${collector.url}/inbox?status=all`);
  await page.locator(`a.item-link[href="/items/${jo.id}"]`).click();
  await page.waitForURL(`${collector.url}/items/${jo.id}`);
  await page.getByLabel('Status').selectOption('in_review');
  await page.getByRole('button', { name: 'Update status' }).click();
  await until(async () => (await page.locator('#item-status').innerText()) === 'In review', 10000, 'status in review');
  await page.getByLabel('Assignee').selectOption('dsl2');
  await page.getByRole('button', { name: 'Assign' }).click();
  await until(async () => (await page.locator('#item-assignee').innerText()) === 'dsl2', 10000, 'assignee');
  await page.getByLabel('Add a note').fill('Spoke to drama teacher: it is a line in the school play <b>');
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.locator('.note-body', { hasText: 'line in the school play <b>' }).waitFor();
  await page.getByLabel('Status').selectOption('false_positive');
  await page.getByRole('button', { name: 'Update status' }).click();
  await page.getByRole('button', { name: 'Propose exception' }).waitFor();
  await page.getByLabel('Rule').selectOption('drugs.buy-weed');
  await page.getByLabel('Why is this not a concern?').fill('Quoted from the school play script');
  await page.getByRole('button', { name: 'Propose exception' }).click();
  await page.locator('.history', { hasText: 'proposed an exception for drugs.buy-weed' }).waitFor();
  const history = await page.locator('.history').innerText();
  assert.match(history, /new -> in_review/);
  assert.match(history, /assigned to dsl2/);
  assert.match(history, /in_review -> false_positive/);

  const nm = await signIn('nm');
  await nm.page.goto(`${collector.url}/exceptions`);
  const row = nm.page.locator('tr', { hasText: 'drugs.buy-weed' });
  assert.equal(await row.locator('.proposal-state').innerText(), 'pending');
  await nm.page.getByRole('button', { name: 'Approve exception for drugs.buy-weed' }).click();
  await until(async () => (await nm.page.locator('tr', { hasText: 'drugs.buy-weed' }).locator('.proposal-state').innerText()) === 'approved', 10000, 'approval');
  assert.equal(await nm.page.getByText('Quoted from the school play script').count(), 1, 'the DSL reason is shown');

  // Every content view and change is in the audit log, readable by the DSL.
  await page.goto(`${collector.url}/audit`);
  const audit = await page.locator('table').innerText();
  assert.match(audit, new RegExp(`view_item\\s+item:${jo.id}`));
  assert.match(audit, new RegExp(`status:false_positive\\s+item:${jo.id}`));
  assert.match(audit, /nm\s+network_manager\s+approve_exception/);
  await nm.context.close();
  await context.close();
});

test('roles: a network manager and a governor get 403 for capture content', async () => {
  const jo = await (async () => {
    const { context, page } = await signIn('dsl1');
    const item = await itemFor(page, 'jo', 'drugs');
    await context.close();
    return item;
  })();
  for (const user of ['nm', 'gov']) {
    const { context, page } = await signIn(user);
    for (const path of [`/items/${jo.id}`, `/api/items/${jo.id}`, '/inbox', '/api/inbox', '/pupils/jo', '/api/pupils/jo/timeline', '/audit', '/events']) {
      const r = await context.request.get(`${collector.url}${path}`, { maxRedirects: 0 });
      assert.equal(r.status(), 403, `${user} ${path}`);
    }
    const token = await page.locator('input[name=csrf]').first().inputValue();
    const change = await context.request.post(`${collector.url}/items/${jo.id}/status`, { form: { status: 'resolved', csrf: token }, maxRedirects: 0 });
    assert.equal(change.status(), 403, `${user} may not change an item`);
    const own = await context.request.get(`${collector.url}${user === 'nm' ? '/devices' : '/report'}`, { maxRedirects: 0 });
    assert.equal(own.status(), 200, `${user} still reaches their own page`);
    assert.doesNotMatch(await own.text(), /buy weed|kill myself|jo/);
    await context.close();
  }
});

test('a severity-5 ingest raises one live alert in an open DSL console within 10 s', async () => {
  const { context, page } = await signIn('dsl1');
  await page.goto(`${collector.url}/inbox`);
  await openAlertStream(page);
  collector.ingest([event('riley', 'i want to kill myself tonight')]);
  const ingested = Date.now();
  const notice = page.locator('#live-alerts .live-alert', { hasText: 'riley' });
  await notice.waitFor({ timeout: 10000 });
  const latency = Date.now() - ingested;
  console.log(`[console] live alert ${latency} ms after ingest`);
  assert.ok(latency <= 10000);
  await notice.getByRole('link').click();
  await page.waitForURL(/\/items\/\d+$/);
  assert.match(await page.locator('main').innerText(), /kill myself tonight/);
  // A second severity-5 capture joins riley's item: no second alert for it. Casey's alert, ingested
  // after it, marks the point by which a duplicate would have arrived.
  await page.goto(`${collector.url}/inbox`);
  await openAlertStream(page);
  collector.ingest([event('riley', 'going to hang myself'), event('casey', 'honestly kms')]);
  const frames = await until(async () => {
    const f = await page.evaluate(() => window.__frames);
    return f.some((x) => x.user === 'casey') ? f : null;
  }, 10000, "casey's alert");
  assert.deepEqual(frames.filter((x) => x.user === 'riley'), [], 'riley alerted again');
  await context.close();
});

test('keyboard only: Tab reaches the inbox items and the status controls; every control is labelled', async () => {
  const { context, page } = await signIn('dsl1');
  const unlabelled = () => page.evaluate(() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter((el) => {
      const label = [...(el.labels ?? [])].map((l) => l.textContent).join(' ') || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' ? el.textContent : '');
      return !label.trim();
    }).map((el) => el.outerHTML));
  await page.goto(`${collector.url}/inbox?status=all`);
  assert.deepEqual(await unlabelled(), []);
  const tabUntil = async (predicate, what) => {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(predicate)) return;
    }
    assert.fail(`Tab never reached ${what}`);
  };
  await tabUntil(() => document.activeElement?.classList.contains('item-link'), 'an inbox item');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/items\/\d+$/);
  assert.deepEqual(await unlabelled(), []);
  await tabUntil(() => document.activeElement?.id === 'status', 'the status control');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Update status');
  await context.close();
});

function rawTls(send) {
  const port = Number(new URL(collector.url).port);
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => send(s));
    let data = '';
    s.on('data', (d) => { data += d; });
    s.on('close', () => resolve(data));
    s.on('error', reject);
  });
}

test('bad HTTP gets 400 with a reason; a client that trickles a request is dropped', async () => {
  const reply = await rawTls((s) => s.write('GET / HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n'));
  assert.match(reply, /^HTTP\/1\.1 400/);
  assert.match(reply, /malformed request/);
  const started = Date.now();
  let timer;
  const dropped = await rawTls((s) => {
    s.write('GET /login HTTP/1.1\r\nHost: x\r\n');
    timer = setInterval(() => s.write('X-a: b\r\n'), 500);
  });
  clearInterval(timer);
  const held = Date.now() - started;
  assert.equal(dropped, '', 'nothing answered to an unfinished request');
  assert.ok(held < 20000, `held for ${held} ms`);
});
