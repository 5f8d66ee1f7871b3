"""Time `ftprep check` and `ftprep convert` on 50 photo-sized images (issue 4).

    python benchmarks/bench_images.py [--n 50] [--size 4000x3000] [--workers N] [--keep DIR]

Generates N JPEGs (noise over gradients, so they weigh like real 12 MP photos,
about 4-7 MB each) with .txt captions in a temporary folder, then times
`ftprep.check(..., task="image")` and `ftprep.convert(...)` (ImageFolder, long
side capped at 2048). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time


def make_set(folder: str, n: int, size: tuple[int, int]) -> int:
    from PIL import Image

    total = 0
    base = Image.linear_gradient("L").resize(size)
    for i in range(n):
        noise = Image.effect_noise(size, 30 + i % 20)
        radial = Image.radial_gradient("L").resize(size).rotate(i * 7)
        im = Image.merge("RGB", (base, noise, radial))
        path = os.path.join(folder, f"photo{i:03d}.jpg")
        im.save(path, "JPEG", quality=90)
        total += os.path.getsize(path)
        with open(os.path.join(folder, f"photo{i:03d}.txt"), "w", encoding="utf-8") as f:
            f.write(f"ohwx, a photo of a gradient number {i}, studio lighting")
    return total


def main() -> None:
    import ftprep

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--size", default="4000x3000")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--keep", help="generate into this folder (reused if it exists)")
    args = ap.parse_args()
    size = tuple(int(x) for x in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="ftprep-bench-") as tmp:
        src = args.keep or os.path.join(tmp, "photos")
        if not os.path.isdir(src) or not os.listdir(src):
            os.makedirs(src, exist_ok=True)
            t0 = time.perf_counter()
            make_set(src, args.n, size)  # type: ignore[arg-type]
            gen = time.perf_counter() - t0
        else:
            gen = 0.0
        nbytes = sum(os.path.getsize(os.path.join(src, f)) for f in os.listdir(src))
        # CPU seconds (all threads) too: on a shared machine wall time mostly measures the neighbours.
        t0, c0 = time.perf_counter(), time.process_time()
        report = ftprep.check(src, task="image", workers=args.workers)
        t_check, c_check = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        conv = ftprep.convert(src, os.path.join(tmp, "out"), task="image", workers=args.workers)
        t_convert, c_convert = time.perf_counter() - t0, time.process_time() - c0
        print(json.dumps({
            "images": args.n, "size": args.size, "input_mb": round(nbytes / 1e6, 1), "cpus": os.cpu_count(),
            "workers": args.workers, "generate_s": round(gen, 2), "check_s": round(t_check, 2),
            "convert_s": round(t_convert, 2), "check_cpu_s": round(c_check, 2),
            "convert_cpu_s": round(c_convert, 2), "load_avg_1m": round(os.getloadavg()[0], 1), "check_codes": sorted(set(report.codes())),
            "written": conv.written, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        }))


if __name__ == "__main__":
    main()
