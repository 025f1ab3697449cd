/*
 * A load driver for milters, independent of our C# engine, so all three milters of tests/perf/compare.sh meet the
 * same MTA. It plays Sendmail's side of the protocol over TCP: offers every action and protocol option (NOBODY too,
 * unless -B), sends Sendmail's default macros, skips the steps the milter negotiated away and waits for a reply only
 * where the milter did not negotiate no-reply. Frames that need no reply go out in one write with the next one
 * that does, with TCP_NODELAY (-w: one write per frame instead), and TCP_QUICKACK is re-armed before each read
 * (-d: let Linux delay ACKs), so that no milter pays for Nagle meeting delayed ACKs: libmilter writes each reply
 * frame separately with Nagle on, and without quick ACKs every end of message with three changes waited ~40 ms.
 *
 *   perfload [-c CONNECTIONS] [-n MESSAGES] [-m PER_CONNECTION] [-b BODY_BYTES] [-r RECIPIENTS] [-h HEADERS] [-B] [-w]
 *            [-d] HOST PORT
 *       sends MESSAGES messages over CONNECTIONS concurrent connections, each connection used for PER_CONNECTION
 *       messages (default 1) then closed with QUIT; each message has RECIPIENTS recipients (default 1) and HEADERS
 *       headers (default 8, at most 10); prints one line of key=value figures. A message's latency runs
 *       from the start of its first command (from connect() for the first message of a connection) to the verdict.
 *       Every message must come back with one header added, Subject changed, one recipient added, and accepted.
 *   perfload -i COUNT HOST PORT
 *       opens COUNT negotiated connections, prints "held N of COUNT", keeps them until standard input closes.
 *
 *   PORT may be a list, PORT1,PORT2,...: a chain of milters, as Postfix's smtpd_milters = A, B, C. Each connection is
 *   then one connection to each milter, and each message goes to each milter in turn, whole (Postfix sends each
 *   command to every milter before the next command, and the content at end of data to one milter after the other:
 *   the same round trips, in a different order). The changes are counted over the chain: one of each in all.
 */
#include "mta.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static const char *host;
#define MAX_CHAIN 8
static int ports[MAX_CHAIN], nports, per_connection = 1, write_each, quick_ack = 1;
static long total;
static struct script script;
static double *latencies; /* per message, in ms; NAN for a failed one */
static atomic_long next_message, errors;
static atomic_uint negotiated_actions, negotiated_protocol;
static pthread_mutex_t first_error_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_error[256];

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void record_error(const char *reason)
{
    atomic_fetch_add(&errors, 1);
    pthread_mutex_lock(&first_error_lock);
    if (first_error[0] == '\0')
        snprintf(first_error, sizeof first_error, "%s", reason);
    pthread_mutex_unlock(&first_error_lock);
}

/* One message through every milter of the chain in turn; the changes are counted over the chain. */
static int chain_message(struct conn *chain, char *err, size_t errlen)
{
    struct changes seen = {0};
    for (int k = 0; k < nports; k++)
        if (conn_message_changes(&chain[k], &script, &seen, err, errlen) < 0)
            return -1;
    return changes_expected(&seen, err, errlen);
}

/* Takes PER_CONNECTION messages at a time, opens a connection for them, sends them, closes; until none are left. */
static void *worker(void *unused)
{
    (void)unused;
    struct conn *chain = calloc((size_t)nports, sizeof *chain);
    char err[200];
    for (;;) {
        long first = atomic_fetch_add(&next_message, per_connection);
        if (first >= total)
            break;
        long last = first + per_connection < total ? first + per_connection : total;
        double start = now_ms();
        int opened = 0;
        while (opened < nports && conn_open(&chain[opened], host, ports[opened], &script, write_each, quick_ack, err, sizeof err) == 0)
            opened++;
        if (opened < nports) {
            for (int k = 0; k < opened; k++)
                conn_close(&chain[k], &script);
            for (long i = first; i < last; i++) {
                latencies[i] = NAN;
                record_error(err);
            }
            continue;
        }
        atomic_store(&negotiated_actions, chain[0].actions);
        atomic_store(&negotiated_protocol, chain[0].protocol);
        long i = first;
        for (; i < last; i++) {
            if (chain_message(chain, err, sizeof err) < 0)
                break;
            double end = now_ms();
            latencies[i] = end - start;
            start = end;
        }
        for (long failed = i; failed < last; failed++) {
            latencies[failed] = NAN;
            record_error(err);
        }
        for (int k = 0; k < nports; k++)
            conn_close(&chain[k], &script);
    }
    free(chain);
    return NULL;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const double *sorted, long n, double p)
{
    if (n == 0)
        return NAN;
    long rank = (long)ceil(p * (double)n);
    return sorted[rank < 1 ? 0 : rank - 1];
}

