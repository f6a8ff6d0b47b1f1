// The browser route end to end: Debian chromium, headed on a private Xvfb display with openbox,
// loads the unpacked Vigil extension; its native host (vigil-browser-host) reaches the real
// vigil-session, which hands units to a real vigil-agent, which delivers to a real
// vigil-collector. Pages come from a local HTTP server started here. Keys are typed with xdotool,
// so they reach vigil-session as XInput2 raw events, the way a pupil's do.
//
// Run by ctest (label "browser") under dbus-run-session with a private XDG_RUNTIME_DIR; the
// binaries and directories come from the environment (see tests/CMakeLists.txt).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync, spawnSync } = require('node:child_process');
const { chromium } = require('playwright-core');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this test through ctest`);
  return value;
};
const BIN = {
  agent: env('VIGIL_AGENT_BIN'),
  collector: env('VIGIL_COLLECTOR_BIN'),
  session: env('VIGIL_SESSION_BIN'),
  host: env('VIGIL_BROWSER_HOST_BIN'),
};
const PACK_DIR = env('VIGIL_SMALL_PACK_DIR');
const EXTENSION_DIR = env('VIGIL_EXTENSION_DIR');
const CHROMIUM = process.env.VIGIL_CHROMIUM || '/usr/bin/chromium';
// The id fixed by the "key" in the extension's manifest (packaging/browser-extension/README.md).
const EXTENSION_ID = 'pnjmjlafmlcondmanpnojojkeahlooae';

const START_TIMEOUT_MS = 30000;
const DELIVERY_TIMEOUT_MS = 45000;
const POLL_MS = 100;
// The session helper's page limits (agent/browser/page_limiter.h): a burst of 5 per tab, then 1/s.
const TAB_BURST = 5;
const FLOOD_NAVIGATIONS = 1000;
const TYPE_DELAY_MS = '40';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-browser-'));
const children = [];
let display;
let collectorDir;
let agentDir;
let sessionLog;
let server;
let baseUrl;
let context;

// ---- processes ---------------------------------------------------------------------------------

function start(name, argv, extraEnv = {}) {
  const log = path.join(dir, `${name}.log`);
  const out = fs.openSync(log, 'a');
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', out, out], env: { ...process.env, ...extraEnv } });
  fs.closeSync(out);
  child.exited = false;
  child.on('exit', () => { child.exited = true; });
  children.push(child);
  return { child, log };
}

function readLog(name) {
  try { return fs.readFileSync(path.join(dir, `${name}.log`), 'utf8'); } catch { return ''; }
}

function logs() {
  return ['session', 'agent', 'collector', 'xvfb', 'openbox'].map((n) => `--- ${n}.log ---\n${readLog(n).slice(-4000)}`).join('\n');
}

async function waitUntil(what, probe, timeoutMs = START_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));  // polling interval, not synchronisation
  }
}

function run(argv) {
  return spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, DISPLAY: display } });
}

function jsonLines(text) {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

function captures() {
  const r = run([BIN.collector, 'captures', '--data-dir', collectorDir, '--json']);
  if (r.status !== 0) throw new Error(`captures failed: ${r.stderr}`);
  return jsonLines(r.stdout);
}

function devices() {
  const r = run([BIN.collector, 'devices', '--data-dir', collectorDir, '--json']);
  if (r.status !== 0) throw new Error(`devices failed: ${r.stderr}`);
  return jsonLines(r.stdout);
}

function browserGaps() {
  return devices().flatMap((d) => d.coverage_gaps).filter((g) => g.state.includes('browser extension missing'));
}

function allBytes(root) {
  let out = Buffer.alloc(0);
  for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile()) out = Buffer.concat([out, fs.readFileSync(full)]);
  }
  return out.toString('latin1');
}

function count(text, needle) {
  return text.split(needle).length - 1;
}

async function startDisplay() {
  const first = 100 + (process.pid % 800);
  for (let n = first; n < first + 20; ++n) {
    if (fs.existsSync(`/tmp/.X${n}-lock`)) continue;
    display = `:${n}`;
    const xvfb = start('xvfb', ['/usr/bin/Xvfb', display, '-noreset', '-nolisten', 'tcp', '-screen', '0', '1280x900x24']);
    const up = await waitUntil('Xvfb', () => xvfb.child.exited || run(['/usr/bin/xdpyinfo', '-display', display]).status === 0);
    if (up && !xvfb.child.exited) return;
  }
  throw new Error(`no X display could be started\n${logs()}`);
}

// ---- the web the pupil visits ----------------------------------------------------------------

function page(title, body = '') {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

function startWebServer() {
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (url.pathname === '/search') {
      res.end(page('Search results', `<p>Results for your search</p>`));
    } else if (url.pathname === '/login') {
      // No form: Return must not navigate away while the test types.
      res.end(page('Sign in', '<input id="pw" type="password" autocomplete="current-password"> <input id="note" type="text">'));
    } else if (url.pathname === '/flood') {
      res.end(page('Flood', `<script>
        (async () => {
          for (let i = 1; i <= ${FLOOD_NAVIGATIONS}; ++i) {
            history.pushState({}, '', '/flood/kill-myself-' + i);
            // Yield now and then, so the browser reports the navigations rather than only the last.
            if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
          }
          document.title = 'Flood done';
        })();
      </script>`));
    } else {
      res.end(page('Reading list', '<p>An ordinary page.</p>'));
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    baseUrl = `http://127.0.0.1:${server.address().port}`;
    resolve();
  }));
}

