/**
 * What this machine's onnxruntime u8×s8 kernels compute (see int8-arithmetic.ts): exact int32 dot products
 * (VNNI, ARM) or pairwise sums saturated to int16 (x86 AVX2 `vpmaddubsw`, no VNNI), which costs int8 models
 * with full-range weights accuracy. Three sources, in this order:
 *   1. the environment variable `SLIMNET_CPU_VNNI` (1: exact, 0: saturating) when set — to tell the truth
 *      where nothing else can, or to force one answer;
 *   2. a probe: a QGemm and a QLinearConv whose u8×s8 products saturate every pair, run by onnxruntime and
 *      compared with the exact and the saturated result. It measures the kernels themselves, so it also holds
 *      under CPU emulation (`qemu-x86_64 -cpu EPYC-Rome`), where /proc/cpuinfo shows the host's flags;
 *   3. /proc/cpuinfo (flags avx512_vnni / avx_vnni) when the probe cannot run; without it, saturation is assumed.
 */
import { readFileSync } from 'node:fs';
import { GraphBuilder } from '../ir/builder.js';
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { dotU8S8, U8_MAX, type KernelArithmetic } from './int8-arithmetic.js';
import { Session } from './session.js';

/** Environment variable overriding the detection: 1 = u8×s8 kernels exact (VNNI), 0 = pairwise-saturating. */
export const VNNI_ENV = 'SLIMNET_CPU_VNNI';

/** What the probe saw for one weight range. */
export type ProbeOutcome = KernelArithmetic | 'unknown';

/** What probing onnxruntime with a tiny int8 model showed for full-range and 7-bit weights. */
export interface Int8KernelProbe {
  /** u8 activations × full-range int8 weights (|w| = 127). */
  readonly fullRange: ProbeOutcome;
  /** u8 activations × 7-bit weights (|w| = 63): exact on every CPU. */
  readonly reducedRange: ProbeOutcome;
  /** Why the probe gave 'unknown' (onnxruntime error, unexpected values). */
  readonly error?: string;
}

/**
 * How this machine's onnxruntime computes int8 products (exact VNNI or saturating u8 × s8), and how that was found out.
 */
export interface Int8KernelInfo {
  /** How this machine computes u8 × full-range int8 dot products. */
  readonly arithmetic: KernelArithmetic;
  /** Where `arithmetic` came from. */
  readonly source: 'env' | 'probe' | 'cpuinfo' | 'assumed';
  /** The probe's result (absent when the environment variable decided). */
  readonly probe?: Int8KernelProbe;
  /** /proc/cpuinfo lists avx512_vnni or avx_vnni (undefined when unreadable). Under emulation: the host's. */
  readonly cpuinfoVnni?: boolean;
  /** One line for reports. */
  readonly description: string;
}

/** `SLIMNET_CPU_VNNI` parsed: undefined when unset or empty; anything but 0/1 (or false/true) is an error. */
export function vnniFromEnv(value: string | undefined): boolean | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim().toLowerCase();
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  throw new SlimnetError('INVALID_ARGUMENT',
    `${VNNI_ENV} must be 1 (VNNI: exact u8×s8 kernels) or 0 (no VNNI), got '${value}'`);
}

/** Whether a /proc/cpuinfo text lists a VNNI flag (avx512_vnni, avx_vnni). */
export function cpuinfoHasVnni(text: string): boolean {
  return /^flags\s*:.*\b(avx512_vnni|avx_vnni)\b/m.test(text);
}

