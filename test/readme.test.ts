/** The README's library quick start runs as written and issues a token. */
import { after, it } from 'node:test';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runReadmeQuickstart } from './helpers/quickstart.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside the repository, so that `import 'tollgate'` resolves to this package (self-reference through "exports").
const dir = `${root}.readme-quickstart-${process.pid}`;

after(() => rmSync(dir, { recursive: true, force: true }));

it('the README library quick start issues a client_credentials token', async () => {
  mkdirSync(dir);
  await runReadmeQuickstart(dir);
});
