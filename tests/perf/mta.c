/* The MTA side of one milter conversation; see mta.h. */
#include "mta.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Sendmail sends the body in chunks of at most this size (MILTER_CHUNK_SIZE), and so does Postfix. */
#define BODY_CHUNK 65535

static void put(struct bytes *b, const void *data, size_t len)
{
    if (b->len + len > b->cap) {
        b->cap = (b->len + len) * 2;
        b->data = realloc(b->data, b->cap);
        if (b->data == NULL) {
            perror("realloc");
            exit(2);
        }
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void put_string(struct bytes *b, const char *text) { put(b, text, strlen(text) + 1); }

/* Starts a frame: the 4-byte length is filled in by frame_end. */
static size_t frame_begin(struct bytes *b, char command)
{
    size_t start = b->len;
    put(b, "\0\0\0\0", 4);
    put(b, &command, 1);
    return start;
}

static void frame_end(struct bytes *b, size_t start)
{
    uint32_t length = htonl((uint32_t)(b->len - start - 4));
    memcpy(b->data + start, &length, 4);
}

/* A macro packet for command `stage`: NULL-terminated name, value pairs. */
static void macros(struct bytes *b, char stage, const char *const *pairs)
{
    size_t f = frame_begin(b, 'D');
    put(b, &stage, 1);
    for (; *pairs != NULL; pairs++)
        put_string(b, *pairs);
    frame_end(b, f);
}

static struct step *add_step(struct script *s, uint32_t skip, uint32_t noreply)
{
    s->steps = realloc(s->steps, (s->nsteps + 1) * sizeof *s->steps);
    struct step *step = &s->steps[s->nsteps++];
    memset(step, 0, sizeof *step);
    step->skip_flag = skip;
    step->noreply_flag = noreply;
    return step;
}

static void text_command(struct bytes *b, char command, const char *const *strings)
{
    size_t f = frame_begin(b, command);
    for (; *strings != NULL; strings++)
        put_string(b, *strings);
    frame_end(b, f);
}

/* The headers of the message, as Sendmail hands them over: its own Received: first, values without the space after
 * the colon (no milter here negotiates HDR_LEADSPC). */
static const char *const headers[][2] = {
    {"Received", "from client.example.net (client.example.net [192.0.2.1])\n\tby mail.example.org (8.17.1.9/8.17.1.9) "
                 "with ESMTP id 55B7x1Yq012345\n\tfor <rcpt@example.net>; Tue, 3 Jun 2025 10:00:00 +0200"},
    {"From", "Sender <sender@example.org>"},
    {"To", "Recipient <rcpt@example.net>"},
    {"Subject", "Quarterly figures"},
    {"Date", "Tue, 3 Jun 2025 10:00:00 +0200"},
    {"Message-ID", "<20250603100000.12345@example.org>"},
    {"MIME-Version", "1.0"},
    {"Content-Type", "text/plain; charset=us-ascii"},
    {"Content-Transfer-Encoding", "7bit"},
    {"X-Mailer", "perfload"},
};

void script_build(struct script *s, uint32_t offer_protocol, size_t body_bytes, int recipients, int header_count)
{
    memset(s, 0, sizeof *s);
    size_t f = frame_begin(&s->offer, 'O');
    uint32_t offer[3] = {htonl(6), htonl(A_ALL), htonl(offer_protocol)};
    put(&s->offer, offer, sizeof offer);
    frame_end(&s->offer, f);

    /* The macros Sendmail 8.17 sends by default for a plain (no TLS, no AUTH) client, at the stages it sends them. */
    struct step *step = add_step(s, P_NOCONNECT, P_NR_CONN);
    macros(&step->macros, 'C', (const char *const[]){"j", "mail.example.org", "_", "client.example.net [192.0.2.1]",
        "{daemon_name}", "MTA", "{if_name}", "localhost", "{if_addr}", "127.0.0.1", NULL});
    f = frame_begin(&step->command, 'C');
    put_string(&step->command, "client.example.net");
    uint16_t port = htons(45678);
    put(&step->command, "4", 1);
    put(&step->command, &port, 2);
    put_string(&step->command, "192.0.2.1");
    frame_end(&step->command, f);

    step = add_step(s, P_NOHELO, P_NR_HELO);
    text_command(&step->command, 'H', (const char *const[]){"client.example.net", NULL});

    step = add_step(s, P_NOMAIL, P_NR_MAIL);
    macros(&step->macros, 'M', (const char *const[]){"i", "55B7x1Yq012345", "{mail_mailer}", "esmtp",
        "{mail_host}", "example.org", "{mail_addr}", "sender@example.org", NULL});
    text_command(&step->command, 'M', (const char *const[]){"<sender@example.org>", "BODY=8BITMIME", NULL});

    for (int i = 0; i < recipients; i++) {
        char address[64], local[32];
        snprintf(local, sizeof local, i == 0 ? "rcpt" : "rcpt%d", i + 1);
        snprintf(address, sizeof address, "<%s@example.net>", local);
        step = add_step(s, P_NORCPT, P_NR_RCPT);
        macros(&step->macros, 'R', (const char *const[]){"{rcpt_mailer}", "local", "{rcpt_host}", "",
            "{rcpt_addr}", local, NULL});
        text_command(&step->command, 'R', (const char *const[]){address, NULL});
    }

    step = add_step(s, P_NODATA, P_NR_DATA);
    text_command(&step->command, 'T', (const char *const[]){NULL});

    for (size_t i = 0; i < (size_t)header_count && i < sizeof headers / sizeof headers[0]; i++) {
        step = add_step(s, P_NOHDRS, P_NR_HDR);
        text_command(&step->command, 'L', (const char *const[]){headers[i][0], headers[i][1], NULL});
    }

    step = add_step(s, P_NOEOH, P_NR_EOH);
    text_command(&step->command, 'N', (const char *const[]){NULL});

    /* The body: lines of text with CRLF ends, as the MTA passes them, cut into chunks. */
    struct bytes body = {0};
    const char *line = "The figures for the quarter are attached; the summary follows in plain text here.\r\n";
    size_t target = body_bytes > 0 ? body_bytes : 1200;
    while (body.len + strlen(line) <= target)
        put(&body, line, strlen(line));
    for (size_t at = 0; at < body.len; at += BODY_CHUNK) {
        size_t n = body.len - at < BODY_CHUNK ? body.len - at : BODY_CHUNK;
        step = add_step(s, P_NOBODY, P_NR_BODY);
        step->body = 1;
        f = frame_begin(&step->command, 'B');
        put(&step->command, body.data + at, n);
        frame_end(&step->command, f);
    }
    free(body.data);

    macros(&s->eom, 'E', (const char *const[]){"{msg_id}", "<20250603100000.12345@example.org>", NULL});
    text_command(&s->eom, 'E', (const char *const[]){NULL});
    text_command(&s->quit, 'Q', (const char *const[]){NULL});
}

static int fail(char *err, size_t errlen, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(err, errlen, format, args);
    va_end(args);
    return -1;
}

static void queue(struct conn *c, const struct bytes *b)
{
    if (b->len == 0)
        return;
    c->out[c->nout].iov_base = b->data;
    c->out[c->nout].iov_len = b->len;
    c->nout++;
}

/* Writes what is queued in one writev where the kernel takes it. */
static int flush(struct conn *c, char *err, size_t errlen)
{
    struct iovec *v = c->out;
    int n = c->nout;
    while (n > 0) {
        ssize_t written = writev(c->fd, v, n);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return fail(err, errlen, "write: %s", strerror(errno));
        }
        while (n > 0 && (size_t)written >= v->iov_len) {
            written -= (ssize_t)v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + written;
            v->iov_len -= (size_t)written;
        }
    }
    c->nout = 0;
    return 0;
}

/* Queues a frame; writes at once when batching is off, or when the queue is full. */
static int send_frames(struct conn *c, const struct bytes *b, char *err, size_t errlen)
{
    queue(c, b);
    return c->write_each || c->nout == CONN_QUEUE ? flush(c, err, errlen) : 0;
}

/* Reads one reply frame: its command byte, and its payload (valid until the next read). */
static int read_frame(struct conn *c, char *command, const char **payload, size_t *len, char *err, size_t errlen)
{
    for (;;) {
        size_t have = c->in_end - c->in_start;
        if (have >= 4) {
            uint32_t length;
            memcpy(&length, c->in + c->in_start, 4);
            length = ntohl(length);
            if (length == 0 || length > sizeof c->in - 4)
                return fail(err, errlen, "reply frame of %u bytes", length);
            if (have >= 4 + length) {
                *command = c->in[c->in_start + 4];
                *payload = c->in + c->in_start + 5;
                *len = length - 1;
                c->in_start += 4 + length;
                return 0;
            }
        }
        if (c->in_start > 0) {
            memmove(c->in, c->in + c->in_start, have);
            c->in_start = 0;
            c->in_end = have;
        }
        if (c->quick_ack) {
            /* libmilter writes each reply frame on its own with Nagle on: its second frame waits for our ACK of the
             * first, which Linux would delay by ~40 ms. Quick ACKs (re-armed, as the kernel drops them) avoid it. */
            int one = 1;
            setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
        }
        ssize_t got = recv(c->fd, c->in + c->in_end, sizeof c->in - c->in_end, 0);
        if (got == 0)
            return fail(err, errlen, "the milter closed the connection");
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return fail(err, errlen, "read: %s", errno == EAGAIN ? "timed out" : strerror(errno));
        }
        c->in_end += (size_t)got;
    }
}

