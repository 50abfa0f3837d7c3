/** A node: one operator application with inputs, outputs and attributes. */
import { toAttribute, type Attribute, type AttributeInput } from './attributes.js';
import { SlimnetError } from './errors.js';
import type { Graph } from './graph.js';
import { Tensor } from './tensor.js';
import { Value } from './value.js';

/**
 * One operator application: op type and domain, named attributes, input Values (an absent optional input is undefined)
 * and output Values. Editing inputs keeps the Values' use lists in step.
 */
export class Node {
  opType: string;
  /** Operator domain; '' is the default ONNX domain (ai.onnx). */
  domain: string;
  name: string;
  docString = '';
  readonly attributes = new Map<string, Attribute>();
  /** The graph this node belongs to (set by Graph.addNode). */
  graph: Graph | undefined;
  private readonly _inputs: Array<Value | undefined> = [];
  private readonly _outputs: Value[] = [];

  constructor(opType: string, name: string, domain = '') {
    this.opType = opType;
    this.name = name;
    this.domain = domain;
  }

  /** Inputs; undefined marks an omitted optional input (written as '' in ONNX). */
  get inputs(): ReadonlyArray<Value | undefined> {
    return this._inputs;
  }

  get outputs(): readonly Value[] {
    return this._outputs;
  }

  /** Input i, throwing a clear error when it is absent. */
  input(i: number): Value {
    const v = this._inputs[i];
    if (v === undefined) {
      throw new SlimnetError('INVALID_ARGUMENT', `node '${this.name}' (${this.opType}) has no input #${i}`);
    }
    return v;
  }

  output(i = 0): Value {
    const v = this._outputs[i];
    if (v === undefined) {
      throw new SlimnetError('INVALID_ARGUMENT', `node '${this.name}' (${this.opType}) has no output #${i}`);
    }
    return v;
  }

  setInput(i: number, v: Value | undefined): void {
    const old = this._inputs[i];
    if (old !== undefined) {
      const k = old.uses.findIndex((u) => u.node === this && u.index === i);
      if (k >= 0) old.uses.splice(k, 1);
    }
    while (this._inputs.length <= i) this._inputs.push(undefined);
    this._inputs[i] = v;
    if (v !== undefined) v.uses.push({ node: this, index: i });
    // Trailing omitted inputs are dropped so the encoded node stays minimal.
    while (this._inputs.length > 0 && this._inputs[this._inputs.length - 1] === undefined) this._inputs.pop();
  }

  setInputs(values: ReadonlyArray<Value | undefined>): void {
    for (let i = this._inputs.length - 1; i >= 0; i--) this.setInput(i, undefined);
    values.forEach((v, i) => this.setInput(i, v));
  }

  /** Appends an output value and makes this node its producer. */
  addOutput(v: Value): Value {
    if (v.producer !== undefined && v.producer !== this) {
      throw new SlimnetError('INVALID_ARGUMENT', `value '${v.name}' is already produced by node '${v.producer.name}'`);
    }
    v.producer = this;
    v.producerIndex = this._outputs.length;
    this._outputs.push(v);
    return v;
  }

  /** Replaces output slot i by v (v becomes produced here; the old value loses its producer). */
  setOutput(i: number, v: Value): void {
    const old = this._outputs[i];
    if (old !== undefined) {
      old.producer = undefined;
      old.producerIndex = -1;
    }
    v.producer = this;
    v.producerIndex = i;
    this._outputs[i] = v;
  }

  /** Detaches this node from all its inputs (outputs keep pointing here until reassigned). */
  disconnect(): void {
    for (let i = this._inputs.length - 1; i >= 0; i--) this.setInput(i, undefined);
  }

  setAttr(name: string, v: AttributeInput): this {
    this.attributes.set(name, toAttribute(name, v));
    return this;
  }

  attrInt(name: string, fallback: number): number;
  attrInt(name: string): number | undefined;
  attrInt(name: string, fallback?: number): number | undefined {
    const a = this.attributes.get(name);
    if (a === undefined) return fallback;
    if (a.type !== 'int' && a.type !== 'float') throw this.attrTypeError(name, 'int', a.type);
    return a.value;
  }

  attrFloat(name: string, fallback: number): number;
  attrFloat(name: string): number | undefined;
  attrFloat(name: string, fallback?: number): number | undefined {
    const a = this.attributes.get(name);
    if (a === undefined) return fallback;
    if (a.type !== 'int' && a.type !== 'float') throw this.attrTypeError(name, 'float', a.type);
    return a.value;
  }

  attrInts(name: string, fallback: readonly number[]): readonly number[];
  attrInts(name: string): readonly number[] | undefined;
  attrInts(name: string, fallback?: readonly number[]): readonly number[] | undefined {
    const a = this.attributes.get(name);
    if (a === undefined) return fallback;
    if (a.type !== 'ints' && a.type !== 'floats') throw this.attrTypeError(name, 'ints', a.type);
    return a.value;
  }

  attrFloats(name: string): readonly number[] | undefined {
    const a = this.attributes.get(name);
    if (a === undefined) return undefined;
    if (a.type !== 'ints' && a.type !== 'floats') throw this.attrTypeError(name, 'floats', a.type);
    return a.value;
  }

  attrString(name: string, fallback: string): string;
  attrString(name: string): string | undefined;
  attrString(name: string, fallback?: string): string | undefined {
    const a = this.attributes.get(name);
    if (a === undefined) return fallback;
    if (a.type !== 'string') throw this.attrTypeError(name, 'string', a.type);
    return a.value;
  }

  attrTensor(name: string): Tensor | undefined {
    const a = this.attributes.get(name);
    if (a === undefined) return undefined;
    if (a.type !== 'tensor' || !(a.value instanceof Tensor)) throw this.attrTypeError(name, 'tensor', a.type);
    return a.value;
  }

  private attrTypeError(name: string, want: string, got: string): SlimnetError {
    return new SlimnetError(
      'INVALID_ARGUMENT',
      `node '${this.name}' (${this.opType}): attribute '${name}' should be ${want}, found ${got}`,
    );
  }
}
