/*
 * The libmilter reference milter of tests/perf/compare.sh (built against Debian's libmilter-dev). It does what
 * tests/Milter.Perf and pymilter_perf.py do: reads the Subject header, and at end of message adds a header, changes
 * Subject and adds a recipient. It asks the MTA to skip every step it does not use (NOBODY only when offered).
 *
 *   libmilter_perf [-N] [-O] SOCKET      SOCKET as libmilter writes it, e.g. inet:8890@127.0.0.1
 *   -N  also negotiate no reply (SMFIP_NR_*) for every step the MTA offers it for, so only end of message is
 *       answered, as the other two milters do; without it, each header is answered CONTINUE.
 *   -O  the ordinary filter of tests/Milter.Perf/OrdinaryFilter.cs instead: it also notes the sender at MAIL and
 *       judges each recipient at RCPT (answered, -N or not).
 */
#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The steps this milter has no use for. */
#define UNUSED_STEPS (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NODATA | SMFIP_NOUNKNOWN \
    | SMFIP_NOEOH | SMFIP_NOBODY)
#define NO_REPLIES (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN \
    | SMFIP_NR_EOH | SMFIP_NR_HDR | SMFIP_NR_BODY)

static int no_reply, ordinary;

/* Per connection: created at negotiation, freed at close. */
struct state {
    unsigned long protocol; /* the negotiated flags: which steps must return SMFIS_NOREPLY */
    char *subject;
    char *sender;
    int recipients;
};

static sfsistat perf_negotiate(SMFICTX *ctx, unsigned long actions, unsigned long protocol, unsigned long f2,
    unsigned long f3, unsigned long *want_actions, unsigned long *want_protocol, unsigned long *want_f2,
    unsigned long *want_f3)
{
    (void)f2;
    (void)f3;
    struct state *state = calloc(1, sizeof *state);
    if (state == NULL)
        return SMFIS_REJECT;
    *want_actions = actions & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT);
    unsigned long unused = ordinary ? UNUSED_STEPS & ~(SMFIP_NOMAIL | SMFIP_NORCPT) : UNUSED_STEPS;
    unsigned long no_replies = ordinary ? NO_REPLIES & ~SMFIP_NR_RCPT : NO_REPLIES;
    *want_protocol = protocol & (unused | (no_reply ? no_replies : 0));
    *want_f2 = *want_f3 = 0;
    state->protocol = *want_protocol;
    smfi_setpriv(ctx, state);
    return SMFIS_CONTINUE;
}

/* What a step that may not reply returns: libmilter logs an error for CONTINUE where NOREPLY was negotiated. */
static sfsistat carry_on(SMFICTX *ctx, unsigned long no_reply_flag)
{
    struct state *state = smfi_getpriv(ctx);
    return state != NULL && (state->protocol & no_reply_flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat perf_envfrom(SMFICTX *ctx, char **args)
{
    struct state *state = smfi_getpriv(ctx);
    if (state != NULL && args[0] != NULL) {
        free(state->sender);
        state->sender = strdup(args[0]);
    }
    return carry_on(ctx, SMFIP_NR_MAIL);
}

static sfsistat perf_envrcpt(SMFICTX *ctx, char **args)
{
    struct state *state = smfi_getpriv(ctx);
    if (state == NULL || args[0] == NULL)
        return SMFIS_CONTINUE;
    size_t len = strlen(args[0]);
    const char *blocked = "@blocked.example>";
    int refused = ++state->recipients > 100
        || (len >= strlen(blocked) && strcasecmp(args[0] + len - strlen(blocked), blocked) == 0)
        || (state->sender != NULL && strcmp(args[0], state->sender) == 0);
    return refused ? SMFIS_REJECT : SMFIS_CONTINUE;
}

static sfsistat perf_header(SMFICTX *ctx, char *name, char *value)
{
    struct state *state = smfi_getpriv(ctx);
    if (state != NULL && state->subject == NULL && strcasecmp(name, "Subject") == 0)
        state->subject = strdup(value);
    return carry_on(ctx, SMFIP_NR_HDR);
}

/* Called only when the MTA cannot skip the body; the body is not needed. */
static sfsistat perf_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    (void)chunk;
    (void)len;
    return carry_on(ctx, SMFIP_NR_BODY);
}

static void forget_message(struct state *state)
{
    if (state != NULL) {
        free(state->subject);
        free(state->sender);
        state->subject = state->sender = NULL;
        state->recipients = 0;
    }
}

static sfsistat perf_eom(SMFICTX *ctx)
{
    struct state *state = smfi_getpriv(ctx);
    const char *subject = state != NULL && state->subject != NULL ? state->subject : "";
    char *changed = malloc(strlen(subject) + 8);
    if (changed == NULL)
        return SMFIS_TEMPFAIL;
    strcpy(changed, "[perf] ");
    strcat(changed, subject);
    int failed = smfi_addheader(ctx, "X-Perf", "seen") != MI_SUCCESS
        || smfi_chgheader(ctx, "Subject", 1, changed) != MI_SUCCESS
        || smfi_addrcpt(ctx, "<perf-added@example.net>") != MI_SUCCESS;
    free(changed);
    forget_message(state);
    return failed ? SMFIS_TEMPFAIL : SMFIS_ACCEPT;
}

static sfsistat perf_abort(SMFICTX *ctx)
{
    forget_message(smfi_getpriv(ctx));
    return SMFIS_CONTINUE;
}

static sfsistat perf_close(SMFICTX *ctx)
{
    struct state *state = smfi_getpriv(ctx);
    forget_message(state);
    free(state);
    smfi_setpriv(ctx, NULL);
    return SMFIS_CONTINUE;
}

int main(int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "NO")) != -1) {
        if (opt == 'N') {
            no_reply = 1;
        } else if (opt == 'O') {
            ordinary = 1;
        } else {
            fprintf(stderr, "usage: libmilter_perf [-N] [-O] SOCKET\n");
            return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "usage: libmilter_perf [-N] [-O] SOCKET\n");
        return 2;
    }
    struct smfiDesc description = {
        .xxfi_name = "perf",
        .xxfi_version = SMFI_VERSION,
        .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT,
        .xxfi_envfrom = ordinary ? perf_envfrom : NULL,
        .xxfi_envrcpt = ordinary ? perf_envrcpt : NULL,
        .xxfi_header = perf_header,
        .xxfi_body = perf_body,
        .xxfi_eom = perf_eom,
        .xxfi_abort = perf_abort,
        .xxfi_close = perf_close,
        .xxfi_negotiate = perf_negotiate,
    };
    if (smfi_setconn(argv[optind]) != MI_SUCCESS || smfi_register(description) != MI_SUCCESS) {
        fprintf(stderr, "libmilter_perf: cannot set up %s\n", argv[optind]);
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