function readCpuinfoVnni(): boolean | undefined {
  try {
    return cpuinfoHasVnni(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Probe sizes: 4 rows, K = 64 (32 pairs), 4 columns / output channels; every activation 255. */
const M = 4;
const K = 64;
const N = 4;
/** QLinearConv output scale: keeps exact (2,072,640 → 122) and saturated (1,048,544 → 62) results far apart. */
const CONV_Y_SCALE = 17000;

function probeModel(weight: number): Model {
  const b = new GraphBuilder('int8-kernel-probe');
  const x = b.input('x', 'uint8', [M, K]);
  const xc = b.input('xc', 'uint8', [1, K, 1, M]);
  const one = b.constant(1, [], 'one');
  const zu = b.initializer('zu', new Tensor('uint8', []));
  const zs = b.initializer('zs', new Tensor('int8', []));
  const w = new Int8Array(K * N).fill(weight);
  const gemmW = b.initializer('w_gemm', new Tensor('int8', [K, N], w));
  b.output(b.op('QGemm', [x, one, zu, gemmW, one, zs], {}, { domain: 'com.microsoft', name: 'gemm' }), 'gemm');
  const convW = b.initializer('w_conv', new Tensor('int8', [N, K, 1, 1], w));
  const ys = b.constant(CONV_Y_SCALE, [], 'y_scale');
  b.output(b.op('QLinearConv', [xc, one, zu, convW, one, zs, ys, zu], {}, { name: 'conv' }), 'conv');
  const m = b.build(17);
  m.opsetImports.set('com.microsoft', 1);
  return m;
}

/** Which arithmetic explains `got` (the same for all elements), or undefined. */
function classify(
  got: ArrayLike<number>, expect: (a: KernelArithmetic) => number, tol: number,
): KernelArithmetic | undefined {
  for (const a of ['exact', 'pairwise-saturating'] as const) {
    const want = expect(a);
    if (Array.from(got).every((v) => Math.abs(v - want) <= tol)) return a;
  }
  return undefined;
}

async function probeRange(weight: number): Promise<{ outcome: ProbeOutcome; error?: string }> {
  let s: Session | undefined;
  try {
    s = await Session.create(probeModel(weight), { threads: 1 });
    const out = await s.run({
      x: new Tensor('uint8', [M, K], new Uint8Array(M * K).fill(U8_MAX)),
      xc: new Tensor('uint8', [1, K, 1, M], new Uint8Array(K * M).fill(U8_MAX)),
    });
    const a = new Array<number>(K).fill(U8_MAX);
    const w = new Array<number>(K).fill(weight);
    const gemm = classify((out['gemm'] as Tensor).toFloat32(), (ar) => dotU8S8(a, w, ar), 0.5);
    const requantized = (ar: KernelArithmetic): number =>
      Math.min(U8_MAX, Math.round(dotU8S8(a, w, ar) / CONV_Y_SCALE));
    const conv = classify((out['conv'] as Tensor).toNumbers(), requantized, 1);
    if (gemm === undefined || conv === undefined) {
      const error = `weight ${weight}: QGemm ${gemm ?? 'unexplained'}, QLinearConv ${conv ?? 'unexplained'}`;
      return { outcome: 'unknown', error };
    }
    return { outcome: gemm === 'exact' && conv === 'exact' ? 'exact' : 'pairwise-saturating' };
  } catch (e) {
    return { outcome: 'unknown', error: e instanceof Error ? e.message : String(e) };
  } finally {
    await s?.release();
  }
}

/** Runs the probe (uncached): full-range (|w| = 127) and 7-bit (|w| = 63) weights against all-255 activations. */
export async function probeInt8Kernels(): Promise<Int8KernelProbe> {
  const full = await probeRange(127);
  const reduced = await probeRange(63);
  const error = [full.error, reduced.error].filter((e) => e !== undefined).join('; ');
  return { fullRange: full.outcome, reducedRange: reduced.outcome, ...(error === '' ? {} : { error }) };
}

function describe(arithmetic: KernelArithmetic, how: string): string {
  return arithmetic === 'exact'
    ? `u8×s8 kernels exact (VNNI or equivalent; ${how})`
    : `u8×s8 kernels saturate pairwise sums to int16 (x86 without VNNI; ${how})`;
}

/** Decides from the three sources (exported for tests; `int8Kernels()` calls it with the real ones). */
export async function detectInt8Kernels(env: string | undefined, cpuinfoVnni: boolean | undefined,
  probe: () => Promise<Int8KernelProbe>): Promise<Int8KernelInfo> {
  const cpu = cpuinfoVnni === undefined ? {} : { cpuinfoVnni };
  const forced = vnniFromEnv(env);
  if (forced !== undefined) {
    const arithmetic: KernelArithmetic = forced ? 'exact' : 'pairwise-saturating';
    return { arithmetic, source: 'env', ...cpu, description: describe(arithmetic, `${VNNI_ENV}=${env?.trim() ?? ''}`) };
  }
  const p = await probe();
  if (p.fullRange !== 'unknown') {
    const disagree = cpuinfoVnni !== undefined && cpuinfoVnni !== (p.fullRange === 'exact');
    const note = disagree ? `, but /proc/cpuinfo ${cpuinfoVnni === true ? 'lists' : 'lacks'} VNNI (emulated CPU?)` : '';
    const description = describe(p.fullRange, `onnxruntime probe${note}`);
    return { arithmetic: p.fullRange, source: 'probe', probe: p, ...cpu, description };
  }
  if (cpuinfoVnni !== undefined) {
    const arithmetic: KernelArithmetic = cpuinfoVnni ? 'exact' : 'pairwise-saturating';
    const description = describe(arithmetic, '/proc/cpuinfo; the probe failed');
    return { arithmetic, source: 'cpuinfo', probe: p, ...cpu, description };
  }
  const description = describe('pairwise-saturating', 'assumed: no probe, no /proc/cpuinfo');
  return { arithmetic: 'pairwise-saturating', source: 'assumed', probe: p, description };
}

let detected: Promise<Int8KernelInfo> | undefined;

/** This machine's u8×s8 kernel arithmetic (detected once per process; see the module comment). */
export function int8Kernels(): Promise<Int8KernelInfo> {
  detected ??= detectInt8Kernels(process.env[VNNI_ENV], readCpuinfoVnni(), probeInt8Kernels);
  return detected;
}
