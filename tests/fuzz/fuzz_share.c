/* libFuzzer target: the bytes as a share string (`qnnlab gui --state S`).
 *
 * qnn_share_decode on the bytes up to the first NUL; a refusal must say
 * what is allowed and leave the share empty. An accepted string: its
 * overrides through qnn_share_apply_overrides onto the defaults (a refusal
 * leaves the parameters unchanged), the timed changes through
 * qnn_params_set in order (as the session's replay sets them, without
 * running), qnn_params_check (1 GiB). Then the round trip, which must
 * hold (abort() otherwise): qnn_share_encode of the same preset, the state
 * the overrides gave (the defaults when they were refused), the same log
 * and final step; qnn_share_decode of that string gives the same preset,
 * log and step, and its overrides give the same value of every key but
 * threads. The encoder may refuse (-2) only where its documented limit
 * applies: a label or width list whose canonical text is over 63 bytes.
 * A version-2 string's pins take the same round trip: each pin's
 * overrides onto the defaults, qnn_share_encode_pins, decode, the same
 * logs and steps, and the same value of every key. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qnn/share.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static qnn_params def, base, q, q2, pb[QNN_SHARE_MAX_PINS];

static void same_keys(const char *s, const qnn_params *a, const qnn_params *b)
{
    static char va[FUZZ_GET], vb[FUZZ_GET];
    size_t nk;
    const qnn_key_info *keys = qnn_params_keys(&nk);
    for (size_t i = 0; i < nk; i++) {
        if (!strcmp(keys[i].name, "threads"))
            continue;
        qnn_params_get(a, keys[i].name, va, sizeof va);
        qnn_params_get(b, keys[i].name, vb, sizeof vb);
        if (strcmp(va, vb) != 0) {
            fprintf(stderr, "fuzz_share: round trip through '%s': key %s is '%s', was '%s'\n", s, keys[i].name, vb, va);
            abort();
        }
    }
}

static void round_trip(const qnn_share *sh, int applied)
{
    char err[FUZZ_ERR] = "";
    char *s = NULL;
    int rc = qnn_share_encode(sh->preset, &def, &base, sh->log, sh->nlog, sh->step, &s);
    if (rc == -2 && applied && (base.labels == QNN_LABEL_LIST || base.nwidths > 0))
        return;   /* the documented limit: a list value over 63 bytes */
    if (rc != 0 || !s) {
        fprintf(stderr, "fuzz_share: qnn_share_encode of a decoded share string returned %d\n", rc);
        abort();
    }
    qnn_share sh2;
    if (qnn_share_decode(s, &sh2, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_share: the encoder wrote '%s', which the decoder refuses: %s\n", s, err);
        abort();
    }
    int ok = !strcmp(sh2.preset, sh->preset) && sh2.step == sh->step && sh2.nlog == sh->nlog;
    for (size_t i = 0; ok && i < sh->nlog; i++)
        ok = sh2.log[i].step == sh->log[i].step && !strcmp(sh2.log[i].key, sh->log[i].key) &&
             !strcmp(sh2.log[i].value, sh->log[i].value);
    if (!ok) {
        fprintf(stderr, "fuzz_share: '%s' does not decode to the preset, log and step it was encoded from\n", s);
        abort();
    }
    if (!applied && sh2.nover != 0) {
        fprintf(stderr, "fuzz_share: '%s' has overrides though the state is the preset's\n", s);
        abort();
    }
    q2 = def;
    if (qnn_share_apply_overrides(&sh2, &q2, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_share: the overrides of the encoder's '%s' are refused: %s\n", s, err);
        abort();
    }
    same_keys(s, &base, &q2);
    qnn_share_free(&sh2);
    free(s);
}

/* The pins of an accepted string through qnn_share_encode_pins and back
 * (the main run as round_trip checks it). */
static void round_trip_pins(const qnn_share *sh, int applied)
{
    char err[FUZZ_ERR] = "";
    if (!applied || sh->npins == 0)
        return;
    if (sh->npins > QNN_SHARE_MAX_PINS) {
        fprintf(stderr, "fuzz_share: %zu pins accepted (at most %d)\n", sh->npins, QNN_SHARE_MAX_PINS);
        abort();
    }
    qnn_share_pin pins[QNN_SHARE_MAX_PINS];
    for (size_t k = 0; k < sh->npins; k++) {
        pb[k] = def;
        if (qnn_share_apply_run_overrides(&sh->pins[k], &pb[k], err, sizeof err) != 0) {
            fuzz_check_msg("qnn_share_apply_run_overrides", err);
            return;
        }
        pins[k] = (qnn_share_pin){&pb[k], sh->pins[k].log, sh->pins[k].nlog, sh->pins[k].step};
    }
    char *s = NULL;
    int rc = qnn_share_encode_pins(sh->preset, &def, &base, sh->log, sh->nlog, sh->step, pins, sh->npins, &s);
    if (rc == -2)
        return;   /* a documented limit (round_trip checks the main run's) */
    if (rc != 0 || !s) {
        fprintf(stderr, "fuzz_share: qnn_share_encode_pins of a decoded share string returned %d\n", rc);
        abort();
    }
    qnn_share sh2;
    if (qnn_share_decode(s, &sh2, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_share: the encoder wrote '%s', which the decoder refuses: %s\n", s, err);
        abort();
    }
    int ok = sh2.npins == sh->npins;
    for (size_t k = 0; ok && k < sh->npins; k++) {
        const qnn_share_run *a = &sh->pins[k], *b = &sh2.pins[k];
        ok = a->step == b->step && a->nlog == b->nlog;
        for (size_t i = 0; ok && i < a->nlog; i++)
            ok = a->log[i].step == b->log[i].step && !strcmp(a->log[i].key, b->log[i].key) &&
                 !strcmp(a->log[i].value, b->log[i].value);
        if (ok) {
            q2 = def;
            if (qnn_share_apply_run_overrides(b, &q2, err, sizeof err) != 0) {
                fprintf(stderr, "fuzz_share: pin %zu of the encoder's '%s' is refused: %s\n", k + 1, s, err);
                abort();
            }
            same_keys(s, &pb[k], &q2);
        }
    }
    if (!ok) {
        fprintf(stderr, "fuzz_share: '%s' does not decode to the pins it was encoded from\n", s);
        abort();
    }
    qnn_share_free(&sh2);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[FUZZ_ERR] = "";
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    qnn_params_default(&def);
    qnn_share sh;
    int rc = qnn_share_decode(s, &sh, err, sizeof err);
    free(s);
    if (rc != 0) {
        fuzz_check_msg("qnn_share_decode", err);
        if (sh.over || sh.log || sh.nover || sh.nlog || sh.preset[0] || sh.npins || sh.pins) {
            fprintf(stderr, "fuzz_share: a refused share string left a non-empty share\n");
            abort();
        }
        return 0;
    }
    if (!sh.preset[0] || sh.step < 0 || sh.step > QNN_SHARE_MAX_STEP) {
        fprintf(stderr, "fuzz_share: accepted with preset '%s', step %ld\n", sh.preset, sh.step);
        abort();
    }
    q = def;
    int applied = qnn_share_apply_overrides(&sh, &q, err, sizeof err) == 0;
    if (!applied) {
        fuzz_check_msg("qnn_share_apply_overrides", err);
        if (memcmp(&q, &def, sizeof q) != 0) {
            fprintf(stderr, "fuzz_share: refused overrides changed the parameters\n");
            abort();
        }
    } else {
        for (size_t i = 0; i < sh.nover && i < 32; i++)   /* bounded work */
            fuzz_check_get_set(&q, sh.over[i].key);
    }
    base = applied ? q : def;
    fuzz_params_check("qnn_params_check", &base);
    /* the timed changes, as the replay sets them */
    for (size_t i = 0; i < sh.nlog; i++) {
        err[0] = '\0';
        if (qnn_params_set(&q, sh.log[i].key, sh.log[i].value, err, sizeof err) != 0)
            fuzz_check_msg("qnn_params_set (timed change)", err);
    }
    round_trip(&sh, applied);
    round_trip_pins(&sh, applied);
    qnn_share_free(&sh);
    return 0;
}
