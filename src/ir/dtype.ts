/** Element types of tensors, named as in onnxruntime-common, with their ONNX TensorProto codes. */

export type DType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string';

interface DTypeInfo {
  readonly onnx: number;
  /** Bytes per element in raw storage; 0 for strings. */
  readonly bytes: number;
  readonly isFloat: boolean;
}

const INFO: Readonly<Record<DType, DTypeInfo>> = {
  float32: { onnx: 1, bytes: 4, isFloat: true },
  uint8: { onnx: 2, bytes: 1, isFloat: false },
  int8: { onnx: 3, bytes: 1, isFloat: false },
  uint16: { onnx: 4, bytes: 2, isFloat: false },
  int16: { onnx: 5, bytes: 2, isFloat: false },
  int32: { onnx: 6, bytes: 4, isFloat: false },
  int64: { onnx: 7, bytes: 8, isFloat: false },
  string: { onnx: 8, bytes: 0, isFloat: false },
  bool: { onnx: 9, bytes: 1, isFloat: false },
  float16: { onnx: 10, bytes: 2, isFloat: true },
  float64: { onnx: 11, bytes: 8, isFloat: true },
  uint32: { onnx: 12, bytes: 4, isFloat: false },
  uint64: { onnx: 13, bytes: 8, isFloat: false },
  bfloat16: { onnx: 16, bytes: 2, isFloat: true },
};

const BY_CODE = new Map<number, DType>(
  (Object.keys(INFO) as DType[]).map((d) => [INFO[d].onnx, d]),
);

/** ONNX `TensorProto.DataType` code of a dtype. */
export function dtypeToOnnx(d: DType): number {
  return INFO[d].onnx;
}

/** dtype of an ONNX `TensorProto.DataType` code, or undefined when slimnet has no such dtype. */
export function dtypeFromOnnx(code: number): DType | undefined {
  return BY_CODE.get(code);
}

/** Bytes per element (0 for strings). */
export function dtypeBytes(d: DType): number {
  return INFO[d].bytes;
}

/** Whether a dtype is a floating-point type (float16, bfloat16, float32, float64). */
export function isFloatDType(d: DType): boolean {
  return INFO[d].isFloat;
}