/* Opens the connections one after another; a milter that refuses or drops some is reported, not fatal. */
static int hold_idle(long count)
{
    struct conn *conns = calloc((size_t)count, sizeof *conns);
    char err[200];
    long held = 0;
    for (long i = 0; i < count; i++) {
        if (conn_open(&conns[held], host, ports[0], &script, 0, quick_ack, err, sizeof err) == 0)
            held++;
        else
            record_error(err);
    }
    printf("held %ld of %ld\n", held, count);
    if (first_error[0] != '\0')
        fprintf(stderr, "perfload: first error: %s\n", first_error);
    fflush(stdout);
    char line[64];
    while (fgets(line, sizeof line, stdin) != NULL) {
    }
    for (long i = 0; i < held; i++)
        conn_close(&conns[i], &script);
    free(conns);
    return held == count ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: perfload [-c CONNECTIONS] [-n MESSAGES] [-m PER_CONNECTION] [-b BODY_BYTES] [-r RECIPIENTS] "
                    "[-h HEADERS] [-B] [-w] [-d] HOST PORT[,PORT...]\n"
                    "       perfload -i COUNT HOST PORT\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int connections = 1, recipients = 1, header_count = 8, opt;
    long idle = 0;
    size_t body_bytes = 0;
    uint32_t offer = P_ALL;
    total = 1000;
    while ((opt = getopt(argc, argv, "c:n:m:b:r:h:Bwdi:")) != -1) {
        switch (opt) {
        case 'c': connections = atoi(optarg); break;
        case 'n': total = atol(optarg); break;
        case 'm': per_connection = atoi(optarg); break;
        case 'b': body_bytes = (size_t)atol(optarg); break;
        case 'r': recipients = atoi(optarg); break;
        case 'h': header_count = atoi(optarg); break;
        case 'B': offer &= ~(uint32_t)P_NOBODY; break;
        case 'w': write_each = 1; break;
        case 'd': quick_ack = 0; break;
        case 'i': idle = atol(optarg); break;
        default: usage();
        }
    }
    if (optind + 2 != argc || connections < 1 || total < 1 || per_connection < 1 || recipients < 1 || header_count < 1
        || header_count > MAX_HEADERS)
        usage();
    host = argv[optind];
    for (char *next = argv[optind + 1], *end; nports < MAX_CHAIN; next = end + 1) {
        ports[nports++] = (int)strtol(next, &end, 10);
        if (*end != ',')
            break;
    }
    if (idle > 0 && nports > 1)
        usage();

    /* A thousand idle connections need more descriptors than the usual soft limit of 1,024. */
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    script_build(&script, offer, body_bytes, recipients, header_count);
    if (idle > 0)
        return hold_idle(idle);

    latencies = malloc((size_t)total * sizeof *latencies);
    pthread_t *threads = malloc((size_t)connections * sizeof *threads);
    double started = now_ms();
    for (int i = 0; i < connections; i++)
        pthread_create(&threads[i], NULL, worker, NULL);
    for (int i = 0; i < connections; i++)
        pthread_join(threads[i], NULL);
    double seconds = (now_ms() - started) / 1e3;

    long ok = 0;
    for (long i = 0; i < total; i++)
        if (!isnan(latencies[i]))
            latencies[ok++] = latencies[i];
    qsort(latencies, (size_t)ok, sizeof *latencies, compare_doubles);
    printf("messages=%ld errors=%ld seconds=%.3f msg_per_s=%.1f p50_ms=%.3f p99_ms=%.3f connections=%d "
           "per_connection=%d recipients=%d headers=%d body_bytes=%zu nobody_offered=%d actions=0x%x protocol=0x%x milters=%d\n",
        ok, atomic_load(&errors), seconds, ok / seconds, percentile(latencies, ok, 0.50), percentile(latencies, ok, 0.99),
        connections, per_connection, recipients, header_count, body_bytes, (offer & P_NOBODY) != 0, atomic_load(&negotiated_actions),
        atomic_load(&negotiated_protocol), nports);
    if (first_error[0] != '\0')
        fprintf(stderr, "perfload: first error: %s\n", first_error);
    return atomic_load(&errors) == 0 ? 0 : 1;
}
