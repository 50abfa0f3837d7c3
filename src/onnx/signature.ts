/**
 * A plain-data description of a model (names, order, attributes, types, tensor bytes as digests) for
 * comparing two models structurally: equal signatures mean the same graph. Used by the round-trip tests;
 * also handy for debugging (JSON.stringify it).
 */
import { createHash } from 'node:crypto';
import type { Attribute } from '../ir/attributes.js';
import type { Graph, Model } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';

function tensorSig(t: Tensor): unknown {
  const h = createHash('sha256');
  if (Array.isArray(t.data)) h.update(JSON.stringify(t.data));
  else h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return { dtype: t.dtype, dims: t.dims, storage: t.storage, doc: t.docString, sha256: h.digest('hex') };
}

function valueSig(v: Value): unknown {
  return { name: v.name, dtype: v.dtype ?? null, shape: v.shape ?? null, doc: v.docString };
}

function attrSig(a: Attribute): unknown {
  switch (a.type) {
    case 'tensor': return { type: a.type, value: tensorSig(a.value) };
    case 'tensors': return { type: a.type, value: a.value.map(tensorSig) };
    case 'graph': return { type: a.type, value: graphSignature(a.value) };
    case 'graphs': return { type: a.type, value: a.value.map(graphSignature) };
    case 'opaque': return { type: a.type };
    default: return a;
  }
}

/** The plain-data signature of a graph (nodes, values, initializers as digests, subgraphs). */
export function graphSignature(g: Graph): unknown {
  const byName = g.valuesByName();
  return {
    name: g.name,
    doc: g.docString,
    inputs: g.inputs.map(valueSig),
    outputs: g.outputs.map(valueSig),
    initializers: [...g.initializers.values()].map((v) => ({
      ...(valueSig(v) as object),
      tensor: v.initializer === undefined ? null : tensorSig(v.initializer),
    })),
    captures: [...g.captures.keys()],
    valueInfo: [...g.declaredValueInfo].map((n) => {
      const v = byName.get(n);
      return v === undefined ? n : valueSig(v);
    }),
    nodes: g.nodes.map((n) => ({
      op: n.opType,
      domain: n.domain,
      name: n.name,
      doc: n.docString,
      inputs: n.inputs.map((v) => v?.name ?? null),
      outputs: n.outputs.map(valueSig),
      attrs: [...n.attributes].map(([k, a]) => [k, attrSig(a)]),
    })),
  };
}

/** The plain-data signature of a model: its metadata and its graph's signature. */
export function modelSignature(m: Model): unknown {
  return {
    irVersion: m.irVersion,
    opsets: [...m.opsetImports],
    producer: [m.producerName, m.producerVersion, m.domain, m.modelVersion],
    doc: m.docString,
    metadata: [...m.metadataProps],
    functions: m.functions.length,
    graph: graphSignature(m.graph),
  };
}
