/*
 * pymalloc-replay: replays a PYMTRC01 allocation trace through CPython's own
 * small-object allocator (PyObject_Malloc / Calloc / Realloc / Free), so that
 * pymem's bench can put real pymalloc next to its own allocators, measured on
 * the same machine in the same run. Written for apps/bench (the `cpython`
 * contender); built by the bench with
 *
 *     cc -O2 $(python3-config --cflags --embed) pymalloc-replay.c \
 *        $(python3-config --ldflags --embed) -o pymalloc-replay
 *
 * Usage:
 *     pymalloc-replay TRACE [--warmup N] [--runs N] [--replays N]
 *         measuring pass, N warm-up runs, N timed runs; one JSON line each
 *     pymalloc-replay TRACE --serve
 *         the bench's protocol: one command per stdin line, one JSON line back
 *             measure      -> {"kind":"measured", ...}   (the fresh first pass)
 *             replay COUNT -> {"kind":"replayed","ns":...}  (COUNT timed replays)
 *             quit / EOF   -> exit 0
 *
 * Every stdout line is one JSON object; {"kind":"ready"} comes first, and any
 * failure prints {"kind":"failed","message":...} and exits 1.
 *
 * The file, and what it is decoded into before any clock runs:
 *
 *   file   0        8         12        16     20      24         28         32
 *          +--------+---------+---------+------+-------+----------+----------+---------
 *          | magic  | version | nevents | nids | flags | hdr_size | rec_size | records
 *          |PYMTRC01|    1    |   u32   | u32  |  u32  |    32    |    9     | ...
 *          +--------+---------+---------+------+-------+----------+----------+---------
 *   record 0      1          5          9        (little endian, unaligned)
 *          +------+----------+----------+
 *          |  op  |    id    |   size   |      op: 0 malloc, 1 free, 2 realloc, 3 calloc
 *          +------+----------+----------+
 *
 *   struct trace: ops[nevents] u8 | ids[nevents] u32 | sizes[nevents] u32
 *                 live_at_end[nlive] u32 (ids the trace never frees)
 *   ptrs[nids]:   id -> the block PyObject_* handed out for it
 *
 * Memory model. pymalloc serves requests of 1..SMALL_REQUEST_MAX bytes from
 * its arenas and forwards 0 and larger requests to the raw allocator (libc
 * malloc; 0 becomes malloc(1)). A block that went raw stays raw: realloc
 * never moves it back into an arena. The replayer does not see libc's
 * bookkeeping, so the raw side is counted from the trace (raw_model below).
 * The arena side is pymalloc's own count, "# arenas highwater mark" in
 * _PyObject_DebugMallocStats. Freed arenas are kept mapped (kept_arenas) and
 * handed back on the next request, as the bench keeps every other
 * contender's memory between runs, so a warm run does not page-fault its
 * arenas in again.
 *
 *   peak reserved = arenas highwater x bytes/arena   (first pass, fresh process)
 *                 + max over the trace of the raw bytes live at once
 *
 * Invariants (between passes):
 *   every block a pass allocated is free again
 *   _Py_GetAllocatedBlocks() == its value before the first pass (checked)
 *   kept_arenas.count + arenas pymalloc holds == arenas ever mapped
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

/* Exported by libpython (PyAPI_FUNC) but declared only in its internal headers. */
extern int _PyObject_DebugMallocStats(FILE *out);
extern Py_ssize_t _Py_GetAllocatedBlocks(void);

/* ---- trace format (traces/FORMAT.md) ---------------------------------- */

#define TRACE_MAGIC       "PYMTRC01"
#define TRACE_MAGIC_LEN   8
#define TRACE_VERSION     1
#define OFF_VERSION       8
#define OFF_NEVENTS       12
#define OFF_NIDS          16
#define OFF_HDR_SIZE      24
#define OFF_REC_SIZE      28
#define TRACE_HDR_SIZE    32
#define REC_OFF_OP        0
#define REC_OFF_ID        1
#define REC_OFF_SIZE      5
#define TRACE_REC_SIZE    (REC_OFF_SIZE + 4)

enum { OP_MALLOC = 0, OP_FREE = 1, OP_REALLOC = 2, OP_CALLOC = 3, OP_COUNT = 4 };

/* pymalloc's largest small request; 0 and anything above go to the raw allocator. */
#define SMALL_REQUEST_MAX 512
/* What pymalloc asks libc for when the request is 0 bytes. */
#define RAW_ZERO_REQUEST  1