int conn_open(struct conn *c, const char *host, int port, const struct script *s, int write_each, int quick_ack,
    char *err, size_t errlen)
{
    c->nout = 0;
    c->in_start = c->in_end = 0;
    c->write_each = write_each;
    c->quick_ack = quick_ack;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1)
        return fail(err, errlen, "not an IPv4 address: %s", host);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0)
        return fail(err, errlen, "socket: %s", strerror(errno));
    /* Each write is a whole batch of frames, so Nagle would only delay it; a stuck milter fails the message. */
    int one = 1;
    struct timeval limit = {.tv_sec = 60};
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (connect(c->fd, (struct sockaddr *)&address, sizeof address) < 0) {
        int e = errno;
        close(c->fd);
        return fail(err, errlen, "connect: %s", strerror(e));
    }
    char command;
    const char *payload;
    size_t len;
    queue(c, &s->offer);
    if (flush(c, err, errlen) < 0 || read_frame(c, &command, &payload, &len, err, errlen) < 0) {
        close(c->fd);
        return -1;
    }
    if (command != 'O' || len < 12) {
        close(c->fd);
        return fail(err, errlen, "negotiation answered with '%c', %zu bytes", command, len);
    }
    uint32_t flags[3];
    memcpy(flags, payload, sizeof flags);
    c->actions = ntohl(flags[1]);
    c->protocol = ntohl(flags[2]);
    return 0;
}

