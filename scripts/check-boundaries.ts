/**
 * Import-boundary check: the core (src/core) and the ports (src/ports) are pure TypeScript.
 * They may import only each other (relatively); never a driver, a framework, a Node module with
 * I/O, or an adapter. The core also never reads the wall clock. Exits 1 and lists every breach.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const ROOT = resolve(process.argv[2] ?? 'src');
const PURE = ['core', 'ports'].map((d) => join(ROOT, d));

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    // Tests sit beside the code but are not part of it: they may use test tools and adapters.
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) yield p;
  }
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const problems: string[] = [];
for (const base of PURE) {
  for (const file of files(base)) {
    const src = readFileSync(file, 'utf8');
    const rel = relative(process.cwd(), file);
    for (const m of src.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.')) {
        problems.push(`${rel}: imports '${spec}' (the core may not import packages or Node modules)`);
        continue;
      }
      const target = resolve(dirname(file), spec);
      if (!PURE.some((p) => target.startsWith(p + '/') || target === p))
        problems.push(`${rel}: imports '${spec}', outside src/core and src/ports`);
    }
    if (file.startsWith(PURE[0]!) && /\bDate\.now\(|new Date\(\s*\)|performance\.now\(/.test(src))
      problems.push(`${rel}: reads the wall clock (use the Clock port)`);
    if (file.startsWith(PURE[0]!) && /\bMath\.random\(/.test(src)) problems.push(`${rel}: uses Math.random (use the IdGenerator port)`);
  }
}
if (problems.length) {
  console.error(`import boundaries broken (${problems.length}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('import boundaries hold: src/core and src/ports import nothing outside themselves');
