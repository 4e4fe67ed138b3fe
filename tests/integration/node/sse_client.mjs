// SPDX-License-Identifier: MIT
// Subscribes with the npm eventsource client and prints each event as one JSON line: node sse_client.mjs URL COUNT TIMEOUT_MS
import EventSource from 'eventsource';

const [url, count, timeoutMs] = [process.argv[2], Number(process.argv[3] || 1), Number(process.argv[4] || 10000)];
let seen = 0;
const es = new EventSource(url);
const done = (code) => { es.close(); process.exit(code); };
const print = (type) => (ev) => {
  process.stdout.write(JSON.stringify({ type, data: ev.data }) + '\n');
  if (type === 'message' && ++seen >= count) done(0);
};
es.addEventListener('open', print('open'));
es.addEventListener('keepalive', print('keepalive'));
es.onmessage = print('message');
es.onerror = (e) => { process.stderr.write(`error: ${e && e.message}\n`); };
setTimeout(() => done(2), timeoutMs);
