#!/usr/bin/env node
/* global process, console */
// The installed `couponguard` command: runs the built CLI (`npm run build` writes dist/).
let main;
try {
  main = await import('../dist/cli/main.js');
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli/main.js')) {
    console.error('couponguard: dist/ is missing; run `npm run build` first');
    process.exit(1);
  }
  throw e;
}
process.exitCode = await main.run(process.argv.slice(2));
