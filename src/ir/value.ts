/** A value (an edge of the graph): produced by at most one node, used by any number of node inputs. */
import type { DType } from './dtype.js';
import type { Node } from './node.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/** One use of a Value: the node reading it and the input slot it is read at. */
export interface Use {
  readonly node: Node;
  readonly index: number;
}

/**
 * A named edge of the graph: a graph input, an initializer (constant tensor), an outer-scope capture or a node output,
 * with its dtype and shape when known and the nodes reading it.
 */
export class Value {
  name: string;
  dtype: DType | undefined;
  shape: Shape | undefined;
  docString = '';
  /** The node producing this value (undefined for graph inputs, initializers and outer-scope captures). */
  producer: Node | undefined;
  /** Output slot of `producer`. */
  producerIndex = -1;
  /** Constant contents when this value is an initializer. */
  initializer: Tensor | undefined;
  /** Node inputs that read this value (maintained by Node). */
  readonly uses: Use[] = [];

  constructor(name: string, dtype?: DType, shape?: Shape) {
    this.name = name;
    this.dtype = dtype;
    this.shape = shape;
  }

  get isInitializer(): boolean {
    return this.initializer !== undefined;
  }

  /** Consumers as nodes (a node appears once per input slot that reads this value). */
  get consumers(): Node[] {
    return this.uses.map((u) => u.node);
  }

  /** Points every use of this value at `other` instead. */
  replaceAllUsesWith(other: Value): void {
    for (const u of [...this.uses]) u.node.setInput(u.index, other);
  }
}
