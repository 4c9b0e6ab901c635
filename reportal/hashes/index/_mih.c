/*
 * Multi-index hashing for exact Hamming range search over 256-bit PDQ hashes.
 *
 * Each hash is cut into 11 chunks of `width` bits (width <= 23, so 11 * width <= 256). Two hashes within
 * distance d differ in at most floor(d / 11) bits of at least one chunk (pigeonhole: 11 chunks with
 * floor(d/11) + 1 differing bits each would need more than d bits), so probing every chunk key within
 * radius r = floor(d / 11) of the query's chunk finds every stored hash within d: recall is 100% by
 * construction. Each chunk has a CSR table: offsets[2^width + 1] into a list of positions sorted by key.
 * Candidates are verified on the full 256 bits; a hit is reported only from the first chunk that could
 * have found it, so nothing is reported twice without a "seen" set.
 *
 * All work runs without the GIL; batched searches and builds split the work over POSIX threads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NCHUNKS 11
#define HASH_BYTES 32
#define MAX_WIDTH 23
#define MAX_RADIUS 3
/* 1 + 23 + C(23,2) + C(23,3) */
#define MAX_PROBES 2048
#define QUERY_BLOCK 16
#define BUILD_AHEAD 16

#define POPCOUNT64(x) __builtin_popcountll(x)

static inline uint32_t chunk_key(const uint8_t *h, int c, int w) {
    int bit = c * w;
    const uint8_t *p = h + (bit >> 3);
    uint32_t v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
    return (v >> (32 - (bit & 7) - w)) & ((1u << w) - 1u);
}

static inline int hamming256(const uint8_t *a, const uint8_t *b) {
    uint64_t x[4], y[4];
    memcpy(x, a, 32);
    memcpy(y, b, 32);
    return POPCOUNT64(x[0] ^ y[0]) + POPCOUNT64(x[1] ^ y[1]) + POPCOUNT64(x[2] ^ y[2]) + POPCOUNT64(x[3] ^ y[3]);
}

static inline int is_dead(const uint8_t *dead, uint64_t dead_bits, uint64_t pos) {
    return pos < dead_bits && ((dead[pos >> 3] >> (pos & 7)) & 1);
}

/* ------------------------------------------------------------------------------------------------------ */
/* results                                                                                               */

typedef struct {
    int64_t *pos;
    uint8_t *dist;
    size_t len, cap;
    int failed;
} results_t;

static inline void emit(results_t *r, uint64_t pos, int dist) {
    if (r->len == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        int64_t *p = realloc(r->pos, cap * sizeof(int64_t));
        if (!p) { r->failed = 1; return; }
        r->pos = p;
        uint8_t *d = realloc(r->dist, cap);
        if (!d) { r->failed = 1; return; }
        r->dist = d;
        r->cap = cap;
    }
    r->pos[r->len] = (int64_t)pos;
    r->dist[r->len] = (uint8_t)dist;
    r->len++;
}

/* ------------------------------------------------------------------------------------------------------ */
/* search                                                                                                */

typedef struct {
    const uint8_t *hashes;   /* n_main x 32 */
    uint64_t n_main;
    int width;
    const uint32_t *offsets; /* NCHUNKS x (2^width + 1) */
    const uint32_t *tables;  /* NCHUNKS x n_main */
    const uint8_t *side;     /* n_side x 32, positions n_main + j */
    uint64_t n_side;
    const uint8_t *dead;     /* bitmap over positions */
    uint64_t dead_bits;
    const uint8_t *queries;  /* m x 32 */
    int max_distance;
} search_ctx;

typedef struct {
    const search_ctx *ctx;
    size_t *next_query;      /* shared: the next block of queries to claim */
    pthread_mutex_t *claim;
    size_t m;
    int64_t *counts;         /* shared, one per query */
    size_t *result_at;       /* shared: where each query's results start in its thread's buffer */
    int *result_thread;      /* shared: which thread answered each query */
    int thread_no;
    results_t res;
    struct scratch *scratch;
} search_job;

