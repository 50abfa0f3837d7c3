/**
 * The one registry shape every compression family uses: methods by unique name, registered with one line each,
 * looked up with a typed error that names the family and lists what is registered. A family may add a check
 * run on each registration (e.g. that an option name shared by several methods has one type).
 */
import { SlimnetError } from '../ir/errors.js';
import { resolveOptions, type AnyOptionValues, type OptionSpecs, type RawOptions } from './options.js';

/**
 * What every registered method has: a name (lower case, digits, dashes), a one-line summary and its options,
 * declared once (the CLI derives flags, help and validation from them). Each family adds its own `run`.
 */
export interface MethodEntry<S extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  /** One line for --help. */
  readonly summary: string;
  /** Paper or source the method follows. */
  readonly reference?: string;
  readonly options: S;
}

/** Method `m`'s options from raw values, checked and with defaults filled in; unknown keys are typed errors. */
export function resolveMethodOptions(m: MethodEntry, raw: RawOptions): AnyOptionValues {
  return resolveOptions(`method '${m.name}'`, m.options, raw);
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** A family's methods, in registration (= --help) order. */
export class Registry<M extends MethodEntry> {
  private readonly items: M[] = [];

  /**
   * @param family the family's name in messages ('quantization', 'pruning'...)
   * @param check called with each new method and those already registered; throws to refuse it
   */
  constructor(readonly family: string, private readonly check: (m: M, registered: readonly M[]) => void = () => {}) {}

  /** Adds a method; a malformed or duplicate name, or a failed family check, is an INVALID_ARGUMENT error. */
  register(m: M): M {
    if (!NAME.test(m.name)) {
      throw new SlimnetError('INVALID_ARGUMENT', `${this.family} method name '${m.name}' must be lower case letters, `
        + 'digits and dashes');
    }
    if (this.has(m.name)) {
      throw new SlimnetError('INVALID_ARGUMENT', `${this.family} method '${m.name}' is registered twice`);
    }
    this.check(m, this.items);
    this.items.push(m);
    return m;
  }

  /** The method called `name`, or an INVALID_ARGUMENT error listing the registered ones. */
  get(name: string): M {
    const m = this.items.find((x) => x.name === name);
    if (m === undefined) {
      throw new SlimnetError('INVALID_ARGUMENT', `unknown ${this.family} method '${name}' (registered: `
        + `${this.names().join(', ')})`);
    }
    return m;
  }

  /** True when a method called `name` is registered. */
  has(name: string): boolean {
    return this.items.some((x) => x.name === name);
  }

  /** Every registered method (a live view: later registrations appear in it). */
  all(): readonly M[] {
    return this.items;
  }

  /** The registered names, in order. */
  names(): string[] {
    return this.items.map((m) => m.name);
  }
}
