/*
 * The MTA side of the milter protocol (version 6), as much of it as the load driver needs: the frames of one
 * message, built once, and one connection that negotiates and sends them, waiting for a reply only where the
 * milter did not negotiate it away. Written from the protocol's description, independent of our C# session engine,
 * so the driver measures all three milters the same way.
 */
#ifndef PERF_MTA_H
#define PERF_MTA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Protocol flags (SMFIP_*): the steps a milter can skip, and the replies it can do without. */
enum {
    P_NOCONNECT = 0x1, P_NOHELO = 0x2, P_NOMAIL = 0x4, P_NORCPT = 0x8, P_NOBODY = 0x10, P_NOHDRS = 0x20,
    P_NOEOH = 0x40, P_NR_HDR = 0x80, P_NOUNKNOWN = 0x100, P_NODATA = 0x200, P_NR_CONN = 0x1000,
    P_NR_HELO = 0x2000, P_NR_MAIL = 0x4000, P_NR_RCPT = 0x8000, P_NR_DATA = 0x10000, P_NR_EOH = 0x40000,
    P_NR_BODY = 0x80000,
    /* Everything version 6 defines, as Sendmail 8.17 and Postfix 3.7 offer it (no MDS_* large-frame bits). */
    P_ALL = 0x1FFFFF,
};

/* Actions (SMFIF_*): every one version 6 defines. */
enum { A_ALL = 0x1FF };

/* One frame or a run of frames, ready to write. */
struct bytes {
    char *data;
    size_t len, cap;
};

/* One step of a message: the macros and command the MTA writes, and when it may leave it out or not wait. */
struct step {
    struct bytes macros;   /* empty when the MTA sends none for this command */
    struct bytes command;
    uint32_t skip_flag;    /* the milter asked not to get this command (its macros are still sent, as Sendmail does) */
    uint32_t noreply_flag; /* the milter gives no reply to it */
    int body;              /* a body chunk: SKIP ends the body early */
};

/* The whole conversation for one message, the same for every message and connection; read-only once built. */
struct script {
    struct bytes offer;  /* OPTNEG */
    struct step *steps;  /* CONNECT to the last body chunk, in order */
    size_t nsteps;
    struct bytes eom;    /* macros at end of message, then EOB */
    struct bytes quit;
};

/* Builds the script for a message of header_count common headers (at most MAX_HEADERS), recipients recipients and
 * a body of body_bytes (0: a short text). */
void script_build(struct script *s, uint32_t offer_protocol, size_t body_bytes, int recipients, int header_count);

#define MAX_HEADERS 10

/* Frames queued before one write: enough for a message whose replies are all negotiated away, 1 MiB body included. */
#define CONN_QUEUE 256

/* One connection to the milter. */
struct conn {
    int fd;
    uint32_t actions, protocol;   /* what the milter negotiated */
    struct iovec out[CONN_QUEUE]; /* frames of the script not yet written (not copied): written when a reply is awaited */
    int nout;
    char in[16384];               /* replies; the reference milters' are all small */
    size_t in_start, in_end;
    int write_each;               /* write every frame on its own instead of batching up to the next reply */
    int quick_ack;                /* acknowledge what arrives at once instead of letting Linux delay the ACK */
};

/* Connects and negotiates; 0 on success, -1 (with a reason in err) otherwise. */
int conn_open(struct conn *c, const char *host, int port, const struct script *s, int write_each, int quick_ack,
    char *err, size_t errlen);

/* Sends one message and reads its end-of-message answer; 0 when the milter added a header, changed Subject,
 * added a recipient and accepted; -1 (with a reason in err) otherwise. */
int conn_message(struct conn *c, const struct script *s, char *err, size_t errlen);

/* The changes a milter sent at end of message, counted across one or several milters. */
struct changes {
    int added_header, changed_subject, added_recipient;
};

/* Sends one message and reads its end-of-message answer, adding the changes it carried to seen; 0 when the milter
 * accepted or continued, -1 (with a reason in err) otherwise. For a chain of milters, each gets the message in turn. */
int conn_message_changes(struct conn *c, const struct script *s, struct changes *seen, char *err, size_t errlen);

/* 0 when seen holds exactly one added header, one Subject change and one added recipient. */
int changes_expected(const struct changes *seen, char *err, size_t errlen);

/* Sends QUIT and closes. */
void conn_close(struct conn *c, const struct script *s);

#endif