/* Per-thread buffers, kept between calls (a fresh 300 KB allocation per look-up costs page faults). */
typedef struct scratch {
    uint32_t *cand;
    uint8_t *cand_chunk;
    size_t cand_cap;
    uint32_t keys[NCHUNKS * MAX_PROBES];
    uint8_t probe_chunk[NCHUNKS * MAX_PROBES];
    uint32_t range_start[NCHUNKS * MAX_PROBES];
    uint32_t range_end[NCHUNKS * MAX_PROBES];
    uint8_t range_chunk[NCHUNKS * MAX_PROBES];
} scratch_t;

static pthread_key_t scratch_key;

static void free_scratch(void *p) {
    scratch_t *s = (scratch_t *)p;
    if (!s) return;
    free(s->cand);
    free(s->cand_chunk);
    free(s);
}

static scratch_t *thread_scratch(void) {
    scratch_t *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = calloc(1, sizeof(scratch_t));
        if (s && pthread_setspecific(scratch_key, s) != 0) { free(s); s = NULL; }
    }
    return s;
}

static size_t make_probes(uint32_t q, int w, int r, uint32_t *keys) {
    size_t n = 0;
    keys[n++] = q;
    if (r >= 1)
        for (int i = 0; i < w; i++) keys[n++] = q ^ (1u << i);
    if (r >= 2)
        for (int i = 0; i < w; i++)
            for (int j = 0; j < i; j++) keys[n++] = q ^ (1u << i) ^ (1u << j);
    if (r >= 3)
        for (int i = 0; i < w; i++)
            for (int j = 0; j < i; j++)
                for (int k = 0; k < j; k++) keys[n++] = q ^ (1u << i) ^ (1u << j) ^ (1u << k);
    return n;
}

static void scan(const uint8_t *hashes, uint64_t n, uint64_t base, const uint8_t *query, int d,
                 const uint8_t *dead, uint64_t dead_bits, results_t *res) {
    for (uint64_t i = 0; i < n; i++) {
        int dist = hamming256(hashes + i * HASH_BYTES, query);
        if (dist <= d && !is_dead(dead, dead_bits, base + i)) emit(res, base + i, dist);
    }
}

static int grow_scratch(scratch_t *job, size_t need) {
    if (need <= job->cand_cap) return 1;
    size_t cap = job->cand_cap * 2 > need ? job->cand_cap * 2 : need + 4096;
    uint32_t *p = realloc(job->cand, cap * sizeof(uint32_t));
    if (!p) return 0;
    job->cand = p;
    uint8_t *q = realloc(job->cand_chunk, cap);
    if (!q) return 0;
    job->cand_chunk = q;
    job->cand_cap = cap;
    return 1;
}

/*
 * Multi-index search in stages over all 11 chunks at once, so that each stage issues hundreds of independent
 * memory reads (prefetches) before it needs the first of them: the tables are far larger than the caches and
 * a look-up is bound by memory latency, not by arithmetic.
 */
