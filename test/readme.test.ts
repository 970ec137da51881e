/** The README's library quick start runs as written and issues a token. */
import { after, it } from 'node:test';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runReadmeQuickstart } from './helpers/quickstart.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside the repository, so that `import 'tollgate'` resolves to this package (self-reference through "exports").
const script = `${root}.readme-quickstart-${process.pid}.mjs`;

after(() => rm(script, { force: true }));

it('the README library quick start issues a client_credentials token', async () => {
  await runReadmeQuickstart(script);
});
