/**
 * Compiles a type-checked CEL expression to a plain JavaScript function, for the subset analyst
 * rules use: field access on signal groups, literals, comparisons, boolean logic, arithmetic,
 * ternaries, `in` over list literals, `size`, `double`, `startsWith`/`endsWith`/`contains`.
 * Anything else returns null and the rule runs on cel-js's interpreter instead.
 *
 * Why: the interpreter costs about half a microsecond per rule; a 50-rule policy then costs more
 * than the whole decision budget. Generated code costs a few nanoseconds per rule. Semantics match
 * because the expression has already passed cel-js's type checker against the signal table, every
 * signal is present (defaults are filled in), and the subset has no error cases: no division by
 * an int, no indexing, no overflow-prone integer arithmetic. A property test checks agreement
 * with the interpreter on random signals.
 */

interface Node {
  readonly op: string;
  readonly args: unknown;
}

type Kind = 'double' | 'int' | 'bool' | 'string' | 'list' | 'dyn';
interface Gen {
  readonly src: string;
  readonly kind: Kind;
}

const NAME = /^[a-z][a-z0-9_]*$/;

function literal(v: unknown): Gen | null {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? { src: String(Number(v)), kind: 'int' } : null;
  if (typeof v === 'number') return Number.isFinite(v) ? { src: String(v), kind: 'double' } : null;
  if (typeof v === 'string') return { src: JSON.stringify(v), kind: 'string' };
  if (typeof v === 'boolean') return { src: String(v), kind: 'bool' };
  return null;
}

function gen(n: Node, groups: ReadonlySet<string>, fieldKind: (group: string, field: string) => Kind | null): Gen | null {
  const g = (x: unknown) => gen(x as Node, groups, fieldKind);
  const args = n.args as unknown[];
  switch (n.op) {
    case 'value':
      return literal(n.args);
    case '.': {
      const [obj, field] = args as [Node, string];
      if (obj.op !== 'id' || typeof obj.args !== 'string' || !groups.has(obj.args) || !NAME.test(field)) return null;
      const kind = fieldKind(obj.args, field);
      return kind ? { src: `c.${obj.args}.${field}`, kind } : null;
    }
    case '&&':
    case '||': {
      const [a, b] = [g(args[0]), g(args[1])];
      return a && b ? { src: `(${a.src} ${n.op} ${b.src})`, kind: 'bool' } : null;
    }
    case '!_': {
      const a = g(n.args);
      return a ? { src: `(!${a.src})`, kind: 'bool' } : null;
    }
    case '-_': {
      const a = g(n.args);
      return a && (a.kind === 'double' || a.kind === 'int') ? { src: `(-${a.src})`, kind: a.kind } : null;
    }
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const [a, b] = [g(args[0]), g(args[1])];
      if (!a || !b) return null;
      const op = n.op === '==' ? '===' : n.op === '!=' ? '!==' : n.op;
      return { src: `(${a.src} ${op} ${b.src})`, kind: 'bool' };
    }
    case '+':
    case '-':
    case '*':
    case '/': {
      const [a, b] = [g(args[0]), g(args[1])];
      if (!a || !b) return null;
      // Integer arithmetic (truncating division, 64-bit overflow) is left to the interpreter.
      if (a.kind === 'int' && b.kind === 'int') return null;
      if (n.op === '+' && a.kind === 'string' && b.kind === 'string') return { src: `(${a.src} + ${b.src})`, kind: 'string' };
      if (a.kind !== 'double' && a.kind !== 'int') return null;
      return { src: `(${a.src} ${n.op} ${b.src})`, kind: 'double' };
    }
    case '?:': {
      const [c, a, b] = [g(args[0]), g(args[1]), g(args[2])];
      return c && a && b ? { src: `(${c.src} ? ${a.src} : ${b.src})`, kind: a.kind } : null;
    }
    case 'list': {
      const items = args.map(g);
      return items.every((x): x is Gen => x !== null) ? { src: `[${items.map((x) => x.src).join(', ')}]`, kind: 'list' } : null;
    }
    case 'in': {
      const [x, list] = [g(args[0]), args[1] as Node];
      if (!x || list.op !== 'list') return null;
      const l = g(list);
      return l ? { src: `${l.src}.includes(${x.src})`, kind: 'bool' } : null;
    }
    case 'call': {
      const [name, callArgs] = args as [string, Node[]];
      if (callArgs.length !== 1) return null;
      const a = g(callArgs[0]);
      if (!a) return null;
      if (name === 'size' && (a.kind === 'string' || a.kind === 'list')) return { src: `${a.src}.length`, kind: 'int' };
      if (name === 'double' && (a.kind === 'int' || a.kind === 'double')) return { src: a.src, kind: 'double' };
      return null;
    }
    case 'rcall': {
      const [name, recv, callArgs] = args as [string, Node, Node[]];
      if (!['startsWith', 'endsWith', 'contains'].includes(name) || callArgs.length !== 1) return null;
      const [r, a] = [g(recv), g(callArgs[0])];
      if (!r || !a || r.kind !== 'string' || a.kind !== 'string') return null;
      return { src: `${r.src}.${name === 'contains' ? 'includes' : name}(${a.src})`, kind: 'bool' };
    }
    default:
      return null;
  }
}

/** A JavaScript predicate for the expression, or null when it uses something outside the subset. */
export function transpile(
  ast: unknown,
  groups: ReadonlySet<string>,
  fieldKind: (group: string, field: string) => Kind | null,
): ((ctx: unknown) => boolean) | null {
  const out = gen(ast as Node, groups, fieldKind);
  if (!out || out.kind !== 'bool') return null;
  // The source is built only from literals (JSON-encoded), whitelisted names and operators.
  return new Function('c', `return ${out.src} === true;`) as (ctx: unknown) => boolean;
}