#define NS_PER_SECOND     1000000000LL
/* Default counts of the stand-alone mode. */
#define DEFAULT_WARMUP    2
#define DEFAULT_RUNS      7
#define DEFAULT_REPLAYS   1
/* Longest command line of the serve protocol. */
#define COMMAND_MAX       64
/* Freed arenas kept mapped for reuse (beyond this they are unmapped). */
#define KEPT_ARENAS_MAX   65536
/* Bytes per arena if the stats text does not say. */
#define DEFAULT_ARENA_SIZE ((size_t)1 << 20)

/*
 * The decoded trace. Built once, read-only afterwards.
 * Invariants: ids[i] < nids; ops[i] < OP_COUNT; a free/realloc names a live
 * id and a malloc/calloc a free one (checked by check_trace).
 */
struct trace {
    uint32_t nevents;
    uint32_t nids;
    uint8_t *ops;
    uint32_t *ids;
    uint32_t *sizes;
    uint32_t *live_at_end;   /* ids still bound when the trace ends */
    uint32_t nlive_at_end;
    uint64_t raw_peak_bytes; /* max of raw_model.live_bytes over the trace */
};

/*
 * Freed arenas waiting for reuse. States of an arena: held by pymalloc, or
 * kept here (mapped, not in use). Invariant: count <= KEPT_ARENAS_MAX; every
 * kept arena has size arena_size.
 */
static struct {
    void *arenas[KEPT_ARENAS_MAX];
    size_t count;
    size_t arena_size;       /* 0 until the first arena is mapped */
    size_t mapped;           /* arenas mapped now (held + kept) */
} kept_arenas;

/* ---- output --------------------------------------------------------------- */

/* A JSON string literal of `s` on stdout (quotes and control characters escaped). */
static void put_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

/* Report a failure as the last JSON line and stop. */
static void fail(const char *what, const char *detail)
{
    char message[512];
    snprintf(message, sizeof message, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    printf("{\"kind\":\"failed\",\"message\":");
    put_json_string(message);
    printf("}\n");
    fflush(stdout);
    exit(1);
}

static void *checked_calloc(size_t n, size_t size, const char *what)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) fail("out of memory for", what);
    return p;
}

/* ---- decoding and checking ---------------------------------------------- */

static uint32_t load_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t *read_file(const char *path, size_t *length)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail(path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) fail(path, strerror(errno));
    long end = ftell(f);
    if (end < 0 || fseek(f, 0, SEEK_SET) != 0) fail(path, strerror(errno));
    uint8_t *bytes = checked_calloc((size_t)end, 1, "the trace file");
    if (fread(bytes, 1, (size_t)end, f) != (size_t)end) fail(path, "short read");
    fclose(f);
    *length = (size_t)end;
    return bytes;
}

static void check_header(const uint8_t *b, size_t length, const char *path)
{
    if (length < TRACE_HDR_SIZE || memcmp(b, TRACE_MAGIC, TRACE_MAGIC_LEN) != 0) fail(path, "not a PYMTRC01 trace");
    if (load_u32(b + OFF_VERSION) != TRACE_VERSION) fail(path, "unsupported trace version");
    if (load_u32(b + OFF_HDR_SIZE) != TRACE_HDR_SIZE || load_u32(b + OFF_REC_SIZE) != TRACE_REC_SIZE)
        fail(path, "unexpected header or record size");
    uint64_t need = TRACE_HDR_SIZE + (uint64_t)load_u32(b + OFF_NEVENTS) * TRACE_REC_SIZE;
    if (length < need) fail(path, "file shorter than nevents records");
}

/* Split the packed records into the three arrays the replay loop reads. */
static void decode_records(struct trace *t, const uint8_t *b)
{
    t->ops = checked_calloc(t->nevents, sizeof *t->ops, "ops");
    t->ids = checked_calloc(t->nevents, sizeof *t->ids, "ids");
    t->sizes = checked_calloc(t->nevents, sizeof *t->sizes, "sizes");
    const uint8_t *rec = b + TRACE_HDR_SIZE;
    for (uint32_t i = 0; i < t->nevents; i++, rec += TRACE_REC_SIZE) {
        t->ops[i] = rec[REC_OFF_OP];
        t->ids[i] = load_u32(rec + REC_OFF_ID);
        t->sizes[i] = load_u32(rec + REC_OFF_SIZE);
    }
}

/*
 * Where each id's block lives, as pymalloc decides it, and the raw bytes
 * live at once. States of an id: ID_FREE, ID_SMALL (in an arena), ID_RAW.
 *   malloc/calloc n: n in 1..SMALL_REQUEST_MAX -> SMALL, else RAW
 *   realloc SMALL n: stays SMALL for n in 1..SMALL_REQUEST_MAX, else RAW
 *   realloc RAW n:   stays RAW (pymalloc hands it to the raw realloc)
 * Invariant: live_bytes == sum of raw_bytes[id] over ids in state ID_RAW.
 */
