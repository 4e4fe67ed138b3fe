// SPDX-License-Identifier: MIT
// Publishes with the npm ntfy client: node publish.mjs SERVER 'JSON config'; prints the server's answer.
import { publish } from 'ntfy';

const [server, json] = [process.argv[2], process.argv[3]];
try {
  const answer = await publish({ server, ...JSON.parse(json) });
  process.stdout.write(JSON.stringify(answer) + '\n');
} catch (e) {
  process.stderr.write(`publish failed: ${e.message}\n`);
  process.exit(1);
}
