// Vigil browser extension, background: a Chromium MV3 service worker and a Firefox background
// script (same file). Reports each page a tab settles on (URL, title, search query) and whether a
// password field has focus, to vigil-session through the native host "vigil.browser_host".
// Message formats: agent/session/PROTOCOL.md, "Browser extension".

const api = globalThis.browser ?? globalThis.chrome;
const HOST = 'vigil.browser_host';
const PROTOCOL_VERSION = 1;
// Reconnect backoff when the host is missing or exits (e.g. vigil-session restarting).
const RECONNECT_FIRST_MS = 1000;
const RECONNECT_MAX_MS = 60000;

// Search engines and the parameter holding the query. Hosts match on their registrable part.
const SEARCH_ENGINES = [
  { host: /(^|\.)google\.[a-z.]+$/, path: /^\/(search|webhp)?$/, params: ['q'] },
  { host: /(^|\.)bing\.com$/, path: /^\/(search|images\/search|videos\/search|news\/search)$/, params: ['q'] },
  { host: /(^|\.)duckduckgo\.com$/, path: /^\/?/, params: ['q'] },
  { host: /(^|\.)ecosia\.org$/, path: /^\/(search|images|videos|news)$/, params: ['q'] },
  { host: /(^|\.)youtube\.com$/, path: /^\/results$/, params: ['search_query'] },
  { host: /(^|\.)search\.yahoo\.com$/, path: /^\/search/, params: ['p'] },
  { host: /(^|\.)search\.brave\.com$/, path: /^\/search$/, params: ['q'] },
  { host: /(^|\.)startpage\.com$/, path: /^\/(do\/)?search$/, params: ['query', 'q'] },
  { host: /(^|\.)yandex\.[a-z.]+$/, path: /^\/search/, params: ['text'] },
  { host: /(^|\.)baidu\.com$/, path: /^\/s$/, params: ['wd', 'word'] },
  { host: /(^|\.)wikipedia\.org$/, path: /^\/w\/index\.php$/, params: ['search'] },
  { host: /(^|\.)tiktok\.com$/, path: /^\/search/, params: ['q'] },
];
// Any other site's search page: a path naming search/results and a usual query parameter.
const GENERIC_SEARCH_PATH = /(^|\/)(search|results|find)(\/|\.|$)/i;
const GENERIC_PARAMS = ['q', 'query', 'search_query', 'search', 'text', 'term', 'keywords', 'k', 'p'];

function searchQuery(url) {
  const params = url.searchParams;
  const pick = (names) => {
    for (const name of names) {
      const value = params.get(name);
      if (value && value.trim()) return value.trim();
    }
    return '';
  };
  for (const engine of SEARCH_ENGINES) {
    if (engine.host.test(url.hostname)) return engine.path.test(url.pathname) ? pick(engine.params) : '';
  }
  return GENERIC_SEARCH_PATH.test(url.pathname) ? pick(GENERIC_PARAMS) : '';
}

function browserName() {
  if (typeof globalThis.browser !== 'undefined' && api.runtime.getBrowserInfo) return 'firefox';
  const brands = (globalThis.navigator && navigator.userAgentData && navigator.userAgentData.brands) || [];
  const names = brands.map((b) => b.brand);
  if (names.includes('Microsoft Edge')) return 'msedge';
  if (names.includes('Google Chrome')) return 'chrome';
  return 'chromium';
}

let port = null;
let reconnectDelay = RECONNECT_FIRST_MS;
let reconnectTimer = null;
const lastPage = new Map();          // tab id -> "url\u001ftitle" last reported
const passwordFrames = new Map();    // tab id -> Set of frame ids whose focus is in a password field

function connect() {
  if (port || reconnectTimer) return;
  try {
    port = api.runtime.connectNative(HOST);
  } catch (e) {
    port = null;
    scheduleReconnect();
    return;
  }
  port.onDisconnect.addListener(() => {
    port = null;
    scheduleReconnect();
  });
  port.onMessage.addListener((message) => {
    if (message && message.type === 'hello') reconnectDelay = RECONNECT_FIRST_MS;
  });
  port.postMessage({ type: 'hello', version: PROTOCOL_VERSION, browser: browserName() });
  // A new host has no state: re-announce the tabs whose focus is in a password field.
  for (const [tab, frames] of passwordFrames) {
    if (frames.size > 0) port.postMessage({ type: 'password', tab, focused: true });
  }
}

function scheduleReconnect() {
  if (reconnectTimer) return;
  reconnectTimer = setTimeout(() => {
    reconnectTimer = null;
    connect();
  }, reconnectDelay);
  reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
}

function send(message) {
  connect();
  if (!port) return;
  try {
    port.postMessage(message);
  } catch (e) {
    port = null;
    scheduleReconnect();
  }
}

function reportPage(tab) {
  if (!tab || typeof tab.url !== 'string') return;
  let url;
  try {
    url = new URL(tab.url);
  } catch (e) {
    return;
  }
  // Only the web: the browser's own pages (settings, new tab) say nothing about the pupil.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
  const title = tab.title && tab.title !== tab.url ? tab.title : '';
  const key = tab.url + '\u001f' + title;
  if (lastPage.get(tab.id) === key) return;
  lastPage.set(tab.id, key);
  send({ type: 'page', tab: tab.id, url: tab.url, title, query: searchQuery(url) });
}

api.tabs.onUpdated.addListener((tabId, change, tab) => {
  // Report once the page has settled (its title is known), and again when its URL (pushState) or
  // title changes afterwards.
  if (tab.status === 'complete' && (change.status === 'complete' || change.url || change.title)) reportPage(tab);
});

api.tabs.onRemoved.addListener((tabId) => {
  lastPage.delete(tabId);
  if (passwordFrames.delete(tabId)) send({ type: 'password', tab: tabId, focused: false });
});

api.runtime.onMessage.addListener((message, sender) => {
  if (!message || message.type !== 'password' || !sender.tab || sender.id !== api.runtime.id) return;
  const tab = sender.tab.id;
  const frames = passwordFrames.get(tab) || new Set();
  const before = frames.size > 0;
  if (message.focused === true) frames.add(sender.frameId ?? 0);
  else frames.delete(sender.frameId ?? 0);
  if (frames.size > 0) passwordFrames.set(tab, frames);
  else passwordFrames.delete(tab);
  const now = frames.size > 0;
  if (now !== before) send({ type: 'password', tab, focused: now });
});

// A Chromium service worker starts on these events and whenever a listener above fires; an open
// native port keeps it alive. Connecting at the top level covers every start.
api.runtime.onStartup.addListener(connect);
api.runtime.onInstalled.addListener(connect);
connect();