enum { ID_FREE = 0, ID_SMALL = 1, ID_RAW = 2 };

struct raw_model {
    uint8_t *state;          /* per id */
    uint32_t *raw_bytes;     /* per id: what libc was asked for, 0 unless ID_RAW */
    uint64_t live_bytes;
    uint64_t peak_bytes;
};

static int is_small_request(uint32_t size)
{
    return size >= 1 && size <= SMALL_REQUEST_MAX;
}

static uint32_t raw_request(uint32_t size)
{
    return size == 0 ? RAW_ZERO_REQUEST : size;
}

static void model_bind(struct raw_model *m, uint32_t id, uint32_t size, int stays_raw)
{
    m->live_bytes -= m->raw_bytes[id];
    if (!stays_raw && is_small_request(size)) {
        m->state[id] = ID_SMALL;
        m->raw_bytes[id] = 0;
    } else {
        m->state[id] = ID_RAW;
        m->raw_bytes[id] = raw_request(size);
    }
    m->live_bytes += m->raw_bytes[id];
    if (m->live_bytes > m->peak_bytes) m->peak_bytes = m->live_bytes;
}

static void model_free(struct raw_model *m, uint32_t id)
{
    m->live_bytes -= m->raw_bytes[id];
    m->raw_bytes[id] = 0;
    m->state[id] = ID_FREE;
}

static void fail_at(const char *path, uint32_t event, const char *what)
{
    char detail[128];
    snprintf(detail, sizeof detail, "event %" PRIu32 ": %s", event, what);
    fail(path, detail);
}

/* One pass over the trace: reject what would corrupt pymalloc, model the raw side, find the leftovers. */
static void check_trace(struct trace *t, const char *path)
{
    struct raw_model m = { checked_calloc(t->nids, 1, "id states"), checked_calloc(t->nids, 4, "raw sizes"), 0, 0 };
    for (uint32_t i = 0; i < t->nevents; i++) {
        uint32_t id = t->ids[i];
        uint8_t op = t->ops[i];
        if (op >= OP_COUNT) fail_at(path, i, "unknown op");
        if (id >= t->nids) fail_at(path, i, "id >= nids");
        int live = m.state[id] != ID_FREE;
        if ((op == OP_MALLOC || op == OP_CALLOC) == live) fail_at(path, i, live ? "allocates a live id" : "frees or reallocs a free id");
        if (op == OP_FREE) model_free(&m, id);
        else model_bind(&m, id, t->sizes[i], op == OP_REALLOC && m.state[id] == ID_RAW);
    }
    t->raw_peak_bytes = m.peak_bytes;
    t->live_at_end = checked_calloc(t->nids, sizeof *t->live_at_end, "leftovers");
    for (uint32_t id = 0; id < t->nids; id++)
        if (m.state[id] != ID_FREE) t->live_at_end[t->nlive_at_end++] = id;
    free(m.state);
    free(m.raw_bytes);
}

static void load_trace(struct trace *t, const char *path)
{
    size_t length;
    uint8_t *bytes = read_file(path, &length);
    check_header(bytes, length, path);
    t->nevents = load_u32(bytes + OFF_NEVENTS);
    t->nids = load_u32(bytes + OFF_NIDS);
    decode_records(t, bytes);
    free(bytes);
    check_trace(t, path);
}

/* ---- pymalloc setup ------------------------------------------------------ */

static void *arena_alloc(void *ctx, size_t size)
{
    (void)ctx;
    if (kept_arenas.count > 0 && size == kept_arenas.arena_size) return kept_arenas.arenas[--kept_arenas.count];
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    kept_arenas.arena_size = size;
    kept_arenas.mapped++;
    return p;
}

static void arena_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (size == kept_arenas.arena_size && kept_arenas.count < KEPT_ARENAS_MAX) {
        kept_arenas.arenas[kept_arenas.count++] = ptr;
        return;
    }
    munmap(ptr, size);
    kept_arenas.mapped--;
}

/*
 * Pre-initialize only: the allocators are set up (pymalloc for the MEM and
 * OBJ domains, whatever PYTHONMALLOC says), but no interpreter is created,
 * so no Python object shares the arenas with the trace's blocks.
 */
