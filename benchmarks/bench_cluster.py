"""Wall time and peak memory of `Segmenter` on large synthetic embedding matrices, against plain scikit-learn KMeans.

Each measurement runs in its own child process, which generates a blob-like float32 matrix (n x 384, in chunks so
the generator never holds more than one chunk of float64 noise), fits, and reports its own peak resident memory
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`; tracemalloc misses BLAS and most numpy buffers) and the peak right after
generating the data (so the fit's own share is visible), the fit's CPU seconds (user + system, all threads), and the quality of the labels
measured the same way for every run: ARI to the planted blobs and the inertia (sum of squared distances of each row to
its segment's mean, in float64). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_cluster.py [--sizes 100000 1000000] [--k 8] [--timeout 600]
        [--runs plain kmeans minibatch gmm hdbscan_pca kmeans_auto minibatch_auto]

`--runs` names the runs for every size; without it, sizes above 200,000 rows get `--big-runs` only.

Runs (k fixed = the planted number of blobs unless "auto"):
- plain:           sklearn KMeans(n_clusters=k, random_state=0) on the float32 matrix, default threads
- plain1:          the same with n_init=1 spelled out (scikit-learn's "auto" is 1 for k-means++)
- kmeans:          Segmenter(n_segments=k, n_init=3, n_bootstrap=0)
- kmeans1:         Segmenter(n_segments=k, n_init=1): the restarts plain KMeans makes
- minibatch:       Segmenter(method="minibatch", n_segments=k, n_init=3, n_bootstrap=0)
- gmm:             Segmenter(method="gmm", n_segments=k, n_init=1, n_bootstrap=0), diagonal covariance
- hdbscan_pca:     Segmenter(method="hdbscan", reduce="pca", reduce_dim=16, density_grid=[n // 100], n_bootstrap=0)
- kmeans_auto:     Segmenter(n_init=3, k_min=k-2, k_max=k+2, n_bootstrap=5), stability with 5 bootstraps of 2,000 rows
- minibatch_auto:  the same with method="minibatch", n_init=3
Skipped by design: agglomerative (Ward needs n^2/2 distances: 100k rows = 40 GB) and DBSCAN (its neighbourhood
lists grow with n^2 at a useful eps, and a radius search in 384-d is brute force); `Segmenter` refuses Ward above
40,000 rows.
"""
import argparse
import json
import resource
import subprocess
import sys
import time

DIM = 384
CHUNK = 100_000


def make_blobs32(n, k, dim=DIM, seed=0):
    "n x dim float32 blobs around k random centres, generated chunk by chunk (memory: the output + one chunk)."
    import numpy as np
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((k, dim)).astype(np.float32) * 1.5
    X = np.empty((n, dim), dtype=np.float32)
    y = np.empty(n, dtype=np.int32)
    for i in range(0, n, CHUNK):
        m = min(CHUNK, n - i)
        r = np.random.default_rng([seed, i])
        y[i:i + m] = r.integers(0, k, m)
        X[i:i + m] = centers[y[i:i + m]] + r.standard_normal((m, dim), dtype=np.float32)
    return X, y


def inertia(X, labels):
    "Sum of squared distances of each row to its label's mean (float64), a chunk of rows at a time."
    import numpy as np
    k = labels.max() + 1
    S = np.zeros((k, X.shape[1])); cnt = np.bincount(labels, minlength=k)
    for i in range(0, len(X), CHUNK):
        np.add.at(S, labels[i:i + CHUNK], X[i:i + CHUNK].astype(np.float64))
    M = S / np.maximum(cnt, 1)[:, None]
    return float(sum(((X[i:i + CHUNK].astype(np.float64) - M[labels[i:i + CHUNK]]) ** 2).sum()
                     for i in range(0, len(X), CHUNK)))


def cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child(run, n, k):
    import numpy as np
    X, y = make_blobs32(n, k)
    data_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    c0, t0 = cpu_s(), time.perf_counter()
    if run in ("plain", "plain1"):
        from sklearn.cluster import KMeans
        km = KMeans(n_clusters=k, random_state=0, **({"n_init": 1} if run == "plain1" else {})).fit(X)
        labels, extra = km.labels_, dict(centres_dtype=str(km.cluster_centers_.dtype))
    else:
        from custseg.cluster import Segmenter
        kw = dict(plain=None,
                  kmeans=dict(n_segments=k, n_init=3, n_bootstrap=0),
                  kmeans1=dict(n_segments=k, n_init=1),
                  minibatch=dict(method="minibatch", n_segments=k, n_init=3, n_bootstrap=0),
                  gmm=dict(method="gmm", n_segments=k, n_init=1, n_bootstrap=0),
                  hdbscan_pca=dict(method="hdbscan", reduce="pca", reduce_dim=16, density_grid=[n // 100], n_bootstrap=0),
                  kmeans_auto=dict(n_init=3, k_min=k - 2, k_max=k + 2, n_bootstrap=5),
                  minibatch_auto=dict(method="minibatch", n_init=3, k_min=k - 2, k_max=k + 2))[run]
        s = Segmenter(**kw).fit(X)
        labels = s.labels_
        extra = dict(n_segments=int(s.n_segments_), n_noise=int(getattr(s, "n_noise_", 0)),
                     centres_dtype=str(s.cluster_centers_.dtype))
        if "stability" in s.k_scores_:
            extra["stability"] = {int(i): round(float(v), 3) for i, v in s.k_scores_["stability"].items()}
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the quality checks below allocate
    from sklearn.metrics import adjusted_rand_score
    print(json.dumps(dict(run=run, n=n, wall_s=round(wall, 1), cpu_s=round(cpu, 1), data_mb=round(data_mb),
                          peak_mb=round(peak_mb), ari_vs_planted=round(float(adjusted_rand_score(y, labels)), 3),
                          inertia=round(inertia(X, np.asarray(labels)), 1), **extra)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--k", type=int, default=8, help="planted blobs, and the fixed k")
    ap.add_argument("--runs", nargs="+", help="runs for every size (default: all but plain1/kmeans1 up to 200,000 rows, "
                                              "--big-runs above)")
    ap.add_argument("--big-runs", nargs="+", default=["plain", "minibatch", "minibatch_auto"],
                    help="runs for sizes above 200,000 rows (the others are too slow on 2 cores)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per run")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return child(a.child[0], int(a.child[1]), int(a.child[2]))
    print(f"# {DIM}-d float32 blobs, k={a.k}; skipped everywhere: agglomerative and dbscan (O(n^2)); "
          f"for n > 200,000 only {a.runs or a.big_runs}")
    for n in a.sizes:
        default = ["plain", "kmeans", "minibatch", "gmm", "hdbscan_pca", "kmeans_auto", "minibatch_auto"]
        for run in (a.runs or (default if n <= 200_000 else a.big_runs)):
            try:
                p = subprocess.run([sys.executable, __file__, "--child", run, str(n), str(a.k)],
                                   capture_output=True, text=True, timeout=a.timeout)
                out = p.stdout.strip().splitlines()
                print(out[-1] if p.returncode == 0 and out else
                      json.dumps(dict(run=run, n=n, error=(p.stderr.strip().splitlines() or ["?"])[-1])), flush=True)
            except subprocess.TimeoutExpired:
                print(json.dumps(dict(run=run, n=n, error=f"skipped: over the {a.timeout} s limit")), flush=True)


if __name__ == "__main__":
    main()
