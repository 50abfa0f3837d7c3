/** ONNX protobuf decode / encode and model file I/O. The protobuf schema package stays behind this module. */
export { decodeModel, encodeModel, type DecodeOptions, type EncodeOptions } from './model-codec.js';
export { loadModel, saveModel, type ExternalDataOptions, type SaveOptions } from './io.js';
export { constantValue } from './constant.js';
export { decodeTensorProto, encodeTensorProto, type NamedTensor } from './tensor-file.js';