static void setup_pymalloc(void)
{
    PyPreConfig preconfig;
    PyPreConfig_InitIsolatedConfig(&preconfig);
    preconfig.allocator = PYMEM_ALLOCATOR_PYMALLOC;
    PyStatus status = Py_PreInitialize(&preconfig);
    if (PyStatus_Exception(status)) fail("Py_PreInitialize failed", status.err_msg);
    PyObjectArenaAllocator arenas = { NULL, arena_alloc, arena_free };
    PyObject_SetArenaAllocator(&arenas);
}

/* pymalloc's arena counters, read from the text _PyObject_DebugMallocStats writes. */
struct arena_stats {
    long highwater;
    long current;
    size_t arena_size;
};

#define STATS_HIGHWATER   "# arenas highwater mark"
#define STATS_CURRENT     "# arenas allocated current"

static int starts_with(const char *line, const char *prefix)
{
    return strncmp(line, prefix, strlen(prefix)) == 0;
}

/* The value after '=' of a "# name = value" line. */
static long stats_value(const char *line)
{
    const char *eq = strchr(line, '=');
    return eq ? strtol(eq + 1, NULL, 10) : -1;
}

static void parse_stats_line(const char *line, struct arena_stats *s)
{
    long n;
    unsigned long size;
    if (starts_with(line, STATS_HIGHWATER)) s->highwater = stats_value(line);
    else if (starts_with(line, STATS_CURRENT)) s->current = stats_value(line);
    else if (sscanf(line, "%ld arenas * %lu bytes/arena", &n, &size) == 2) s->arena_size = size;
}

static struct arena_stats read_arena_stats(void)
{
    struct arena_stats s = { -1, -1, DEFAULT_ARENA_SIZE };
    FILE *f = tmpfile();
    if (!f) fail("tmpfile", strerror(errno));
    if (!_PyObject_DebugMallocStats(f)) fail("PyObject_Malloc is not pymalloc", "no arena statistics");
    rewind(f);
    char line[256];
    while (fgets(line, sizeof line, f)) parse_stats_line(line, &s);
    fclose(f);
    if (s.highwater < 0 || s.current < 0) fail("cannot find the arena counters", "in _PyObject_DebugMallocStats output");
    return s;
}

/* ---- replaying ------------------------------------------------------------ */

/*
 * The timed loop: one event per iteration straight from the decoded arrays.
 * A NULL result is remembered, not branched on; freeing or reallocating NULL
 * later is harmless, and the caller fails after the clock stops.
 */
static int replay(const struct trace *t, void **ptrs)
{
    const uint8_t *ops = t->ops;
    const uint32_t *ids = t->ids;
    const uint32_t *sizes = t->sizes;
    int null_seen = 0;
    for (uint32_t i = 0, n = t->nevents; i < n; i++) {
        uint32_t id = ids[i];
        void *p;
        switch (ops[i]) {
        case OP_FREE:
            PyObject_Free(ptrs[id]);
            continue;
        case OP_MALLOC:
            p = PyObject_Malloc(sizes[i]);
            break;
        case OP_CALLOC:
            p = PyObject_Calloc(1, sizes[i]);
            break;
        default:
            p = PyObject_Realloc(ptrs[id], sizes[i]);
            break;
        }
        null_seen |= p == NULL;
        ptrs[id] = p;
    }
    return null_seen;
}

/* Untimed: free what the trace left live, then check that pymalloc holds nothing of ours. */
static void release_leftovers(const struct trace *t, void **ptrs, Py_ssize_t blocks_before)
{
    for (uint32_t k = 0; k < t->nlive_at_end; k++) PyObject_Free(ptrs[t->live_at_end[k]]);
    Py_ssize_t left = _Py_GetAllocatedBlocks() - blocks_before;
    if (left != 0) {
        char detail[64];
        snprintf(detail, sizeof detail, "%zd blocks", left);
        fail("pymalloc still holds blocks after freeing the trace's leftovers", detail);
    }
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * NS_PER_SECOND + ts.tv_nsec;
}

/* `count` replays, each timed alone, leftovers freed off the clock; returns the summed ns. */
static long long timed_replays(const struct trace *t, void **ptrs, Py_ssize_t blocks_before, long count)
{
    long long total = 0;
    for (long k = 0; k < count; k++) {
        long long t0 = now_ns();
        int null_seen = replay(t, ptrs);
        total += now_ns() - t0;
        if (null_seen) fail("PyObject_* returned NULL", "out of memory");
        release_leftovers(t, ptrs, blocks_before);
    }
    return total;
}