// ---- chromium --------------------------------------------------------------------------------

async function launchChromium(profile, withExtension) {
  const userDataDir = path.join(dir, profile);
  const args = ['--no-first-run', '--password-store=basic', '--window-size=1200,800'];
  if (withExtension) {
    // Chromium finds a per-profile native host manifest under <user-data-dir>/NativeMessagingHosts.
    const hosts = path.join(userDataDir, 'NativeMessagingHosts');
    fs.mkdirSync(hosts, { recursive: true });
    fs.writeFileSync(path.join(hosts, 'vigil.browser_host.json'), JSON.stringify({
      name: 'vigil.browser_host',
      description: 'Vigil safeguarding monitor',
      path: path.resolve(BIN.host),
      type: 'stdio',
      allowed_origins: [`chrome-extension://${EXTENSION_ID}/`],
    }));
    args.push(`--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`);
  }
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: false,
    args,
    ignoreDefaultArgs: ['--disable-extensions'],
    env: { ...process.env, DISPLAY: display, VIGIL_BROWSER_SOCKET: path.join(dir, 'browser.sock') },
  });
}

// Makes the chromium window the active X window, so xdotool's keys go to it.
async function activateChromium() {
  let id = '';
  await waitUntil('a chromium window', () => {
    const r = run(['/usr/bin/xdotool', 'search', '--onlyvisible', '--class', 'chromium']);
    id = r.stdout.trim().split('\n').filter(Boolean).pop() || '';
    return id !== '';
  });
  run(['/usr/bin/xdotool', 'windowactivate', '--sync', id]);
  await waitUntil('chromium to be the active window', () => run(['/usr/bin/xdotool', 'getactivewindow']).stdout.trim() === id);
  return id;
}

// Gives the page itself keyboard focus, as a pupil's click would: until then the browser sends
// keys to its address bar, whatever element the page has focused.
async function focusPageContent(tab) {
  const id = await activateChromium();
  run(['/usr/bin/xdotool', 'mousemove', '--window', id, '600', '500', 'click', '1']);
  await waitUntil('the page to have keyboard focus', () => tab.evaluate(() => document.hasFocus()));
}

function type(text) {
  const r = run(['/usr/bin/xdotool', 'type', '--delay', TYPE_DELAY_MS, text]);
  assert.equal(r.status, 0, r.stderr);
}

async function waitForCapture(what, predicate) {
  return waitUntil(what, () => captures().find(predicate), DELIVERY_TIMEOUT_MS);
}

// ---- setup -----------------------------------------------------------------------------------