static void search_mih(search_job *sj, const uint8_t *query) {
    scratch_t *job = sj->scratch;
    const search_ctx *c = sj->ctx;
    int d = c->max_distance, r = d / NCHUNKS, w = c->width;
    size_t nb = (size_t)1 << w;
    results_t *res = &sj->res;
    uint32_t qk[NCHUNKS];
    size_t np = 0;
    for (int ch = 0; ch < NCHUNKS; ch++) {
        qk[ch] = chunk_key(query, ch, w);
        size_t k = make_probes(qk[ch], w, r, job->keys + np);
        /* stage 1: the offsets of every probe */
        const uint32_t *off = c->offsets + (size_t)ch * (nb + 1);
        for (size_t i = np; i < np + k; i++) {
            job->probe_chunk[i] = (uint8_t)ch;
            __builtin_prefetch(off + job->keys[i]);
        }
        np += k;
    }
    /* stage 2: bucket bounds; prefetch the start of each non-empty bucket */
    size_t nr = 0, total = 0;
    for (size_t i = 0; i < np; i++) {
        int ch = job->probe_chunk[i];
        const uint32_t *off = c->offsets + (size_t)ch * (nb + 1);
        uint32_t s = off[job->keys[i]], e = off[job->keys[i] + 1];
        if (e > s) {
            job->range_start[nr] = s;
            job->range_end[nr] = e;
            job->range_chunk[nr] = (uint8_t)ch;
            nr++;
            total += e - s;
            __builtin_prefetch(c->tables + (size_t)ch * c->n_main + s);
        }
    }
    if (!grow_scratch(job, total)) { res->failed = 1; return; }
    /* stage 3: candidate positions; prefetch their hashes */
    size_t nc = 0;
    for (size_t i = 0; i < nr; i++) {
        const uint32_t *tab = c->tables + (size_t)job->range_chunk[i] * c->n_main;
        for (uint32_t p = job->range_start[i]; p < job->range_end[i]; p++) {
            uint32_t pos = tab[p];
            job->cand[nc] = pos;
            job->cand_chunk[nc] = job->range_chunk[i];
            nc++;
            __builtin_prefetch(c->hashes + (size_t)pos * HASH_BYTES);
        }
    }
    /* stage 4: verify on all 256 bits; report each hit from the first chunk that could have found it */
    for (size_t i = 0; i < nc; i++) {
        uint32_t pos = job->cand[i];
        const uint8_t *h = c->hashes + (size_t)pos * HASH_BYTES;
        int dist = hamming256(h, query);
        if (dist > d || is_dead(c->dead, c->dead_bits, pos)) continue;
        int ch = job->cand_chunk[i], earlier = 0;
        for (int e2 = 0; e2 < ch && !earlier; e2++) earlier = __builtin_popcount(chunk_key(h, e2, w) ^ qk[e2]) <= r;
        if (!earlier) emit(res, pos, dist);
    }
}

static void search_one(search_job *job, const uint8_t *query) {
    const search_ctx *c = job->ctx;
    int d = c->max_distance;
    if (c->n_main > 0) {
        if (d / NCHUNKS > MAX_RADIUS || c->width <= 0)
            scan(c->hashes, c->n_main, 0, query, d, c->dead, c->dead_bits, &job->res);
        else
            search_mih(job, query);
    }
    if (c->n_side > 0) scan(c->side, c->n_side, c->n_main, query, d, c->dead, c->dead_bits, &job->res);
}