/* The answer to a step the milter replies to: CONTINUE, or SKIP for a body chunk. */
static int step_reply(struct conn *c, const struct step *step, int *skip_body, char *err, size_t errlen)
{
    char command;
    const char *payload;
    size_t len;
    if (flush(c, err, errlen) < 0 || read_frame(c, &command, &payload, &len, err, errlen) < 0)
        return -1;
    if (command == 'c')
        return 0;
    if (command == 's' && step->body) {
        *skip_body = 1;
        return 0;
    }
    return fail(err, errlen, "answered '%c' to command '%c'", command, step->command.data[4]);
}

int conn_message_changes(struct conn *c, const struct script *s, struct changes *seen, char *err, size_t errlen)
{
    int skip_body = 0;
    for (size_t i = 0; i < s->nsteps; i++) {
        const struct step *step = &s->steps[i];
        if (send_frames(c, &step->macros, err, errlen) < 0)
            return -1;
        if ((c->protocol & step->skip_flag) || (step->body && skip_body))
            continue;
        if (send_frames(c, &step->command, err, errlen) < 0)
            return -1;
        if (!(c->protocol & step->noreply_flag) && step_reply(c, step, &skip_body, err, errlen) < 0)
            return -1;
    }
    queue(c, &s->eom);
    if (flush(c, err, errlen) < 0)
        return -1;

    /* The changes come before the verdict; PROGRESS may come in between. */
    for (;;) {
        char command;
        const char *payload;
        size_t len;
        if (read_frame(c, &command, &payload, &len, err, errlen) < 0)
            return -1;
        switch (command) {
        case 'h': /* ADDHEADER */
        case 'i': /* INSHEADER */
            seen->added_header++;
            break;
        case 'm': /* CHGHEADER: index, name, value */
            if (len > 4 && strncasecmp(payload + 4, "Subject", len - 4) == 0)
                seen->changed_subject++;
            break;
        case '+': /* ADDRCPT */
            seen->added_recipient++;
            break;
        case 'p': /* PROGRESS */
            break;
        case 'a': /* ACCEPT */
        case 'c': /* CONTINUE */
            return 0;
        default:
            return fail(err, errlen, "end of message answered '%c'", command);
        }
    }
}

int changes_expected(const struct changes *seen, char *err, size_t errlen)
{
    if (seen->added_header == 1 && seen->changed_subject == 1 && seen->added_recipient == 1)
        return 0;
    return fail(err, errlen, "end of message: %d headers added, %d Subject changes, %d recipients added; expected one of each",
        seen->added_header, seen->changed_subject, seen->added_recipient);
}

int conn_message(struct conn *c, const struct script *s, char *err, size_t errlen)
{
    struct changes seen = {0};
    if (conn_message_changes(c, s, &seen, err, errlen) < 0)
        return -1;
    return changes_expected(&seen, err, errlen);
}

void conn_close(struct conn *c, const struct script *s)
{
    char ignored[128];
    queue(c, &s->quit);
    flush(c, ignored, sizeof ignored);
    close(c->fd);
}