before(async () => {
  await startDisplay();
  process.env.DISPLAY = display;
  delete process.env.WAYLAND_DISPLAY;
  start('openbox', ['/usr/bin/openbox']);
  await waitUntil('openbox', () => run(['/usr/bin/xprop', '-root', '_NET_SUPPORTING_WM_CHECK']).stdout.includes('window id'));

  collectorDir = path.join(dir, 'collector');
  const portFile = path.join(dir, 'collector.port');
  start('collector', [BIN.collector, 'serve', '--listen', '127.0.0.1:0', '--data-dir', collectorDir, '--port-file', portFile,
    '--insecure-loopback']);
  await waitUntil('the collector', () => fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim() !== '');
  const collector = `127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}`;

  agentDir = path.join(dir, 'agent');
  const agentSocket = path.join(dir, 'session.sock');
  start('agent', [BIN.agent, '--collector', collector, '--data-dir', agentDir, '--source', `session:${agentSocket}`,
    '--rules', PACK_DIR, '--insecure-loopback', '--heartbeat-interval', '1', '--log-level', 'debug']);
  await waitUntil('the agent socket', () => fs.existsSync(agentSocket));

  start('session', [BIN.session, '--agent-socket', agentSocket, '--browser-socket', path.join(dir, 'browser.sock'),
    '--log-level', 'debug']);
  sessionLog = () => readLog('session');
  await waitUntil('the session helper', () => readLog('agent').includes('session helper connected'));
  await waitUntil('the browser socket', () => fs.existsSync(path.join(dir, 'browser.sock')));
  await startWebServer();
});

after(async () => {
  if (context) await context.close().catch(() => {});
  if (server) server.close();
  for (const child of children.reverse()) {
    if (!child.exited) child.kill('SIGTERM');
  }
  await waitUntil('every process to stop', () => children.every((c) => c.exited), 10000).catch(() => {
    for (const child of children) if (!child.exited) child.kill('SIGKILL');
  });
  if (!process.env.VIGIL_KEEP_TEST_DIR) fs.rmSync(dir, { recursive: true, force: true });
});

// ---- tests -----------------------------------------------------------------------------------

test('a browser without the extension is a coverage gap until the extension connects', async () => {
  const bare = await launchChromium('profile-bare', false);
  const tab = bare.pages()[0] ?? await bare.newPage();
  await tab.goto(`${baseUrl}/welcome`);
  await activateChromium();
  const gaps = await waitUntil('"browser extension missing" at the collector', () => {
    const g = browserGaps();
    return g.length > 0 ? g : null;
  }, DELIVERY_TIMEOUT_MS);
  assert.match(gaps[0].state, /chromium is in use/);
  await bare.close();

  context = await launchChromium('profile', true);
  await waitUntil('the extension to reach vigil-session', () => sessionLog().includes('browser extension connected (chromium'));
  await waitUntil('the gap to clear at the collector', () => browserGaps().length === 0, DELIVERY_TIMEOUT_MS);
  for (const source of devices()[0].sources) assert.doesNotMatch(source.state, /browser extension missing/);
  // Every route watched: the network manager sees full coverage, not "partial".
  await waitUntil('coverage to be full', () => devices()[0].coverage.state === 'full', DELIVERY_TIMEOUT_MS);
});

test('visited pages and searches arrive as url captures with the URL kept', async () => {
  const tab = context.pages()[0] ?? await context.newPage();
  await tab.goto(`${baseUrl}/articles/how-to-kill-myself`);
  const visit = await waitForCapture('the page visit', (c) => c.url.endsWith('/articles/how-to-kill-myself'));
  assert.equal(visit.source, 'url');
  assert.equal(visit.title, 'Reading list');
  assert.equal(visit.app, 'chromium');
  assert.match(visit.text, /127 0 0 1 articles how to kill myself/);  // host and path as words
  assert.equal(visit.hits[0].rule, 'suicide.kill-myself');

  await tab.goto(`${baseUrl}/search?q=no+one+would+even+care`);
  const search = await waitForCapture('the search', (c) => c.url.includes('/search?q='));
  assert.equal(search.source, 'url');
  assert.equal(search.text.split('\n')[0], 'no one would even care');  // the query, decoded
  assert.equal(search.title, 'Search results');
  assert.equal(search.hits[0].rule, 'suicide.no-one-would-miss-me');
  // One capture per page: the query is not scanned again from the URL's query string.
  assert.equal(captures().filter((c) => c.url.includes('/search?q=')).length, 1);
});

