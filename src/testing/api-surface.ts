/**
 * The public API as consumers see it, read with the TypeScript compiler API from the built declaration files
 * (dist/) of the entry points listed in package.json `exports`. Feeds the API report (`api/slimnet.api.md`,
 * written by `scripts/api-report.mjs`, compared by `src/api-report.test.ts`) and the TSDoc check
 * (`src/api-docs.test.ts`). Dev tooling: only tests and scripts import it.
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { SlimnetError } from '../ir/errors.js';

/** One entry point: the specifier consumers import (`slimnet`, `slimnet/pruning`) and its declaration file. */
export interface EntryPoint {
  /** The import specifier, e.g. `slimnet/pruning`. */
  readonly specifier: string;
  /** Absolute path of the `.d.ts` file named by the subpath's `types` condition. */
  readonly dts: string;
}

/** One exported name of one entry point. */
export interface ApiExport {
  /** The entry point's import specifier. */
  readonly entry: string;
  /** The name as consumers write it after the entry point, dotted in nested namespaces (`unstructured.agpPrune`). */
  readonly name: string;
  /** Declaration kinds: `function`, `class`, `interface`, `type`, `const`, `namespace`... (merged symbols: several). */
  readonly kind: string;
  /** The declarations as printed from the .d.ts, comments removed; empty for a namespace or a reference. */
  readonly declarations: readonly string[];
  /** The declared name when the export renames it (`export { main as runCli }`). */
  readonly declaredAs?: string;
  /** Where the same declaration is listed in full (`slimnet/ir Graph`) when this export only re-exports it. */
  readonly seeAlso?: string;
  /** Whether a declaration carries a doc comment with text (for a namespace: whether its module starts with one). */
  readonly documented: boolean;
  /** The TypeScript source file of the first declaration, relative to the repository root. */
  readonly source: string;
}

/** The whole surface: entry points in package.json order, each with its exports sorted by name. */
export interface ApiSurface {
  /** The entry points, in package.json `exports` order. */
  readonly entries: readonly EntryPoint[];
  /** Every exported name of every entry point. */
  readonly exports: readonly ApiExport[];
}

/** The entry points of the package at `repoRoot`, read from its package.json `exports` map (`types` conditions). */
export function entryPoints(repoRoot: string): EntryPoint[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    name: string; exports?: Record<string, { types?: string } | string>;
  };
  if (pkg.exports === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'package.json has no "exports" map');
  return Object.entries(pkg.exports).map(([subpath, target]) => {
    const types = typeof target === 'string' ? undefined : target.types;
    if (types === undefined) {
      throw new SlimnetError('INVALID_ARGUMENT', `package.json exports['${subpath}'] has no "types" condition`);
    }
    const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, '')}`;
    return { specifier, dts: resolve(repoRoot, types) };
  });
}

const KIND_OF: ReadonlyArray<readonly [(n: ts.Node) => boolean, string]> = [
  [ts.isClassDeclaration, 'class'], [ts.isFunctionDeclaration, 'function'], [ts.isInterfaceDeclaration, 'interface'],
  [ts.isTypeAliasDeclaration, 'type'], [ts.isEnumDeclaration, 'enum'], [ts.isModuleDeclaration, 'namespace'],
];

function declarationKind(decl: ts.Declaration): string {
  if (ts.isVariableDeclaration(decl)) {
    const list = decl.parent;
    return ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0 ? 'const' : 'let';
  }
  for (const [is, kind] of KIND_OF) if (is(decl)) return kind;
  return ts.SyntaxKind[decl.kind];
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

function printDeclaration(decl: ts.Declaration): string {
  const sf = decl.getSourceFile();
  const text = ts.isVariableDeclaration(decl)
    ? `${declarationKind(decl)} ${printer.printNode(ts.EmitHint.Unspecified, decl, sf)};`
    : printer.printNode(ts.EmitHint.Unspecified, decl, sf);
  return text.replace(/^export\s+/, '').replace(/^declare\s+/, '');
}

/** The TypeScript source a dist/ declaration file was compiled from (`dist/src/a/b.d.ts` → `src/a/b.ts`). */
function sourceOf(repoRoot: string, fileName: string): string {
  const rel = relative(repoRoot, fileName);
  return rel.startsWith('dist/') ? rel.slice('dist/'.length).replace(/\.d\.ts$/, '.ts') : rel;
}

/** Whether the module's TypeScript source opens with a `/** … *\/` overview comment. */
function moduleDocumented(repoRoot: string, fileName: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(repoRoot, sourceOf(repoRoot, fileName)), 'utf8');
  } catch {
    return false;
  }
  return /^\s*\/\*\*[\s*]*[^\s*/]/.test(text);
}

function hasDocText(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  return ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== '';
}

interface Site { readonly entry: string; readonly name: string }

/**
 * Reads the public surface of the package at `repoRoot` from its built declaration files (run `tsc` first).
 * Namespaces that are themselves entry points are listed as references; other namespaces are expanded in place.
 */
