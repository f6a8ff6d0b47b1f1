// Starts the real vigil-collector (console on HTTPS, ingest over mutual TLS) on free ports in a
// temp dir, real vigil-agents that replay captures into it, and Debian's chromium to sign in to
// its console. Nothing is mocked.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const collectorBin = process.env.VIGIL_COLLECTOR_BIN;
export const agentBin = process.env.VIGIL_AGENT_BIN;
export const smallPack = process.env.VIGIL_SMALL_PACK;

// Polls `probe` until it returns something truthy or `ms` passes; never a fixed sleep.
export async function until(probe, ms, what) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function run(args, input) {
  const r = spawnSync(args[0], args.slice(1), { input: input ?? '', encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

export class Collector {
  // `extraArgs` are added to `serve` (e.g. alert settings).
  constructor(extraArgs = []) {
    this.extraArgs = extraArgs;
    this.dir = mkdtempSync(join(tmpdir(), 'vigil-console-'));
    this.data = join(this.dir, 'collector');
    this.agents = 0;
  }

  async start() {
    const log = openSync(join(this.dir, 'collector.log'), 'w');
    this.proc = spawn(collectorBin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', this.data, '--port-file', join(this.dir, 'grpc.port'),
      '--console', '127.0.0.1:0', '--console-port-file', join(this.dir, 'console.port'), '--alert-severity', '5', ...this.extraArgs],
    { stdio: ['ignore', log, log] });
    closeSync(log);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    await until(() => existsSync(join(this.dir, 'console.port')) && existsSync(join(this.dir, 'grpc.port')), 30000, 'the collector to listen');
    this.grpc = `127.0.0.1:${readFileSync(join(this.dir, 'grpc.port'), 'utf8').trim()}`;
    this.url = `https://127.0.0.1:${readFileSync(join(this.dir, 'console.port'), 'utf8').trim()}`;
  }

  log() {
    return readFileSync(join(this.dir, 'collector.log'), 'utf8');
  }

  // `users add NAME --role ROLE --password-stdin`; returns the password.
  addUser(name, role, password = `${name}-Correct-Horse-9`) {
    run([collectorBin, 'users', 'add', name, '--role', role, '--data-dir', this.data, '--password-stdin'], `${password}\n`);
    return password;
  }

  // Replays `events` (objects in the replay format) through a freshly enrolled agent over mutual
  // TLS; resolves once the agent exits 0 with every capture acknowledged.
  ingest(events) {
    const n = ++this.agents;
    const agentDir = join(this.dir, `agent${n}`);
    const replay = join(this.dir, `replay${n}.jsonl`);
    writeFileSync(replay, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const token = run([collectorBin, 'enroll-token', 'create', '--data-dir', this.data]).trim();
    run([agentBin, 'enroll', '--collector', this.grpc, '--token', token, '--data-dir', agentDir]);
    const r = spawnSync(agentBin, ['--collector', this.grpc, '--data-dir', agentDir, '--source', `replay:${replay}`, '--rules', smallPack,
      '--once', '--timeout', '60'], { encoding: 'utf8', timeout: 90000 });
    if (r.status !== 0) throw new Error(`agent exited ${r.status}: ${r.stderr}`);
  }

  // Stops gently and reports how the collector ended (sanitizer findings make it non-zero).
  async stop() {
    if (!this.proc) return null;
    this.proc.kill('SIGTERM');
    const result = await this.exited;
    this.proc = null;
    return result;
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function event(user, text, extra = {}) {
  return { ts: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), source: 'keyboard', user, app: 'firefox', title: 'Chat - Mozilla Firefox', url: 'https://chat.example/room', text, ...extra };
}

// A console suite's shared fixture: one collector with its users, one headless chromium. Call
// start() from the suite's before() and stop() from its after().
export class ConsoleSuite {
  constructor() {
    this.passwords = {};
  }

  // `users` maps each user name to its role; `collectorArgs` are added to `serve`.
  async start({ users = {}, collectorArgs = [] } = {}) {
    this.collector = new Collector(collectorArgs);
    await this.collector.start();
    for (const [name, role] of Object.entries(users)) this.passwords[name] = this.collector.addUser(name, role);
    this.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  }

  // A fresh browser context signed in as `user` through the login form.
  async signIn(user) {
    const context = await this.browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${this.collector.url}/login`);
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password', { exact: true }).fill(this.passwords[user]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    return { context, page };
  }

  // Closes the browser and stops the collector, which must end cleanly: a crash or a sanitizer
  // finding fails the suite, with the collector's log. The temp dir goes either way.
  async stop() {
    await this.browser?.close();
    const collector = this.collector;
    if (!collector) return;
    const ended = await collector.stop();
    const log = ended && (ended.code !== 0 || ended.signal) ? collector.log() : null;
    collector.cleanup();
    if (log !== null) {
      console.error(log);
      assert.fail(`collector ended with ${JSON.stringify(ended)}`);
    }
  }
}