test('keys typed into a browser password field are dropped; the same phrase in a text field is captured', async () => {
  const tab = context.pages()[0];
  await tab.goto(`${baseUrl}/login`);
  await focusPageContent(tab);
  const secret = 'hang myself secretpw';

  const focusedBefore = count(sessionLog(), 'browser password field focused');
  await tab.focus('#pw');
  await waitUntil('vigil-session to learn of the password field', () => count(sessionLog(), 'browser password field focused') > focusedBefore);
  type(secret);
  run(['/usr/bin/xdotool', 'key', 'Return']);  // ends the line, so the control below is a line of its own
  // The keys really reached the field: its value is what was typed.
  let value = '';
  await waitUntil('the password field to hold the typed text', async () => (value = await tab.inputValue('#pw', { timeout: 1000 })) === secret)
    .catch((e) => { throw new Error(`the password field holds ${JSON.stringify(value)}: ${e.message}`); });

  const leftBefore = count(sessionLog(), 'browser password field left');
  await tab.focus('#note');
  await waitUntil('vigil-session to learn focus left it', () => count(sessionLog(), 'browser password field left') > leftBefore);
  // Control: the same phrase in an ordinary field is captured, so the route works end to end and
  // the test fails if password detection breaks (there would then be two captures).
  type('hang myself notes');
  run(['/usr/bin/xdotool', 'key', 'Return']);
  await waitUntil('the text field to hold the typed text', async () => (await tab.inputValue('#note')) === 'hang myself notes');
  const control = await waitForCapture('the text-field control', (c) => c.source === 'keyboard' && c.text.includes('hang myself'));
  assert.equal(control.app, 'chromium');
  assert.match(sessionLog(), /dropping keys \(browser password field\)/);

  // The password keys were typed first and are handled in order: by now they have been dropped.
  const phrase = captures().filter((c) => c.source === 'keyboard' && c.text.includes('hang myself'));
  assert.equal(phrase.length, 1, `expected only the control capture, got ${JSON.stringify(phrase)}`);
  assert.equal(JSON.stringify(captures()).includes('secretpw'), false);
  for (const [where, bytes] of [['outbox', allBytes(agentDir)], ['collector store', allBytes(collectorDir)],
    ['session log', sessionLog()], ['agent log', readLog('agent')], ['collector log', readLog('collector')]]) {
    assert.equal(bytes.includes('secretpw'), false, `the password reached the ${where}`);
  }
});

test('a page doing 1,000 rapid navigations does not flood; the page it settles on still arrives', async () => {
  const tab = await context.newPage();
  const reportsBefore = count(sessionLog(), 'browser page report');
  const started = Date.now();
  await tab.goto(`${baseUrl}/flood`);
  const last = await waitForCapture('the last flood URL', (c) => c.url.endsWith(`/flood/kill-myself-${FLOOD_NAVIGATIONS}`));
  const seconds = (Date.now() - started) / 1000;
  const flood = captures().filter((c) => c.url.includes('/flood/'));
  const reports = count(sessionLog(), 'browser page report') - reportsBefore;
  console.log(`[browser] ${FLOOD_NAVIGATIONS} navigations -> ${reports} page reports at vigil-session -> ${flood.length} url captures in ${seconds.toFixed(1)} s`);
  assert.ok(reports >= 50, `only ${reports} page reports reached vigil-session: the flood did not test the limiter`);
  assert.equal(last.source, 'url');
  assert.ok(flood.length >= 2, 'the flood produced captures at all');
  // A burst, then at most one a second, plus the held-back last page.
  assert.ok(flood.length <= TAB_BURST + Math.ceil(seconds) + 1, `${flood.length} captures in ${seconds} s`);
  await tab.close();
});