export function apiSurface(repoRoot: string): ApiSurface {
  const entries = entryPoints(repoRoot);
  const program = ts.createProgram(entries.map((e) => e.dts), {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true, noEmit: true, skipLibCheck: true, types: ['node'],
  });
  const checker = program.getTypeChecker();
  const entryOfFile = new Map(entries.map((e) => [e.dts, e.specifier]));
  const exports: ApiExport[] = [];
  const home = new Map<ts.Symbol, Site>();
  const pending: Array<{ entry: string; name: string; exported: string; target: ts.Symbol }> = [];

  const walk = (entry: string, moduleSymbol: ts.Symbol, prefix: string, seen: Set<ts.Symbol>): void => {
    for (const exp of checker.getExportsOfModule(moduleSymbol)) {
      const name = `${prefix}${exp.name}`;
      const target = (exp.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(exp) : exp;
      const file = target.declarations?.[0];
      if (file !== undefined && ts.isSourceFile(file)) {
        const ref = entryOfFile.get(resolve(file.fileName));
        const documented = moduleDocumented(repoRoot, file.fileName);
        const source = sourceOf(repoRoot, file.fileName);
        if (ref !== undefined && ref !== entry) {
          exports.push({ entry, name, kind: 'namespace', declarations: [], seeAlso: ref, documented, source });
        } else if (!seen.has(target)) {
          exports.push({ entry, name, kind: 'namespace', declarations: [], documented, source });
          walk(entry, target, `${name}.`, new Set([...seen, target]));
        }
        continue;
      }
      pending.push({ entry, name, exported: exp.name, target });
    }
  };
  // Entry points other than the root first, so that a name the root re-exports is listed in full at its home.
  const isRoot = (e: EntryPoint): boolean => !e.specifier.includes('/');
  const ordered = [...entries.filter((e) => !isRoot(e)), ...entries.filter(isRoot)];
  for (const e of ordered) {
    const sf = program.getSourceFile(e.dts);
    const moduleSymbol = sf === undefined ? undefined : checker.getSymbolAtLocation(sf);
    if (moduleSymbol === undefined) {
      const where = relative(repoRoot, e.dts);
      throw new SlimnetError('INVALID_ARGUMENT', `${e.specifier}: no declarations at ${where} (build first)`);
    }
    walk(e.specifier, moduleSymbol, '', new Set([moduleSymbol]));
  }
  for (const { entry, name, exported, target } of pending) {
    const decls = target.declarations ?? [];
    const kind = [...new Set(decls.map(declarationKind))].join(' + ') || 'unknown';
    const source = decls[0] === undefined ? '' : sourceOf(repoRoot, decls[0].getSourceFile().fileName);
    const documented = hasDocText(target, checker);
    const renamed = target.name !== exported && target.name !== 'default' ? { declaredAs: target.name } : {};
    const first = home.get(target);
    if (first !== undefined) {
      const seeAlso = `${first.entry} ${first.name}`;
      exports.push({ entry, name, kind, ...renamed, declarations: [], seeAlso, documented, source });
      continue;
    }
    home.set(target, { entry, name });
    exports.push({ entry, name, kind, ...renamed, declarations: decls.map(printDeclaration), documented, source });
  }
  const order = new Map(entries.map((e, i) => [e.specifier, i]));
  exports.sort((a, b) => (order.get(a.entry) ?? 0) - (order.get(b.entry) ?? 0) || compareNames(a.name, b.name));
  return { entries, exports };
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Exports without a doc comment, one line each: `entry name (kind) — source`; names re-exported elsewhere once. */
export function undocumentedExports(surface: ApiSurface): string[] {
  return surface.exports
    .filter((e) => !e.documented && (e.seeAlso === undefined || e.kind === 'namespace'))
    .map((e) => `${e.entry} ${e.name} (${e.kind}) — ${e.source}`);
}

/** The API report as markdown: per entry point, every exported name with its kind and its declaration. */
export function renderApiReport(surface: ApiSurface): string {
  const out = [
    '# slimnet API report',
    '',
    'Generated by `node scripts/api-report.mjs` from the declaration files of the entry points in package.json',
    '`exports`; `src/api-report.test.ts` fails when the public surface differs from this file. Do not edit by hand.',
  ];
  for (const entry of surface.entries) {
    const items = surface.exports.filter((e) => e.entry === entry.specifier);
    out.push('', `## ${entry.specifier}`, '', `${items.length} exports.`, '', '```ts');
    for (const item of items) {
      const as = item.declaredAs === undefined ? '' : ` (declared as ${item.declaredAs})`;
      const see = item.seeAlso === undefined ? '' : `, see ${item.seeAlso}`;
      out.push(`// ${item.name}: ${item.kind}${as}${see}`);
      for (const decl of item.declarations) out.push(decl);
    }
    out.push('```');
  }
  return `${out.join('\n')}\n`;
}
