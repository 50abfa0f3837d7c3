/**
 * Help text derived from a registry: every registered method with its summary and each option it declares
 * (type or choices, default, description), so `--help` lists a method the moment it is registered.
 */
import type { OptionSpec, OptionSpecs } from '../compress/options.js';
import type { MethodEntry } from '../compress/registry.js';

/** 'integer >= 1', 'layer|global', 'true|false'... */
function valueOf(spec: OptionSpec): string {
  if (spec.choices !== undefined) return spec.choices.join('|');
  if (spec.type === 'boolean') return 'true|false';
  const bounds = [spec.min === undefined ? '' : ` >= ${spec.min}`, spec.max === undefined ? '' : ` <= ${spec.max}`];
  return `${spec.type}${bounds.join('')}`;
}

/** One help line per option: `      name=VALUE  description (default D)`; `spell` writes the key (flag or key=). */
export function optionLines(specs: OptionSpecs, spell: (name: string) => string, indent = '      '): string[] {
  return Object.entries(specs).map(([name, spec]) => {
    const def = spec.default === undefined ? '' : ` (default ${String(spec.default)})`;
    return `${indent}${spell(name)}${valueOf(spec)}  ${spec.description}${def}`;
  });
}

/** `  name  summary` and its option lines, for every method. */
export function methodLines(methods: readonly MethodEntry[], spell: (name: string) => string): string[] {
  return methods.flatMap((m) => [
    `  ${m.name.padEnd(10)} ${m.summary}${m.reference === undefined ? '' : ` (${m.reference})`}`,
    ...optionLines(m.options, spell),
  ]);
}