/* The first pass on a fresh pymalloc: its arena highwater is the peak reserved. */
static void measure(const struct trace *t, void **ptrs, Py_ssize_t blocks_before)
{
    struct arena_stats before = read_arena_stats();
    long long ns = timed_replays(t, ptrs, blocks_before, 1);
    struct arena_stats after = read_arena_stats();
    uint64_t arena_bytes = (uint64_t)after.highwater * after.arena_size;
    printf("{\"kind\":\"measured\",\"peakReservedBytes\":%" PRIu64
           ",\"reservedParts\":{\"arenas\":%" PRIu64 ",\"raw\":%" PRIu64 "}"
           ",\"arenasHighwater\":%ld,\"arenasBefore\":%ld,\"arenaSize\":%zu,\"arenasMapped\":%zu"
           ",\"seconds\":%.9f,\"events\":%" PRIu32 "}\n",
           arena_bytes + t->raw_peak_bytes, arena_bytes, t->raw_peak_bytes, after.highwater, before.current,
           after.arena_size, kept_arenas.mapped, (double)ns / NS_PER_SECOND, t->nevents);
    fflush(stdout);
}

static void print_replayed(const struct trace *t, const char *phase, long count, long long ns)
{
    double per_event = t->nevents ? (double)ns / ((double)count * t->nevents) : 0.0;
    printf("{\"kind\":\"replayed\",\"phase\":\"%s\",\"replays\":%ld,\"ns\":%lld,\"nsPerEvent\":%.4f}\n",
           phase, count, ns, per_event);
    fflush(stdout);
}

/* ---- modes ------------------------------------------------------------------ */

static long parse_count(const char *option, const char *value, long min)
{
    char *end;
    long n = value ? strtol(value, &end, 10) : -1;
    if (!value || *end != '\0' || n < min) fail("bad count for", option);
    return n;
}

#define CMD_REPLAY "replay "

/* The bench's protocol: commands on stdin until quit or EOF. */
static void serve(const struct trace *t, void **ptrs, Py_ssize_t blocks_before)
{
    char line[COMMAND_MAX];
    int measured = 0;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strcmp(line, "quit") == 0) return;
        if (strcmp(line, "measure") == 0 && !measured) {
            measure(t, ptrs, blocks_before);
            measured = 1;
        } else if (starts_with(line, CMD_REPLAY) && measured) {
            long count = parse_count("replay", line + strlen(CMD_REPLAY), 1);
            print_replayed(t, "timed", count, timed_replays(t, ptrs, blocks_before, count));
        } else {
            fail("unexpected command", line);
        }
    }
}

/* Stand-alone: measuring pass, warm-up runs, timed runs. */
static void run_series(const struct trace *t, void **ptrs, Py_ssize_t blocks_before, long warmup, long runs, long replays)
{
    measure(t, ptrs, blocks_before);
    for (long k = 0; k < warmup; k++) print_replayed(t, "warmup", replays, timed_replays(t, ptrs, blocks_before, replays));
    for (long k = 0; k < runs; k++) print_replayed(t, "timed", replays, timed_replays(t, ptrs, blocks_before, replays));
}

int main(int argc, char **argv)
{
    if (argc < 2) fail("usage", "pymalloc-replay TRACE [--serve | --warmup N --runs N --replays N]");
    const char *path = argv[1];
    int serving = 0;
    long warmup = DEFAULT_WARMUP, runs = DEFAULT_RUNS, replays = DEFAULT_REPLAYS;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--serve") == 0) serving = 1;
        else if (strcmp(argv[i], "--warmup") == 0) warmup = parse_count("--warmup", i + 1 < argc ? argv[++i] : NULL, 0);
        else if (strcmp(argv[i], "--runs") == 0) runs = parse_count("--runs", i + 1 < argc ? argv[++i] : NULL, 1);
        else if (strcmp(argv[i], "--replays") == 0) replays = parse_count("--replays", i + 1 < argc ? argv[++i] : NULL, 1);
        else fail("unknown option", argv[i]);
    }
    struct trace t = { 0 };
    load_trace(&t, path);
    setup_pymalloc();
    void **ptrs = checked_calloc(t.nids, sizeof *ptrs, "the id -> pointer table");
    Py_ssize_t blocks_before = _Py_GetAllocatedBlocks();
    printf("{\"kind\":\"ready\",\"events\":%" PRIu32 ",\"nids\":%" PRIu32 ",\"python\":", t.nevents, t.nids);
    put_json_string(Py_GetVersion());
    printf("}\n");
    fflush(stdout);
    if (serving) serve(&t, ptrs, blocks_before);
    else run_series(&t, ptrs, blocks_before, warmup, runs, replays);
    return 0;
}
