// The extension's packaging agrees with itself: the id fixed by the manifest's public key is the
// one the README documents and every host manifest and policy names, and the Firefox id matches.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../../packaging');
const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');
const json = (p) => JSON.parse(read(p));

// Chromium's id: the first 128 bits of SHA-256 over the DER public key, as hex digits a-p.
function extensionId(base64Key) {
  const hex = crypto.createHash('sha256').update(Buffer.from(base64Key, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

const manifest = json('browser-extension/manifest.json');
const id = extensionId(manifest.key);
const geckoId = manifest.browser_specific_settings.gecko.id;

test('the manifest key is a public key and fixes the documented id', () => {
  const key = crypto.createPublicKey({ key: Buffer.from(manifest.key, 'base64'), format: 'der', type: 'spki' });
  assert.equal(key.asymmetricKeyType, 'rsa');
  assert.match(read('browser-extension/README.md'), new RegExp(`\\b${id}\\b`));
  assert.equal(manifest.manifest_version, 3);
  for (const file of [manifest.background.service_worker, ...manifest.background.scripts, ...manifest.content_scripts[0].js]) {
    assert.ok(fs.existsSync(path.join(root, 'browser-extension', file)), file);
  }
});

test('host manifests and policies name this extension and nothing else', () => {
  for (const dir of ['linux', 'windows']) {
    const chromium = json(`browser-policies/${dir}/vigil.browser_host.chromium.json`);
    assert.equal(chromium.name, 'vigil.browser_host');
    assert.deepEqual(chromium.allowed_origins, [`chrome-extension://${id}/`]);
    const firefox = json(`browser-policies/${dir}/vigil.browser_host.firefox.json`);
    assert.deepEqual(firefox.allowed_extensions, [geckoId]);
  }
  for (const p of ['linux/chromium-policy.json', 'linux/edge-policy.json']) {
    const forced = json(`browser-policies/${p}`).ExtensionInstallForcelist;
    assert.equal(forced.length, 1);
    assert.equal(forced[0].split(';')[0], id);
  }
  assert.deepEqual(Object.keys(json('browser-policies/linux/firefox-policies.json').policies.ExtensionSettings), [geckoId]);
  const reg = read('browser-policies/windows/vigil-browser.reg');
  assert.equal(reg.split(`"1"="${id};`).length - 1, 3);  // Chrome, Edge, Chromium
  assert.ok(reg.includes(`\\"${geckoId}\\"`));
  assert.match(read('browser-policies/updates.xml'), new RegExp(`appid='${id}'`));
});

test('the background script connects to the host the manifests name', () => {
  assert.match(read('browser-extension/background.js'), /const HOST = 'vigil\.browser_host';/);
  assert.deepEqual(manifest.permissions.sort(), ['nativeMessaging', 'tabs']);
});