static void *search_worker(void *arg) {
    search_job *job = (search_job *)arg;
    job->scratch = thread_scratch();
    if (!job->scratch) { job->res.failed = 1; return NULL; }
    /* Queries are claimed in small blocks, so a thread that the OS schedules less often does less of the work. */
    for (;;) {
        pthread_mutex_lock(job->claim);
        size_t begin = *job->next_query, end = begin + QUERY_BLOCK < job->m ? begin + QUERY_BLOCK : job->m;
        *job->next_query = end;
        pthread_mutex_unlock(job->claim);
        if (begin >= end) break;
        for (size_t q = begin; q < end && !job->res.failed; q++) {
            size_t before = job->res.len;
            search_one(job, job->ctx->queries + q * HASH_BYTES);
            job->counts[q] = (int64_t)(job->res.len - before);
            job->result_at[q] = before;
            job->result_thread[q] = job->thread_no;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------------------ */
/* build                                                                                                 */

typedef struct {
    const uint8_t *hashes;
    uint64_t n;
    int width;
    uint32_t *offsets;
    uint32_t *tables;
    int next_chunk;
    int failed;
    pthread_mutex_t lock;
} build_ctx;

static void *build_worker(void *arg) {
    build_ctx *b = (build_ctx *)arg;
    size_t nb = (size_t)1 << b->width;
    uint32_t *keys = malloc((b->n ? b->n : 1) * sizeof(uint32_t));
    if (!keys) {
        pthread_mutex_lock(&b->lock);
        b->failed = 1;
        pthread_mutex_unlock(&b->lock);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&b->lock);
        int ch = b->failed ? NCHUNKS : b->next_chunk++;
        pthread_mutex_unlock(&b->lock);
        if (ch >= NCHUNKS) break;
        uint32_t *off = b->offsets + (size_t)ch * (nb + 1);
        uint32_t *tab = b->tables + (size_t)ch * b->n;
        memset(off, 0, (nb + 1) * sizeof(uint32_t));
        for (uint64_t i = 0; i < b->n; i++) keys[i] = chunk_key(b->hashes + i * HASH_BYTES, ch, b->width);
        /* The counters are far larger than the caches: fetch the ones needed a few steps ahead. */
        for (uint64_t i = 0; i < b->n; i++) {
            if (i + BUILD_AHEAD < b->n) __builtin_prefetch(off + keys[i + BUILD_AHEAD] + 1, 1);
            off[keys[i] + 1]++;
        }
        for (size_t k = 1; k <= nb; k++) off[k] += off[k - 1];
        /* off[k] is the start of bucket k; scatter moves it to the end of bucket k, then shift back. */
        for (uint64_t i = 0; i < b->n; i++) {
            if (i + 2 * BUILD_AHEAD < b->n) __builtin_prefetch(off + keys[i + 2 * BUILD_AHEAD], 1);
            if (i + BUILD_AHEAD < b->n) __builtin_prefetch(tab + off[keys[i + BUILD_AHEAD]], 1);
            tab[off[keys[i]]++] = (uint32_t)i;
        }
        memmove(off + 1, off, nb * sizeof(uint32_t));
        off[0] = 0;
    }
    free(keys);
    return NULL;
}

/* ------------------------------------------------------------------------------------------------------ */
/* Python bindings                                                                                       */

static int get_buf(PyObject *obj, Py_buffer *view, int writable, const char *name) {
    if (PyObject_GetBuffer(obj, view, writable ? (PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) : PyBUF_C_CONTIGUOUS) < 0) {
        PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous%s buffer", name, writable ? " writable" : "");
        return -1;
    }
    return 0;
}

static int run_threads(void *(*fn)(void *), void *jobs, size_t job_size, int nthreads) {
    pthread_t tids[64];
    int started = 0, ok = 1;
    for (int t = 1; t < nthreads; t++) {
        if (pthread_create(&tids[started], NULL, fn, (char *)jobs + (size_t)t * job_size) != 0) {
            ok = 0;
            /* run it on this thread instead */
            fn((char *)jobs + (size_t)t * job_size);
            continue;
        }
        started++;
    }
    fn(jobs);
    for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
    return ok;
}

PyDoc_STRVAR(build_doc,
             "build(hashes, n, width, offsets_out, tables_out, nthreads)\n\n"
             "Fill the CSR tables of the 11 chunks: offsets_out (uint32, 11 x (2**width + 1)) and tables_out "
             "(uint32, 11 x n).");

static PyObject *py_build(PyObject *self, PyObject *args) {
    PyObject *o_hashes, *o_off, *o_tab;
    unsigned long long n;
    int width, nthreads;
    if (!PyArg_ParseTuple(args, "OKiOOi", &o_hashes, &n, &width, &o_off, &o_tab, &nthreads)) return NULL;
    if (width < 1 || width > MAX_WIDTH) return PyErr_Format(PyExc_ValueError, "width must be 1..%d", MAX_WIDTH);
    if (n >= 0xFFFFFFFFull) return PyErr_Format(PyExc_ValueError, "at most 2**32 - 2 hashes per index part");
    Py_buffer vh, vo, vt;
    if (get_buf(o_hashes, &vh, 0, "hashes") < 0) return NULL;
    if (get_buf(o_off, &vo, 1, "offsets_out") < 0) { PyBuffer_Release(&vh); return NULL; }
    if (get_buf(o_tab, &vt, 1, "tables_out") < 0) { PyBuffer_Release(&vh); PyBuffer_Release(&vo); return NULL; }
    size_t nb = (size_t)1 << width;
    PyObject *ret = NULL;
    if ((size_t)vh.len < n * HASH_BYTES || (size_t)vo.len < NCHUNKS * (nb + 1) * 4 || (size_t)vt.len < NCHUNKS * n * 4) {
        PyErr_SetString(PyExc_ValueError, "buffers too small for n and width");
        goto done;
    }
    if (nthreads < 1) nthreads = 1;
    if (nthreads > NCHUNKS) nthreads = NCHUNKS;
    build_ctx b = {vh.buf, n, width, vo.buf, vt.buf, 0, 0};
    pthread_mutex_init(&b.lock, NULL);
    Py_BEGIN_ALLOW_THREADS
    {
        pthread_t tids[NCHUNKS];
        int started = 0;
        for (int t = 1; t < nthreads; t++)
            if (pthread_create(&tids[started], NULL, build_worker, &b) == 0) started++;
        build_worker(&b);
        for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
    }
    Py_END_ALLOW_THREADS
    pthread_mutex_destroy(&b.lock);
    if (b.failed) {
        PyErr_NoMemory();
        goto done;
    }
    ret = Py_None;
    Py_INCREF(ret);
done:
    PyBuffer_Release(&vh);
    PyBuffer_Release(&vo);
    PyBuffer_Release(&vt);
    return ret;
}

PyDoc_STRVAR(search_doc,
             "search(hashes, n_main, width, offsets, tables, side, n_side, dead, dead_bits, queries, m, "
             "max_distance, nthreads) -> (counts, positions, distances)\n\n"
             "Every stored position within max_distance of each query, as raw bytes: counts (int64 per query), "
             "positions (int64; side entries are n_main + j) and distances (uint8), grouped by query.");

static PyObject *py_search(PyObject *self, PyObject *args) {
    PyObject *o_hashes, *o_off, *o_tab, *o_side, *o_dead, *o_q;
    unsigned long long n_main, n_side, dead_bits, m;
    int width, maxd, nthreads;
    if (!PyArg_ParseTuple(args, "OKiOOOKOKOKii", &o_hashes, &n_main, &width, &o_off, &o_tab, &o_side, &n_side,
                          &o_dead, &dead_bits, &o_q, &m, &maxd, &nthreads))
        return NULL;
    if (maxd < 0 || maxd > 256) return PyErr_Format(PyExc_ValueError, "max_distance must be 0..256");
    if (width < 0 || width > MAX_WIDTH) return PyErr_Format(PyExc_ValueError, "width must be 0..%d", MAX_WIDTH);
    Py_buffer views[6];
    PyObject *objs[6] = {o_hashes, o_off, o_tab, o_side, o_dead, o_q};
    const char *names[6] = {"hashes", "offsets", "tables", "side", "dead", "queries"};
    int got = 0;
    for (; got < 6; got++)
        if (get_buf(objs[got], &views[got], 0, names[got]) < 0) break;
    PyObject *ret = NULL;
    search_job *jobs = NULL;
    int64_t *counts = NULL;
    size_t *result_at = NULL;
    int *result_thread = NULL;
    size_t next_query = 0;
    pthread_mutex_t claim;
    pthread_mutex_init(&claim, NULL);
    if (got < 6) goto done;
    size_t nb = width ? ((size_t)1 << width) : 0;
    if ((size_t)views[0].len < n_main * HASH_BYTES || (size_t)views[3].len < n_side * HASH_BYTES ||
        (size_t)views[5].len < m * HASH_BYTES || (size_t)views[4].len * 8 < dead_bits ||
        (n_main && width && ((size_t)views[1].len < NCHUNKS * (nb + 1) * 4 || (size_t)views[2].len < NCHUNKS * n_main * 4))) {
        PyErr_SetString(PyExc_ValueError, "buffers too small for the sizes given");
        goto done;
    }
    search_ctx ctx = {views[0].buf, n_main, width, views[1].buf, views[2].buf, views[3].buf, n_side,
                      views[4].buf, dead_bits, views[5].buf, maxd};
    if (nthreads < 1) nthreads = 1;
    if (nthreads > 64) nthreads = 64;
    if ((unsigned long long)nthreads > m) nthreads = m ? (int)m : 1;
    jobs = calloc((size_t)nthreads, sizeof(search_job));
    counts = calloc(m ? m : 1, sizeof(int64_t));
    result_at = calloc(m ? m : 1, sizeof(size_t));
    result_thread = calloc(m ? m : 1, sizeof(int));
    if (!jobs || !counts || !result_at || !result_thread) { PyErr_NoMemory(); goto done; }
    for (int t = 0; t < nthreads; t++) {
        jobs[t].ctx = &ctx;
        jobs[t].scratch = NULL;
        jobs[t].next_query = &next_query;
        jobs[t].claim = &claim;
        jobs[t].m = m;
        jobs[t].counts = counts;
        jobs[t].result_at = result_at;
        jobs[t].result_thread = result_thread;
        jobs[t].thread_no = t;
    }
    Py_BEGIN_ALLOW_THREADS
    if (nthreads == 1)
        search_worker(&jobs[0]);
    else
        run_threads(search_worker, jobs, sizeof(search_job), nthreads);
    Py_END_ALLOW_THREADS
    size_t total = 0;
    for (int t = 0; t < nthreads; t++) {
        if (jobs[t].res.failed) { PyErr_NoMemory(); goto done; }
        total += jobs[t].res.len;
    }
    {
        PyObject *b_counts = PyBytes_FromStringAndSize((const char *)counts, (Py_ssize_t)(m * sizeof(int64_t)));
        PyObject *b_pos = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(total * sizeof(int64_t)));
        PyObject *b_dist = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)total);
        if (!b_counts || !b_pos || !b_dist) {
            Py_XDECREF(b_counts);
            Py_XDECREF(b_pos);
            Py_XDECREF(b_dist);
            goto done;
        }
        char *pp = PyBytes_AS_STRING(b_pos), *pd = PyBytes_AS_STRING(b_dist);
        for (size_t q = 0; q < m; q++) {
            size_t k = (size_t)counts[q];
            if (!k) continue;
            const results_t *r = &jobs[result_thread[q]].res;
            memcpy(pp, r->pos + result_at[q], k * sizeof(int64_t));
            memcpy(pd, r->dist + result_at[q], k);
            pp += k * sizeof(int64_t);
            pd += k;
        }
        ret = Py_BuildValue("(NNN)", b_counts, b_pos, b_dist);
    }
done:
    if (jobs) {
        for (int t = 0; t < nthreads; t++) {
            free(jobs[t].res.pos);
            free(jobs[t].res.dist);
        }
        free(jobs);
    }
    free(counts);
    free(result_at);
    free(result_thread);
    pthread_mutex_destroy(&claim);
    for (int i = 0; i < got; i++) PyBuffer_Release(&views[i]);
    return ret;
}

static PyMethodDef methods[] = {
    {"build", py_build, METH_VARARGS, build_doc},
    {"search", py_search, METH_VARARGS, search_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_mih", "Multi-index hashing for PDQ range search.", -1,
                                   methods};

PyMODINIT_FUNC PyInit__mih(void) {
    if (pthread_key_create(&scratch_key, free_scratch) != 0) return PyErr_NoMemory();
    PyObject *mod = PyModule_Create(&module);
    if (!mod) return NULL;
    PyModule_AddIntConstant(mod, "NCHUNKS", NCHUNKS);
    PyModule_AddIntConstant(mod, "MAX_WIDTH", MAX_WIDTH);
    PyModule_AddIntConstant(mod, "MAX_RADIUS", MAX_RADIUS);
    return mod;
}
