#!/usr/bin/env python3
"""Loads ONNX files with the reference parser, onnx.load, in one process: reads one path per line on
stdin and prints one JSON line per path, {"ok": true, "initializerElements": N} or
{"ok": false, "error": "..."}. Used by bench/decoder-vs-onnx.ts."""
import json
import sys
import warnings

import onnx


def elements(model):
    total = 0
    for t in model.graph.initializer:
        n = 1
        for d in t.dims:
            n *= d
        total += n
    return total


def main():
    warnings.simplefilter('ignore')
    for line in sys.stdin:
        path = line.rstrip('\n')
        if not path:
            continue
        try:
            model = onnx.load(path)
            print(json.dumps({'ok': True, 'initializerElements': elements(model)}))
        except Exception as e:  # any rejection counts, whatever its type
            print(json.dumps({'ok': False, 'error': f'{type(e).__name__}: {e}'[:300]}))
        sys.stdout.flush()


if __name__ == '__main__':
    main()
